#include "logic/visits_logic.h"

namespace rp::logic {
namespace {

class VisitsLogic final : public Logic {
 public:
  explicit VisitsLogic(TransformOptions options) : transformer_(std::move(options)) {}

  Outcome Apply(const InputRecord& in, OutputRecord* out, LogicRejection* rejection) override {
    out->headers.clear();
    std::optional<Rejection> r;
    if (!in.value) {
      r = Rejection{RejectReason::kEmptyValue, "tombstone (null value)"};
    } else {
      if (!out->value) out->value.emplace();
      r = transformer_.Transform(*in.value, &*out->value);
    }
    if (r) {
      rejection->reason = RejectReasonName(r->reason);
      rejection->detail = std::move(r->detail);
      return Outcome::kRejected;
    }
    if (in.key) {
      out->key.emplace(*in.key);
    } else {
      out->key.reset();
    }
    return Outcome::kOutput;
  }

  std::string Describe() const override { return "visits"; }

 private:
  VisitTransformer transformer_;
};

}  // namespace

std::unique_ptr<Logic> NewVisitsLogic(TransformOptions options) {
  return std::make_unique<VisitsLogic>(std::move(options));
}

}  // namespace rp::logic
