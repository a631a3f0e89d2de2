// The TOML front end: an adapter over toml++ (compiled-library mode, exceptions enabled as in
// Debian's build). toml::parse_error and any other exception stay inside this file.

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/core/model/absl_compat.h"
#include "server/core/parse/conversion_status.h"
#include "server/core/parse/front_end.h"
#include "server/core/parse/text_position.h"

namespace hearth {
namespace {

// toml++ recurses when it builds and destroys tables named by dotted keys (`a.b.c... = 1`,
// `[a.b.c...]`), so a hostile key with 100,000 parts overflows the stack before any limit of
// ours runs. This light lexer walks the document first and measures how deep each key path and
// inline array/table goes, rejecting the document before toml++ sees it. It knows strings,
// comments, keys and brackets, nothing more; syntax errors are left to toml++.
class TomlDepthScanner {
 public:
  TomlDepthScanner(std::string_view text, int max_depth) : text_(text), max_depth_(max_depth) {}

  // Offset of the first construct nested deeper than max_depth, or npos.
  size_t FindTooDeep() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '#') {
        SkipComment();
        continue;
      }
      if (c == '"' || c == '\'') {
        SkipString();
        continue;
      }
      if (frames_.empty()) {
        if (c == '\n') {
          statement_start_ = true;
          key_dots_ = 0;
        } else if (statement_start_ && c == '[') {
          if (!ScanHeader()) return violation_;
          continue;
        } else if (c != ' ' && c != '\t' && c != '\r') {
          if (statement_start_) in_key_ = true;
          statement_start_ = false;
          if (!Step(c)) return violation_;
        }
      } else if (!Step(c)) {
        return violation_;
      }
      ++pos_;
    }
    return std::string_view::npos;
  }

 private:
  struct Frame {
    int base;      // container depth of this inline array/table
    bool table;    // inline table (keys inside) vs array
    int key_dots;  // dots in the key being read inside an inline table
    bool in_key;   // reading a key (inline table only)
  };

  // Depth of the container the current key or value lives in, and its key state.
  int& CurrentDots() { return frames_.empty() ? key_dots_ : frames_.back().key_dots; }
  bool& CurrentInKey() { return frames_.empty() ? in_key_ : frames_.back().in_key; }
  int CurrentBase() const { return frames_.empty() ? 1 + header_levels_ : frames_.back().base; }

  // One structural character outside strings/comments.
  bool Step(char c) {
    if (CurrentInKey()) {
      if (c == '.') {
        ++CurrentDots();
      } else if (c == '=') {
        CurrentInKey() = false;
        // `a.b.c = 1` creates tables at depths base+1 .. base+dots.
        if (CurrentBase() + CurrentDots() > max_depth_) return Fail();
      } else if (c == '}' && !frames_.empty()) {
        frames_.pop_back();  // `{}` or a trailing key-less `}`
      }
      return true;
    }
    switch (c) {
      case '[':
      case '{': {
        const int depth = CurrentBase() + CurrentDots() + 1;
        if (depth > max_depth_) return Fail();
        frames_.push_back(Frame{depth, c == '{', 0, c == '{'});
        return true;
      }
      case ']':
      case '}':
        if (!frames_.empty()) frames_.pop_back();
        return true;
      case ',':
        if (!frames_.empty() && frames_.back().table) {
          frames_.back().in_key = true;
          frames_.back().key_dots = 0;
        }
        return true;
      default:
        return true;
    }
  }

  // `[a.b]` or `[[a.b]]` at the start of a statement.
  bool ScanHeader() {
    const size_t start = pos_;
    ++pos_;
    int levels = 1;
    if (pos_ < text_.size() && text_[pos_] == '[') {
      ++levels;  // an array of tables adds the array level
      ++pos_;
    }
    while (pos_ < text_.size() && text_[pos_] != ']' && text_[pos_] != '\n') {
      const char c = text_[pos_];
      if (c == '"' || c == '\'') {
        SkipString();
        continue;
      }
      if (c == '.') ++levels;
      ++pos_;
    }
    header_levels_ = levels;
    statement_start_ = false;
    in_key_ = false;
    key_dots_ = 0;
    while (pos_ < text_.size() && text_[pos_] == ']') ++pos_;
    if (1 + header_levels_ > max_depth_) {
      violation_ = start;
      return false;
    }
    return true;
  }

  void SkipComment() {
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
  }

  // Skips a basic or literal string, single- or multi-line. Stops at a newline for single-line
  // strings so that an unterminated one cannot hide the rest of the document.
  void SkipString() {
    const char quote = text_[pos_];
    const bool escapes = quote == '"';
    const bool multi = text_.substr(pos_, 3) == std::string_view(quote == '"' ? "\"\"\"" : "'''");
    pos_ += multi ? 3 : 1;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (escapes && c == '\\') {
        pos_ += 2;
        continue;
      }
      if (c == '\n' && !multi) return;
      if (c == quote) {
        if (!multi) {
          ++pos_;
          return;
        }
        if (text_.substr(pos_, 3) == std::string_view(quote == '"' ? "\"\"\"" : "'''")) {
          pos_ += 3;
          // Up to two quotes may directly precede the closing delimiter.
          for (int i = 0; i < 2 && pos_ < text_.size() && text_[pos_] == quote; ++i) ++pos_;
          return;
        }
      }
      ++pos_;
    }
  }

  bool Fail() {
    violation_ = pos_;
    return false;
  }

  const std::string_view text_;
  const int max_depth_;
  size_t pos_ = 0;
  size_t violation_ = std::string_view::npos;
  bool statement_start_ = true;
  bool in_key_ = false;
  int key_dots_ = 0;
  int header_levels_ = 0;
  std::vector<Frame> frames_;
};

