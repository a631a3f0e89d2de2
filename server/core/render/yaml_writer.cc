#include "server/core/render/yaml_writer.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/core/model/json_writer.h"
#include "server/core/model/utf8.h"

namespace hearth {
namespace {

constexpr size_t kMaxImplicitKeyBytes = 1000;

void Pad(size_t n, std::string* out) { out->append(n, ' '); }

// Plain only when no YAML 1.1 or 1.2 reader can take it for anything but this string.
bool PlainSafe(std::string_view s) {
  if (s.empty()) return false;
  const auto c0 = static_cast<unsigned char>(s.front());
  if (!(absl::ascii_isalpha(c0) || c0 == '_' || c0 == '/')) return false;
  const bool chars_ok = std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.' || c == '/';
  });
  if (!chars_ok) return false;
  static constexpr std::string_view kReserved[] = {"true", "false", "yes", "no", "on",
                                                   "off",  "null",  "y",   "n"};
  std::string lower(s);
  absl::AsciiStrToLower(&lower);
  return std::none_of(std::begin(kReserved), std::end(kReserved),
                      [&](std::string_view r) { return lower == r; });
}

// YAML's printable set (1.2 section 5.1) less the characters that YAML 1.1 readers take as line
// breaks (NEL, LS, PS) and the BOM: everything else is escaped.
bool RawInDoubleQuotes(char32_t cp) {
  if (cp < 0x20) return false;
  if (cp < 0x7F) return cp != '"' && cp != '\\';
  if (cp < 0xA0) return false;  // DEL and C1, NEL among them
  if (cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF) return false;
  if (cp >= 0xD800 && cp < 0xE000) return false;
  return cp != 0xFFFE && cp != 0xFFFF;
}

void AppendDoubleQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t start = pos;
    const char32_t cp = NextCodePoint(s, &pos);
    if (RawInDoubleQuotes(cp) && !(cp == 0xFFFD && pos - start == 1)) {
      out->append(s.data() + start, pos - start);
      continue;
    }
    switch (cp) {
      case '"':
        out->append("\\\"");
        continue;
      case '\\':
        out->append("\\\\");
        continue;
      case '\n':
        out->append("\\n");
        continue;
      case '\t':
        out->append("\\t");
        continue;
      case '\r':
        out->append("\\r");
        continue;
      case 0:
        out->append("\\0");
        continue;
      default:
        break;
    }
    static constexpr char kHex[] = "0123456789ABCDEF";
    if (cp == 0xFFFD && pos - start == 1) {
      // Not UTF-8 (no parser lets such a string through): keep the byte as \xXX.
      const auto b = static_cast<unsigned char>(s[start]);
      const char buf[4] = {'\\', 'x', kHex[b >> 4], kHex[b & 0xF]};
      out->append(buf, sizeof(buf));
      continue;
    }
    const char buf[6] = {
        '\\',          'u', kHex[(cp >> 12) & 0xF], kHex[(cp >> 8) & 0xF], kHex[(cp >> 4) & 0xF],
        kHex[cp & 0xF]};
    out->append(buf, sizeof(buf));
  }
  out->push_back('"');
}

void AppendString(std::string_view s, std::string* out) {
  if (PlainSafe(s)) {
    out->append(s.data(), s.size());
  } else {
    AppendDoubleQuoted(s, out);
  }
}

void AppendDouble(double d, std::string* out) {
  if (std::isnan(d)) {
    out->append(".nan");
    return;
  }
  if (std::isinf(d)) {
    out->append(d > 0 ? ".inf" : "-.inf");
    return;
  }
  std::string text;
  AppendShortestDouble(d, &text);
  // YAML 1.1 reads a float only with a '.': 1e+300 -> 1.0e+300.
  const size_t e = text.find('e');
  if (e != std::string::npos && text.find('.') == std::string::npos) text.insert(e, ".0");
  out->append(text);
}

bool IsBlock(const Value& v) {
  return (v.is_array() && !v.AsArray().empty()) || (v.is_object() && !v.AsObject().empty());
}

void AppendScalar(const Value& v, std::string* out) {
  switch (v.type()) {
    case Value::Type::kNull:
      out->append("null");
      return;
    case Value::Type::kBool:
      out->append(v.AsBool() ? "true" : "false");
      return;
    case Value::Type::kInt:
      absl::StrAppend(out, v.AsInt());
      return;
    case Value::Type::kDouble:
      AppendDouble(v.AsDouble(), out);
      return;
    case Value::Type::kString:
      AppendString(v.AsString(), out);
      return;
    case Value::Type::kArray:
      out->append("[]");
      return;
    case Value::Type::kObject:
      out->append("{}");
      return;
  }
}

// A non-empty collection whose lines are indented by `indent`; the first line's indentation is
// left out when `first_inline` (it follows a "- " already written).
void AppendBlock(const Value& v, size_t indent, bool first_inline, std::string* out) {
  bool first = true;
  const auto start_line = [&] {
    if (!(first && first_inline)) Pad(indent, out);
    first = false;
  };
  if (v.is_object()) {
    for (const auto& [key, child] : v.AsObject()) {
      start_line();
      if (key.size() > kMaxImplicitKeyBytes) {
        // YAML limits an implicit key to 1024 characters: write a long one as an explicit key.
        out->append("? ");
        AppendString(key, out);
        out->push_back('\n');
        Pad(indent, out);
      } else {
        AppendString(key, out);
      }
      out->push_back(':');
      if (IsBlock(child)) {
        out->push_back('\n');
        // A list under a key may sit at the key's indentation; nesting it reads more clearly.
        AppendBlock(child, indent + 2, false, out);
      } else {
        out->push_back(' ');
        AppendScalar(child, out);
        out->push_back('\n');
      }
    }
    return;
  }
  for (const Value& item : v.AsArray()) {
    start_line();
    out->append("- ");
    if (IsBlock(item)) {
      AppendBlock(item, indent + 2, true, out);
    } else {
      AppendScalar(item, out);
      out->push_back('\n');
    }
  }
}

}  // namespace

std::string ToYaml(const Value& doc) {
  std::string out;
  if (IsBlock(doc)) {
    AppendBlock(doc, 0, false, &out);
  } else {
    AppendScalar(doc, &out);
    out.push_back('\n');
  }
  return out;
}

}  // namespace hearth
