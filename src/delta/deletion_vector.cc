#include "delta/deletion_vector.h"

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>
#include <zlib.h>

#include <cstdio>
#include <limits>

#include "delta/data_file_path.h"
#include "delta/roaring_bitmap_array.h"
#include "delta/z85.h"

namespace rp::delta {
namespace {

constexpr size_t kEncodedUuidLength = 20;  // Z85 of 16 bytes

uint32_t BigEndian32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(b[0]) << 24 | static_cast<uint32_t>(b[1]) << 16 |
         static_cast<uint32_t>(b[2]) << 8 | static_cast<uint32_t>(b[3]);
}

std::string FormatUuid(std::string_view bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    char hex[3];
    std::snprintf(hex, sizeof(hex), "%02x", static_cast<unsigned char>(bytes[i]));
    out.append(hex, 2);
  }
  return out;
}

bool IsSafePrefix(std::string_view prefix) {
  bool only_dots = true;
  for (char c : prefix) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
    only_dots = only_dots && c == '.';
  }
  return prefix.empty() || !only_dots;
}

// The deleted rows of `bitmap` (magic number and portable bitmap), which
// must hold exactly the descriptor's cardinality of rows below `num_rows`.
Result<std::vector<uint64_t>> DecodeRows(std::string_view bitmap, const DeletionVectorDescriptor& dv,
                                         int64_t num_rows) {
  if (num_rows < 0) return Status::InvalidArgument("negative row count for a deletion vector's file");
  if (dv.cardinality > num_rows) {
    return Status::Corruption("deletion vector deletes " + std::to_string(dv.cardinality) +
                              " rows of a file of " + std::to_string(num_rows));
  }
  RP_ASSIGN_OR_RETURN(std::vector<uint64_t> rows,
                      DecodeRoaringBitmapArray(bitmap, static_cast<uint64_t>(num_rows),
                                               static_cast<uint64_t>(dv.cardinality)));
  if (static_cast<int64_t>(rows.size()) != dv.cardinality) {
    return Status::Corruption("deletion vector holds " + std::to_string(rows.size()) +
                              " rows; its cardinality is " + std::to_string(dv.cardinality));
  }
  return rows;
}

}  // namespace

Status ValidateDeletionVector(const DeletionVectorDescriptor& dv) {
  const std::string& t = dv.storage_type;
  if (t != "u" && t != "i" && t != "p") {
    return Status::Corruption("deletionVector.storageType '" + t + "' is none of 'u', 'i', 'p'");
  }
  if (dv.path_or_inline_dv.empty()) return Status::Corruption("deletionVector.pathOrInlineDv is empty");
  if (t == "i" && dv.offset) return Status::Corruption("an inline deletionVector has an offset");
  if (dv.offset && *dv.offset < 1) {
    return Status::Corruption("deletionVector.offset " + std::to_string(*dv.offset) +
                              " points into the DV file's version byte");
  }
  if (dv.size_in_bytes < 0) return Status::Corruption("deletionVector.sizeInBytes is negative");
  if (dv.cardinality < 0) return Status::Corruption("deletionVector.cardinality is negative");
  return Status::OK();
}

std::string DeletionVectorUniqueId(const DeletionVectorDescriptor& dv) {
  // Appended, not `a + b`: GCC 12 at -O3 reports a false -Wrestrict in the
  // inlined operator+ (a Release build stops on it).
  std::string id = dv.storage_type;
  id += dv.path_or_inline_dv;
  if (dv.offset) id += "@" + std::to_string(*dv.offset);
  return id;
}

std::string LogicalFileKey(std::string_view path, const std::optional<DeletionVectorDescriptor>& dv) {
  std::string key(path);
  if (dv) {
    key.push_back('\0');
    key += DeletionVectorUniqueId(*dv);
  }
  return key;
}

Result<std::optional<std::string>> DeletionVectorFilePath(const DeletionVectorDescriptor& dv) {
  if (dv.storage_type == "i") return std::optional<std::string>();
  if (dv.storage_type == "p") {
    if (!IsAbsoluteLogPath(dv.path_or_inline_dv)) {
      return Status::Corruption("deletionVector of storageType 'p' has a relative path '" +
                                dv.path_or_inline_dv + "'");
    }
    return std::optional<std::string>(dv.path_or_inline_dv);
  }
  if (dv.storage_type != "u") {
    return Status::Corruption("deletionVector.storageType '" + dv.storage_type +
                              "' is none of 'u', 'i', 'p'");
  }
  const std::string& s = dv.path_or_inline_dv;
  if (s.size() < kEncodedUuidLength) {
    return Status::Corruption("deletionVector.pathOrInlineDv '" + s +
                              "' is shorter than a Z85 UUID (20 characters)");
  }
  const std::string_view prefix = std::string_view(s).substr(0, s.size() - kEncodedUuidLength);
  if (!IsSafePrefix(prefix)) {
    return Status::Corruption("deletionVector.pathOrInlineDv '" + s + "' has an unsupported prefix '" +
                              std::string(prefix) + "'");
  }
  auto uuid = Z85Decode(std::string_view(s).substr(prefix.size()));
  if (!uuid.ok()) return uuid.status().WithContext("deletionVector.pathOrInlineDv '" + s + "'");
  std::string name = "deletion_vector_" + FormatUuid(*uuid) + ".bin";
  return std::optional<std::string>(prefix.empty() ? name : std::string(prefix) + "/" + name);
}

