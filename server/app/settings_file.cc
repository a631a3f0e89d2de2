#include "server/app/settings_file.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/value.h"
#include "server/core/parse/parse_document.h"

namespace hearth {
namespace {

constexpr std::streamsize kMaxSettingsBytes = 1 << 20;

// A flag's value from a string or an integer; false for anything else.
bool Scalar(const Value& v, std::string* out) {
  if (v.is_string()) {
    *out = v.AsString();
  } else if (v.is_int()) {
    *out = std::to_string(v.AsInt());
  } else {
    return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> SettingsFileFlags(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot open");
  std::string text(kMaxSettingsBytes + 1, '\0');
  in.read(text.data(), kMaxSettingsBytes + 1);
  if (in.bad()) return absl::UnavailableError("cannot read");
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > static_cast<size_t>(kMaxSettingsBytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("larger than ", kMaxSettingsBytes, " bytes; not a settings file"));
  }
  // No name: the caller prefixes the path, so errors read "PATH: LINE:COL: message".
  absl::StatusOr<Value> parsed = ParseToml(text, SourceRef{});
  if (!parsed.ok()) {
    absl::string_view message = parsed.status().message();
    while (!message.empty() && (message[0] == ':' || message[0] == ' ')) message.remove_prefix(1);
    return absl::InvalidArgumentError(message);
  }
  const Value* table = &*parsed;
  if (const Value* serve = table->Find("serve"); serve != nullptr && serve->is_object()) {
    table = serve;
  }
  std::vector<std::string> flags;
  for (const auto& [key, node] : table->AsObject()) {
    const std::string flag = "--" + key;
    std::string value;
    if (node.is_array()) {
      for (const Value& item : node.AsArray()) {
        if (!Scalar(item, &value)) {
          return absl::InvalidArgumentError(
              absl::StrCat(flag, ": array items must be strings or integers"));
        }
        flags.push_back(flag);
        flags.push_back(value);
      }
    } else if (node.is_bool()) {
      if (node.AsBool()) flags.push_back(flag);
    } else if (Scalar(node, &value)) {
      flags.push_back(flag);
      flags.push_back(value);
    } else if (!node.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(flag, ": unsupported value type"));
    }
  }
  return flags;
}

}  // namespace hearth
