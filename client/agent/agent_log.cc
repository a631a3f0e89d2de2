#include "client/agent/agent_log.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/json_tree.h"

namespace hearth_agent {
namespace {

std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<bool> json_format{false};
absl::Mutex write_mu;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

absl::Status ConfigureAgentLog(std::string_view level, std::string_view format) {
  LogLevel parsed;
  if (level == "debug") {
    parsed = LogLevel::kDebug;
  } else if (level == "info") {
    parsed = LogLevel::kInfo;
  } else if (level == "warn") {
    parsed = LogLevel::kWarn;
  } else if (level == "error") {
    parsed = LogLevel::kError;
  } else {
    return absl::InvalidArgumentError("log level must be one of debug, info, warn, error");
  }
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError("log format must be text or json");
  }
  min_level = static_cast<int>(parsed);
  json_format = format == "json";
  return absl::OkStatus();
}

void Log(LogLevel level, absl::string_view message) {
  if (static_cast<int>(level) < min_level.load(std::memory_order_relaxed)) return;
  const absl::Time now = absl::Now();
  std::string line;
  if (json_format.load(std::memory_order_relaxed)) {
    line = absl::StrCat(
        "{\"time\":\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", now, absl::UTCTimeZone()),
        "\",\"level\":\"", LevelName(level),
        "\",\"message\":", hearthctl::JsonQuote(std::string_view(message.data(), message.size())),
        ",\"thread\":", syscall(SYS_gettid), "}\n");
  } else {
    line = absl::StrCat("[", absl::FormatTime("%Y-%m-%d %H:%M:%E3S", now, absl::LocalTimeZone()),
                        "] [hearth-agent] [", LevelName(level), "] ", message, "\n");
  }
  absl::MutexLock lock(&write_mu);
  fwrite(line.data(), 1, line.size(), stderr);
  fflush(stderr);
}

}  // namespace hearth_agent
