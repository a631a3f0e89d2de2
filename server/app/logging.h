#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace hearth {

// Points spdlog's default logger at stderr with `level` (trace, debug, info, warn, error) and
// `format`: "text" (spdlog's usual "[time] [level] message") or "json" (one object per line:
// {"time":"2024-05-01T12:00:00.123Z","level":"info","message":"...","thread":123,...}, with the
// message JSON-escaped, level names trace/debug/info/warn/error/fatal, and the fields of any
// ScopedLogFields in force, see log_fields.h). gRPC core's own log lines are routed through the
// same logger. INVALID_ARGUMENT for an unknown level or format. Call once at start-up, before
// other threads log.
absl::Status ConfigureLogging(std::string_view level, std::string_view format);

// `s` as the inside of a JSON string (quotes, backslashes and control characters escaped; bytes
// >= 0x80 are passed through, so valid UTF-8 stays valid).
std::string JsonEscape(std::string_view s);

}  // namespace hearth
