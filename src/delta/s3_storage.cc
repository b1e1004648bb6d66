#include "delta/s3_storage.h"

#include <arrow/filesystem/filesystem.h>
#include <arrow/filesystem/s3fs.h>
#include <arrow/io/interfaces.h>
#include <arrow/result.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "delta/arrow_status.h"
#include "delta/data_file_path.h"

namespace rp::delta {

struct S3Storage::Settings {
  std::string location;  // s3://bucket[/prefix]
  std::string bucket;
  std::string prefix;  // no leading or trailing '/'; may be empty
  std::string access_key, secret_key, session_token;
  std::string region;
  std::string endpoint;  // scheme://host[:port], no trailing '/'; empty: AWS
  int max_retries = 10;
};

struct S3Storage::Response {
  long status = 0;
  std::string body;
};

namespace {

constexpr int64_t kFirstBackoffMs = 50;
constexpr int64_t kMaxBackoffMs = 5000;
constexpr long kRequestTimeoutMs = 60'000;

int64_t BackoffMs(int64_t attempt) {
  int64_t ms = kFirstBackoffMs << std::min<int64_t>(attempt, 20);
  ms = std::min(ms, kMaxBackoffMs);
  // Jitter, so that racing writers retrying together spread out.
  thread_local std::mt19937 rng(std::random_device{}());
  return ms / 2 + static_cast<int64_t>(rng() % static_cast<uint32_t>(ms / 2 + 1));
}

// Arrow's retry policy with our limit and backoff.
class RetryStrategy final : public arrow::fs::S3RetryStrategy {
 public:
  explicit RetryStrategy(int max_retries) : max_retries_(max_retries) {}
  bool ShouldRetry(const AWSErrorDetail& error, int64_t attempted_retries) override {
    return error.should_retry && attempted_retries < max_retries_;
  }
  int64_t CalculateDelayBeforeNextRetry(const AWSErrorDetail&, int64_t attempted_retries) override {
    return BackoffMs(attempted_retries);
  }

