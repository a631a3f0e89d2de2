#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/agent/agent_config.h"

namespace hearth_agent {

// Runs `action` once for a batch of changed outputs (their ids in `outputs`).
// kSignal: kill(2) the pid from the pidfile (re-read each time), or every process whose
// executable base name is `process`; NOT_FOUND when there is none.
// kWebhook: POST {"outputs":[...]} to the URL, retried per the action's attempts and backoff.
// kExec: runs the command; a non-zero exit is an error naming its code and stderr's first line.
absl::Status RunAction(const Action& action, const std::vector<std::string>& outputs);

// http://host[:port]/path POST with a JSON body, one attempt, bounded by `timeout`. Returns the
// HTTP status code.
absl::StatusOr<int> HttpPost(const std::string& url, const std::string& body,
                             absl::Duration timeout);

}  // namespace hearth_agent
