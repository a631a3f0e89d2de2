// The .env front end: a hand-written line scanner (there is no library for this format).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"
#include "server/core/parse/front_end.h"

namespace hearth {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsKeyStart(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsKeyChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Scans one .env document. Not thread-safe; one instance per call.
class EnvParser {
 public:
  EnvParser(std::string_view text, const SourceRef& src, const ParseLimits& limits)
      : text_(text), src_(src), limits_(limits) {}

  absl::StatusOr<Value> Parse() {
    Value root = Value::EmptyObject(Origin{src_.file_id, 1, 1});
    while (pos_ < text_.size()) {
      SkipBlanks();
      if (AtLineEnd()) {
        SkipLineEnd();
        continue;
      }
      if (Peek() == '#') {
        SkipToLineEnd();
        SkipLineEnd();
        continue;
      }
      absl::Status status = ParseAssignment(root);
      if (!status.ok()) return status;
    }
    return root;
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool AtEnd() const { return pos_ >= text_.size(); }
  bool AtLineEnd() const {
    if (AtEnd() || text_[pos_] == '\n') return true;
    return text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n';
  }
  uint32_t Column() const { return static_cast<uint32_t>(pos_ - line_start_ + 1); }
  void SkipBlanks() {
    while (!AtEnd() && IsBlank(text_[pos_])) ++pos_;
  }
  void SkipToLineEnd() {
    while (!AtLineEnd()) ++pos_;
  }
  // Consumes "\n" or "\r\n" (no-op at end of input).
  void SkipLineEnd() {
    if (AtEnd()) return;
    if (text_[pos_] == '\r') ++pos_;
    ++pos_;
    NewLine();
  }
  void NewLine() {
    ++line_;
    line_start_ = pos_;
  }
  absl::Status ErrorHere(std::string_view message) const {
    return DiagnosticError(src_.name, line_, Column(), message);
  }

  // KEY=VALUE (optionally preceded by `export`), through the end of its (last) line.
  absl::Status ParseAssignment(Value& root) {
    if (text_.substr(pos_).starts_with("export") && pos_ + 6 < text_.size() &&
        IsBlank(text_[pos_ + 6])) {
      pos_ += 6;
      SkipBlanks();
    }
    const uint32_t key_line = line_;
    const uint32_t key_column = Column();
    const size_t key_begin = pos_;
    if (!IsKeyStart(Peek())) {
      return ErrorHere(
          "expected a variable name (letters, digits and '_', not starting with a "
          "digit)");
    }
    while (!AtEnd() && IsKeyChar(text_[pos_])) ++pos_;
    const std::string_view key = text_.substr(key_begin, pos_ - key_begin);
    SkipBlanks();
    if (Peek() != '=') {
      if (AtLineEnd()) {
        return ErrorHere(absl::StrCat("expected '=' after '", KeyForMessage(key), "'"));
      }
      // What follows the name may be a value written without '=': describe it, never quote it.
      const std::string what = DescribeCharForMessage(text_.substr(pos_));
      return ErrorHere(absl::StrCat("unexpected ", what[0] == '\'' ? "character " : "", what,
                                    " in variable name '", KeyForMessage(key), "'"));
    }
    ++pos_;
    SkipBlanks();
    const Origin value_origin{src_.file_id, line_, Column(), /*untyped=*/true};
    std::string value;
    absl::Status status;
    if (Peek() == '"' || Peek() == '\'') {
      status = ParseQuoted(&value);
      if (!status.ok()) return status;
      SkipBlanks();
      if (Peek() == '#') SkipToLineEnd();
      if (!AtLineEnd()) return ErrorHere("unexpected text after the closing quote");
    } else {
      ParseUnquoted(&value);
    }
    SkipLineEnd();
    return Insert(root, key, key_line, key_column, std::move(value), value_origin);
  }

  // Unquoted: the rest of the line, trimmed, up to a '#' that follows whitespace.
  void ParseUnquoted(std::string* out) {
    const size_t begin = pos_;
    size_t end = pos_;
    while (!AtLineEnd()) {
      const char c = text_[pos_];
      if (c == '#' && pos_ > 0 && IsBlank(text_[pos_ - 1])) {
        SkipToLineEnd();
        break;
      }
      ++pos_;
      if (!IsBlank(c) && c != '\r') end = pos_;
    }
    out->assign(text_.substr(begin, end - begin));
  }

  // A quoted value, which may span lines (CRLF is read as LF). Single quotes: literal text.
  // Double quotes: \n \t \r \" \\ escapes, and \$ \` as a shell reads them (so that a file a shell
  // sources is read the same here); any other escape is an error.
  absl::Status ParseQuoted(std::string* out) {
    const char quote = text_[pos_];
    const bool escapes = quote == '"';
    const uint32_t open_line = line_;
    const uint32_t open_column = Column();
    ++pos_;
    while (true) {
      if (AtEnd()) {
        return DiagnosticError(
            src_.name, open_line, open_column,
            escapes ? "unterminated double-quoted value" : "unterminated single-quoted value");
      }
      const char c = text_[pos_];
      if (c == quote) break;
      if (c == '\\' && escapes) {
        const char e = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
        switch (e) {
          case 'n':
            out->push_back('\n');
            break;
          case 't':
            out->push_back('\t');
            break;
          case 'r':
            out->push_back('\r');
            break;
          case '"':
          case '\\':
          case '$':
          case '`':
            out->push_back(e);
            break;
          default:
            return ErrorHere(
                "unknown escape sequence in double-quoted value (valid: \\n \\t \\r \\\" \\\\ \\$ "
                "\\`; "
                "use single quotes for literal backslashes)");
        }
        pos_ += 2;
        continue;
      }
      if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
        ++pos_;
        continue;
      }
      out->push_back(c);
      ++pos_;
      if (c == '\n') NewLine();
    }
    ++pos_;
    return absl::OkStatus();
  }

  // Stores `value` at the path KEY__SUB__LEAF -> key.sub.leaf.
  absl::Status Insert(Value& root, std::string_view key, uint32_t key_line, uint32_t key_column,
                      std::string value, const Origin& value_origin) {
    const auto key_error = [&](std::string_view message) {
      return DiagnosticError(src_.name, key_line, key_column, message);
    };
    std::vector<std::string_view> segments;
    for (size_t begin = 0;;) {
      const size_t sep = key.find("__", begin);
      segments.push_back(key.substr(begin, sep == std::string_view::npos ? sep : sep - begin));
      if (sep == std::string_view::npos) break;
      begin = sep + 2;
    }
    for (std::string_view segment : segments) {
      if (segment.empty()) {
        return key_error(absl::StrCat("variable name '", KeyForMessage(key),
                                      "' has an empty segment ('__' separates nested keys)"));
      }
    }
    // The root object is level 1; each "__" nests one object deeper.
    if (segments.size() > static_cast<size_t>(limits_.max_depth)) {
      return key_error(absl::StrCat("'", KeyForMessage(key), "' nests deeper than ",
                                    limits_.max_depth, " levels"));
    }
    Value* node = &root;
    for (size_t i = 0; i < segments.size(); ++i) {
      std::string name = absl::AsciiStrToLower(Sv(segments[i]));
      Value::Object& object = node->MutableObject();
      const bool leaf = i + 1 == segments.size();
      auto it = object.find(name);
      if (it == object.end()) {
        if (leaf) {
          object.emplace(std::move(name), Value::String(std::move(value), value_origin));
          return absl::OkStatus();
        }
        it = object
                 .emplace(std::move(name),
                          Value::EmptyObject(Origin{src_.file_id, key_line, key_column}))
                 .first;
      } else if (leaf) {
        if (it->second.is_string()) {
          return key_error(absl::StrCat("duplicate variable '", KeyForMessage(key),
                                        "' (first defined at line ", it->second.origin().line,
                                        ")"));
        }
        return key_error(absl::StrCat("variable '", KeyForMessage(key),
                                      "' conflicts with nested variables under it (first at line ",
                                      it->second.origin().line, ")"));
      } else if (!it->second.is_object()) {
        return key_error(
            absl::StrCat("variable '", KeyForMessage(key), "' needs '", KeyForMessage(segments[i]),
                         "' to be a group, but it is a plain variable defined at line ",
                         it->second.origin().line));
      }
      node = &it->second;
    }
    return absl::OkStatus();  // unreachable: the loop returns at the leaf
  }

  const std::string_view text_;
  const SourceRef& src_;
  const ParseLimits& limits_;
  size_t pos_ = 0;
  size_t line_start_ = 0;
  uint32_t line_ = 1;
};

}  // namespace

absl::StatusOr<Value> front_end::Env(std::string_view text, const SourceRef& src,
                                     const ParseLimits& limits) {
  return EnvParser(text, src, limits).Parse();
}

}  // namespace hearth
