#include "server/app/logging.h"

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "server/core/absl_compat.h"
#include "spdlog/formatter.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace hearth {
namespace {

// One JSON object per log line. spdlog has no structured fields; the thread id and, when the
// call site passed one, the source location are the fields.
std::string_view LevelName(spdlog::level::level_enum level) {
  spdlog::string_view_t name = spdlog::level::to_string_view(level);
  return std::string_view(name.data(), name.size());
}

class JsonFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line = absl::StrCat(
        "{\"time\":\"",
        absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromChrono(msg.time), absl::UTCTimeZone()),
        "\",\"level\":\"", Sv(LevelName(msg.level)), "\",\"message\":\"",
        JsonEscape(std::string_view(msg.payload.data(), msg.payload.size())),
        "\",\"thread\":", msg.thread_id);
    if (!msg.source.empty()) {
      absl::StrAppend(&line, ",\"source\":\"", JsonEscape(msg.source.filename), ":",
                      msg.source.line, "\"");
    }
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

std::string JsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

absl::Status ConfigureLogging(std::string_view level, std::string_view format) {
  spdlog::level::level_enum lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(absl::StrCat("unknown log level \"", Sv(level), "\""));
  }
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown log format \"", Sv(format), "\" (text or json)"));
  }
  auto logger = std::make_shared<spdlog::logger>("hearthd",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (format == "json") logger->set_formatter(std::make_unique<JsonFormatter>());
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::trace);  // one line per event, visible at once
  spdlog::set_default_logger(std::move(logger));
  return absl::OkStatus();
}

}  // namespace hearth
