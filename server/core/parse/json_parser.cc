// The JSON front end: an adapter over simdjson's DOM parser (runtime-dispatched SIMD kernels).
//
// simdjson's public API does not report where things are, so positions come from two places:
//  * on success, from TokenScanner, which re-reads the (by then validated) text in document
//    order, the order the DOM walk meets values and keys in, counting lines on the way: one
//    pass, with memchr over strings;
//  * on failure, from FindJsonSyntaxError (json_syntax_locator.h), a strict validator that
//    re-reads the text only then and names the first offending byte.

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"
#include "server/core/parse/conversion_status.h"
#include "server/core/parse/front_end.h"
#include "server/core/parse/json_syntax_locator.h"

namespace hearth {
namespace {

// simdjson's own nesting limit (it sizes buffers by it); ours is enforced exactly while converting.
constexpr size_t kMinParserDepth = simdjson::DEFAULT_MAX_DEPTH;
// ---------------------------------------------------------------------------------------------
// Success path: DOM -> Value, with positions from TokenScanner.

// Whitespace and the punctuation between tokens (`,` `:` `]` `}`), by table: the scanner below
// tests every byte outside strings.
constexpr std::array<bool, 256> kBetweenTokens = [] {
  std::array<bool, 256> table{};
  for (unsigned char c : {' ', '\t', '\n', '\r', ',', ':', ']', '}'}) table[c] = true;
  return table;
}();
bool IsBetweenTokens(char c) { return kBetweenTokens[static_cast<unsigned char>(c)]; }

// The start of every key and value of a valid JSON text, in document order, with its line and
// column. Newlines can only stand between tokens in valid JSON (a string cannot hold a raw one),
// so lines are counted while skipping there: one pass over the text in all. Only ever run on a
// text simdjson accepted; on anything else it still terminates, with meaningless offsets (which
// JsonConverter detects by the character found there and turns into unknown positions).
class TokenScanner {
 public:
  explicit TokenScanner(std::string_view text) : text_(text) {}

  // The offset of the next key or value (text.size() at the end), having stepped past it (into
  // a container, over a string or a scalar); its 1-based line and byte column in *line, *column.
  size_t Next(uint32_t* line, uint32_t* column) {
    const size_t n = text_.size();
    const char* const p = text_.data();
    while (pos_ < n && IsBetweenTokens(p[pos_])) {
      if (p[pos_] == '\n') {
        ++line_;
        line_start_ = pos_ + 1;
      }
      ++pos_;
    }
    const size_t at = pos_;
    *line = line_;
    *column = static_cast<uint32_t>(at - line_start_ + 1);
    if (pos_ >= n) return at;
    const char c = p[pos_];
    if (c == '{' || c == '[') {
      ++pos_;
    } else if (c == '"') {
      SkipString();
    } else {  // a number or a literal: up to the next separator (never ':' after a scalar)
      while (pos_ < n && !IsBetweenTokens(p[pos_])) ++pos_;
    }
    return at;
  }

 private:
  // From the opening quote at pos_ to just past the closing one: the first '"' preceded by an
  // even number of backslashes.
  void SkipString() {
    const char* base = text_.data();
    const size_t n = text_.size();
    size_t from = pos_ + 1;
    while (from < n) {
      const void* q = std::memchr(base + from, '"', n - from);
      if (q == nullptr) break;
      const size_t quote = static_cast<size_t>(static_cast<const char*>(q) - base);
      size_t backslashes = 0;
      while (quote - backslashes > pos_ + 1 && base[quote - backslashes - 1] == '\\') {
        ++backslashes;
      }
      if (backslashes % 2 == 0) {
        pos_ = quote + 1;
        return;
      }
      from = quote + 1;
    }
    pos_ = n;
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_start_ = 0;
  uint32_t line_ = 1;
};

class JsonConverter {
 public:
  JsonConverter(std::string_view text, const SourceRef& src, const ParseLimits& limits)
      : text_(text), tokens_(text), src_(src), errors_(src, limits.max_depth) {}

