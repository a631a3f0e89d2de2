#include "server/app/logging.h"

#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpc/support/log.h"
#include "server/app/log_fields.h"
#include "server/core/model/absl_compat.h"
#include "spdlog/formatter.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace hearth {
namespace {

// Level names as Prometheus, Kubernetes and most log pipelines spell them ("warn", not spdlog's
// "warning"; "fatal" for critical).
std::string_view LevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "fatal";
    default:
      return "off";
  }
}

// %* in the text pattern: the level, named as in the JSON format.
class LevelFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*time*/,
              spdlog::memory_buf_t& dest) override {
    std::string_view name = LevelName(msg.level);
    dest.append(name.data(), name.data() + name.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<LevelFlag>();
  }
};

// gRPC core's own diagnostics ("E1201 ... ssl_transport_security.cc] Handshake failed") go to
// the same logger, so the JSON format stays one JSON object per line.
void GrpcLogToSpdlog(gpr_log_func_args* args) {
  const spdlog::level::level_enum level =
      args->severity == GPR_LOG_SEVERITY_ERROR  ? spdlog::level::err
      : args->severity == GPR_LOG_SEVERITY_INFO ? spdlog::level::info
                                                : spdlog::level::debug;
  const char* file = args->file != nullptr ? args->file : "";
  const char* slash = std::strrchr(file, '/');
  ScopedLogFields fields(
      {{"component", "grpc"},
       {"source", absl::StrCat(slash != nullptr ? slash + 1 : file, ":", args->line)}});
  spdlog::log(level, "grpc: {}", args->message != nullptr ? args->message : "");
}

// One JSON object per log line: time, level, message, thread, then the ScopedLogFields in force.

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
    for (const LogField& f : ScopedLogFields::Current()) {
      if (f.value.empty()) continue;
      absl::StrAppend(&line, ",\"", JsonEscape(f.key), "\":");
      if (f.number) {
        absl::StrAppend(&line, f.value);
      } else {
        absl::StrAppend(&line, "\"", JsonEscape(f.value), "\"");
      }
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
  if (format == "json") {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    auto text = std::make_unique<spdlog::pattern_formatter>();
    text->add_flag<LevelFlag>('*').set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%n] [%*] %v");
    logger->set_formatter(std::move(text));
  }
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::trace);  // one line per event, visible at once
  spdlog::set_default_logger(std::move(logger));
  // gRPC filters by its own verbosity before calling the function: its INFO lines only when we
  // log at debug, its DEBUG lines only at trace.
  gpr_set_log_verbosity(lvl <= spdlog::level::trace   ? GPR_LOG_SEVERITY_DEBUG
                        : lvl <= spdlog::level::debug ? GPR_LOG_SEVERITY_INFO
                                                      : GPR_LOG_SEVERITY_ERROR);
  gpr_set_log_function(GrpcLogToSpdlog);
  return absl::OkStatus();
}

}  // namespace hearth