 private:
  int max_retries_;
};

// AWS SDK and libcurl set up once per process. (FinalizeS3 is registered
// for exit in S3Storage::Open: from an atexit handler registered here it
// segfaults, and not calling it makes Arrow warn at exit.)
Status InitClients() {
  static const Status status = [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return Status::IOError("curl_global_init failed");
    arrow::Status st = arrow::fs::EnsureS3Initialized();
    if (!st.ok()) return Status::IOError("initializing Arrow's S3 support: " + st.ToString());
    return Status::OK();
  }();
  return status;
}

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Percent-encodes as SigV4 canonicalizes: everything but unreserved
// characters, and '/' too unless `keep_slash` (object names in a URL path
// keep theirs; query parameter values do not).
std::string PercentEncode(std::string_view text, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string EncodePath(std::string_view name) { return PercentEncode(name, /*keep_slash=*/true); }

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

// The <Code> of an S3 error body, or the start of the body.
std::string ErrorCode(const std::string& body) {
  const size_t start = body.find("<Code>");
  const size_t end = body.find("</Code>");
  if (start != std::string::npos && end != std::string::npos && end > start)
    return body.substr(start + 6, end - start - 6);
  return body.substr(0, 200);
}

size_t CollectBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One curl handle per thread, reset and reused for each request: the handle
// keeps its connections open (and its DNS and TLS session caches), so the
// reads, listings and commits of a job share connections instead of each
// paying a TCP (and, on AWS, a TLS) handshake.
CURL* ThreadCurl() {
  thread_local std::unique_ptr<CURL, void (*)(CURL*)> handle(curl_easy_init(), &curl_easy_cleanup);
  if (handle) curl_easy_reset(handle.get());
  return handle.get();
}

std::string EncodeQueryValue(std::string_view value) { return PercentEncode(value, /*keep_slash=*/false); }

// The text of the first <tag>...</tag> in `xml`, XML entities decoded;
// nullopt if there is none (or it is malformed).
std::optional<std::string> XmlElement(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
  const size_t start = xml.find(open);
  if (start == std::string_view::npos) return std::nullopt;
  const size_t end = xml.find(close, start + open.size());
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view text = xml.substr(start + open.size(), end - start - open.size());
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const size_t semi = text.find(';', i);
    if (semi == std::string_view::npos) return std::nullopt;
    const std::string_view entity = text.substr(i + 1, semi - i - 1);
    static const std::pair<std::string_view, char> kNamed[] = {
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    const auto* named =
        std::find_if(std::begin(kNamed), std::end(kNamed), [&](const auto& n) { return n.first == entity; });
    if (named != std::end(kNamed)) {
      out += named->second;
    } else if (!entity.empty() && entity[0] == '#') {
      // A character reference: its code point as UTF-8.
      const bool is_hex = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X');
      const std::string digits(entity.substr(is_hex ? 2 : 1));
      char* end_digits = nullptr;
      const unsigned long cp = std::strtoul(digits.c_str(), &end_digits, is_hex ? 16 : 10);
      if (digits.empty() || *end_digits != '\0' || cp > 0x10FFFF) return std::nullopt;
      if (cp < 0x80) {
        out += static_cast<char>(cp);
      } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      }
    } else {
      return std::nullopt;
    }
    i = semi;
  }
  return out;
}

// Milliseconds since the epoch of an S3 timestamp ("2025-09-04T10:11:12Z",
// maybe with ".123" before the Z), in whole seconds as MtimeMs keeps them.
std::optional<int64_t> ParseS3Time(const std::string& text) {
  std::tm tm{};
  int year = 0, month = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &year, &month, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec) != 6) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

int64_t MtimeMs(const arrow::fs::FileInfo& info) {
  const int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(info.mtime().time_since_epoch()).count();
  // S3 keeps whole seconds in HEAD answers and milliseconds in some listings:
  // whole seconds, so that Stat and List agree.
  return ms / 1000 * 1000;
}

// An Arrow S3 output stream, aborted unless closed: Arrow's own closes (and
// so publishes a partial object) when destroyed.
class AbortingOutputStream final : public arrow::io::OutputStream {
 public:
  AbortingOutputStream(std::shared_ptr<arrow::io::OutputStream> inner, std::string where)
      : inner_(std::move(inner)), where_(std::move(where)) {
    set_mode(arrow::io::FileMode::WRITE);
  }
  ~AbortingOutputStream() override {
    if (!inner_->closed()) (void)inner_->Abort();
  }
  arrow::Status Write(const void* data, int64_t nbytes) override { return inner_->Write(data, nbytes); }
  arrow::Status Write(const std::shared_ptr<arrow::Buffer>& data) override { return inner_->Write(data); }
  arrow::Status Flush() override { return inner_->Flush(); }
  arrow::Status Close() override {
    arrow::Status st = inner_->Close();
    if (!st.ok()) {
      (void)inner_->Abort();
      return st.WithMessage("closing ", where_, ": ", st.message());
    }
    return st;
  }
  arrow::Status Abort() override { return inner_->Abort(); }
  arrow::Result<int64_t> Tell() const override { return inner_->Tell(); }
  bool closed() const override { return inner_->closed(); }

 private:
  std::shared_ptr<arrow::io::OutputStream> inner_;
  std::string where_;
};

// Bucket and decoded object name of an s3:// (or s3a://) URI; nullopt for
// other schemes.
Result<std::optional<std::pair<std::string, std::string>>> ParseS3Uri(std::string_view uri) {
  const size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return std::optional<std::pair<std::string, std::string>>();  // a path: not ours
  std::string scheme(uri.substr(0, colon));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "s3" && scheme != "s3a") return std::optional<std::pair<std::string, std::string>>();
  std::string_view rest = uri.substr(colon + 1);
  if (rest.substr(0, 2) != "//") return Status::Corruption("malformed S3 URI: " + std::string(uri));
  rest.remove_prefix(2);
  const size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == rest.size())
    return Status::Corruption("S3 URI without a bucket or key: " + std::string(uri));
  RP_ASSIGN_OR_RETURN(std::string name, DecodeLogPath(rest.substr(slash + 1)));
  return std::optional<std::pair<std::string, std::string>>(
      std::make_pair(std::string(rest.substr(0, slash)), NormalizeKey(name)));
}

}  // namespace

