// The plugin logic kind: the host side of include/reprocessor/logic_plugin.h.
//
// Each PluginLogic dlopen()s its library (the loader counts references, so
// one job thread per instance shares the mapping), creates one plugin
// instance, and hands it one record per apply_batch call (Logic::Apply is per
// record). Outputs are copied into the caller's OutputRecord, reusing its
// strings, before the next call can invalidate them. The destructor destroys
// the instance, then dlclose()s.
#include "logic/plugin/plugin_logic.h"

#include <dlfcn.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.h"
#include "reprocessor/logic_plugin.h"

namespace rp::logic {
namespace {

constexpr size_t kMaxDetailCodePoints = 500;
constexpr size_t kErrorBufferSize = 1024;

void Set(rp_bytes* b, const char* data, size_t size, bool is_null) {
  b->data = data;
  b->size = size;
  b->is_null = is_null ? 1 : 0;
}

bool Valid(const rp_bytes& b) { return b.is_null || b.data != nullptr || b.size == 0; }

std::string_view View(const rp_bytes& b) {
  return b.size == 0 ? std::string_view() : std::string_view(b.data, b.size);
}

// Assigns without giving up the string's buffer.
inline void Assign(const rp_bytes& b, std::optional<std::string>* field) {
  if (b.is_null) {
    field->reset();
  } else if (*field) {
    (*field)->assign(View(b));
  } else {
    field->emplace(View(b));
  }
}

std::string Text(const rp_bytes& b, size_t max_code_points) {
  if (b.is_null || !Valid(b)) return "";
  std::string text = ToValidUtf8(View(b));
  text.resize(Utf8PrefixBytes(text, max_code_points));
  return text;
}

// dlerror() text without the path it usually starts with (we print it once).
std::string LoadError(const std::string& path) {
  const char* e = dlerror();
  std::string msg = e ? e : "unknown dlopen error";
  const std::string prefix = path + ": ";
  if (msg.rfind(prefix, 0) == 0) msg.erase(0, prefix.size());
  return msg;
}

class PluginLogic final : public Logic {
 public:
  explicit PluginLogic(std::string path) : path_(std::move(path)) {}
  ~PluginLogic() override {
    if (instance_) plugin_->destroy(instance_);
    if (handle_) dlclose(handle_);
  }
  PluginLogic(const PluginLogic&) = delete;
  PluginLogic& operator=(const PluginLogic&) = delete;

  Status Load(const LogicSpec& spec) {
    // A name without a slash would make dlopen search the library path.
    const std::string file = path_.find('/') == std::string::npos ? "./" + path_ : path_;
    handle_ = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) return Error("cannot load: " + LoadError(file));
    dlerror();
    void* entry = dlsym(handle_, RP_LOGIC_PLUGIN_ENTRY);
    if (!entry) {
      return Error("exports no " RP_LOGIC_PLUGIN_ENTRY "() (not a reprocessor logic plugin?)");
    }
    plugin_ = reinterpret_cast<rp_logic_plugin_entry>(entry)();
    if (!plugin_) return Error(RP_LOGIC_PLUGIN_ENTRY "() returned NULL");
    if (plugin_->abi_version != RP_LOGIC_PLUGIN_ABI_VERSION) {
      return Error("built for logic plugin ABI version " + std::to_string(plugin_->abi_version) +
                   ", this reprocessor loads version " + std::to_string(RP_LOGIC_PLUGIN_ABI_VERSION) +
                   " (rebuild it against include/reprocessor/logic_plugin.h)");
    }
    const char* missing = !plugin_->create        ? "create"
                          : !plugin_->destroy     ? "destroy"
                          : !plugin_->apply_batch ? "apply_batch"
                                                  : nullptr;
    if (missing) return Error(std::string("its function table has no ") + missing);

    std::vector<rp_option> options;
    options.reserve(spec.options.size());
    for (const auto& [name, value] : spec.options) options.push_back({name.c_str(), value.c_str()});
    char error[kErrorBufferSize] = {};
    instance_ = plugin_->create(options.data(), options.size(), error, sizeof error);
    if (!instance_) {
      error[sizeof error - 1] = '\0';
      std::string msg = Text(rp_bytes_of(error, std::strlen(error)), kMaxDetailCodePoints);
      return Error(msg.empty() ? "create failed (and gave no reason)" : msg);
    }
    return Status::OK();
  }

