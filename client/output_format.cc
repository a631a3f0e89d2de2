#include "client/output_format.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace hearthctl {
namespace {

using Kind = JsonNode::Kind;

void Pad(int n, std::string* out) { out->append(static_cast<size_t>(n), ' '); }

// ---- JSON ----

void PrettyJson(const JsonNode& n, int indent, std::string* out) {
  switch (n.kind) {
    case Kind::kNull:
      out->append("null");
      return;
    case Kind::kBool:
      out->append(n.boolean ? "true" : "false");
      return;
    case Kind::kNumber:
      out->append(n.text);
      return;
    case Kind::kString:
      out->append(JsonQuote(n.text));
      return;
    case Kind::kArray:
      if (n.items.empty()) {
        out->append("[]");
        return;
      }
      out->append("[\n");
      for (size_t i = 0; i < n.items.size(); ++i) {
        Pad(indent + 2, out);
        PrettyJson(n.items[i], indent + 2, out);
        out->append(i + 1 < n.items.size() ? ",\n" : "\n");
      }
      Pad(indent, out);
      out->push_back(']');
      return;
    case Kind::kObject:
      if (n.members.empty()) {
        out->append("{}");
        return;
      }
      out->append("{\n");
      for (size_t i = 0; i < n.members.size(); ++i) {
        Pad(indent + 2, out);
        out->append(JsonQuote(n.members[i].first)).append(": ");
        PrettyJson(n.members[i].second, indent + 2, out);
        out->append(i + 1 < n.members.size() ? ",\n" : "\n");
      }
      Pad(indent, out);
      out->push_back('}');
      return;
  }
}

void CompactJson(const JsonNode& n, std::string* out) {
  switch (n.kind) {
    case Kind::kArray:
      out->push_back('[');
      for (size_t i = 0; i < n.items.size(); ++i) {
        if (i > 0) out->push_back(',');
        CompactJson(n.items[i], out);
      }
      out->push_back(']');
      return;
    case Kind::kObject:
      out->push_back('{');
      for (size_t i = 0; i < n.members.size(); ++i) {
        if (i > 0) out->push_back(',');
        out->append(JsonQuote(n.members[i].first)).push_back(':');
        CompactJson(n.members[i].second, out);
      }
      out->push_back('}');
      return;
    default:
      PrettyJson(n, 0, out);  // scalars print the same either way
      return;
  }
}

// ---- YAML ----

bool YamlPlainSafe(std::string_view s) {
  if (s.empty()) return false;
  const char first = s.front();
  if (!(std::isalpha(static_cast<unsigned char>(first)) || first == '_' || first == '/')) {
    return false;
  }
  for (const char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
          c == '/')) {
      return false;
    }
  }
  static constexpr std::string_view kReserved[] = {"true", "false", "yes", "no", "on",
                                                   "off",  "null",  "y",   "n"};
  const std::string lower = absl::AsciiStrToLower(std::string(s));
  return std::none_of(std::begin(kReserved), std::end(kReserved),
                      [&](std::string_view r) { return lower == r; });
}

bool YamlIsBlock(const JsonNode& n) {
  return (n.kind == Kind::kArray && !n.items.empty()) ||
         (n.kind == Kind::kObject && !n.members.empty());
}

std::string YamlScalar(const JsonNode& n) {
  switch (n.kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return n.boolean ? "true" : "false";
    case Kind::kNumber:
      return n.text;
    case Kind::kString:
      return YamlPlainSafe(n.text) ? n.text : JsonQuote(n.text);
    case Kind::kArray:
      return "[]";
    case Kind::kObject:
      return "{}";
  }
  return "null";
}

// A non-empty collection, every line indented by `indent`.
void YamlBlock(const JsonNode& n, int indent, std::string* out) {
  if (n.kind == Kind::kObject) {
    for (const auto& [key, value] : n.members) {
      Pad(indent, out);
      out->append(YamlPlainSafe(key) ? key : JsonQuote(key)).push_back(':');
      if (YamlIsBlock(value)) {
        out->push_back('\n');
        YamlBlock(value, indent + 2, out);
      } else {
        out->append(" ").append(YamlScalar(value)).push_back('\n');
      }
    }
    return;
  }
  for (const JsonNode& item : n.items) {
    Pad(indent, out);
    if (!YamlIsBlock(item)) {
      out->append("- ").append(YamlScalar(item)).push_back('\n');
      continue;
    }
    // "- " then the nested block with its first line's indentation replaced by the dash.
    std::string nested;
    YamlBlock(item, indent + 2, &nested);
    out->append("- ").append(nested, static_cast<size_t>(indent + 2), std::string::npos);
  }
}

