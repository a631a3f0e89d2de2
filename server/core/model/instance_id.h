#pragma once

#include <string>

namespace hearth {

// A random 16-hex-digit id for this daemon process. Watch resume points (gRPC since_revision,
// SSE Last-Event-ID) carry it, so a client never resumes against another instance's revisions.
std::string NewInstanceId();

}  // namespace hearth