  // Besides the plugin's own work, this is all a record costs: every field
  // set from registers (a temporary rp_bytes copied in is a wide load that
  // waits on its narrow stores), headers converted only when there are some,
  // and the output copied out.
  Outcome Apply(const InputRecord& in, OutputRecord* out, LogicRejection* rejection) override {
    const char* value = in.value ? in.value->data() : nullptr;
    const size_t value_size = in.value ? in.value->size() : 0;
    const char* key = in.key ? in.key->data() : nullptr;
    const size_t key_size = in.key ? in.key->size() : 0;
    Set(&rin_.value, value, value_size, !in.value);
    Set(&rout_.value, value, value_size, !in.value);
    Set(&rin_.key, key, key_size, !in.key);
    Set(&rout_.key, key, key_size, !in.key);
    const rp_header* headers = in.headers.empty() ? nullptr : InputHeaders(in.headers);
    rin_.headers = rout_.headers = headers;
    rin_.header_count = rout_.header_count = in.headers.size();
    Set(&rin_.topic, in.topic.data(), in.topic.size(), false);
    rin_.partition = in.partition;
    rin_.offset = in.offset;
    rin_.timestamp_ms = in.timestamp_ms;
    rout_.outcome = RP_OUTCOME_OUTPUT;
    Set(&rout_.reason, nullptr, 0, true);
    Set(&rout_.detail, nullptr, 0, true);
    plugin_->apply_batch(instance_, &rin_, 1, &rout_);
    if (rout_.outcome == RP_OUTCOME_OUTPUT && rout_.header_count == 0 && Valid(rout_.value) &&
        Valid(rout_.key)) {
      Assign(rout_.value, &out->value);
      Assign(rout_.key, &out->key);
      out->headers.clear();
      return Outcome::kOutput;
    }
    return Take(rout_, out, rejection);
  }

  std::string Describe() const override { return "plugin:" + path_; }

 private:
  Status Error(const std::string& what) const {
    return Status::InvalidArgument("logic plugin " + path_ + ": " + what);
  }

  const rp_header* InputHeaders(std::span<const HeaderView> in) {
    headers_.resize(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
      const HeaderView& h = in[i];
      Set(&headers_[i].name, h.name.data(), h.name.size(), false);
      Set(&headers_[i].value, h.value ? h.value->data() : nullptr, h.value ? h.value->size() : 0, !h.value);
    }
    return headers_.data();
  }

  static Outcome BadResult(std::string detail, LogicRejection* rejection) {
    rejection->reason = "bad_result";
    rejection->detail = std::move(detail);
    return Outcome::kRejected;
  }

  static Outcome Take(const rp_output_record& r, OutputRecord* out, LogicRejection* rejection) {
    switch (r.outcome) {
      case RP_OUTCOME_OUTPUT:
        break;
      case RP_OUTCOME_FILTERED:
        return Outcome::kFiltered;
      case RP_OUTCOME_REJECTED:
        rejection->reason = Text(r.reason, kMaxDetailCodePoints);
        if (rejection->reason.empty()) rejection->reason = "plugin_rejected";
        rejection->detail = Text(r.detail, kMaxDetailCodePoints);
        return Outcome::kRejected;
      default:
        return BadResult("the plugin returned outcome " + std::to_string(r.outcome), rejection);
    }
    if (!Valid(r.value) || !Valid(r.key) || (r.header_count > 0 && !r.headers)) {
      return BadResult("the plugin returned a NULL pointer with a nonzero size", rejection);
    }
    for (size_t i = 0; i < r.header_count; ++i) {
      if (r.headers[i].name.is_null || !Valid(r.headers[i].name) || !Valid(r.headers[i].value)) {
        return BadResult(
            "the plugin returned header " + std::to_string(i) + " with a null name or a NULL pointer",
            rejection);
      }
    }
    Assign(r.value, &out->value);
    Assign(r.key, &out->key);
    out->headers.resize(r.header_count);
    for (size_t i = 0; i < r.header_count; ++i) {
      out->headers[i].name.assign(View(r.headers[i].name));
      Assign(r.headers[i].value, &out->headers[i].value);
    }
    return Outcome::kOutput;
  }

  std::string path_;
  void* handle_ = nullptr;
  const rp_logic_plugin* plugin_ = nullptr;
  void* instance_ = nullptr;
  // The input and output of the last call, and the input's headers.
  rp_input_record rin_{};
  rp_output_record rout_{};
  std::vector<rp_header> headers_;
};

}  // namespace

Result<std::unique_ptr<Logic>> OpenPluginLogic(const std::string& path, const LogicSpec& spec) {
  auto logic = std::make_unique<PluginLogic>(path);
  RP_RETURN_IF_ERROR(logic->Load(spec));
  return std::unique_ptr<Logic>(std::move(logic));
}

}  // namespace rp::logic
