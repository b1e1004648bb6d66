// `reprocessor optimize`: compact a table's small files (delta/optimize.h).
//
//   reprocessor optimize --table T [--where "year = 2025 AND month = 9"] [--target-file-size 64MiB]
//
// --where takes a conjunction of comparisons of partition columns with
// literals (=, <, <=, >, >=): compaction plans whole partitions, so a data
// column there would be a promise it cannot keep, and is refused.
#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/storage_options.h"
#include "delta/optimize.h"
#include "delta/table.h"
#include "jobs/raw_table.h"

namespace rp::cli {
namespace {

struct OptimizeFlags {
  std::string table;
  StorageFlags storage;
  std::string where;
  int64_t target_file_size = 64LL << 20;
};

std::string Trim(std::string s) {
  auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), space));
  s.erase(std::find_if_not(s.rbegin(), s.rend(), space).base(), s.end());
  return s;
}

// Splits on the keyword AND (any case) between terms.
std::vector<std::string> SplitAnd(const std::string& text) {
  std::vector<std::string> terms;
  std::string upper = text;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  size_t start = 0;
  for (size_t at; (at = upper.find(" AND ", start)) != std::string::npos; start = at + 5) {
    terms.push_back(Trim(text.substr(start, at - start)));
  }
  terms.push_back(Trim(text.substr(start)));
  return terms;
}

Result<delta::ColumnRange> ParseComparison(const std::string& term,
                                           const std::vector<std::string>& partition_columns) {
  static const char* kOps[] = {"<=", ">=", "=", "<", ">"};  // two-character operators first
  for (const char* op : kOps) {
    const size_t at = term.find(op);
    if (at == std::string::npos) continue;
    const std::string column = Trim(term.substr(0, at));
    std::string literal = Trim(term.substr(at + std::string(op).size()));
    if (column.empty() || literal.empty()) break;
    if (std::find(partition_columns.begin(), partition_columns.end(), column) == partition_columns.end()) {
      return Status::InvalidArgument("--where: '" + column + "' is not a partition column of the table");
    }
    delta::Literal value;
    if (literal.size() >= 2 && (literal.front() == '\'' || literal.front() == '"') &&
        literal.back() == literal.front()) {
      value = literal.substr(1, literal.size() - 2);
    } else {
      try {
        size_t used = 0;
        value = static_cast<int64_t>(std::stoll(literal, &used));
        if (used != literal.size()) throw std::invalid_argument(literal);
      } catch (const std::exception&) {
        return Status::InvalidArgument("--where: '" + literal +
                                       "' is neither an integer nor a quoted string");
      }
    }
    const std::string o = op;
    if (o == "=") return delta::ColumnRange::Eq(column, value);
    if (o == "<") return delta::ColumnRange::Lt(column, value);
    if (o == "<=") return delta::ColumnRange::Le(column, value);
    if (o == ">") return delta::ColumnRange::Gt(column, value);
    return delta::ColumnRange::Ge(column, value);
  }
  return Status::InvalidArgument("--where: cannot read '" + term +
                                 "' (expected: column op literal, op one of = < <= > >=)");
}

int RunOptimize(const OptimizeFlags& flags) {
  auto storage = flags.storage.Resolve(flags.table);
  if (!storage.ok()) return ReportError(storage.status());
  delta::TableOptions table_options;
  table_options.storage = *storage;
  auto table = delta::Table::Open(flags.table, table_options);
  if (!table.ok()) {
    return ReportError(table.status().IsNotFound() ? Status::InvalidArgument(table.status().message())
                                                   : table.status());
  }
  const auto snap = (*table)->snapshot();
  delta::OptimizeOptions options;
  options.target_file_size = flags.target_file_size;
  if (!Trim(flags.where).empty()) {
    delta::Conjunction all;
    for (const std::string& term : SplitAnd(flags.where)) {
      auto range = ParseComparison(term, snap->partition_columns());
      if (!range.ok()) return ReportError(range.status());
      all.push_back(*range);
    }
    options.where = delta::Filter::Where(std::move(all));
  }
  // Raw tables: each new file in (partition, offset) order, so its offset
  // statistics stay as tight as sync's own files'.
  const auto& schema = *snap->schema();
  if (schema.GetFieldIndex("partition") >= 0 && schema.GetFieldIndex("offset") >= 0) {
    options.sort_columns = {"partition", "offset"};
  }
  if (snap->metadata().configuration.count(jobs::kConfigLayout)) {
    auto settings = jobs::ReadRawTableSettings(snap->metadata().configuration);
    if (!settings.ok()) return ReportError(settings.status());
    options.writer = jobs::RawTableWriterOptions(settings->layout);
  }
  auto metrics = delta::Optimize(table->get(), options);
  if (!metrics.ok()) return ReportError(metrics.status());
  std::cout << metrics->ToString() << std::endl;
  return kExitOk;
}

}  // namespace

void AddOptimizeCommand(CLI::App& app, CommandAction* action) {
  auto flags = std::make_shared<OptimizeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "optimize", "Compact small files into larger ones (no data change; safe beside a running sync)");
  cmd->add_option("--table", flags->table, "Table path")->required();
  cmd->add_option(
      "--where", flags->where,
      "Only these partitions: comparisons of partition columns joined by AND, e.g. \"year = 2025 AND "
      "month >= 9\"");
  cmd->add_option(
         "--target-file-size", flags->target_file_size,
         "Size a rewritten file aims for; files this large are left alone (bytes, or with a unit: 64MiB)")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  flags->storage.AddTo(cmd, /*with_config=*/true);
  cmd->callback([flags, action] { *action = [flags] { return RunOptimize(*flags); }; });
}

}  // namespace rp::cli
