// Records per second through the Logic seam, one core: the built-in visits
// logic against the same logic written in Lua (examples/lua/visits.lua), on
// seed-shaped records. The ratio of the two is the figure; issue #10 asks the
// Lua version for >= 500k records/s.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "logic/logic.h"

namespace {

using rp::logic::InputRecord;
using rp::logic::LogicRejection;
using rp::logic::LogicSpec;
using rp::logic::OutputRecord;

std::vector<std::string> SeedShapedRecords(size_t n) {
  static const char* kPages[] = {"home", "index", "page", "home-2", "index-2", "page-2", "contact", "about-us"};
  std::vector<std::string> records;
  for (size_t i = 0; i < n; ++i) {
    char time[32];
    std::snprintf(time, sizeof(time), "2025-09-04T%02zu:%02zu:%02zu.%06zu", 7 + i / 3600 % 12, i / 60 % 60, i % 60,
                  i * 7919 % 1000000);
    records.push_back("{\"event_id\": \"click-" + std::to_string(i) + "\", \"visit_id\": " + std::to_string(i / 10) +
                      ", \"event_time\": \"" + time + "\", \"page\": \"" + kPages[i % 8] + "\"}");
  }
  return records;
}

// examples/ beside bench/ in the source tree.
std::string ExampleScript() {
  std::string here = __FILE__;
  return here.substr(0, here.rfind("/bench/")) + "/examples/lua/visits.lua";
}

void RunLogic(benchmark::State& state, const std::string& logic_name) {
  LogicSpec spec;
  spec.logic = logic_name;
  spec.visits.zone = *rp::logic::TimeZone::Find("Europe/Paris");
  auto logic = rp::logic::OpenLogic(spec);
  if (!logic.ok()) {
    state.SkipWithError(logic.status().ToString().c_str());
    return;
  }
  const std::vector<std::string> records = SeedShapedRecords(4096);
  OutputRecord out;
  LogicRejection rejection;
  InputRecord in;
  in.topic = "visits";
  size_t i = 0;
  for (auto _ : state) {
    in.value = records[i & 4095];
    in.offset = static_cast<int64_t>(i++);
    auto outcome = (*logic)->Apply(in, &out, &rejection);
    benchmark::DoNotOptimize(outcome);
    benchmark::DoNotOptimize(out.value->data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_VisitsBuiltIn(benchmark::State& state) { RunLogic(state, "visits"); }
void BM_VisitsLua(benchmark::State& state) { RunLogic(state, "lua:" + ExampleScript()); }
BENCHMARK(BM_VisitsBuiltIn);
BENCHMARK(BM_VisitsLua);

}  // namespace

BENCHMARK_MAIN();
