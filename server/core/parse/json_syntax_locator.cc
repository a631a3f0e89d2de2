#include "server/core/parse/json_syntax_locator.h"

#include <charconv>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/core/model/diagnostic.h"
#include "server/core/parse/number_scan.h"

namespace hearth {
namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDelimiter(char c) { return IsJsonSpace(c) || c == ',' || c == ']' || c == '}'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Syntax characters are quoted; a letter or digit may be the start of a value and is only named
// by its kind (see DescribeCharForMessage).
std::string Describe(char c) { return DescribeCharForMessage(std::string_view(&c, 1)); }

// A strict RFC 8259 validator with an explicit stack (no recursion). Also applies our own rules
// (integers fit int64, numbers are finite, nesting within max_depth) so that it agrees with the
// success path on which documents are bad.
class JsonSyntaxLocator {
 public:
  JsonSyntaxLocator(std::string_view text, int max_depth) : text_(text), max_depth_(max_depth) {}

  std::optional<JsonSyntaxError> Find() {
    SkipSpace();
    if (AtEnd()) return JsonSyntaxError{0, "empty JSON document (expected a value, e.g. {})"};
    std::optional<JsonSyntaxError> error = Document();
    if (error) return error;
    SkipSpace();
    if (!AtEnd()) return Error(pos_, "unexpected content after the JSON value");
    return std::nullopt;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() && IsJsonSpace(text_[pos_])) ++pos_;
  }
  static std::optional<JsonSyntaxError> Error(size_t offset, std::string message) {
    return JsonSyntaxError{offset, std::move(message)};
  }

  // value ::= object | array | string | number | literal, iteratively.
  std::optional<JsonSyntaxError> Document() {
    struct Open {
      size_t offset;
      bool object;
    };
    std::vector<Open> stack;
    while (true) {
      // Expect a value.
      SkipSpace();
      if (AtEnd()) {
        if (stack.empty()) return Error(pos_, "expected a value");
        return Error(stack.back().offset,
                     absl::StrCat("'", stack.back().object ? "{" : "[", "' is never closed"));
      }
      const char c = text_[pos_];
      if (c == '{' || c == '[') {
        if (static_cast<int>(stack.size()) + 1 > max_depth_) {
          return Error(pos_, absl::StrCat("nesting deeper than ", max_depth_, " levels"));
        }
        stack.push_back(Open{pos_, c == '{'});
        ++pos_;
        SkipSpace();
        if (Peek() == (c == '{' ? '}' : ']')) {
          ++pos_;
          stack.pop_back();
        } else if (c == '{') {
          if (auto e = Key()) return e;
          continue;  // to the member's value
        } else {
          continue;  // to the first element
        }
      } else if (c == '"') {
        if (auto e = String()) return e;
      } else if (c == '-' || IsDigit(c)) {
        if (auto e = Number()) return e;
      } else if (c == 't' || c == 'f' || c == 'n') {
        if (auto e = Literal()) return e;
      } else {
        return Error(pos_, absl::StrCat("unexpected ", Describe(c), ", expected a value"));
      }
      // After a value: close containers or move to the next element/member.
      while (true) {
        if (stack.empty()) return std::nullopt;
        SkipSpace();
        const Open& top = stack.back();
        if (AtEnd()) {
          return Error(top.offset, absl::StrCat("'", top.object ? "{" : "[", "' is never closed"));
        }
        const char d = text_[pos_];
        if (d == ',') {
          ++pos_;
          if (top.object) {
            SkipSpace();
            if (auto e = Key()) return e;
          }
          break;  // to the next value
        }
        if (d == (top.object ? '}' : ']')) {
          ++pos_;
          stack.pop_back();
          continue;
        }
        return Error(pos_, absl::StrCat("unexpected ", Describe(d), ", expected ',' or '",
                                        top.object ? "}" : "]", "'"));
      }
    }
  }

  // "key" : (leaves pos_ at the value).
  std::optional<JsonSyntaxError> Key() {
    if (Peek() != '"') {
      if (AtEnd()) return Error(pos_, "unexpected end of input, expected an object key");
      return Error(pos_, absl::StrCat("unexpected ", Describe(Peek()),
                                      ", expected a double-quoted object key"));
    }
    if (auto e = String()) return e;
    SkipSpace();
    if (Peek() != ':') {
      if (AtEnd()) return Error(pos_, "unexpected end of input, expected ':'");
      return Error(pos_, absl::StrCat("unexpected ", Describe(Peek()), ", expected ':'"));
    }
    ++pos_;
    return std::nullopt;
  }

  static int HexValue(char c) {
    if (IsDigit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // \uXXXX at pos_ (pointing at the backslash); returns the code unit or -1.
  int UnicodeEscape(size_t at) const {
    if (at + 6 > text_.size() || text_[at] != '\\' || text_[at + 1] != 'u') return -1;
    int unit = 0;
    for (size_t i = at + 2; i < at + 6; ++i) {
      const int h = HexValue(text_[i]);
      if (h < 0) return -1;
      unit = unit * 16 + h;
    }
    return unit;
  }

  std::optional<JsonSyntaxError> String() {
    const size_t open = pos_;
    ++pos_;
    while (true) {
      if (AtEnd()) return Error(open, "unterminated string");
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return std::nullopt;
      }
      if (c == '\n') return Error(open, "unterminated string (strings cannot span lines)");
      if (c < 0x20) {
        return Error(pos_,
                     absl::StrFormat("control character 0x%02X must be escaped in a string", c));
      }
      if (c != '\\') {
        ++pos_;
        continue;
      }
      const char e = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
      if (std::string_view("\"\\/bfnrt").find(e) != std::string_view::npos && e != '\0') {
        pos_ += 2;
        continue;
      }
      if (e != 'u') return Error(pos_, "invalid escape sequence in string");
      const int unit = UnicodeEscape(pos_);
      if (unit < 0) return Error(pos_, "invalid \\u escape (expected four hex digits)");
      if (unit >= 0xDC00 && unit <= 0xDFFF) {
        return Error(pos_, "unpaired UTF-16 low surrogate in \\u escape");
      }
      if (unit >= 0xD800 && unit <= 0xDBFF) {
        const int low = UnicodeEscape(pos_ + 6);
        if (low < 0xDC00 || low > 0xDFFF) {
          return Error(pos_, "unpaired UTF-16 high surrogate in \\u escape");
        }
        pos_ += 6;
      }
      pos_ += 6;
    }
  }

  std::optional<JsonSyntaxError> Number() {
    const size_t start = pos_;
    const auto invalid = [&] { return Error(start, "invalid number"); };
    if (Peek() == '-') ++pos_;
    if (Peek() == '0') {
      ++pos_;
    } else if (IsDigit(Peek())) {
      while (IsDigit(Peek())) ++pos_;
    } else {
      return invalid();
    }
    bool integer = true;
    if (Peek() == '.') {
      integer = false;
      ++pos_;
      if (!IsDigit(Peek())) return invalid();
      while (IsDigit(Peek())) ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      integer = false;
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!IsDigit(Peek())) return invalid();
      while (IsDigit(Peek())) ++pos_;
    }
    if (!AtEnd() && !IsDelimiter(Peek())) return invalid();
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integer) {
      int64_t i = 0;
      if (std::from_chars(first, last, i).ec != std::errc()) {
        return Error(start, std::string(kJsonIntRangeMessage));
      }
      return std::nullopt;
    }
    double d = 0;
    const size_t unsigned_start = text_[start] == '-' ? start + 1 : start;
    if (std::from_chars(first, last, d).ec == std::errc::result_out_of_range &&
        DecimalOverflowsDouble(text_.substr(unsigned_start, pos_ - unsigned_start))) {
      return Error(start, "number out of range: not representable in JSON as a finite double");
    }
    return std::nullopt;
  }

  std::optional<JsonSyntaxError> Literal() {
    for (std::string_view word : {"true", "false", "null"}) {
      if (text_.substr(pos_, word.size()) == word &&
          (pos_ + word.size() == text_.size() || IsDelimiter(text_[pos_ + word.size()]))) {
        pos_ += word.size();
        return std::nullopt;
      }
    }
    return Error(pos_, "invalid literal (expected true, false or null)");
  }

  const std::string_view text_;
  const int max_depth_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<JsonSyntaxError> FindJsonSyntaxError(std::string_view text, int max_depth) {
  return JsonSyntaxLocator(text, max_depth).Find();
}

}  // namespace hearth
