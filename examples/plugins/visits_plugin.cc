// The built-in `visits` logic as a logic plugin, compiled from the same source
// files (src/logic/visits_logic.cc, visit_transform.cc, …: the CMake target
// rp_visits_logic_pic). tests/logic/plugin_logic_test.cc checks that its
// outputs equal the built-in logic's; bench/logic_bench.cc compares speeds.
//
// Options (--logic-option name=value); a plugin gets no --timezone or --strict:
//   timezone=ZONE       zone of timestamps without one (default: the machine's)
//   strict=true|false   also reject incomplete records (default false)
//
// Run: reprocessor transform --logic plugin:build/examples/plugins/visits_plugin.so
//          --logic-option timezone=Europe/Paris < records.jsonl
#include <cstdio>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "logic/visits_logic.h"
#include "reprocessor/logic_plugin.h"

namespace {

using rp::logic::HeaderView;
using rp::logic::InputRecord;
using rp::logic::LogicRejection;
using rp::logic::Outcome;
using rp::logic::OutputRecord;

std::optional<std::string_view> View(const rp_bytes& b) {
  if (b.is_null) return std::nullopt;
  return b.size == 0 ? std::string_view() : std::string_view(b.data, b.size);
}

rp_bytes Bytes(const std::string& s) { return rp_bytes_of(s.data(), s.size()); }

rp_bytes Bytes(const std::optional<std::string>& s) { return s ? Bytes(*s) : rp_bytes_null(); }

// One per thread (the ABI's rule). The last batch's outputs live here until
// the next call.
struct Instance {
  std::unique_ptr<rp::logic::Logic> logic;
  std::vector<HeaderView> in_headers;
  std::vector<OutputRecord> outputs;
  std::vector<LogicRejection> rejections;
  std::vector<std::vector<rp_header>> out_headers;
};

void* Create(const rp_option* options, size_t option_count, char* error, size_t error_size) {
  try {
    rp::logic::TransformOptions transform;
    for (size_t i = 0; i < option_count; ++i) {
      const std::string_view name = options[i].name, value = options[i].value;
      if (name == "timezone") {
        auto zone = rp::logic::TimeZone::Find(std::string(value));
        if (!zone.ok()) {
          std::snprintf(error, error_size, "%s", zone.status().message().c_str());
          return nullptr;
        }
        transform.zone = *zone;
      } else if (name == "strict" && (value == "true" || value == "false")) {
        transform.strict = value == "true";
      } else if (name == "strict") {
        std::snprintf(error, error_size, "strict must be true or false, got '%s'", options[i].value);
        return nullptr;
      } else {
        std::snprintf(error, error_size, "unknown option '%s' (the visits plugin takes timezone and strict)",
                      options[i].name);
        return nullptr;
      }
    }
    auto instance = std::make_unique<Instance>();
    instance->logic = rp::logic::NewVisitsLogic(std::move(transform));
    return instance.release();
  } catch (const std::exception& e) {  // nothing may cross the C ABI
    std::snprintf(error, error_size, "%s", e.what());
    return nullptr;
  }
}

void Destroy(void* instance) { delete static_cast<Instance*>(instance); }

void ApplyBatch(void* p, const rp_input_record* in, size_t n, rp_output_record* out) {
  auto* self = static_cast<Instance*>(p);
  try {
    if (self->outputs.size() < n) {
      self->outputs.resize(n);
      self->rejections.resize(n);
      self->out_headers.resize(n);
    }
    for (size_t i = 0; i < n; ++i) {
      const rp_input_record& r = in[i];
      self->in_headers.clear();
      for (size_t h = 0; h < r.header_count; ++h) {
        self->in_headers.push_back({*View(r.headers[h].name), View(r.headers[h].value)});
      }
      InputRecord record;
      record.value = View(r.value);
      record.key = View(r.key);
      record.headers = self->in_headers;
      record.topic = *View(r.topic);
      record.partition = r.partition;
      record.offset = r.offset;
      record.timestamp_ms = r.timestamp_ms;
      OutputRecord& o = self->outputs[i];
      LogicRejection& rejection = self->rejections[i];
      switch (self->logic->Apply(record, &o, &rejection)) {
        case Outcome::kOutput: {
          out[i].value = Bytes(o.value);
          out[i].key = Bytes(o.key);
          std::vector<rp_header>& headers = self->out_headers[i];
          headers.clear();
          for (const auto& h : o.headers) headers.push_back({Bytes(h.name), Bytes(h.value)});
          out[i].headers = headers.data();
          out[i].header_count = headers.size();
          break;
        }
        case Outcome::kFiltered:
          out[i].outcome = RP_OUTCOME_FILTERED;
          break;
        case Outcome::kRejected:
          out[i].outcome = RP_OUTCOME_REJECTED;
          out[i].reason = Bytes(rejection.reason);
          out[i].detail = Bytes(rejection.detail);
          break;
      }
    }
  } catch (const std::exception&) {  // out of memory: nothing may cross the C ABI
    for (size_t i = 0; i < n; ++i) {
      out[i].outcome = RP_OUTCOME_REJECTED;
      out[i].reason = rp_bytes_of("out_of_memory", 13);
      out[i].detail = rp_bytes_null();
    }
  }
}

constexpr rp_logic_plugin kPlugin = {RP_LOGIC_PLUGIN_ABI_VERSION, Create, Destroy, ApplyBatch};

}  // namespace

extern "C" RP_LOGIC_PLUGIN_EXPORT const rp_logic_plugin* reprocessor_logic_plugin(void) { return &kPlugin; }
