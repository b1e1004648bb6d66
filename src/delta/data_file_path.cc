#include "delta/data_file_path.h"

#include "delta/partition_path.h"

namespace rp::delta {

bool IsAbsoluteLogPath(std::string_view log_path) {
  if (!log_path.empty() && log_path[0] == '/') return true;
  const size_t colon = log_path.find(':');
  return colon != std::string_view::npos && log_path.substr(0, colon).find('/') == std::string_view::npos;
}

Result<std::string> DecodeLogPath(std::string_view path) {
  if (path.empty()) return Status::Corruption("empty add.path");
  RP_ASSIGN_OR_RETURN(std::string decoded, UriDecodePath(path));
  size_t start = 0;
  while (start <= decoded.size()) {
    size_t slash = decoded.find('/', start);
    if (slash == std::string::npos) slash = decoded.size();
    if (decoded.compare(start, slash - start, "..") == 0) return Status::Corruption("'..' in add.path");
    start = slash + 1;
  }
  return decoded;
}

Result<std::optional<std::string>> DataFileKey(std::string_view log_path) {
  if (IsAbsoluteLogPath(log_path)) return std::optional<std::string>();
  RP_ASSIGN_OR_RETURN(std::string key, DecodeLogPath(log_path));
  return std::optional<std::string>(std::move(key));
}

Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenDataFile(const Storage& storage,
                                                                  std::string_view log_path) {
  RP_ASSIGN_OR_RETURN(std::optional<std::string> key, DataFileKey(log_path));
  if (key) return storage.OpenForRead(*key);
  return storage.OpenUriForRead(log_path);
}

}  // namespace rp::delta
