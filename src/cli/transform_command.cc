// `reprocessor transform`: the chosen logic on stdin/stdout, no Kafka needed.
// One raw value per line in, one output value per line out (a null output
// value prints an empty line); a rejected record prints
// "ERROR <line> <reason>: <detail>" on stderr, a filtered one
// "FILTERED <line>", and processing continues. Each line is a record of topic
// "stdin", partition 0, offset line - 1, without key, headers or timestamp.
// With --records, each line is a whole record in and its result out as JSON
// (cli/record_lines.h); a line that is not a record is reported like a
// rejection ("ERROR <line> bad_record: …").
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/logic_flags.h"
#include "cli/record_lines.h"
#include "logic/logic.h"

namespace rp::cli {
namespace {

struct TransformFlags {
  LogicFlags logic;
  std::optional<std::string> timezone;
  bool strict = false;
  bool records = false;
};

int RunTransform(const TransformFlags& flags) {
  auto spec = flags.logic.Resolve();
  if (!spec.ok()) return ReportError(spec.status());
  if (flags.timezone) {
    auto zone = logic::TimeZone::Find(*flags.timezone);
    if (!zone.ok()) return ReportError(zone.status());
    spec->visits.zone = *zone;
  }
  spec->visits.strict = flags.strict;
  auto opened = logic::OpenLogic(*spec);
  if (!opened.ok()) return ReportError(opened.status());
  logic::Logic& logic = **opened;

  std::ios::sync_with_stdio(false);
  std::string line;
  logic::OutputRecord out;
  logic::LogicRejection rejection;
  int64_t line_number = 0, rejected = 0;
  RecordLine record;
  while (std::getline(std::cin, line)) {
    ++line_number;
    if (flags.records) {
      Status parsed = ParseRecordLine(line, line_number - 1, &record);
      if (!parsed.ok()) {
        ++rejected;
        std::cerr << "ERROR " << line_number << " bad_record: " << parsed.message() << '\n';
        continue;
      }
      const logic::Outcome outcome = logic.Apply(record.input, &out, &rejection);
      if (outcome == logic::Outcome::kRejected) ++rejected;
      std::cout << FormatRecordResult(record.input, outcome, out, rejection) << '\n';
      continue;
    }
    logic::InputRecord in;
    in.value = line;
    in.topic = "stdin";
    in.offset = line_number - 1;
    switch (logic.Apply(in, &out, &rejection)) {
      case logic::Outcome::kRejected:
        ++rejected;
        std::cerr << "ERROR " << line_number << ' ' << rejection.reason;
        if (!rejection.detail.empty()) std::cerr << ": " << rejection.detail;
        std::cerr << '\n';
        break;
      case logic::Outcome::kFiltered:
        std::cerr << "FILTERED " << line_number << '\n';
        break;
      case logic::Outcome::kOutput:
        if (out.value) std::cout.write(out.value->data(), static_cast<std::streamsize>(out.value->size()));
        std::cout.put('\n');
        break;
    }
  }
  std::cout.flush();
  if (!std::cout) return ReportError(Status::IOError("cannot write to stdout"));
  return rejected == 0 ? kExitOk : kExitRejected;
}

}  // namespace

void AddTransformCommand(CLI::App& app, CommandAction* action) {
  auto flags = std::make_shared<TransformFlags>();
  CLI::App* cmd = app.add_subcommand(
      "transform", "Apply the logic to raw values on stdin (one per line); print results on stdout");
  flags->logic.AddTo(cmd);
  cmd->add_option("--timezone", flags->timezone, "Zone for timestamps without one (default: the machine's)");
  cmd->add_flag("--strict", flags->strict, "Also reject records with a missing, null or mistyped field");
  cmd->add_flag("--records", flags->records,
                "Read and write whole records as JSON lines (key, value, headers, partition; "
                "bytes as text or {\"base64\": …})");
  cmd->callback([flags, action] { *action = [flags] { return RunTransform(*flags); }; });
}

}  // namespace rp::cli
