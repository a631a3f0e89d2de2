#include "server/core/model/diagnostic.h"

#include <charconv>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/core/model/absl_compat.h"

namespace hearth {

std::string FormatDiagnostic(std::string_view name, uint32_t line, uint32_t column,
                             std::string_view message) {
  if (line == 0) return absl::StrCat(Sv(name), ": ", Sv(message));
  if (column == 0) return absl::StrCat(Sv(name), ":", line, ": ", Sv(message));
  return absl::StrCat(Sv(name), ":", line, ":", column, ": ", Sv(message));
}

absl::Status DiagnosticError(std::string_view name, uint32_t line, uint32_t column,
                             std::string_view message) {
  return absl::InvalidArgumentError(FormatDiagnostic(name, line, column, message));
}

std::string FormatAt(const Origin& origin, absl::Span<const std::string> sources,
                     std::string_view message) {
  std::string_view name = "<generated>";
  if (origin.file != Origin::kNoFile && origin.file < sources.size()) name = sources[origin.file];
  return FormatDiagnostic(name, origin.line, origin.column, message);
}

std::string KeyForMessage(std::string_view key) {
  bool cut = false;
  if (key.size() > kMaxKeyBytesInMessage) {
    size_t end = kMaxKeyBytesInMessage;
    // Back up to the first byte of a code point (continuation bytes are 10xxxxxx).
    while (end > 0 && (static_cast<unsigned char>(key[end]) & 0xC0) == 0x80) --end;
    key = key.substr(0, end);
    cut = true;
  }
  std::string out;
  out.reserve(key.size() + 3);
  for (char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '\'' || c == '"' || c == '\\') {
      absl::StrAppendFormat(&out, "\\x%02X", u);
    } else {
      out.push_back(c);
    }
  }
  if (cut) out += "...";
  return out;
}

std::string CutQuotedKeys(std::string_view message) {
  std::string out;
  while (!message.empty()) {
    const size_t open = message.find('\'');
    if (open == std::string_view::npos) break;
    const size_t close = message.find('\'', open + 1);
    if (close == std::string_view::npos) break;
    absl::StrAppend(&out, Sv(message.substr(0, open + 1)),
                    KeyForMessage(message.substr(open + 1, close - open - 1)), "'");
    message.remove_prefix(close + 1);
  }
  // An unclosed quote (the library cut the text itself): the rest is a key, cut it too.
  if (const size_t open = message.find('\''); open != std::string_view::npos) {
    absl::StrAppend(&out, Sv(message.substr(0, open + 1)), KeyForMessage(message.substr(open + 1)));
    return out;
  }
  absl::StrAppend(&out, Sv(message));
  return out;
}

std::string DescribeCharForMessage(std::string_view text) {
  if (text.empty()) return "end of input";
  const auto u = static_cast<unsigned char>(text[0]);
  if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z')) return "letter";
  if (u >= '0' && u <= '9') return "digit";
  if (u >= 0x80) return "non-ASCII character";
  if (u <= 0x20 || u == 0x7f) return absl::StrFormat("byte 0x%02X", u);
  return std::string{'\'', text[0], '\''};
}

void LineColumnAt(std::string_view text, size_t offset, uint32_t* line, uint32_t* column) {
  if (offset > text.size()) offset = text.size();
  uint32_t l = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++l;
      line_start = i + 1;
    }
  }
  *line = l;
  *column = static_cast<uint32_t>(offset - line_start + 1);
}

namespace {

bool ReadDiagnosticNumber(std::string_view text, size_t* pos, char end, uint32_t* value) {
  const char* first = text.data() + *pos;
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, *value);
  if (ec != std::errc() || ptr == first || ptr == last || *ptr != end) return false;
  *pos = static_cast<size_t>(ptr - text.data()) + 1;
  return true;
}

}  // namespace

ParsedDiagnostic ParseDiagnostic(std::string_view text) {
  ParsedDiagnostic out;
  for (size_t colon = text.find(':'); colon != std::string_view::npos;
       colon = text.find(':', colon + 1)) {
    size_t pos = colon + 1;
    uint32_t line = 0, column = 0;
    if (ReadDiagnosticNumber(text, &pos, ':', &line)) {
      const size_t after_line = pos;
      if (ReadDiagnosticNumber(text, &pos, ':', &column) && pos < text.size() && text[pos] == ' ') {
        out.file = std::string(text.substr(0, colon));
        out.line = line;
        out.column = column;
        out.message = std::string(text.substr(pos + 1));
        return out;
      }
      if (after_line < text.size() && text[after_line] == ' ') {
        out.file = std::string(text.substr(0, colon));
        out.line = line;
        out.message = std::string(text.substr(after_line + 1));
        return out;
      }
    }
  }
  const size_t sep = text.find(": ");
  if (sep != std::string_view::npos && sep > 0 &&
      text.substr(0, sep).find(' ') == std::string_view::npos) {
    out.file = std::string(text.substr(0, sep));
    out.message = std::string(text.substr(sep + 2));
    return out;
  }
  out.message = std::string(text);
  return out;
}

}  // namespace hearth
