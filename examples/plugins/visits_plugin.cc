// The built-in `visits` logic as a logic plugin, compiled from the same source
// files (src/logic/visit_transform.cc and what it uses: the CMake target
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
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "logic/visit_transform.h"
#include "reprocessor/logic_plugin.h"

namespace {

using rp::logic::Rejection;
using rp::logic::RejectReason;
using rp::logic::VisitTransformer;

void Set(rp_bytes* b, const char* data, size_t size) {
  b->data = data;
  b->size = size;
  b->is_null = 0;
}

// One per thread (the ABI's rule). The last batch's outputs live here until
// the next call.
struct Instance {
  explicit Instance(rp::logic::TransformOptions options) : transformer(std::move(options)) {}
  VisitTransformer transformer;
  std::vector<std::string> values;   // out[i].value
  std::vector<std::string> details;  // out[i].detail
};

void* Create(const rp_option* options, size_t option_count, char* error, size_t error_size) {
  try {
    rp::logic::TransformOptions transform;
    for (size_t i = 0; i < option_count; ++i) {
      const std::string_view name = options[i].name, value = options[i].value;
      if (name == "timezone") {
        auto zone = rp::logic::TimeZone::Find(value);
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
    return new Instance(std::move(transform));
  } catch (const std::exception& e) {  // nothing may cross the C ABI
    std::snprintf(error, error_size, "%s", e.what());
    return nullptr;
  }
}

void Destroy(void* instance) { delete static_cast<Instance*>(instance); }

// Out of the hot loop: rejections are the rare case.
[[gnu::noinline]] void Reject(RejectReason reason, std::string detail, std::string* keep,
                              rp_output_record* out) {
  const char* name = rp::logic::RejectReasonName(reason);
  *keep = std::move(detail);
  out->outcome = RP_OUTCOME_REJECTED;
  Set(&out->reason, name, std::strlen(name));
  Set(&out->detail, keep->data(), keep->size());
}

[[gnu::noinline]] void RejectAll(size_t n, rp_output_record* out) {
  for (size_t i = 0; i < n; ++i) {
    out[i].outcome = RP_OUTCOME_REJECTED;
    Set(&out[i].reason, "out_of_memory", 13);
    out[i].detail = rp_bytes_null();
  }
}

// What VisitsLogic (src/logic/visits_logic.cc) does around VisitTransformer,
// over the C ABI: a null value is rejected as a tombstone, the output keeps
// the input's key (out[i].key already is) and carries no headers.
void ApplyBatch(void* p, const rp_input_record* in, size_t n, rp_output_record* out) {
  auto* self = static_cast<Instance*>(p);
  try {
    if (self->values.size() < n) {
      self->values.resize(n);
      self->details.resize(n);
    }
    for (size_t i = 0; i < n; ++i) {
      const rp_bytes& value = in[i].value;
      out[i].headers = nullptr;
      out[i].header_count = 0;
      if (value.is_null) {
        Reject(RejectReason::kEmptyValue, "tombstone (null value)", &self->details[i], &out[i]);
        continue;
      }
      std::string& output = self->values[i];
      std::optional<Rejection> rejection = self->transformer.Transform(
          value.size == 0 ? std::string_view() : std::string_view(value.data, value.size), &output);
      if (rejection) {
        Reject(rejection->reason, std::move(rejection->detail), &self->details[i], &out[i]);
        continue;
      }
      Set(&out[i].value, output.data(), output.size());
    }
  } catch (const std::exception&) {  // out of memory: nothing may cross the C ABI
    RejectAll(n, out);
  }
}

constexpr rp_logic_plugin kPlugin = {RP_LOGIC_PLUGIN_ABI_VERSION, Create, Destroy, ApplyBatch};

}  // namespace

extern "C" RP_LOGIC_PLUGIN_EXPORT const rp_logic_plugin* reprocessor_logic_plugin(void) { return &kPlugin; }
