// Deletion vectors (PROTOCOL.md "Deletion Vectors"): the rows of a data file
// that are deleted without rewriting it, as Spark and Databricks record a
// DELETE (a GDPR request, say) on tables with delta.enableDeletionVectors.
// A logical file of a table is a data file plus, optionally, one DV; readers
// must drop its rows, so every read path (scan.h) loads it here.
//
// A descriptor (actions.h) says where the DV is:
//   'u'  a file under the table root, <prefix>/deletion_vector_<uuid>.bin,
//        named by an optional random prefix and the Z85-encoded UUID (z85.h);
//   'p'  a file at an absolute URI, spelled like add.path;
//   'i'  inline: the Z85-encoded bytes themselves.
// A DV file is a version byte (1), then DVs, each a 4-byte big-endian size,
// that many bytes of RoaringBitmapArray (roaring_bitmap_array.h) and the
// big-endian CRC-32 of those bytes; the descriptor's offset points at the
// size. Files are read through the Storage seam, only the bytes of the DV.
//
// The values are row indexes: positions of rows within the Parquet file,
// counted from 0 across its row groups.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/storage.h"

namespace rp::delta {

// The first byte of every DV file.
inline constexpr uint8_t kDeletionVectorFileFormatVersion = 1;

// Checks a descriptor as parsed from a log: a known storage type, a
// non-empty pathOrInlineDv, an offset only (and then >= 1) for files,
// non-negative sizeInBytes and cardinality. Corruption otherwise.
Status ValidateDeletionVector(const DeletionVectorDescriptor& dv);

// The derived uniqueId: storageType + pathOrInlineDv, then "@offset" if any.
std::string DeletionVectorUniqueId(const DeletionVectorDescriptor& dv);

// How the snapshot keys a logical file (PROTOCOL.md "Action Reconciliation":
// path and DV uniqueId): the path alone without a DV, else the path, a NUL
// (which no log path holds) and the uniqueId.
std::string LogicalFileKey(std::string_view path, const std::optional<DeletionVectorDescriptor>& dv);

// The DV's file as a log path, like add.path: relative for 'u'
// ("ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin"), the
// absolute URI for 'p'; nullopt for an inline DV. Corruption for a 'u' path
// whose UUID is not 20 Z85 characters of 16 bytes, or whose prefix is not
// made of letters, digits, '-', '_' and '.' (no separators, escapes or
// dot-only names that could reach outside the root).
Result<std::optional<std::string>> DeletionVectorFilePath(const DeletionVectorDescriptor& dv);

// The deleted row indexes, ascending, of an inline DV ('i') of a file of
// `num_rows` rows. Corruption when the text is not Z85, is shorter than
// sizeInBytes (or longer by 4 bytes or more: Z85 pads to 4), or when the
// bitmap is malformed, names a row >= num_rows or holds a number of rows
// other than the descriptor's cardinality.
Result<std::vector<uint64_t>> DecodeInlineDeletionVector(const DeletionVectorDescriptor& dv,
                                                         int64_t num_rows);

// The same for one DV as stored in a file: `entry` is the bytes at the
// descriptor's offset (size, data, checksum). Corruption also when the size
// is not the descriptor's sizeInBytes or the CRC-32 does not match.
Result<std::vector<uint64_t>> DecodeDeletionVectorFileEntry(std::string_view entry,
                                                            const DeletionVectorDescriptor& dv,
                                                            int64_t num_rows);

// Loads the DV of a data file of `num_rows` rows from wherever it is stored
// (`storage` is the table's). NotFound/IOError naming the DV file when it
// cannot be read; Corruption naming it for everything above, a wrong format
// version or a DV that lies beyond the end of the file.
Result<std::vector<uint64_t>> LoadDeletionVector(const Storage& storage, const DeletionVectorDescriptor& dv,
                                                 int64_t num_rows);

}  // namespace rp::delta
