// The JSON front end: an adapter over simdjson's DOM parser (runtime-dispatched SIMD kernels).
//
// simdjson does not report where things are, so positions come from two places:
//  * on success, from stage 1's structural index (the byte offset of every structural character
//    and every scalar), which the DOM walk consumes in document order;
//  * on failure, from JsonSyntaxLocator, a small validator that re-reads the text only then and
//    names the first offending byte.

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/core/model/absl_compat.h"
#include "server/core/parse/format.h"

namespace hearth {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
// simdjson's own nesting limit (it sizes buffers by it); ours is enforced exactly while converting.
constexpr size_t kMinParserDepth = simdjson::DEFAULT_MAX_DEPTH;
constexpr std::string_view kIntRangeMessage =
    "integer out of range: JSON integers must fit in a signed 64-bit integer";

// ---------------------------------------------------------------------------------------------
// Error path: where is the first syntax error?

struct SyntaxError {
  size_t offset;
  std::string message;
};

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

  std::optional<SyntaxError> Find() {
    SkipSpace();
    if (AtEnd()) return SyntaxError{0, "empty JSON document (expected a value, e.g. {})"};
    std::optional<SyntaxError> error = Document();
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
  static std::optional<SyntaxError> Error(size_t offset, std::string message) {
    return SyntaxError{offset, std::move(message)};
  }

  // value ::= object | array | string | number | literal, iteratively.
  std::optional<SyntaxError> Document() {
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
  std::optional<SyntaxError> Key() {
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

  std::optional<SyntaxError> String() {
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

  std::optional<SyntaxError> Number() {
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
        return Error(start, std::string(kIntRangeMessage));
      }
      return std::nullopt;
    }
    double d = 0;
    if (std::from_chars(first, last, d).ec == std::errc::result_out_of_range && Overflows(start)) {
      return Error(start, "number out of range: not representable in JSON as a finite double");
    }
    return std::nullopt;
  }

  // Whether the (out-of-range) number at `start` is too large rather than too small: its
  // decimal magnitude (position of the first significant digit plus the exponent) is positive.
  bool Overflows(size_t start) const {
    size_t i = start;
    if (text_[i] == '-') ++i;
    long magnitude = 0;
    bool seen_digit = false;
    for (; i < pos_ && IsDigit(text_[i]); ++i) {
      if (text_[i] != '0' || seen_digit) {
        seen_digit = true;
        ++magnitude;
      }
    }
    if (i < pos_ && text_[i] == '.') {
      for (++i; i < pos_ && IsDigit(text_[i]); ++i) {
        if (seen_digit) continue;
        if (text_[i] != '0') {
          seen_digit = true;
        } else {
          --magnitude;
        }
      }
    }
    long exponent = 0;
    if (i < pos_ && (text_[i] == 'e' || text_[i] == 'E')) {
      ++i;
      const bool negative = text_[i] == '-';
      if (text_[i] == '+' || text_[i] == '-') ++i;
      for (; i < pos_; ++i) {
        if (exponent < 100000) exponent = exponent * 10 + (text_[i] - '0');
      }
      if (negative) exponent = -exponent;
    }
    return magnitude + exponent > 0;
  }

  std::optional<SyntaxError> Literal() {
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

// ---------------------------------------------------------------------------------------------
// Success path: DOM -> Value, with positions from the structural index.

// Turns increasing byte offsets into 1-based line/column, counting newlines only between the
// previous offset and the next, so a whole document costs one pass.
class LineCursor {
 public:
  explicit LineCursor(std::string_view text) : text_(text) {}

  void At(size_t offset, uint32_t* line, uint32_t* column) {
    if (offset < offset_) {  // never expected: restart from the top
      offset_ = 0;
      line_ = 1;
      line_start_ = 0;
    }
    const char* base = text_.data();
    const char* p = base + offset_;
    const char* end = base + offset;
    while (p < end) {
      const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
      if (nl == nullptr) break;
      ++line_;
      p = static_cast<const char*>(nl) + 1;
      line_start_ = static_cast<size_t>(p - base);
    }
    offset_ = offset;
    *line = line_;
    *column = static_cast<uint32_t>(offset - line_start_ + 1);
  }

 private:
  std::string_view text_;
  size_t offset_ = 0;
  size_t line_start_ = 0;
  uint32_t line_ = 1;
};

class JsonConverter {
 public:
  JsonConverter(std::string_view text, const uint32_t* indexes, size_t index_count,
                const SourceRef& src, const ParseLimits& limits)
      : text_(text),
        indexes_(indexes),
        index_count_(index_count),
        cursor_(text),
        src_(src),
        limits_(limits) {}

  bool Convert(simdjson::dom::element element, int depth, Value* out) {
    const Origin origin = NextOrigin(element.type());
    switch (element.type()) {
      case simdjson::dom::element_type::ARRAY: {
        if (!CheckDepth(depth, origin)) return false;
        *out = Value::EmptyArray(origin);
        simdjson::dom::array array = element.get_array().value_unsafe();
        Value::Array& items = out->MutableArray();
        items.reserve(array.size());
        for (simdjson::dom::element child : array) {
          items.emplace_back();
          if (!Convert(child, depth + 1, &items.back())) return false;
          Skip();  // ',' or ']'
        }
        if (items.empty()) Skip();  // ']'
        return true;
      }
      case simdjson::dom::element_type::OBJECT: {
        if (!CheckDepth(depth, origin)) return false;
        *out = Value::EmptyObject(origin);
        Value::Object& object = out->MutableObject();
        simdjson::dom::object members = element.get_object().value_unsafe();
        bool empty = true;
        for (simdjson::dom::key_value_pair member : members) {
          empty = false;
          const Origin key_origin = NextOrigin(simdjson::dom::element_type::STRING);
          Skip();  // ':'
          // Keys often arrive sorted; the end() hint makes that case cheap and is harmless
          // otherwise. A duplicate leaves the size unchanged.
          const size_t size_before = object.size();
          auto it = object.try_emplace(object.end(), std::string(member.key));
          if (object.size() == size_before) {
            return Fail(key_origin,
                        absl::StrCat("duplicate key \"", KeyForMessage(member.key), "\""));
          }
          if (!Convert(member.value, depth + 1, &it->second)) return false;
          Skip();  // ',' or '}'
        }
        if (empty) Skip();  // '}'
        return true;
      }
      case simdjson::dom::element_type::INT64:
        *out = Value::Int(element.get_int64().value_unsafe(), origin);
        return true;
      case simdjson::dom::element_type::UINT64:
        return Fail(origin, kIntRangeMessage);
      case simdjson::dom::element_type::DOUBLE:
        *out = Value::Double(element.get_double().value_unsafe(), origin);
        return true;
      case simdjson::dom::element_type::STRING:
        *out = Value::String(std::string(element.get_string().value_unsafe()), origin);
        return true;
      case simdjson::dom::element_type::BOOL:
        *out = Value::Bool(element.get_bool().value_unsafe(), origin);
        return true;
      case simdjson::dom::element_type::NULL_VALUE:
        *out = Value::Null(origin);
        return true;
    }
    return Fail(origin, "unsupported JSON value");
  }

  absl::Status status() const { return status_; }

 private:
  // The origin of the next structural token. If the index ever disagrees with the tree (it
  // should not), positions become unknown (0) rather than wrong.
  Origin NextOrigin(simdjson::dom::element_type type) {
    Origin origin{src_.file_id, 0, 0};
    if (!in_sync_ || next_ >= index_count_) return origin;
    const uint32_t offset = indexes_[next_++];
    const char c = offset < text_.size() ? text_[offset] : '\0';
    const bool matches = type == simdjson::dom::element_type::ARRAY    ? c == '['
                         : type == simdjson::dom::element_type::OBJECT ? c == '{'
                         : type == simdjson::dom::element_type::STRING ? c == '"'
                                                                       : c != '\0';
    if (!matches) {
      in_sync_ = false;
      return origin;
    }
    cursor_.At(offset, &origin.line, &origin.column);
    return origin;
  }
  void Skip() { ++next_; }

  bool CheckDepth(int depth, const Origin& origin) {
    if (depth <= limits_.max_depth) return true;
    return Fail(origin, absl::StrCat("nesting deeper than ", limits_.max_depth, " levels"));
  }
  bool Fail(const Origin& origin, std::string_view message) {
    status_ = DiagnosticError(src_.name, origin.line, origin.column, message);
    return false;
  }

  const std::string_view text_;
  const uint32_t* const indexes_;
  const size_t index_count_;
  size_t next_ = 0;
  bool in_sync_ = true;
  LineCursor cursor_;
  const SourceRef& src_;
  const ParseLimits& limits_;
  absl::Status status_;
};

// Per-thread parser state, reused across calls (simdjson parsers are not thread-safe, and their
// buffers are worth keeping).
struct ThreadState {
  simdjson::dom::parser parser;
  std::unique_ptr<char[]> buffer;
  size_t buffer_capacity = 0;

  // Copies `text` into a buffer with the SIMDJSON_PADDING simdjson may read past the end.
  const char* Pad(std::string_view text) {
    const size_t needed = text.size() + simdjson::SIMDJSON_PADDING;
    if (needed > buffer_capacity) {
      buffer_capacity = needed < 4096 ? 4096 : needed + needed / 2;
      buffer = std::make_unique<char[]>(buffer_capacity);
    }
    std::memcpy(buffer.get(), text.data(), text.size());
    std::memset(buffer.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
    return buffer.get();
  }

  // Called after each document: a rare huge file should not pin its buffers to the thread.
  void Trim() {
    if (buffer_capacity <= kKeepBytes) return;
    buffer.reset();
    buffer_capacity = 0;
    parser = simdjson::dom::parser();
  }
  static constexpr size_t kKeepBytes = size_t{4} << 20;
};

absl::Status SyntaxErrorStatus(std::string_view text, const SourceRef& src,
                               const ParseLimits& limits, simdjson::error_code code) {
  std::optional<SyntaxError> error = JsonSyntaxLocator(text, limits.max_depth).Find();
  if (!error) {
    return DiagnosticError(src.name, 0, 0,
                           absl::StrCat("invalid JSON: ", simdjson::error_message(code)));
  }
  uint32_t line = 0;
  uint32_t column = 0;
  LineColumnAt(text, error->offset, &line, &column);
  return DiagnosticError(src.name, line, column, error->message);
}

absl::StatusOr<Value> ParseWith(ThreadState& state, std::string_view text, const SourceRef& src,
                                const ParseLimits& limits) {
  simdjson::dom::parser& parser = state.parser;
  const size_t depth = std::max(kMinParserDepth, static_cast<size_t>(limits.max_depth) + 1);
  if (parser.max_depth() < depth) {
    if (parser.allocate(std::max(parser.capacity(), text.size()), depth) != simdjson::SUCCESS) {
      return absl::ResourceExhaustedError(
          FormatDiagnostic(src.name, 0, 0, "out of memory while parsing JSON"));
    }
  }
  const char* padded = state.Pad(text);
  simdjson::dom::element root;
  const simdjson::error_code code = parser.parse(padded, text.size(), false).get(root);
  if (code == simdjson::MEMALLOC) {
    return absl::ResourceExhaustedError(
        FormatDiagnostic(src.name, 0, 0, "out of memory while parsing JSON"));
  }
  if (code != simdjson::SUCCESS) return SyntaxErrorStatus(text, src, limits, code);

  // simdjson exposes its stage-1 output for benchmarking; 3.0.x keeps it intact after parsing.
  const auto& impl = *parser.implementation;
  JsonConverter converter(text, impl.structural_indexes.get(), impl.n_structural_indexes, src,
                          limits);
  Value out;
  if (!converter.Convert(root, 1, &out)) return converter.status();
  return out;
}

}  // namespace

absl::StatusOr<Value> ParseJson(std::string_view text, const SourceRef& src,
                                const ParseLimits& limits) {
  if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
  if (absl::Status status = ValidateUtf8(text, src); !status.ok()) return status;
  if (text.size() >= simdjson::SIMDJSON_MAXSIZE_BYTES) {
    return DiagnosticError(src.name, 0, 0, "JSON document too large");
  }
  thread_local ThreadState state;
  absl::StatusOr<Value> result = ParseWith(state, text, src, limits);
  state.Trim();
  return result;
}

}  // namespace hearth
