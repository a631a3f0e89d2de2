#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace hearth_agent {

// The agent's log lines, on stderr, in hearthd's two forms (server/app/logging.h):
//   text: [2026-12-04 18:00:00.123] [hearth-agent] [info] message
//   json: {"time":"2026-12-04T18:00:00.123Z","level":"info","message":"...","thread":N}
// Messages name outputs, configs, etags and revisions, never a config value. Thread-safe.
enum class LogLevel { kDebug, kInfo, kWarn, kError };

// INVALID_ARGUMENT for a level other than debug, info, warn, error or a format other than text,
// json. Call before other threads log.
absl::Status ConfigureAgentLog(std::string_view level, std::string_view format);

void Log(LogLevel level, absl::string_view message);
inline void LogInfo(absl::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogWarn(absl::string_view m) { Log(LogLevel::kWarn, m); }
inline void LogError(absl::string_view m) { Log(LogLevel::kError, m); }
inline void LogDebug(absl::string_view m) { Log(LogLevel::kDebug, m); }

}  // namespace hearth_agent
