// Test support: run real processes (our binary, scripts, kcat) and capture output.
#pragma once

#include <string>
#include <vector>

namespace rp::testing {

struct ProcessResult {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string out;
  std::string err;
};

// Runs argv[0] with arguments (no shell), feeding `stdin_data`.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& stdin_data = "");

// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
int FreePort();

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

}  // namespace rp::testing
