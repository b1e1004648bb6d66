// Test support: one real S3 server (scripts/s3-local: versitygw) for a test
// binary, on a free port with a temp data dir, started by the first test
// that needs it and stopped once every test has run. If it cannot start,
// every test that asks for it fails with the script's output: a broken S3
// setup must not pass as skipped tests.
//
// Tests reach it through explicit settings (storage options, flags, delta-rs
// options), never through the AWS_* environment, so what they check does
// not depend on the machine's.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "support/process.h"

namespace rp::testing {

class S3Server {
 public:
  // The binary's server, started on first use.
  static const S3Server& Get();
  ~S3Server() { Stop(); }
  void Stop() const;

  // Why the server is not usable ("" when it is); tests assert it is empty.
  const std::string& error() const { return error_; }

  // Creates `bucket` (a no-op if it exists); "" or the script's error.
  std::string CreateBucket(const std::string& bucket) const;

  // Endpoint, keys and region as delta::StorageOptions (delta/s3_storage.h).
  const std::map<std::string, std::string>& options() const { return options_; }
  // The same as `reprocessor` flags: --storage-option name=value, ...
  std::vector<std::string> StorageArgs() const;
  // The same for delta-rs: a Python dict literal for storage_options.
  std::string DeltaRsOptions() const;
  int port() const { return port_; }

  // Where the server keeps the objects of `bucket`, one file per object
  // (tests may age them: versitygw reports a file's mtime as the object's).
  std::string BucketDir(const std::string& bucket) const { return dir_.path() + "/data/" + bucket; }

 private:
  S3Server();

  TempDir dir_;
  int port_ = 0;
  mutable bool started_ = false;
  std::string error_;
  std::map<std::string, std::string> options_;
};

}  // namespace rp::testing
