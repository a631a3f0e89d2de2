#include "server/core/render/properties_writer.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/core/model/utf8.h"
#include "server/core/render/flat_leaves.h"

namespace hearth {
namespace {

void AppendUtf16Escape(char32_t unit, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const char buf[6] = {'\\',
                       'u',
                       kHex[(unit >> 12) & 0xF],
                       kHex[(unit >> 8) & 0xF],
                       kHex[(unit >> 4) & 0xF],
                       kHex[unit & 0xF]};
  out->append(buf, sizeof(buf));
}

// Properties.store()'s saveConvert: `is_key` also escapes every space (a value only a leading
// one, since load() strips the blanks before a value).
void AppendEscaped(std::string_view text, bool is_key, std::string* out) {
  size_t pos = 0;
  bool leading = true;
  while (pos < text.size()) {
    const char32_t cp = NextCodePoint(text, &pos);
    switch (cp) {
      case ' ':
        out->append(is_key || leading ? "\\ " : " ");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\\':
      case '=':
      case ':':
      case '#':
      case '!':
        out->push_back('\\');
        out->push_back(static_cast<char>(cp));
        break;
      default:
        if (cp >= 0x20 && cp < 0x7F) {
          out->push_back(static_cast<char>(cp));
        } else if (cp < 0x10000) {
          AppendUtf16Escape(cp, out);
        } else {
          const char32_t v = cp - 0x10000;
          AppendUtf16Escape(0xD800 + (v >> 10), out);
          AppendUtf16Escape(0xDC00 + (v & 0x3FF), out);
        }
    }
    leading = false;
  }
}

}  // namespace

absl::StatusOr<std::string> ToProperties(const Value& doc) {
  std::map<std::string, std::string> keys;  // key -> its line
  absl::Status status = ForEachFlatLeaf(
      doc, "properties", [&](const std::vector<std::string_view>& path, const Value& leaf) {
        std::string key = DottedPath(path);
        if (keys.contains(key)) {
          return absl::InvalidArgumentError(
              absl::StrCat("properties cannot express '", key,
                           "': two paths give that key (a key with a '.' in it beside a table)"));
        }
        std::string line;
        AppendEscaped(key, /*is_key=*/true, &line);
        line.push_back('=');
        AppendEscaped(FlatScalarText(leaf), /*is_key=*/false, &line);
        line.push_back('\n');
        keys.emplace(std::move(key), std::move(line));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  std::string out;
  for (const auto& [key, line] : keys) out.append(line);
  return out;
}

}  // namespace hearth
