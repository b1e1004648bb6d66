// How a subcommand plugs into the `reprocessor` binary: it registers its
// flags on a CLI11 subcommand and, once parsing succeeds, leaves behind the
// action to run. Flag values live in a shared struct owned by that action.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "common/status.h"

namespace rp::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // a runtime failure (broker down, I/O error, …)
inline constexpr int kExitUsage = 2;    // bad flags, config or arguments
inline constexpr int kExitRejected = 3; // ran, but some input records were rejected

using CommandAction = std::function<int()>;

// Each command file defines one of these.
void AddTransformCommand(CLI::App& app, CommandAction* action);
void AddReadTopicCommand(CLI::App& app, CommandAction* action);
void AddStreamCommand(CLI::App& app, CommandAction* action);
void AddSyncCommand(CLI::App& app, CommandAction* action);
void AddReprocessCommand(CLI::App& app, CommandAction* action);
void AddReadTableCommand(CLI::App& app, CommandAction* action);
void AddDemoCommand(CLI::App& app, CommandAction* action);
void AddOptimizeCommand(CLI::App& app, CommandAction* action);
void AddVacuumCommand(CLI::App& app, CommandAction* action);
void AddLagCommand(CLI::App& app, CommandAction* action);

// Prints "reprocessor: <message>" on one line and returns the exit code that
// fits the status: kExitUsage for InvalidArgument, kExitFailure otherwise.
int ReportError(const Status& status);

}  // namespace rp::cli
