#include "server/app/log_fields.h"

#include <cmath>
#include <cstddef>
#include <cstdio>

namespace hearth {
namespace {

std::vector<LogField>& ThreadFields() {
  thread_local std::vector<LogField> fields;
  return fields;
}

}  // namespace

LogField LogField::Number(std::string key, int64_t value) {
  LogField f(std::move(key), std::to_string(value));
  f.number = true;
  return f;
}

LogField LogField::Number(std::string key, double value) {
  if (!std::isfinite(value)) return LogField(std::move(key), "");
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", value);
  LogField f(std::move(key), buf);
  f.number = true;
  return f;
}

ScopedLogFields::ScopedLogFields(std::vector<LogField> fields) : added_(fields.size()) {
  std::vector<LogField>& current = ThreadFields();
  for (LogField& f : fields) current.push_back(std::move(f));
}

ScopedLogFields::~ScopedLogFields() {
  std::vector<LogField>& current = ThreadFields();
  current.erase(current.end() - static_cast<std::ptrdiff_t>(added_), current.end());
}

const std::vector<LogField>& ScopedLogFields::Current() { return ThreadFields(); }

}  // namespace hearth
