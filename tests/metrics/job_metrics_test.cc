// JobMetrics: what a scrape shows, under Prometheus's naming rules.
#include "metrics/job_metrics.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "metrics_test_util.h"

namespace rp::metrics {
namespace {

TEST(JobMetrics, NamesFollowPrometheusConventions) {
  const auto types = Types(BusyMetrics()->Render());
  ASSERT_GE(types.size(), 20u);
  for (const auto& [name, type] : types) {
    EXPECT_EQ(name.rfind("reprocessor_", 0), 0u) << name;
    const bool total = name.size() > 6 && name.substr(name.size() - 6) == "_total";
    // _total on counters, and only on counters.
    EXPECT_EQ(total, type == "counter") << name << " is a " << type;
    for (char c : name) EXPECT_TRUE(std::islower(static_cast<unsigned char>(c)) || c == '_') << name;
  }
  // Base units: seconds and bytes, never ms or KiB.
  EXPECT_EQ(types.at("reprocessor_delta_commit_duration_seconds"), "histogram");
  EXPECT_EQ(types.at("reprocessor_last_commit_age_seconds"), "gauge");
  EXPECT_EQ(types.at("reprocessor_input_bytes_total"), "counter");
  EXPECT_EQ(types.at("reprocessor_consumer_lag_records"), "gauge");
}

TEST(JobMetrics, RendersWhatTheJobRecorded) {
  const auto samples = Samples(BusyMetrics()->Render());
  EXPECT_EQ(samples.at("reprocessor_input_records_total"), "10");
  EXPECT_EQ(samples.at("reprocessor_input_bytes_total"), "1000");
  EXPECT_EQ(samples.at("reprocessor_output_records_total"), "7");
  EXPECT_EQ(samples.at("reprocessor_output_bytes_total"), "700");
  EXPECT_EQ(samples.at("reprocessor_filtered_records_total"), "1");
  EXPECT_EQ(samples.at("reprocessor_dead_lettered_records_total{reason=\"invalid_json\"}"), "2");
  EXPECT_EQ(samples.at("reprocessor_delta_commits_total{table=\"data\"}"), "1");
  EXPECT_EQ(samples.at("reprocessor_delta_commits_total{table=\"dead_letter\"}"), "1");
  EXPECT_EQ(samples.at("reprocessor_delta_commit_duration_seconds_count"), "1");
  EXPECT_EQ(samples.at("reprocessor_delta_commit_duration_seconds_bucket{le=\"0.025\"}"), "0");
  EXPECT_EQ(samples.at("reprocessor_delta_commit_duration_seconds_bucket{le=\"0.05\"}"), "1");
  EXPECT_EQ(samples.at("reprocessor_delta_files_written_total"), "2");
  EXPECT_EQ(samples.at("reprocessor_delta_written_bytes_total"), "4096");
  EXPECT_EQ(samples.at("reprocessor_delta_compactions_total"), "1");
  EXPECT_EQ(samples.at("reprocessor_delta_table_version"), "6");
  EXPECT_EQ(samples.at("reprocessor_consumer_lag_records{partition=\"0\",topic=\"visits\"}"), "3");
  EXPECT_EQ(samples.at("reprocessor_consumer_lag_records{partition=\"1\",topic=\"visits\"}"), "0");
  EXPECT_EQ(samples.at("reprocessor_consumer_assigned_partitions"), "2");
  EXPECT_EQ(samples.at("reprocessor_producer_queue_messages"), "4");
  EXPECT_EQ(samples.at("reprocessor_producer_delivery_errors_total"), "1");
  EXPECT_EQ(samples.at("reprocessor_producer_retries_total"), "2");
  EXPECT_EQ(samples.at("reprocessor_reprocess_rows"), "20");
  EXPECT_EQ(samples.at("reprocessor_reprocess_rows_processed_total"), "10");
  EXPECT_EQ(samples.at("reprocessor_build_info{arrow_version=\"22.0.0\",command=\"sync\",commit=\"abc123\","
                       "librdkafka_version=\"2.12.1\",version=\"0.3.0\"}"),
            "1");
}

TEST(JobMetrics, TheTableVersionOnlyRises) {
  JobMetrics m(TestBuild());
  m.SetTableVersion(9);
  m.Compaction(8);  // a compaction that committed before a later append was seen
  EXPECT_EQ(Samples(m.Render()).at("reprocessor_delta_table_version"), "9");
}

TEST(JobMetrics, RevokedPartitionsLoseTheirLagSeries) {
  JobMetrics m(TestBuild());
  m.SetPartitions({{"visits", 0, 5}, {"visits", 1, std::nullopt}});
  auto samples = Samples(m.Render());
  EXPECT_EQ(samples.at("reprocessor_consumer_lag_records{partition=\"1\",topic=\"visits\"}"), "0");
  m.SetPartitions({{"visits", 1, 4}});
  samples = Samples(m.Render());
  EXPECT_EQ(samples.count("reprocessor_consumer_lag_records{partition=\"0\",topic=\"visits\"}"), 0u);
  EXPECT_EQ(samples.at("reprocessor_consumer_lag_records{partition=\"1\",topic=\"visits\"}"), "4");
  EXPECT_EQ(samples.at("reprocessor_consumer_assigned_partitions"), "1");
  EXPECT_EQ(m.health().Snapshot().lag_records, 4);
}

TEST(JobMetrics, DeadLetterReasonsAreBoundedInNumber) {
  JobMetrics m(TestBuild());
  for (size_t i = 0; i < kMaxDeadLetterReasons + 10; ++i)
    m.RecordsDeadLettered("reason_" + std::to_string(i));
  m.RecordsDeadLettered("reason_0");  // a known reason keeps its own series
  const auto samples = Samples(m.Render());
  size_t series = 0;
  for (const auto& [key, value] : samples)
    series += key.rfind("reprocessor_dead_lettered_records_total", 0) == 0;
  EXPECT_EQ(series, kMaxDeadLetterReasons + 1);
  EXPECT_EQ(samples.at("reprocessor_dead_lettered_records_total{reason=\"other\"}"), "10");
  EXPECT_EQ(samples.at("reprocessor_dead_lettered_records_total{reason=\"reason_0\"}"), "2");
}

TEST(JobMetrics, ProducerCountersFollowTheProducersTotals) {
  JobMetrics m(TestBuild());
  m.SetProducerState(0, 3, 5);
  m.SetProducerState(0, 3, 8);
  auto samples = Samples(m.Render());
  EXPECT_EQ(samples.at("reprocessor_producer_delivery_errors_total"), "3");
  EXPECT_EQ(samples.at("reprocessor_producer_retries_total"), "8");
  m.SetProducerState(0, 1, 1);  // a new producer starts its totals again
  samples = Samples(m.Render());
  EXPECT_EQ(samples.at("reprocessor_producer_delivery_errors_total"), "4");
  EXPECT_EQ(samples.at("reprocessor_producer_retries_total"), "9");
}

TEST(JobMetrics, FreshnessIsComputedAtTheScrape) {
  JobMetrics m(TestBuild());
  m.health().SetPhase(JobPhase::kRunning);
  EXPECT_EQ(Samples(m.Render()).at("reprocessor_last_commit_timestamp_seconds"), "0");
  m.Committed();
  const double stamp = std::atof(Samples(m.Render()).at("reprocessor_last_commit_timestamp_seconds").c_str());
  EXPECT_GT(stamp, 1.7e9);  // a Unix time
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const double age = std::atof(Samples(m.Render()).at("reprocessor_last_commit_age_seconds").c_str());
  EXPECT_GE(age, 0.3);
  EXPECT_LT(age, 30);
}

TEST(JobMetrics, ScrapeHooksRunAtEachScrapeUntilTheirHandleGoes) {
  JobMetrics m(TestBuild());
  int queued = 3, runs = 0;
  {
    ScrapeHook hook = m.OnScrape([&] {
      ++runs;
      m.SetProducerState(queued, 0, 0);
    });
    EXPECT_EQ(Samples(m.Render()).at("reprocessor_producer_queue_messages"), "3");
    queued = 7;
    EXPECT_EQ(Samples(m.Render()).at("reprocessor_producer_queue_messages"), "7");
  }
  queued = 11;
  EXPECT_EQ(Samples(m.Render()).at("reprocessor_producer_queue_messages"), "7");
  EXPECT_EQ(runs, 2);
}

}  // namespace
}  // namespace rp::metrics
