#include "support/jobs.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>

namespace rp::testing {

std::vector<std::string> JobArgs(std::vector<std::string> args) {
  args.insert(args.begin(), ReprocessorBinary());
  args.push_back("-b");
  args.push_back(SharedBroker().bootstrap());
  return args;
}

std::string VisitRecord(int n) {
  int minutes = n % (48 * 60);
  char buf[256];
  std::snprintf(buf, sizeof buf,
                R"({"event_id":"e%d","visit_id":%d,"event_time":"2025-09-%02dT%02d:%02d:00","page":"p%d"})",
                n, n, 4 + minutes / (24 * 60), (minutes / 60) % 24, minutes % 60, n);
  return buf;
}

int64_t TableRows(const std::string& table, const std::vector<std::string>& table_args) {
  std::vector<std::string> argv = {ReprocessorBinary(), "table-info", "--table", table, "--format", "json"};
  argv.insert(argv.end(), table_args.begin(), table_args.end());
  ProcessResult r = RunProcess(argv);
  if (r.exit_code != 0) return -1;
  auto pos = r.out.find("\"rows\":");
  if (pos == std::string::npos) return -1;
  return std::atoll(r.out.c_str() + pos + 7);
}

void SyncUntil(const std::string& topic, const std::string& table, int64_t rows, const std::string& log_dir,
               const std::vector<std::string>& extra_args, const std::vector<std::string>& table_args) {
  std::vector<std::string> args = {"sync", "--topic", topic, "--table", table, "--timezone", "UTC"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  args.insert(args.end(), table_args.begin(), table_args.end());
  BackgroundProcess sync(JobArgs(args), log_dir + "/sync-" + topic + ".log");
  ASSERT_TRUE(WaitFor([&] { return TableRows(table, table_args) >= rows; }, 120000)) << LogOf(sync);
  sync.Signal(SIGTERM);
  ASSERT_EQ(sync.Wait(30000), 0) << LogOf(sync);
}

ProcessResult RunPython(const std::string& code) {
  // os._exit skips interpreter teardown, where pyarrow/delta-rs threads have
  // been seen to abort ("terminate called without an active exception").
  return RunProcess({std::string(RP_SOURCE_DIR) + "/.venv/bin/python", "-c",
                     code + "\nimport os, sys\nsys.stdout.flush()\nsys.stderr.flush()\nos._exit(0)\n"});
}

}  // namespace rp::testing
