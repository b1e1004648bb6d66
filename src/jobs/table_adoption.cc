// Ownership of a raw table and its adoption; the rules are in table_adoption.h.
#include "jobs/table_adoption.h"

#include <arrow/api.h>

#include <algorithm>
#include <set>
#include <string_view>

#include "delta/file_stats.h"
#include "delta/scan.h"
#include "delta/transaction.h"

namespace rp::jobs {
namespace {

// A few rounds cover a writer that committed while we looked; one that never
// stops must be stopped first.
constexpr int kAdoptAttempts = 5;

// The job id of a sync app id "<job>-<topic>-<partition>" for `topic`, or "".
std::string_view JobOfAppId(std::string_view app_id, std::string_view topic) {
  const size_t dash = app_id.rfind('-');
  if (dash == std::string_view::npos || dash + 1 == app_id.size()) return {};
  if (!std::all_of(app_id.begin() + static_cast<std::ptrdiff_t>(dash) + 1, app_id.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return {};
  }
  const std::string_view head = app_id.substr(0, dash);  // "<job>-<topic>"
  if (head.size() < topic.size() + 2 || head.substr(head.size() - topic.size()) != topic ||
      head[head.size() - topic.size() - 1] != '-') {
    return {};
  }
  return head.substr(0, head.size() - topic.size() - 1);
}

std::optional<int64_t> IntStat(const std::optional<delta::StatValue>& v) {
  if (!v || !std::holds_alternative<int64_t>(*v)) return std::nullopt;
  return std::get<int64_t>(*v);
}

void MergeMax(const std::map<int32_t, int64_t>& from, std::map<int32_t, int64_t>* into) {
  for (const auto& [partition, offset] : from) {
    auto [it, inserted] = into->emplace(partition, offset);
    if (!inserted) it->second = std::max(it->second, offset);
  }
}

}  // namespace

TableOwnership ClassifyRawTable(const delta::Snapshot& snapshot, const std::string& job_id,
                                const std::string& topic) {
  for (const auto& [app_id, txn] : snapshot.txns()) {
    if (JobOfAppId(app_id, topic) == job_id) return TableOwnership::kOurs;
  }
  return snapshot.files().empty() ? TableOwnership::kNew : TableOwnership::kForeign;
}

std::vector<std::string> SyncJobsInTable(const delta::Snapshot& snapshot, const std::string& topic) {
  std::set<std::string> jobs;
  for (const auto& [app_id, txn] : snapshot.txns()) {
    std::string_view job = JobOfAppId(app_id, topic);
    if (!job.empty()) jobs.emplace(job);
  }
  return {jobs.begin(), jobs.end()};
}

Status ForeignTableError(const delta::Snapshot& snapshot, const std::string& table_path,
                         const std::string& job_id, const std::string& topic) {
  int64_t rows = 0;
  bool rows_known = true;
  for (const auto& [path, add] : snapshot.files()) {
    auto stats =
        add.stats ? delta::ParseFileStats(*add.stats) : Result<delta::FileStats>(Status::NotFound(""));
    if (stats.ok() && stats->num_records) {
      rows += *stats->num_records;
    } else {
      rows_known = false;
    }
  }
  std::string holds = rows_known ? std::to_string(rows) + " rows in " : "";
  holds += std::to_string(snapshot.num_files()) + " files";
  std::string others;
  for (const auto& job : SyncJobsInTable(snapshot, topic)) others += (others.empty() ? "" : ", ") + job;
  std::string message =
      "table " + table_path + " holds " + holds + " but no positions of sync job '" + job_id +
      "' for topic '" + topic + "' (" +
      (others.empty() ? std::string("another writer filled it") : "it holds those of job " + others) +
      "): syncing would copy the topic again from the earliest offset; pass --adopt to resume "
      "after the highest offset of each partition found in the table";
  if (!others.empty()) message += ", or --job-id to continue that job";
  return Status::InvalidArgument(message);
}

MaxOffsetFinder::MaxOffsetFinder(std::shared_ptr<const delta::Storage> storage, RawLayout layout,
                                 std::string topic)
    : storage_(std::move(storage)), layout_(layout), topic_(std::move(topic)) {}

std::optional<std::map<int32_t, int64_t>> MaxOffsetFinder::FromStats(const delta::AddFile& add) const {
  // Stats count the rows a deletion vector removed too.
  if (!add.stats || add.deletion_vector) return std::nullopt;
  auto stats = delta::ParseFileStats(*add.stats);
  if (!stats.ok() || !stats->num_records) return std::nullopt;
  if (*stats->num_records == 0) return std::map<int32_t, int64_t>{};
  auto column = [&](std::string_view name) -> const delta::ColumnStats* {
    auto it = stats->columns.find(name);
    return it == stats->columns.end() ? nullptr : &it->second;
  };
  const delta::ColumnStats* partition = column("partition");
  const delta::ColumnStats* offset = column("offset");
  if (!partition || !offset) return std::nullopt;
  // The offset maximum is the partition's only if every row has that partition
  // (a null partition's offsets would count too).
  const std::optional<int64_t> pmin = IntStat(partition->min), pmax = IntStat(partition->max);
  if (partition->null_count != 0 || !pmin || pmin != pmax || *pmin < 0 || *pmin > INT32_MAX)
    return std::nullopt;
  const std::optional<int64_t> omax = IntStat(offset->max);
  if (!omax) return std::nullopt;
  if (layout_ == RawLayout::kKafka) {
    // Strings are cut to a prefix in stats: min = max = the topic only when
    // every row has it exactly.
    const delta::ColumnStats* topic = column("topic");
    if (!topic || topic->null_count != 0 || !topic->min || !topic->max || *topic->min != *topic->max ||
        !std::holds_alternative<std::string>(*topic->min)) {
      return std::nullopt;
    }
    const std::string& only = std::get<std::string>(*topic->min);
    if (only != topic_) {
      // Either no row is of our topic, or the stats hold a prefix of a longer name.
      if (only.size() >= static_cast<size_t>(delta::kDefaultStringPrefixLength)) return std::nullopt;
      return std::map<int32_t, int64_t>{};
    }
  }
  return std::map<int32_t, int64_t>{{static_cast<int32_t>(*pmin), *omax}};
}

Result<std::map<int32_t, int64_t>> MaxOffsetFinder::FromData(const delta::Snapshot& snapshot,
                                                             const delta::AddFile& add) const {
  delta::ScanSpec spec;
  spec.storage = storage_;
  spec.schema = snapshot.schema();
  spec.partition_columns = snapshot.partition_columns();
  spec.columns = {"partition", "offset"};
  if (layout_ == RawLayout::kKafka) spec.columns.push_back("topic");
  spec.num_threads = 1;
  // One file at a time: the memory of two columns of one file, whatever the table's size.
  RP_ASSIGN_OR_RETURN(delta::ScanResult scanned, delta::Scan({add}, spec));
  std::map<int32_t, int64_t> max;
  for (const auto& batch : scanned.batches) {
    const auto* partitions = dynamic_cast<const arrow::Int32Array*>(batch->column(0).get());
    const auto* offsets = dynamic_cast<const arrow::Int64Array*>(batch->column(1).get());
    const auto* topics = layout_ == RawLayout::kKafka
                             ? dynamic_cast<const arrow::StringArray*>(batch->column(2).get())
                             : nullptr;
    if (!partitions || !offsets || (layout_ == RawLayout::kKafka && !topics)) {
      return Status::Unsupported("the partition and offset columns of " + add.path +
                                 " are not INT and BIGINT");
    }
    for (int64_t i = 0; i < batch->num_rows(); ++i) {
      // A row without a position cannot be resumed after.
      if (partitions->IsNull(i) || offsets->IsNull(i)) continue;
      if (topics && (topics->IsNull(i) || topics->GetView(i) != topic_)) continue;
      auto [it, inserted] = max.emplace(partitions->Value(i), offsets->Value(i));
      if (!inserted) it->second = std::max(it->second, offsets->Value(i));
    }
  }
  return max;
}

Result<MaxOffsets> MaxOffsetFinder::Find(const delta::Snapshot& snapshot) {
  MaxOffsets out;
  for (const auto& [path, add] : snapshot.files()) {
    auto known = per_file_.find(path);
    if (known == per_file_.end()) {
      if (auto exact = FromStats(add)) {
        known = per_file_.emplace(path, std::move(*exact)).first;
        ++out.files_from_stats;
      } else {
        RP_ASSIGN_OR_RETURN(auto read, FromData(snapshot, add));
        known = per_file_.emplace(path, std::move(read)).first;
        ++out.files_read;
      }
    }
    MergeMax(known->second, &out.by_partition);
  }
  return out;
}

Result<Adoption> AdoptRawTable(delta::Table* table, RawLayout layout, const std::string& job_id,
                               const std::string& topic) {
  // A commit only at the version after the snapshot we counted: losing that
  // race means rows we have not counted, so we count again rather than
  // record offsets short of them.
  delta::TableOptions once = table->options();
  once.max_commit_attempts = 1;
  RP_ASSIGN_OR_RETURN(auto handle, delta::Table::Open(table->path(), once));
  MaxOffsetFinder finder(table->storage(), layout, topic);
  Adoption adoption;
  for (int attempt = 0; attempt < kAdoptAttempts; ++attempt) {
    RP_ASSIGN_OR_RETURN(auto snapshot, handle->Refresh());
    if (ClassifyRawTable(*snapshot, job_id, topic) == TableOwnership::kOurs) {
      return Status::Conflict("another instance of sync job '" + job_id + "' adopted " + table->path() +
                              " first");
    }
    RP_ASSIGN_OR_RETURN(MaxOffsets max, finder.Find(*snapshot));
    adoption.files_from_stats += max.files_from_stats;
    adoption.files_read += max.files_read;
    adoption.last_offsets = std::move(max.by_partition);
    if (adoption.last_offsets.empty()) return adoption;  // files without rows: nothing to record
    delta::Transaction txn = handle->NewTransaction();
    for (const auto& [partition, offset] : adoption.last_offsets) {
      txn.SetTxn(SyncAppId(job_id, topic, partition), offset);
    }
    Result<int64_t> version =
        txn.Commit("STREAMING UPDATE", {{"outputMode", "Append"}, {"queryId", job_id}, {"epochId", "adopt"}});
    if (version.ok()) {
      adoption.version = *version;
      RP_RETURN_IF_ERROR(table->Refresh().status());
      return adoption;
    }
    if (!version.status().IsConflict()) return version.status();
  }
  return Status::Conflict("table " + table->path() + " kept changing while its offsets were counted (" +
                          std::to_string(kAdoptAttempts) +
                          " times); nothing was recorded: stop its other writer and start again");
}

}  // namespace rp::jobs
