// Test support: run real processes (our binary, scripts, kcat) and capture output.
#pragma once

#include <functional>
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

// A long-running process (a job) with stdout/stderr going to files.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~BackgroundProcess();  // SIGKILLs it if still running
  void Signal(int sig);
  // Waits for exit; returns the exit code (128+N for signal N), or -1 on timeout.
  int Wait(int timeout_ms);
  bool Running();
  int pid() const { return pid_; }
  std::string Log() const { return ReadFile(log_path_); }

 private:
  int pid_ = -1;
  int exit_code_ = -1;
  std::string log_path_;
};

// Polls `pred` every 100 ms until it is true or `timeout_ms` passes.
bool WaitFor(const std::function<bool()>& pred, int timeout_ms);

}  // namespace rp::testing