// toml++'s parse errors quote source text: a whole number ("'99...9' is not representable in 64
// bits"), the characters where a value went wrong ("expected 'true', saw 'tru'", "saw 'j'",
// "saw 75"), or a key ("cannot redefine existing table 'a.b'"). Values must never reach a
// message, so this keeps the constant part, describes a quoted value by its kind, and cuts keys.
std::string TomlLibraryMessage(std::string_view description) {
  std::string_view d = description;
  // "Error while parsing key-value pair: " and the like: keep the context, sanitize the rest.
  std::string context;
  if (const size_t colon = d.find(": ");
      d.starts_with("Error while parsing ") && colon != std::string_view::npos) {
    context = std::string(d.substr(0, colon + 2));
    d.remove_prefix(colon + 2);
  }
  if (d.starts_with("'")) {  // the message opens with the offending text itself
    if (absl::EndsWith(Sv(d), "is not representable in 64 bits")) {
      return absl::StrCat(context, "integer out of range (must fit in 64 bits)");
    }
    return absl::StrCat(context, "not a valid number");
  }
  if (d.starts_with("unknown escape sequence")) {
    return absl::StrCat(context, "unknown escape sequence");
  }
  // ", saw <what the source held>": a syntax character is useful, anything else may be a value.
  if (const size_t saw = d.find(" saw "); saw != std::string_view::npos) {
    std::string_view seen = d.substr(saw + 5);
    std::string_view head = d.substr(0, saw);
    std::string what;
    // One quoted ASCII character is described (punctuation is syntax and shown); toml++'s own
    // words are kept; anything else (text, numbers) is dropped.
    if (seen.size() == 3 && seen.front() == '\'' && seen.back() == '\'') {
      what = DescribeCharForMessage(seen.substr(1, 1));
      if (what[0] != '\'' && !what.starts_with("byte")) what = absl::StrCat("a ", what);
    } else if (seen == "comma" || seen == "EOF" || seen.starts_with("closing '}'")) {
      what = std::string(seen);
    }
    if (what.empty()) {
      while (!head.empty() && (head.back() == ',' || head.back() == ' ')) head.remove_suffix(1);
      return absl::StrCat(context, Sv(head));
    }
    return absl::StrCat(context, Sv(head), " saw ", what);
  }
  // What remains quotes at most keys: cut each quoted span.
  return absl::StrCat(context, CutQuotedKeys(d));
}

void AppendDate(std::string* out, const toml::date& d) {
  absl::StrAppendFormat(out, "%04d-%02d-%02d", d.year, d.month, d.day);
}

// RFC 3339 partial-time; the fraction keeps only significant digits.
void AppendTime(std::string* out, const toml::time& t) {
  absl::StrAppendFormat(out, "%02d:%02d:%02d", t.hour, t.minute, t.second);
  if (t.nanosecond == 0) return;
  std::string fraction = absl::StrFormat("%09u", t.nanosecond);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  absl::StrAppend(out, ".", fraction);
}

void AppendOffset(std::string* out, const toml::time_offset& offset) {
  if (offset.minutes == 0) {
    out->push_back('Z');
    return;
  }
  const int minutes = offset.minutes < 0 ? -offset.minutes : offset.minutes;
  absl::StrAppendFormat(out, "%c%02d:%02d", offset.minutes < 0 ? '-' : '+', minutes / 60,
                        minutes % 60);
}

