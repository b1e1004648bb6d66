// Test support: run the jobs as real processes against the shared test broker.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/kafka_io.h"
#include "support/local_broker.h"
#include "support/process.h"

namespace rp::testing {

// argv for `reprocessor <args…> -b <shared broker>`.
std::vector<std::string> JobArgs(std::vector<std::string> args);

// A seed-shaped record: {"event_id":"e<n>","visit_id":<n>,"event_time":<base + n minutes>,"page":"p<n>"}.
std::string VisitRecord(int n);

// Runs `sync` for `topic` into `table` until the table holds `rows` rows
// (by stats), then stops it with SIGTERM. Fails the test on timeout.
// `extra_args` go after the defaults (e.g. {"--layout", "seed"});
// `table_args` too, and to every command that looks at the table (e.g.
// --storage-option ... for an s3:// table).
void SyncUntil(const std::string& topic, const std::string& table, int64_t rows, const std::string& log_dir,
               const std::vector<std::string>& extra_args = {},
               const std::vector<std::string>& table_args = {});

// The row count of a table from its stats (table-info with `table_args`), or -1.
int64_t TableRows(const std::string& table, const std::vector<std::string>& table_args = {});

// Runs Python (the project venv, with deltalake/pyarrow) on `code`; returns stdout.
ProcessResult RunPython(const std::string& code);

}  // namespace rp::testing
