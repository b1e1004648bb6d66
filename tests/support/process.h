// Test support: real processes (our binary, scripts, kcat), temp dirs, files.
#pragma once

#include <string>

#include "common/subprocess.h"

namespace rp::testing {

using rp::BackgroundProcess;
using rp::FreePort;
using rp::ProcessResult;
using rp::RunProcess;
using rp::WaitFor;

// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path);
// The log of a background job, for failure messages.
inline std::string LogOf(const BackgroundProcess& p) { return ReadFile(p.log_path()); }

}  // namespace rp::testing
