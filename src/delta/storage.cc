#include "delta/storage.h"

#include <cctype>

#include "delta/local_storage.h"
#include "delta/s3_storage.h"

namespace rp::delta {
namespace {

// The scheme of a URI location ("s3" of "s3://b/t", "file" of "file:/t"), or
// empty for a plain path. Only "file" may go without "//": a relative path
// such as "data:2025/t" is still a path.
std::string SchemeOf(std::string_view location) {
  size_t i = 0;
  while (i < location.size() && (std::isalnum(static_cast<unsigned char>(location[i])) ||
                                 location[i] == '+' || location[i] == '-' || location[i] == '.')) {
    ++i;
  }
  if (i == 0 || i == location.size() || location[i] != ':' ||
      !std::isalpha(static_cast<unsigned char>(location[0]))) {
    return "";
  }
  std::string scheme(location.substr(0, i));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "file" || location.substr(i + 1, 2) == "//") return scheme;
  return "";
}

}  // namespace

std::string Storage::LocationOf(std::string_view key) const {
  std::string out = location();
  if (out != "/") out += '/';
  out.append(key);
  return out;
}

std::string NormalizeKey(std::string_view key) {
  std::string out;
  size_t start = 0;
  while (start <= key.size()) {
    size_t slash = key.find('/', start);
    if (slash == std::string_view::npos) slash = key.size();
    std::string_view seg = key.substr(start, slash - start);
    if (!seg.empty() && seg != ".") {
      if (!out.empty()) out += '/';
      out.append(seg);
    }
    start = slash + 1;
  }
  return out;
}

Result<bool> Storage::Exists(std::string_view key) const {
  auto info = Stat(key);
  if (info.ok()) return true;
  if (info.status().IsNotFound()) return false;
  return info.status();
}

bool IsLocalLocation(std::string_view location) {
  const std::string scheme = SchemeOf(location);
  return scheme.empty() || scheme == "file";
}

Result<std::shared_ptr<Storage>> OpenStorage(std::string_view location, const StorageOptions& options) {
  if (location.empty()) return Status::InvalidArgument("empty table location");
  const std::string scheme = SchemeOf(location);
  if (!options.empty() && (scheme.empty() || scheme == "file")) {
    // Names only: the values may be secrets.
    std::string names;
    for (const auto& [name, value] : options) names += (names.empty() ? "" : ", ") + name;
    return Status::InvalidArgument("storage options (" + names + ") apply to s3:// tables only; " +
                                   std::string(location) + " is on the local disk");
  }
  if (scheme.empty()) return std::shared_ptr<Storage>(std::make_shared<LocalStorage>(std::string(location)));
  if (scheme == "file") {
    auto path = LocalStorage::PathOfUri(location);
    if (!path.ok())
      return Status::InvalidArgument("table location " + std::string(location) + ": " +
                                     path.status().message());
    return std::shared_ptr<Storage>(std::make_shared<LocalStorage>(std::move(*path)));
  }
  if (scheme == "s3") {
    RP_ASSIGN_OR_RETURN(auto s3, S3Storage::Open(location, options));
    return std::shared_ptr<Storage>(std::move(s3));
  }
  return Status::InvalidArgument("unsupported storage scheme '" + scheme + "' in table location " +
                                 std::string(location) + " (a path, file:// or s3://)");
}

}  // namespace rp::delta
