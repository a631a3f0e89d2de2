#pragma once

#include <ostream>
#include <string>

namespace hearth_agent {

// `hearth-agent status`: reads the running agent's status file and prints its connection and a
// line per output, the way `hearthctl status` prints a rollout. Exit codes: 0 connected and every
// required output applied; 1 the agent runs but is disconnected, serving a snapshot, or has an
// output rejected, failed or pending; 4 no agent: the status file is missing, unreadable, or its
// process is gone. `output` is "text" or "json" (the file as written).
int RunStatus(const std::string& status_file, const std::string& output, std::ostream& out,
              std::ostream& err);

}  // namespace hearth_agent
