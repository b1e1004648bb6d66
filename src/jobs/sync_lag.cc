#include "jobs/sync_lag.h"

#include <algorithm>
#include <set>

#include "delta/table.h"
#include "jobs/raw_table.h"

namespace rp::jobs {
namespace {

// The job ids of the txn app ids that name `topic`'s partitions
// (SyncAppId: "<job>-<topic>-<partition>").
std::set<std::string> JobsWithPositions(const delta::Snapshot& snapshot, const std::string& topic) {
  std::set<std::string> jobs;
  const std::string middle = "-" + topic + "-";
  for (const auto& [app_id, txn] : snapshot.txns()) {
    const size_t digits = app_id.find_last_not_of("0123456789") + 1;
    if (digits == app_id.size() || digits < middle.size()) continue;
    if (app_id.compare(digits - middle.size(), middle.size(), middle) != 0) continue;
    if (digits > middle.size()) jobs.insert(app_id.substr(0, digits - middle.size()));
  }
  return jobs;
}

}  // namespace

SyncLag ComputeSyncLag(const delta::Snapshot& snapshot, const std::string& job_id, const std::string& topic,
                       const std::map<int32_t, kafka::Watermarks>& watermarks) {
  SyncLag lag;
  lag.topic = topic;
  lag.job_id = job_id;
  lag.table_version = snapshot.version();
  for (const auto& [partition, marks] : watermarks) {
    PartitionLag p;
    p.partition = partition;
    p.end_offset = marks.high;
    int64_t next = marks.low;
    auto txn = snapshot.txns().find(SyncAppId(job_id, topic, partition));
    if (txn != snapshot.txns().end()) {
      p.committed_offset = txn->second.version;
      p.last_commit_ms = txn->second.last_updated;
      // Records between the table's next offset and the first one the topic
      // still holds are gone, not pending: sync cannot copy them any more.
      next = std::max(next, txn->second.version + 1);
    }
    p.lag = std::max<int64_t>(0, marks.high - next);
    lag.total_lag += p.lag;
    lag.partitions.push_back(p);
  }
  return lag;
}

Result<SyncLag> MeasureSyncLag(const SyncLagOptions& options) {
  delta::TableOptions table_options;
  table_options.storage = options.storage;
  table_options.read_only = true;
  auto table = delta::Table::Open(options.table_path, table_options);
  if (!table.ok()) {
    // "no Delta table at …": the caller's mistake, like a bad flag.
    if (table.status().IsNotFound()) return Status::InvalidArgument(table.status().message());
    return table.status();
  }
  const std::shared_ptr<const delta::Snapshot> snapshot = (*table)->snapshot();
  RP_ASSIGN_OR_RETURN(RawTableSettings settings, ReadRawTableSettings(snapshot->metadata().configuration));
  std::string topic = options.topic;
  if (topic.empty()) topic = settings.source_topic.value_or("visits");
  if (settings.source_topic && *settings.source_topic != topic) {
    return Status::InvalidArgument("table " + options.table_path + " holds topic " + *settings.source_topic +
                                   ", not " + topic);
  }
  const std::set<std::string> jobs = JobsWithPositions(*snapshot, topic);
  if (!jobs.empty() && !jobs.count(options.job_id)) {
    std::string names;
    for (const auto& j : jobs) names += (names.empty() ? "" : ", ") + j;
    return Status::InvalidArgument("table " + options.table_path + " holds the positions of job " + names +
                                   " for topic " + topic + ", none of job " + options.job_id +
                                   " (give the sync job's --job-id or --group)");
  }
  RP_ASSIGN_OR_RETURN(auto watermarks, kafka::TopicWatermarks(options.kafka, topic, options.timeout));
  return ComputeSyncLag(*snapshot, options.job_id, topic, watermarks);
}

}  // namespace rp::jobs
