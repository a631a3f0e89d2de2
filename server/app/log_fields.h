#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

// Structured fields for the log lines a thread writes while this object lives, for the JSON log
// format: {"time":...,"level":...,"message":...,"config":"payments","revision":12,...}. The text
// format prints the message only (it already says the same in words). Fields never carry config
// values: names, paths relative to a root, revisions and durations only.
//
//   ScopedLogFields fields({{"config", name}, LogField::Number("revision", revision)});
//   spdlog::info("config {}: published revision {}", name, revision);
//
// Scopes nest (inner fields are appended). Thread-compatible: each thread has its own fields,
// which is what spdlog's synchronous sinks see, since they format on the logging thread.
struct LogField {
  std::string key;
  std::string value;
  bool number = false;  // written unquoted

  LogField(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  static LogField Number(std::string key, int64_t value);
  static LogField Number(std::string key, double value);
};

class ScopedLogFields {
 public:
  explicit ScopedLogFields(std::vector<LogField> fields);
  ~ScopedLogFields();
  ScopedLogFields(const ScopedLogFields&) = delete;
  ScopedLogFields& operator=(const ScopedLogFields&) = delete;

  // The fields in force on this thread, outermost first.
  static const std::vector<LogField>& Current();

 private:
  size_t added_;
};

}  // namespace hearth