// Moves a toml++ tree into a Value tree. Depth is checked before each descent, so recursion is
// bounded by limits.max_depth.
class TomlConverter {
 public:
  TomlConverter(const SourceRef& src, const ParseLimits& limits, ByteColumns* columns)
      : src_(src), columns_(columns), errors_(src, limits.max_depth) {}

  // Converts `node` (container depth `depth` if it is a table or array) into `*out`.
  bool Convert(toml::node& node, int depth, Value* out) {
    const toml::source_position& at = node.source().begin;
    const Origin origin{src_.file_id, at.line, columns_->ByteColumn(at.line, at.column)};
    switch (node.type()) {
      case toml::node_type::table: {
        if (!errors_.CheckDepth(depth, origin)) return false;
        *out = Value::EmptyObject(origin);
        Value::Object& object = out->MutableObject();
        // toml::table keeps keys in std::string order, as Value::Object does: append at the end.
        for (auto&& [key, child] : *node.as_table()) {
          auto it = object.emplace_hint(object.end(), key.str(), Value());
          if (!Convert(child, depth + 1, &it->second)) return false;
        }
        return true;
      }
      case toml::node_type::array: {
        if (!errors_.CheckDepth(depth, origin)) return false;
        *out = Value::EmptyArray(origin);
        toml::array& array = *node.as_array();
        Value::Array& items = out->MutableArray();
        items.resize(array.size());
        for (size_t i = 0; i < array.size(); ++i) {
          if (!Convert(array[i], depth + 1, &items[i])) return false;
        }
        return true;
      }
      case toml::node_type::string:
        *out = Value::String(std::move(node.as_string()->get()), origin);
        return true;
      case toml::node_type::integer:
        *out = Value::Int(node.as_integer()->get(), origin);
        return true;
      case toml::node_type::floating_point: {
        const double d = node.as_floating_point()->get();
        if (!std::isfinite(d)) {
          return errors_.Fail(origin,
                              absl::StrCat("floating-point value ", std::isnan(d) ? "nan" : "inf",
                                           " is not representable in JSON"));
        }
        *out = Value::Double(d, origin);
        return true;
      }
      case toml::node_type::boolean:
        *out = Value::Bool(node.as_boolean()->get(), origin);
        return true;
      case toml::node_type::date: {
        std::string s;
        AppendDate(&s, node.as_date()->get());
        *out = Value::String(std::move(s), origin);
        return true;
      }
      case toml::node_type::time: {
        std::string s;
        AppendTime(&s, node.as_time()->get());
        *out = Value::String(std::move(s), origin);
        return true;
      }
      case toml::node_type::date_time: {
        const toml::date_time& dt = node.as_date_time()->get();
        std::string s;
        AppendDate(&s, dt.date);
        s.push_back('T');
        AppendTime(&s, dt.time);
        if (dt.offset) AppendOffset(&s, *dt.offset);
        *out = Value::String(std::move(s), origin);
        return true;
      }
      case toml::node_type::none:
        break;
    }
    return errors_.Fail(origin, "unsupported TOML node");
  }

  const absl::Status& status() const { return errors_.status(); }

 private:
  const SourceRef& src_;
  ByteColumns* const columns_;
  ConversionStatus errors_;
};

}  // namespace

absl::StatusOr<Value> front_end::Toml(std::string_view text, const SourceRef& src,
                                      const ParseLimits& limits) {
  const size_t too_deep = TomlDepthScanner(text, limits.max_depth).FindTooDeep();
  if (too_deep != std::string_view::npos) {
    uint32_t line = 0;
    uint32_t column = 0;
    LineColumnAt(text, too_deep, &line, &column);
    return DiagnosticError(src.name, line, column,
                           absl::StrCat("nesting deeper than ", limits.max_depth, " levels"));
  }
  ByteColumns columns(text);  // toml++ counts columns in code points, we in bytes
  try {
    toml::table table = toml::parse(text);
    TomlConverter converter(src, limits, &columns);
    Value root;
    if (!converter.Convert(table, 1, &root)) return converter.status();
    // An empty document has no meaningful position of its own.
    if (root.origin().line == 0) root.set_origin(Origin{src.file_id, 1, 1});
    return root;
  } catch (const toml::parse_error& e) {
    const toml::source_position& at = e.source().begin;
    return DiagnosticError(src.name, at.line, columns.ByteColumn(at.line, at.column),
                           TomlLibraryMessage(e.description()));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        FormatDiagnostic(src.name, 0, 0, "out of memory while parsing TOML"));
  } catch (const std::exception& e) {
    return DiagnosticError(src.name, 0, 0, "TOML parser failed");
  } catch (...) {
    return DiagnosticError(src.name, 0, 0, "TOML parser failed");
  }
}

}  // namespace hearth
