// The deletion vector decoders (deletion_vector.h, roaring_bitmap_array.h,
// z85.h) on arbitrary bytes, which is what a DV file or a log another writer
// made may hold: the input as Z85 text (decodes to bytes that encode back to
// the same text), as a RoaringBitmapArray (decodes to strictly ascending row
// indexes within the bounds given), and as the text of an inline DV. Errors
// are fine; crashes, sanitizer reports and broken invariants are not.
#include <string>

#include "delta/deletion_vector.h"
#include "delta/roaring_bitmap_array.h"
#include "delta/z85.h"
#include "fuzz_targets.h"

namespace rp::fuzz {
namespace {

using namespace rp::delta;  // NOLINT: this file is about nothing else

constexpr uint64_t kRowLimit = uint64_t{1} << 20;
constexpr uint64_t kMaxRows = uint64_t{1} << 16;

void CheckRows(const Result<std::vector<uint64_t>>& rows, uint64_t limit, uint64_t max,
               const std::string& input) {
  if (!rows.ok()) {
    RP_FUZZ_CHECK(rows.status().code() == Status::Code::kCorruption,
                  rows.status().ToString() + " for " + Printable(input));
    return;
  }
  RP_FUZZ_CHECK(rows->size() <= max, Printable(input));
  for (size_t i = 0; i < rows->size(); ++i) {
    RP_FUZZ_CHECK((*rows)[i] < limit, Printable(input));
    RP_FUZZ_CHECK(i == 0 || (*rows)[i - 1] < (*rows)[i], Printable(input));
  }
}

}  // namespace

void DeletionVectorTarget(const uint8_t* data, size_t size) {
  const std::string input(AsText(data, size));

  auto bytes = Z85Decode(input);
  if (bytes.ok()) {
    RP_FUZZ_CHECK(bytes->size() == input.size() / 5 * 4, Printable(input));
    auto text = Z85Encode(*bytes);
    RP_FUZZ_CHECK(text.ok() && *text == input, Printable(input));
  }

  CheckRows(DecodeRoaringBitmapArray(input, kRowLimit, kMaxRows), kRowLimit, kMaxRows, input);

  if (bytes.ok() && !bytes->empty()) {
    // The decoded bytes as an inline DV claiming every row it holds.
    auto rows = DecodeRoaringBitmapArray(*bytes, kRowLimit, kMaxRows);
    DeletionVectorDescriptor dv{"i", input, std::nullopt, static_cast<int32_t>(bytes->size()),
                                rows.ok() ? static_cast<int64_t>(rows->size()) : 0};
    auto inline_rows = DecodeInlineDeletionVector(dv, static_cast<int64_t>(kRowLimit));
    CheckRows(inline_rows, kRowLimit, kMaxRows, input);
    RP_FUZZ_CHECK(inline_rows.ok() == rows.ok(), Printable(input));
  }
}

}  // namespace rp::fuzz

RP_FUZZ_ENTRY(rp::fuzz::DeletionVectorTarget)
