#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace hearth::testing {

// A child process whose stdout and stderr go to files (no pipes to fill up). The destructor
// kills (SIGKILL) and reaps a child that is still running, so tests never leak processes.
class Subprocess {
 public:
  // Starts argv[0] (a path) with the given arguments. ok() tells whether it started.
  Subprocess(const std::vector<std::string>& argv, const std::string& stdout_path,
             const std::string& stderr_path);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  bool ok() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  void Signal(int sig) const;
  // Waits for exit up to `timeout`; returns the exit code (128+signal if killed), or -1 on
  // timeout.
  int Wait(std::chrono::milliseconds timeout);
  bool running();

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

struct RunResult {
  int exit_code = -1;  // -1: timed out (and killed)
  std::string out;
  std::string err;
};
// Runs a command to completion (bounded by `timeout`), capturing its output.
RunResult RunCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

std::string ReadFileOrEmpty(const std::string& path);

}  // namespace hearth::testing
