// Storage in an S3 bucket (or any S3-compatible store): the objects of a
// table under "s3://bucket/prefix".
//
// Two clients share the work, each where it is strongest:
// - Arrow's S3 file system (the pyarrow wheel's libarrow, AWS SDK inside)
//   lists, stats, opens for random access and streams data files
//   (multipart uploads that publish on Close only).
// - libcurl, with its own SigV4 signing (CURLOPT_AWS_SIGV4), does the
//   single-request operations Arrow cannot express or does with side effects:
//   PutIfAbsent (a PUT with If-None-Match: *, which Arrow has no way to send),
//   Put, Read and Delete (Arrow's DeleteFile writes an empty "dir/" marker
//   object when the last object under a prefix goes, which other Delta
//   readers may list), and List (ListObjectsV2 with prefix and start-after,
//   which Arrow's listing cannot pass on). Each thread reuses one curl
//   handle, and so its connections.
//
// Settings come from StorageOptions, falling back to the standard AWS
// environment variables:
//   aws_access_key_id      AWS_ACCESS_KEY_ID
//   aws_secret_access_key  AWS_SECRET_ACCESS_KEY
//   aws_session_token      AWS_SESSION_TOKEN
//   aws_region             AWS_REGION, AWS_DEFAULT_REGION (else us-east-1)
//   aws_endpoint_url       AWS_ENDPOINT_URL (e.g. http://127.0.0.1:9000;
//                          path-style requests; none: AWS itself)
//   aws_allow_http         AWS_ALLOW_HTTP ("false" refuses an http:// endpoint)
//   max_retries            retries of a failed request (5xx, 429, timeouts,
//                          connection errors), with exponential backoff
//                          from 50 ms capped at 5 s; default 10
// Unknown option names are refused (InvalidArgument), so a typo cannot
// silently fall back to the environment.
//
// PutIfAbsent and retries: a conditional PUT that timed out or failed with
// a 5xx may still have landed. When a retry then gets 412, the object is read
// back: if it holds exactly our content the first attempt was ours (true),
// otherwise another writer won (false). A Delta commit carries a unique
// commitInfo, so two writers with byte-identical commits do not happen in
// practice; were they to, both would be told they won the same, identical
// version.
//
// Delete asks (HEAD) first, because S3's DELETE answers 204 whether or not
// the object existed; a racing deleter may make both report true.
#pragma once

#include <memory>
#include <string>

#include "delta/storage.h"

namespace arrow::fs {
class S3FileSystem;
}

namespace rp::delta {

class S3Storage final : public Storage {
 public:
  // `location` is "s3://bucket" or "s3://bucket/prefix" (trailing '/'s are
  // dropped). Contacts nothing yet.
  static Result<std::shared_ptr<S3Storage>> Open(std::string_view location, const StorageOptions& options);

  struct Settings;
  S3Storage(std::unique_ptr<Settings> settings, std::shared_ptr<arrow::fs::S3FileSystem> fs);
  ~S3Storage() override;

  const std::string& location() const override;

  Result<std::string> Read(std::string_view key) const override;
  Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenForRead(std::string_view key) const override;
  Result<ObjectInfo> Stat(std::string_view key) const override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix,
                                       std::string_view start_after = {}) const override;
  Status Put(std::string_view key, std::string_view content) const override;
  Result<bool> PutIfAbsent(std::string_view key, std::string_view content) const override;
  Result<std::shared_ptr<arrow::io::OutputStream>> OpenOutputStream(std::string_view key) const override;
  Result<bool> Delete(std::string_view key) const override;
  Status CreateDirectory(std::string_view key) const override;
  Result<std::optional<std::string>> KeyOfUri(std::string_view uri) const override;
  Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenUriForRead(std::string_view uri) const override;

 private:
  struct Response;
  // The object's full name in the bucket (prefix + "/" + key).
  std::string ObjectName(std::string_view key) const;
  // One request, retried while it fails transiently. `ambiguous` (if given)
  // is set when an earlier attempt may have reached the store. `query`: the
  // URL's query, encoded and in SigV4's order (for requests on the bucket,
  // whose `object` is empty).
  Result<Response> Send(const char* method, const std::string& object, std::string_view body,
                        bool if_none_match, bool* ambiguous, std::string_view query = {}) const;
  Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenObject(const std::string& arrow_path,
                                                                  const std::string& where) const;

  std::unique_ptr<Settings> settings_;
  std::shared_ptr<arrow::fs::S3FileSystem> fs_;
};

}  // namespace rp::delta