Result<std::vector<uint64_t>> DecodeInlineDeletionVector(const DeletionVectorDescriptor& dv,
                                                         int64_t num_rows) {
  if (dv.storage_type != "i") return Status::InvalidArgument("not an inline deletion vector");
  RP_RETURN_IF_ERROR(ValidateDeletionVector(dv));
  RP_ASSIGN_OR_RETURN(std::string bytes, Z85Decode(dv.path_or_inline_dv));
  const auto size = static_cast<size_t>(dv.size_in_bytes);
  // Z85 encodes whole 4-byte groups; the writer pads, sizeInBytes says how
  // much is data.
  if (bytes.size() < size || bytes.size() - size >= 4) {
    return Status::Corruption("inline deletion vector decodes to " + std::to_string(bytes.size()) +
                              " bytes; sizeInBytes is " + std::to_string(size));
  }
  bytes.resize(size);
  return DecodeRows(bytes, dv, num_rows);
}

Result<std::vector<uint64_t>> DecodeDeletionVectorFileEntry(std::string_view entry,
                                                            const DeletionVectorDescriptor& dv,
                                                            int64_t num_rows) {
  if (entry.size() < 8)
    return Status::Corruption("deletion vector entry of " + std::to_string(entry.size()) + " bytes");
  const uint32_t size = BigEndian32(entry.data());
  if (static_cast<int64_t>(size) != dv.size_in_bytes) {
    return Status::Corruption("deletion vector of " + std::to_string(size) + " bytes where the log says " +
                              std::to_string(dv.size_in_bytes));
  }
  if (entry.size() - 8 < size) {
    return Status::Corruption("deletion vector of " + std::to_string(size) + " bytes is truncated to " +
                              std::to_string(entry.size() - 8));
  }
  const std::string_view data = entry.substr(4, size);
  const uint32_t stored = BigEndian32(entry.data() + 4 + size);
  const uint32_t actual = static_cast<uint32_t>(
      crc32_z(crc32_z(0, nullptr, 0), reinterpret_cast<const Bytef*>(data.data()), data.size()));
  if (stored != actual) {
    return Status::Corruption("deletion vector checksum mismatch (stored " + std::to_string(stored) +
                              ", computed " + std::to_string(actual) + ")");
  }
  return DecodeRows(data, dv, num_rows);
}

Result<std::vector<uint64_t>> LoadDeletionVector(const Storage& storage, const DeletionVectorDescriptor& dv,
                                                 int64_t num_rows) {
  RP_RETURN_IF_ERROR(ValidateDeletionVector(dv));
  RP_ASSIGN_OR_RETURN(std::optional<std::string> path, DeletionVectorFilePath(dv));
  if (!path) return DecodeInlineDeletionVector(dv, num_rows);

  RP_ASSIGN_OR_RETURN(std::optional<std::string> key, DataFileKey(*path));
  const std::string where = "deletion vector file " + (key ? storage.LocationOf(*key) : *path);
  auto file = OpenDataFile(storage, *path);
  if (!file.ok()) return file.status().WithContext(where);
  auto fail = [&](const arrow::Status& s) {
    return s.IsIOError() ? Status::IOError(where + ": " + s.ToString())
                         : Status::Corruption(where + ": " + s.ToString());
  };
  const int64_t offset = dv.offset.value_or(1);
  // size, data and checksum, all of which the file must hold.
  const int64_t length = int64_t{8} + dv.size_in_bytes;
  auto file_size = (*file)->GetSize();
  if (!file_size.ok()) return fail(file_size.status());
  if (*file_size < 1 || offset > *file_size - length) {
    return Status::Corruption(where + ": a deletion vector of " + std::to_string(dv.size_in_bytes) +
                              " bytes at offset " + std::to_string(offset) + " lies beyond its end (" +
                              std::to_string(*file_size) + " bytes)");
  }
  auto version = (*file)->ReadAt(0, 1);
  if (!version.ok()) return fail(version.status());
  if ((*version)->size() != 1 || (*version)->data()[0] != kDeletionVectorFileFormatVersion) {
    return Status::Corruption(where + ": not a deletion vector file of format version 1");
  }
  auto entry = (*file)->ReadAt(offset, length);
  if (!entry.ok()) return fail(entry.status());
  auto rows = DecodeDeletionVectorFileEntry((*entry)->ToString(), dv, num_rows);
  if (!rows.ok()) return rows.status().WithContext(where + " at offset " + std::to_string(offset));
  return rows;
}

}  // namespace rp::delta