  bool Convert(simdjson::dom::element element, int depth, Value* out) {
    const Origin origin = NextOrigin(element.type());
    switch (element.type()) {
      case simdjson::dom::element_type::ARRAY: {
        if (!errors_.CheckDepth(depth, origin)) return false;
        *out = Value::EmptyArray(origin);
        simdjson::dom::array array = element.get_array().value_unsafe();
        Value::Array& items = out->MutableArray();
        items.reserve(array.size());
        for (simdjson::dom::element child : array) {
          items.emplace_back();
          if (!Convert(child, depth + 1, &items.back())) return false;
        }
        return true;
      }
      case simdjson::dom::element_type::OBJECT: {
        if (!errors_.CheckDepth(depth, origin)) return false;
        *out = Value::EmptyObject(origin);
        Value::Object& object = out->MutableObject();
        simdjson::dom::object members = element.get_object().value_unsafe();
        for (simdjson::dom::key_value_pair member : members) {
          const Origin key_origin = NextOrigin(simdjson::dom::element_type::STRING);
          // Keys often arrive sorted; the end() hint makes that case cheap and is harmless
          // otherwise. A duplicate leaves the size unchanged.
          const size_t size_before = object.size();
          auto it = object.try_emplace(object.end(), std::string(member.key));
          if (object.size() == size_before) {
            return errors_.Fail(key_origin,
                                absl::StrCat("duplicate key \"", KeyForMessage(member.key), "\""));
          }
          if (!Convert(member.value, depth + 1, &it->second)) return false;
        }
        return true;
      }
      case simdjson::dom::element_type::INT64:
        *out = Value::Int(element.get_int64().value_unsafe(), origin);
        return true;
      case simdjson::dom::element_type::UINT64:
        return errors_.Fail(origin, kJsonIntRangeMessage);
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
    return errors_.Fail(origin, "unsupported JSON value");
  }

  const absl::Status& status() const { return errors_.status(); }

 private:
  // The origin of the next key or value. If the scanner ever disagrees with the tree (it should
  // not), positions become unknown (0) rather than wrong.
  Origin NextOrigin(simdjson::dom::element_type type) {
    Origin origin{src_.file_id, 0, 0};
    if (!in_sync_) return origin;
    uint32_t line = 0;
    uint32_t column = 0;
    const size_t offset = tokens_.Next(&line, &column);
    const char c = offset < text_.size() ? text_[offset] : '\0';
    const bool matches = type == simdjson::dom::element_type::ARRAY    ? c == '['
                         : type == simdjson::dom::element_type::OBJECT ? c == '{'
                         : type == simdjson::dom::element_type::STRING ? c == '"'
                                                                       : c != '\0';
    if (!matches) {
      in_sync_ = false;
      return origin;
    }
    origin.line = line;
    origin.column = column;
    return origin;
  }

  const std::string_view text_;
  TokenScanner tokens_;
  bool in_sync_ = true;
  const SourceRef& src_;
  ConversionStatus errors_;
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
  std::optional<JsonSyntaxError> error = FindJsonSyntaxError(text, limits.max_depth);
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

  JsonConverter converter(text, src, limits);
  Value out;
  if (!converter.Convert(root, 1, &out)) return converter.status();
  return out;
}

}  // namespace

absl::StatusOr<Value> front_end::Json(std::string_view text, const SourceRef& src,
                                      const ParseLimits& limits) {
  if (text.size() >= simdjson::SIMDJSON_MAXSIZE_BYTES) {
    return DiagnosticError(src.name, 0, 0, "JSON document too large");
  }
  thread_local ThreadState state;
  absl::StatusOr<Value> result = ParseWith(state, text, src, limits);
  state.Trim();
  return result;
}

}  // namespace hearth
