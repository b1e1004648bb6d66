// `reprocessor read-topic`: prints a topic from its earliest offset to its end
// as of the start, ordered by partition then offset.
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/kafka_options.h"
#include "cli/show_table.h"
#include "common/json_string.h"
#include "common/utf8.h"
#include "kafka/topic_snapshot.h"

namespace rp::cli {
namespace {

struct ReadTopicFlags {
  KafkaOptions kafka;
  std::string topic;
  std::string format = "table";
};

void AppendJsonOrNull(const std::optional<std::string>& s, std::string* out) {
  if (s) AppendJsonString(ToValidUtf8(*s), out);
  else out->append("null");
}

int RunReadTopic(const ReadTopicFlags& flags) {
  auto config = flags.kafka.Resolve();
  if (!config.ok()) return ReportError(config.status());
  auto records = kafka::ReadTopicSnapshot(*config, flags.topic);
  if (!records.ok()) {
    // A topic that does not exist is the caller's mistake, like a bad flag.
    if (records.status().IsNotFound()) return ReportError(Status::InvalidArgument(records.status().message()));
    return ReportError(records.status());
  }

  if (flags.format == "table") {
    // Spark's CAST(value AS STRING): bytes decoded as UTF-8 with replacement.
    std::vector<std::vector<Cell>> rows;
    rows.reserve(records->size());
    for (const auto& r : *records) {
      rows.push_back({r.value ? Cell(ToValidUtf8(*r.value)) : Cell(), std::to_string(r.partition),
                      std::to_string(r.offset)});
    }
    ShowTable({"value", "partition", "offset"}, rows, std::cout);
  } else {
    std::string line;
    for (const auto& r : *records) {
      line.clear();
      line += "{\"value\":";
      AppendJsonOrNull(r.value, &line);
      line += ",\"partition\":" + std::to_string(r.partition) + ",\"offset\":" + std::to_string(r.offset) +
              ",\"timestamp\":" + std::to_string(r.timestamp_ms) + ",\"key\":";
      AppendJsonOrNull(r.key, &line);
      line += ",\"headers\":[";
      for (size_t i = 0; i < r.headers.size(); ++i) {
        if (i) line += ',';
        line += '[';
        AppendJsonString(ToValidUtf8(r.headers[i].name), &line);
        line += ',';
        AppendJsonOrNull(r.headers[i].value, &line);
        line += ']';
      }
      line += "]}\n";
      std::cout << line;
    }
  }
  std::cout.flush();
  return kExitOk;
}

}  // namespace

void AddReadTopicCommand(CLI::App& app, CommandAction* action) {
  auto flags = std::make_shared<ReadTopicFlags>();
  CLI::App* cmd = app.add_subcommand("read-topic", "Print a topic, earliest to current end, by partition and offset");
  cmd->add_option("--topic", flags->topic, "Topic to read")->required();
  cmd->add_option("--format", flags->format, "table (Spark show layout) or jsonl")
      ->check(CLI::IsMember({"table", "jsonl"}));
  flags->kafka.AddTo(cmd);
  cmd->callback([flags, action] { *action = [flags] { return RunReadTopic(*flags); }; });
}

}  // namespace rp::cli
