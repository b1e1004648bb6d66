// Helpers for the metrics tests: a JobMetrics with every metric set, and the
// text format's lines.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "metrics/job_metrics.h"

namespace rp::metrics {

inline BuildInfo TestBuild() { return {"sync", "0.3.0", "abc123", "2.12.1", "22.0.0"}; }

// Every metric given a value, as a running job would.
inline std::unique_ptr<JobMetrics> BusyMetrics() {
  auto m = std::make_unique<JobMetrics>(TestBuild());
  m->health().SetPhase(JobPhase::kRunning);
  m->RecordsIn(10, 1000);
  m->RecordsOut(7, 700);
  m->RecordFiltered();
  m->RecordsDeadLettered("invalid_json", 2);
  m->DataTableCommit(5, 2, 4096, 0.03);
  m->DeadLetterTableCommit();
  m->Compaction(6);
  m->SetPartitions({{"visits", 0, 3}, {"visits", 1, 0}});
  m->SetProducerState(4, 1, 2);
  m->SetReprocessProgress(10, 20);
  return m;
}

// "name{labels}" -> value, for every sample line of a rendering.
inline std::map<std::string, std::string> Samples(const std::string& text) {
  std::map<std::string, std::string> samples;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    samples[line.substr(0, space)] = line.substr(space + 1);
  }
  return samples;
}

// "name" -> "counter" / "gauge" / "histogram", from the # TYPE lines.
inline std::map<std::string, std::string> Types(const std::string& text) {
  std::map<std::string, std::string> types;
  size_t pos = 0;
  while ((pos = text.find("# TYPE ", pos)) != std::string::npos) {
    const size_t name_end = text.find(' ', pos + 7);
    const size_t line_end = text.find('\n', name_end);
    types[text.substr(pos + 7, name_end - pos - 7)] = text.substr(name_end + 1, line_end - name_end - 1);
    pos = line_end;
  }
  return types;
}

}  // namespace rp::metrics
