#include "server/core/render/env_writer.h"

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/core/model/absl_compat.h"
#include "server/core/render/flat_leaves.h"

namespace hearth {
namespace {

bool IsBareValueChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' ||
         c == ':' || c == '@' || c == '+' || c == ',' || c == '-';
}

// One segment of a variable name: upper-cased, anything but [A-Z0-9_] as '_'.
std::string NameSegment(std::string_view key) {
  std::string out(key);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    c = absl::ascii_isalnum(u) ? absl::ascii_toupper(u) : '_';
  }
  return out;
}

void AppendValue(std::string_view value, std::string* out) {
  if (!value.empty() && std::all_of(value.begin(), value.end(), IsBareValueChar)) {
    out->append(value.data(), value.size());
    return;
  }
  if (value.find('\'') == std::string_view::npos) {
    // Single quotes: literal in the shell and in Hearth's parser, newlines included.
    out->push_back('\'');
    out->append(value.data(), value.size());
    out->push_back('\'');
    return;
  }
  // Double quotes: the shell expands $ and ` and takes \ before $ ` " \ as an escape; Hearth's
  // parser reads the same four escapes. A newline stays literal (the shell has no \n escape).
  out->push_back('"');
  for (const char c : value) {
    if (c == '\\' || c == '"' || c == '$' || c == '`') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace

absl::StatusOr<std::string> ToEnv(const Value& doc) {
  std::map<std::string, std::string> lines;  // NAME -> the dotted path it came from
  std::string out;
  absl::Status status = ForEachFlatLeaf(
      doc, "env", [&](const std::vector<std::string_view>& path, const Value& leaf) {
        const auto cannot = [&](std::string_view why) {
          return absl::InvalidArgumentError(
              absl::StrCat("env cannot express '", DottedPath(path), "': ", Sv(why)));
        };
        std::string name;
        for (size_t i = 0; i < path.size(); ++i) {
          if (path[i].empty()) return cannot("it has an empty key");
          if (i > 0) name.append("__");
          name.append(NameSegment(path[i]));
        }
        if (absl::ascii_isdigit(static_cast<unsigned char>(name[0]))) {
          return cannot("a variable name cannot start with a digit");
        }
        // Read back, NAME splits at every "__": it must give the same segments.
        const std::vector<absl::string_view> parts = absl::StrSplit(name, "__");
        bool same = parts.size() == path.size();
        for (size_t i = 0; same && i < parts.size(); ++i) {
          same = parts[i].size() == path[i].size();
        }
        if (!same) {
          return cannot(absl::StrCat("its name ", name,
                                     " would read back as another path ('_' next to a '__' "
                                     "separator)"));
        }
        auto [it, inserted] = lines.emplace(name, DottedPath(path));
        if (!inserted) {
          return cannot(absl::StrCat("it and '", it->second, "' both become ", name));
        }
        const std::string text = FlatScalarText(leaf);
        if (text.find('\0') != std::string::npos) return cannot("its value has a NUL byte");
        if (text.find("\r\n") != std::string::npos) {
          return cannot("its value has a CR LF pair, which a .env file reads as LF");
        }
        absl::StrAppend(&out, name, "=");
        AppendValue(text, &out);
        out.push_back('\n');
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  // A variable and a group of the same name (A and A__B) cannot both be read back.
  for (auto it = lines.begin(); it != lines.end(); ++it) {
    const std::string group = it->first + "__";
    auto under = lines.lower_bound(group);
    if (under != lines.end() && under->first.starts_with(group)) {
      return absl::InvalidArgumentError(absl::StrCat("env cannot express '", it->second,
                                                     "' beside '", under->second, "': ", it->first,
                                                     " would be both a variable and a group"));
    }
  }
  return out;
}

}  // namespace hearth