// ---- TOML ----

std::string TomlKey(std::string_view key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return bare ? std::string(key) : JsonQuote(key);
}

bool IsArrayOfTables(const JsonNode& n) {
  return n.kind == Kind::kArray && !n.items.empty() &&
         std::all_of(n.items.begin(), n.items.end(),
                     [](const JsonNode& i) { return i.kind == Kind::kObject; });
}

absl::Status TomlInline(const JsonNode& n, const std::string& where, std::string* out) {
  switch (n.kind) {
    case Kind::kNull:
      return absl::InvalidArgumentError(
          absl::StrCat("TOML has no null (at ", where, "); use -o json or -o yaml"));
    case Kind::kBool:
      out->append(n.boolean ? "true" : "false");
      return absl::OkStatus();
    case Kind::kNumber:
      out->append(n.text);
      return absl::OkStatus();
    case Kind::kString:
      out->append(JsonQuote(n.text));  // JSON escapes are valid TOML basic-string escapes
      return absl::OkStatus();
    case Kind::kArray: {
      out->push_back('[');
      for (size_t i = 0; i < n.items.size(); ++i) {
        if (i > 0) out->append(", ");
        absl::Status s = TomlInline(n.items[i], absl::StrCat(where, "[", i, "]"), out);
        if (!s.ok()) return s;
      }
      out->push_back(']');
      return absl::OkStatus();
    }
    case Kind::kObject: {
      out->append("{");
      for (size_t i = 0; i < n.members.size(); ++i) {
        out->append(i > 0 ? ", " : " ");
        out->append(TomlKey(n.members[i].first)).append(" = ");
        absl::Status s =
            TomlInline(n.members[i].second, absl::StrCat(where, ".", n.members[i].first), out);
        if (!s.ok()) return s;
      }
      out->append(n.members.empty() ? "}" : " }");
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::Status TomlTable(const JsonNode& table, const std::string& path, std::string* out) {
  auto child = [&](const std::string& key) {
    return path.empty() ? TomlKey(key) : absl::StrCat(path, ".", TomlKey(key));
  };
  for (const auto& [key, value] : table.members) {
    if (value.kind == Kind::kObject || IsArrayOfTables(value)) continue;
    if (value.kind == Kind::kNull) {
      absl::StrAppend(out, "# ", TomlKey(key), " = null (TOML has no null)\n");
      continue;
    }
    out->append(TomlKey(key)).append(" = ");
    absl::Status s = TomlInline(value, child(key), out);
    if (!s.ok()) return s;
    out->push_back('\n');
  }
  for (const auto& [key, value] : table.members) {
    if (value.kind != Kind::kObject) continue;
    absl::StrAppend(out, "\n[", child(key), "]\n");
    absl::Status s = TomlTable(value, child(key), out);
    if (!s.ok()) return s;
  }
  for (const auto& [key, value] : table.members) {
    if (!IsArrayOfTables(value)) continue;
    for (const JsonNode& item : value.items) {
      absl::StrAppend(out, "\n[[", child(key), "]]\n");
      absl::Status s = TomlTable(item, child(key), out);
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string ToCompactJson(const JsonNode& node) {
  std::string out;
  CompactJson(node, &out);
  return out;
}

std::string ToPrettyJson(const JsonNode& node) {
  std::string out;
  PrettyJson(node, 0, &out);
  out.push_back('\n');
  return out;
}

std::string ToYaml(const JsonNode& node) {
  if (!YamlIsBlock(node)) return YamlScalar(node) + "\n";
  std::string out;
  YamlBlock(node, 0, &out);
  return out;
}

absl::StatusOr<std::string> ToToml(const JsonNode& node) {
  if (node.kind != Kind::kObject) {
    return absl::InvalidArgumentError(
        "TOML output needs an object at the top; use -o json or -o yaml for this value");
  }
  std::string out;
  absl::Status s = TomlTable(node, "", &out);
  if (!s.ok()) return s;
  if (!out.empty() && out.front() == '\n') out.erase(0, 1);
  return out;
}

}  // namespace hearthctl
