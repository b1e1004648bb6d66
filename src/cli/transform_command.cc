// `reprocessor transform`: the shared logic on stdin/stdout, no Kafka needed.
// One raw value per line in, one output value per line out; a rejected
// record prints "ERROR <line> <reason>" on stderr and processing continues.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "logic/visit_transform.h"

namespace rp::cli {
namespace {

struct TransformFlags {
  std::optional<std::string> timezone;
  bool strict = false;
};

int RunTransform(const TransformFlags& flags) {
  logic::TransformOptions options;
  if (flags.timezone) {
    auto zone = logic::TimeZone::Find(*flags.timezone);
    if (!zone.ok()) return ReportError(zone.status());
    options.zone = *zone;
  }
  options.strict = flags.strict;
  logic::VisitTransformer transformer(options);

  std::ios::sync_with_stdio(false);
  std::string line, out;
  int64_t line_number = 0, rejected = 0;
  while (std::getline(std::cin, line)) {
    ++line_number;
    if (auto rejection = transformer.Transform(line, &out)) {
      ++rejected;
      std::cerr << "ERROR " << line_number << ' ' << logic::RejectReasonName(rejection->reason);
      if (!rejection->detail.empty()) std::cerr << ": " << rejection->detail;
      std::cerr << '\n';
      continue;
    }
    out.push_back('\n');
    std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
  }
  std::cout.flush();
  if (!std::cout) return ReportError(Status::IOError("cannot write to stdout"));
  return rejected == 0 ? kExitOk : kExitRejected;
}

}  // namespace

void AddTransformCommand(CLI::App& app, CommandAction* action) {
  auto flags = std::make_shared<TransformFlags>();
  CLI::App* cmd = app.add_subcommand(
      "transform", "Apply the visits logic to raw values on stdin (one per line); print results on stdout");
  cmd->add_option("--timezone", flags->timezone, "Zone for timestamps without one (default: the machine's)");
  cmd->add_flag("--strict", flags->strict, "Also reject records with a missing, null or mistyped field");
  cmd->callback([flags, action] { *action = [flags] { return RunTransform(*flags); }; });
}

}  // namespace rp::cli
