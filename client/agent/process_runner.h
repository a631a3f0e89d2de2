#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace hearth_agent {

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal or the timeout
  bool timed_out = false;
  std::string stderr_head;  // the first lines of stderr, at most 4 lines and 512 bytes
};

// Runs argv (no shell) with stdin from /dev/null and stdout discarded, bounded by `timeout`
// (SIGKILL to its process group after it). INTERNAL only when it could not be started.
absl::StatusOr<RunResult> RunProcess(const std::vector<std::string>& argv, absl::Duration timeout);

}  // namespace hearth_agent
