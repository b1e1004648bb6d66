// A per-file index of where an integer column's values fall, per value of an
// integer grouping column: the set of (group, value >> shift) blocks that the
// file's rows hold, stored in the file's add.tags, so it travels with the add
// action through commits and checkpoints and needs no file outside the log.
//
// Why: min/max stats describe a file by one interval per column. That is
// useless when a file's values are spread out: in a table partitioned by event
// time, an hour's file also holds the late records that arrived in the next
// day or two, so its Kafka offsets span two days of arrivals, and a lookup of
// three offsets matches every hour of that window (about fifty files). The
// blocks tell a file with a late record near the offsets apart from one
// without, at the cost of a few hundred bytes per file.
//
// The value is Delta's RoaringBitmapArray (the deletion-vector bitmap format,
// roaring_bitmap_array.h) of the keys (group << 32 | block), Z85-encoded:
// "1:<shift>:<byte length>:<z85>". Readers that do not know the tag ignore
// it (PROTOCOL.md: tags are free-form), and a file without it, or with one we
// cannot read, is judged by its stats alone.
#pragma once

#include <arrow/api.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "delta/scan_filter.h"

namespace rp::delta {

struct BlockIndexSpec {
  std::string tag;           // the add.tags key
  std::string group_column;  // integer column, e.g. a Kafka partition
  std::string value_column;  // integer column, e.g. a Kafka offset
  int block_shift = 12;      // blocks of 2^shift values
  // An index whose text would be longer is not stored: the file is then judged
  // by its stats, and the log stays small whatever the data.
  size_t max_text_bytes = 4096;
};

// The tag value for a file holding `data`'s rows (the columns under their
// table names). nullopt, not an error, when the index cannot describe the
// rows: a column missing or not an integer, a null, a negative value or a
// group >= 2^31, or an index longer than max_text_bytes.
Result<std::optional<std::string>> ComputeBlockIndex(const arrow::RecordBatch& data,
                                                     const BlockIndexSpec& spec);

class BlockIndex {
 public:
  // Corruption for text that is not an index this code writes.
  static Result<BlockIndex> Decode(std::string_view text);

  // False when no row of the file can match `filter`: every conjunction bounds
  // the group and/or value column by integers and no block of the file falls
  // in those bounds. A conjunction with any other range only "may" match.
  bool MayMatch(const Filter& filter, const BlockIndexSpec& spec) const;

  size_t num_blocks() const { return keys_.size(); }

 private:
  int shift_ = 0;
  std::vector<uint64_t> keys_;  // ascending (group << 32 | block)
};

}  // namespace rp::delta
