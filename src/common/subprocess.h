// Child processes: run a command to completion capturing its output, or keep
// one running in the background (jobs started by `demo`, and by tests).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace rp {

struct ProcessResult {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string out;
  std::string err;
};

// Runs argv[0] (searched in PATH) with arguments, no shell, feeding `stdin_data`.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& stdin_data = "");

// A long-running child with stdout and stderr appended to a log file.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~BackgroundProcess();  // SIGKILLs it if still running
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  void Signal(int sig);
  // Waits for exit; returns the exit code (128+N for signal N), or -1 on timeout.
  int Wait(int timeout_ms);
  bool Running();
  int pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }

 private:
  int pid_ = -1;
  int exit_code_ = -1;
  std::string log_path_;
};

// Polls `pred` every 100 ms until it is true or `timeout_ms` passes.
bool WaitFor(const std::function<bool()>& pred, int timeout_ms);

// A free TCP port on 127.0.0.1 (bound and released, so only probably free).
int FreePort();

}  // namespace rp