Result<std::shared_ptr<S3Storage>> S3Storage::Open(std::string_view location, const StorageOptions& options) {
  static const char* known[] = {"aws_access_key_id", "aws_secret_access_key", "aws_session_token",
                                "aws_region",        "aws_endpoint_url",      "aws_allow_http",
                                "max_retries"};
  for (const auto& entry : options) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one.
    const std::string& name = entry.first;
    if (std::find_if(std::begin(known), std::end(known), [&](const char* k) { return name == k; }) ==
        std::end(known)) {
      return Status::InvalidArgument("unknown S3 storage option '" + name +
                                     "' (aws_access_key_id, aws_secret_access_key, aws_session_token, "
                                     "aws_region, aws_endpoint_url, aws_allow_http, max_retries)");
    }
  }
  auto option = [&](const char* name, std::initializer_list<const char*> env) -> std::string {
    if (auto it = options.find(name); it != options.end()) return it->second;
    for (const char* e : env) {
      if (std::string v = Getenv(e); !v.empty()) return v;
    }
    return "";
  };

  auto s = std::make_unique<Settings>();
  std::string_view rest = location.substr(location.find("://") + 3);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const size_t slash = rest.find('/');
  s->bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) s->prefix = NormalizeKey(rest.substr(slash + 1));
  if (s->bucket.empty())
    return Status::InvalidArgument("S3 location without a bucket: " + std::string(location));
  s->location = "s3://" + s->bucket + (s->prefix.empty() ? "" : "/" + s->prefix);

  s->access_key = option("aws_access_key_id", {"AWS_ACCESS_KEY_ID"});
  s->secret_key = option("aws_secret_access_key", {"AWS_SECRET_ACCESS_KEY"});
  s->session_token = option("aws_session_token", {"AWS_SESSION_TOKEN"});
  s->region = option("aws_region", {"AWS_REGION", "AWS_DEFAULT_REGION"});
  if (s->region.empty()) s->region = "us-east-1";
  s->endpoint = option("aws_endpoint_url", {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  while (!s->endpoint.empty() && s->endpoint.back() == '/') s->endpoint.pop_back();
  const std::string allow_http = option("aws_allow_http", {"AWS_ALLOW_HTTP"});
  if (const std::string retries = option("max_retries", {}); !retries.empty()) {
    char* end = nullptr;
    const long n = std::strtol(retries.c_str(), &end, 10);
    if (*end != '\0' || n < 0 || n > 100)
      return Status::InvalidArgument("max_retries must be 0..100: " + retries);
    s->max_retries = static_cast<int>(n);
  }
  if ((s->access_key.empty()) != (s->secret_key.empty()) || s->access_key.empty()) {
    // The commit path signs its own requests: it needs the keys themselves.
    return Status::InvalidArgument("S3 storage " + s->location +
                                   " needs aws_access_key_id and aws_secret_access_key (storage options or "
                                   "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)");
  }

  RP_RETURN_IF_ERROR(InitClients());
  arrow::fs::S3Options o =
      arrow::fs::S3Options::FromAccessKey(s->access_key, s->secret_key, s->session_token);
  o.region = s->region;
  if (!s->endpoint.empty()) {
    const size_t sep = s->endpoint.find("://");
    if (sep == std::string::npos)
      return Status::InvalidArgument("aws_endpoint_url needs a scheme (http:// or https://): " + s->endpoint);
    o.scheme = s->endpoint.substr(0, sep);
    if (o.scheme != "http" && o.scheme != "https")
      return Status::InvalidArgument("aws_endpoint_url: unsupported scheme " + o.scheme);
    if (o.scheme == "http" && allow_http == "false")
      return Status::InvalidArgument("aws_endpoint_url is plain http but aws_allow_http is false: " +
                                     s->endpoint);
    o.endpoint_override = s->endpoint.substr(sep + 3);
    o.force_virtual_addressing = false;  // path-style: http://host:port/bucket/key
  }
  o.retry_strategy = std::make_shared<RetryStrategy>(s->max_retries);
  auto fs = arrow::fs::S3FileSystem::Make(o);
  if (!fs.ok()) return FromArrow(fs.status(), "opening S3 storage " + s->location, Status::Code::kIOError);
  // The SDK must be shut down before exit, while everything it uses still
  // exists: registered only now, after the first file system created Arrow's
  // statics (its I/O thread pool), the handler runs before they go.
  static std::once_flag finalize_at_exit;
  std::call_once(finalize_at_exit, [] {
    std::atexit([] {
      if (arrow::fs::IsS3Initialized()) (void)arrow::fs::FinalizeS3();
    });
  });
  return std::make_shared<S3Storage>(std::move(s), std::move(*fs));
}

S3Storage::S3Storage(std::unique_ptr<Settings> settings, std::shared_ptr<arrow::fs::S3FileSystem> fs)
    : settings_(std::move(settings)), fs_(std::move(fs)) {}

S3Storage::~S3Storage() = default;

const std::string& S3Storage::location() const { return settings_->location; }

std::string S3Storage::ObjectName(std::string_view key) const {
  if (settings_->prefix.empty()) return std::string(key);
  std::string out = settings_->prefix;
  out += '/';
  out.append(key);
  return out;
}

Result<S3Storage::Response> S3Storage::Send(const char* method, const std::string& object,
                                            std::string_view body, bool if_none_match, bool* ambiguous,
                                            std::string_view query) const {
  const Settings& s = *settings_;
  std::string url = s.endpoint.empty() ? "https://" + s.bucket + ".s3." + s.region + ".amazonaws.com/"
                                       : s.endpoint + "/" + EncodePath(s.bucket) + "/";
  url += EncodePath(object);
  if (!query.empty()) {
    url += '?';
    url.append(query);
  }
  const std::string sigv4 = "aws:amz:" + s.region + ":s3";
  const std::string userpwd = s.access_key + ":" + s.secret_key;
  const bool put = std::string_view(method) == "PUT";
  // The payload's hash is signed too (versitygw, like S3, requires the
  // header; curl does not add it).
  const std::string sha_header = "x-amz-content-sha256: " + Sha256Hex(put ? body : std::string_view());
  const std::string token_header = "x-amz-security-token: " + s.session_token;
  std::string last_error;
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(BackoffMs(attempt - 1)));
    CURL* c = ThreadCurl();
    if (!c) return Status::IOError("curl_easy_init failed");
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, sha_header.c_str());
    if (!s.session_token.empty()) headers = curl_slist_append(headers, token_header.c_str());
    if (if_none_match) headers = curl_slist_append(headers, "If-None-Match: *");
    if (put) {
      headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
      headers = curl_slist_append(headers, "Expect:");
    }
    std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, &curl_slist_free_all);
    Response response;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(c, CURLOPT_USERPWD, userpwd.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, kRequestTimeoutMs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &CollectBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
    if (put) {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    } else if (std::string_view(method) == "HEAD") {
      curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (std::string_view(method) != "GET") {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    const CURLcode rc = curl_easy_perform(c);
    bool transient;
    if (rc != CURLE_OK) {
      // Connection failures before sending leave no doubt; for simplicity
      // every transport error counts as a request that may have landed.
      last_error = curl_easy_strerror(rc);
      transient = true;
    } else {
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
      // 409 ConditionalRequestConflict: S3 refuses a conditional write that
      // races another one still in flight; asking again settles it.
      transient = response.status >= 500 || response.status == 429 || response.status == 408 ||
                  (response.status == 409 && if_none_match);
      if (!transient) return response;
      last_error = "HTTP " + std::to_string(response.status) + " " + ErrorCode(response.body);
    }
    if (ambiguous) *ambiguous = true;
    if (attempt >= s.max_retries) {
      return Status::IOError(std::string(method) + " s3://" + s.bucket + "/" + object + ": " + last_error +
                             " (gave up after " + std::to_string(attempt + 1) + " attempts)");
    }
  }
}

Result<std::string> S3Storage::Read(std::string_view key) const {
  RP_ASSIGN_OR_RETURN(Response r, Send("GET", ObjectName(key), {}, false, nullptr));
  if (r.status == 200) return std::move(r.body);
  if (r.status == 404) return Status::NotFound(LocationOf(key) + " does not exist");
  return Status::IOError("GET " + LocationOf(key) + ": HTTP " + std::to_string(r.status) + " " +
                         ErrorCode(r.body));
}

Result<std::shared_ptr<arrow::io::RandomAccessFile>> S3Storage::OpenObject(const std::string& arrow_path,
                                                                           const std::string& where) const {
  auto info = fs_->GetFileInfo(arrow_path);
  if (!info.ok()) return FromArrow(info.status(), "stat " + where, Status::Code::kIOError);
  if (info->type() != arrow::fs::FileType::File) return Status::NotFound(where + " does not exist");
  auto file = fs_->OpenInputFile(*info);  // the size is known: no second HEAD
  if (!file.ok()) return FromArrow(file.status(), "open " + where, Status::Code::kIOError);
  return *file;
}

Result<std::shared_ptr<arrow::io::RandomAccessFile>> S3Storage::OpenForRead(std::string_view key) const {
  return OpenObject(settings_->bucket + "/" + ObjectName(key), LocationOf(key));
}

Result<ObjectInfo> S3Storage::Stat(std::string_view key) const {
  auto info = fs_->GetFileInfo(settings_->bucket + "/" + ObjectName(key));
  if (!info.ok()) return FromArrow(info.status(), "stat " + LocationOf(key), Status::Code::kIOError);
  // A prefix with objects under it is a "directory" to Arrow: not an object.
  if (info->type() != arrow::fs::FileType::File) return Status::NotFound(LocationOf(key) + " does not exist");
  return ObjectInfo{std::string(key), info->size(), MtimeMs(*info)};
}

Result<std::vector<ObjectInfo>> S3Storage::List(std::string_view prefix, std::string_view start_after) const {
  // ListObjectsV2, a page of up to 1000 keys per request, filtered by the
  // server: by the whole prefix and from start_after on, so that listing the
  // log from a version reads only the keys after it. (Arrow's FileSelector
  // can ask for neither: it lists the whole directory and everything under
  // it, which makes each refresh of a long-lived table's log cost as much as
  // listing all of _delta_log.)
  const std::string strip = settings_->prefix.empty() ? "" : settings_->prefix + "/";
  const std::string fixed =
      "list-type=2&prefix=" + EncodeQueryValue(strip + std::string(prefix)) +
      (start_after.empty() ? "" : "&start-after=" + EncodeQueryValue(ObjectName(start_after)));
  std::vector<ObjectInfo> out;
  std::string token;
  for (;;) {
    // Parameters in SigV4's canonical (sorted) order, as curl signs them.
    const std::string query =
        (token.empty() ? "" : "continuation-token=" + EncodeQueryValue(token) + "&") + fixed;
    RP_ASSIGN_OR_RETURN(Response r, Send("GET", "", {}, false, nullptr, query));
    if (r.status != 200) {
      return Status::IOError("list " + LocationOf(prefix) + ": HTTP " + std::to_string(r.status) + " " +
                             ErrorCode(r.body));
    }
    const std::string_view body = r.body;
    for (size_t at = body.find("<Contents>"); at != std::string_view::npos;
         at = body.find("<Contents>", at + 1)) {
      const size_t end = body.find("</Contents>", at);
      if (end == std::string_view::npos) break;
      const std::string_view entry = body.substr(at, end - at);
      auto name = XmlElement(entry, "Key");
      auto size = XmlElement(entry, "Size");
      auto modified = XmlElement(entry, "LastModified");
      std::optional<int64_t> mtime = modified ? ParseS3Time(*modified) : std::nullopt;
      if (!name || !size || !mtime)
        return Status::IOError("list " + LocationOf(prefix) + ": unreadable answer");
      // "dir/" markers other tools leave are not objects here.
      if (name->size() <= strip.size() || name->compare(0, strip.size(), strip) != 0 || name->back() == '/')
        continue;
      out.push_back({name->substr(strip.size()), std::strtoll(size->c_str(), nullptr, 10), *mtime});
    }
    if (XmlElement(body, "IsTruncated").value_or("false") != "true") break;
    token = XmlElement(body, "NextContinuationToken").value_or("");
    if (token.empty())
      return Status::IOError("list " + LocationOf(prefix) + ": truncated answer without a token");
  }
  std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

Status S3Storage::Put(std::string_view key, std::string_view content) const {
  // A PUT replaces the object atomically; S3 is strongly read-after-write.
  RP_ASSIGN_OR_RETURN(Response r, Send("PUT", ObjectName(key), content, false, nullptr));
  if (r.status == 200) return Status::OK();
  return Status::IOError("PUT " + LocationOf(key) + ": HTTP " + std::to_string(r.status) + " " +
                         ErrorCode(r.body));
}

Result<bool> S3Storage::PutIfAbsent(std::string_view key, std::string_view content) const {
  bool ambiguous = false;
  RP_ASSIGN_OR_RETURN(Response r, Send("PUT", ObjectName(key), content, true, &ambiguous));
  if (r.status == 200) return true;
  if (r.status == 412) {
    if (!ambiguous) return false;
    // An earlier attempt may have landed: the object is ours if it holds
    // exactly what we wrote (see the header).
    RP_ASSIGN_OR_RETURN(std::string existing, Read(key));
    return existing == content;
  }
  return Status::IOError("conditional PUT " + LocationOf(key) + ": HTTP " + std::to_string(r.status) + " " +
                         ErrorCode(r.body));
}

Result<std::shared_ptr<arrow::io::OutputStream>> S3Storage::OpenOutputStream(std::string_view key) const {
  auto stream = fs_->OpenOutputStream(settings_->bucket + "/" + ObjectName(key));
  if (!stream.ok()) return FromArrow(stream.status(), "create " + LocationOf(key), Status::Code::kIOError);
  return std::shared_ptr<arrow::io::OutputStream>(
      std::make_shared<AbortingOutputStream>(std::move(*stream), LocationOf(key)));
}

Result<bool> S3Storage::Delete(std::string_view key) const {
  const std::string object = ObjectName(key);
  RP_ASSIGN_OR_RETURN(Response head, Send("HEAD", object, {}, false, nullptr));
  if (head.status == 404) return false;
  if (head.status != 200)
    return Status::IOError("HEAD " + LocationOf(key) + ": HTTP " + std::to_string(head.status));
  RP_ASSIGN_OR_RETURN(Response r, Send("DELETE", object, {}, false, nullptr));
  if (r.status == 204 || r.status == 200 || r.status == 404) return true;
  return Status::IOError("DELETE " + LocationOf(key) + ": HTTP " + std::to_string(r.status) + " " +
                         ErrorCode(r.body));
}

Status S3Storage::CreateDirectory(std::string_view) const {
  return Status::OK();  // a prefix exists through the objects under it
}

Result<std::optional<std::string>> S3Storage::KeyOfUri(std::string_view uri) const {
  RP_ASSIGN_OR_RETURN(auto parsed, ParseS3Uri(uri));
  if (!parsed || parsed->first != settings_->bucket) return std::optional<std::string>();
  const std::string& name = parsed->second;
  if (settings_->prefix.empty()) return std::optional<std::string>(name);
  if (name.size() <= settings_->prefix.size() ||
      name.compare(0, settings_->prefix.size(), settings_->prefix) != 0 ||
      name[settings_->prefix.size()] != '/') {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(name.substr(settings_->prefix.size() + 1));
}

Result<std::shared_ptr<arrow::io::RandomAccessFile>> S3Storage::OpenUriForRead(std::string_view uri) const {
  RP_ASSIGN_OR_RETURN(auto parsed, ParseS3Uri(uri));
  if (!parsed) return Status::Unsupported("not an S3 location: " + std::string(uri));
  return OpenObject(parsed->first + "/" + parsed->second, std::string(uri));
}

}  // namespace rp::delta
