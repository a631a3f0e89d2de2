#include "server/core/model/config_name.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/diagnostic.h"
#include "server/core/model/utf8.h"

namespace hearth {
namespace {

absl::Status Invalid(std::string_view name, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid config name '", KeyForMessage(name), "': ", Sv(why)));
}

}  // namespace

absl::Status ValidateConfigName(std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("config name is empty");
  if (name.size() > kMaxConfigNameBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("config name is over ", kMaxConfigNameBytes, " bytes"));
  }
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == '\\') {
      return Invalid(name, "config names must not contain control characters or backslashes");
    }
  }
  if (!IsValidUtf8(name)) return Invalid(name, "config names must be valid UTF-8");
  size_t begin = 0;
  while (true) {
    const size_t slash = name.find('/', begin);
    const std::string_view part = name.substr(
        begin, slash == std::string_view::npos ? std::string_view::npos : slash - begin);
    if (part.empty() || part[0] == '.') {
      return Invalid(name,
                     "use a relative path of directory names such as 'team-a/billing' (no empty, "
                     "'.' or '..' segments, no leading '/', no hidden directories)");
    }
    if (slash == std::string_view::npos) break;
    begin = slash + 1;
  }
  return absl::OkStatus();
}

absl::Status ValidateConfigNamePrefix(std::string_view prefix) {
  if (prefix.empty()) return absl::OkStatus();
  if (prefix.size() >= kMaxConfigNameBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("prefix is over ", kMaxConfigNameBytes - 1, " bytes"));
  }
  if (!ValidateConfigName(absl::StrCat(Sv(prefix), "x")).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid prefix '", KeyForMessage(prefix),
                     "': prefixes are the start of relative config names ('team-a/')"));
  }
  return absl::OkStatus();
}

absl::Status ValidateSourceFileName(std::string_view file_name) {
  if (file_name.size() > kMaxSourceFileNameBytes) {
    return absl::InvalidArgumentError(absl::StrCat("file name is ", file_name.size(),
                                                   " bytes; at most ", kMaxSourceFileNameBytes));
  }
  if (file_name.empty() || file_name == "." || file_name == ".." ||
      file_name.find('/') != std::string_view::npos ||
      file_name.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid file name '", KeyForMessage(file_name),
                     "': expected a plain file name such as '10-db.yaml'"));
  }
  // It is reported in proto3 strings (Diagnostic.file) that must be UTF-8. Not quoted: bytes that
  // are not UTF-8 cannot be shown.
  if (!IsValidUtf8(file_name)) {
    return absl::InvalidArgumentError("invalid file name: file names must be valid UTF-8");
  }
  return absl::OkStatus();
}

}  // namespace hearth
