#include "server/core/parse/format.h"

#include "absl/strings/match.h"
#include "server/core/model/absl_compat.h"

namespace hearth {
namespace {

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         absl::EqualsIgnoreCase(Sv(s.substr(s.size() - suffix.size())), Sv(suffix));
}

}  // namespace

Format FormatFromFileName(std::string_view file_name) {
  const size_t slash = file_name.find_last_of('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  if (EndsWithIgnoreCase(file_name, ".toml")) return Format::kToml;
  if (EndsWithIgnoreCase(file_name, ".json")) return Format::kJson;
  if (EndsWithIgnoreCase(file_name, ".yaml") || EndsWithIgnoreCase(file_name, ".yml")) {
    return Format::kYaml;
  }
  if (EndsWithIgnoreCase(file_name, ".env")) return Format::kEnv;
  return Format::kUnknown;
}

std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kToml:
      return "toml";
    case Format::kJson:
      return "json";
    case Format::kYaml:
      return "yaml";
    case Format::kEnv:
      return "env";
    case Format::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace hearth
