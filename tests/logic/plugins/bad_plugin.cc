// Broken logic plugins for tests/logic/plugin_logic_test.cc, one variant per
// build (RP_BAD_PLUGIN_<VARIANT>): each breaks one rule of
// include/reprocessor/logic_plugin.h.
#include <cstring>
#include <string_view>

#include "reprocessor/logic_plugin.h"

namespace {

int instance_token;

void* Create(const rp_option*, size_t, char*, size_t) { return &instance_token; }
void Destroy(void*) {}

// RP_BAD_PLUGIN_MISBEHAVING: a bad output chosen by the record's value.
[[maybe_unused]] void ApplyBatch(void*, const rp_input_record* in, size_t n, rp_output_record* out) {
  static const char kInvalidUtf8[] = "bad \xff\xfe detail";
  static const rp_header kNullName[] = {{{nullptr, 0, 1}, {"v", 1, 0}}};
  for (size_t i = 0; i < n; ++i) {
    const std::string_view value =
        in[i].value.is_null ? "" : std::string_view(in[i].value.data, in[i].value.size);
    if (value == "outcome") {
      out[i].outcome = 7;
    } else if (value == "null-pointer") {
      out[i].value = {nullptr, 3, 0};
    } else if (value == "null-header-name") {
      out[i].headers = kNullName;
      out[i].header_count = 1;
    } else if (value == "null-headers") {
      out[i].headers = nullptr;
      out[i].header_count = 2;
    } else if (value == "reject-silently") {
      out[i].outcome = RP_OUTCOME_REJECTED;  // no reason, no detail
    } else if (value == "reject-invalid-utf8") {
      out[i].outcome = RP_OUTCOME_REJECTED;
      out[i].reason = rp_bytes_of("odd", 3);
      out[i].detail = rp_bytes_of(kInvalidUtf8, std::strlen(kInvalidUtf8));
    }
  }
}

#if defined(RP_BAD_PLUGIN_WRONG_ABI)
constexpr rp_logic_plugin kPlugin = {RP_LOGIC_PLUGIN_ABI_VERSION + 1, Create, Destroy, ApplyBatch};
#elif defined(RP_BAD_PLUGIN_MISSING_FUNCTION)
constexpr rp_logic_plugin kPlugin = {RP_LOGIC_PLUGIN_ABI_VERSION, Create, Destroy, nullptr};
#else
constexpr rp_logic_plugin kPlugin = {RP_LOGIC_PLUGIN_ABI_VERSION, Create, Destroy, ApplyBatch};
#endif

}  // namespace

#if defined(RP_BAD_PLUGIN_NO_ENTRY)
// A library, but with another symbol than the entry.
extern "C" RP_LOGIC_PLUGIN_EXPORT const rp_logic_plugin* reprocessor_logic_plugin_v0(void) {
  return &kPlugin;
}
#elif defined(RP_BAD_PLUGIN_NULL_TABLE)
extern "C" RP_LOGIC_PLUGIN_EXPORT const rp_logic_plugin* reprocessor_logic_plugin(void) { return nullptr; }
#else
extern "C" RP_LOGIC_PLUGIN_EXPORT const rp_logic_plugin* reprocessor_logic_plugin(void) { return &kPlugin; }
#endif
