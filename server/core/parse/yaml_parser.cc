// The YAML front end: an adapter over libfyaml's event parser (fy_parser_parse).
//
// We build Values straight from parse events (no fy_document), which is faster and lets us stop
// early: events arrive in document order, and the builder returns an error as soon as a node
// breaks a rule. In particular a too-deep collection is rejected at its start event. libfyaml's
// parser is not recursive (its own depth limit guards only its document builder, which we do not
// use, so it is off), and it checks the YAML 1.2 syntax completely: it passes every case of the
// YAML test suite (tests/bench/yaml_libs, docs/benchmarks.md).
//
// libfyaml reports errors through a diagnostic object; ours collects them (nothing is printed)
// and we keep only the message, without any piece of the source it may quote. Positions come from
// byte offsets into `text` (libfyaml's own columns count characters), so columns are bytes.
//
// Scalars are resolved with the YAML 1.2 core schema. Merge keys (`<<: *base`, a YAML 1.1
// extension in wide use) are supported.

#include <libfyaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/core/model/absl_compat.h"
#include "server/core/parse/front_end.h"
#include "server/core/parse/number_scan.h"

namespace hearth {
namespace {

constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";
// Aliases copy the anchored value; bound the total copied so that a "billion laughs" document
// cannot exhaust memory. Generous for real configs (counted in nodes).
constexpr size_t kMinAliasBudget = 100000;
constexpr size_t kAliasBudgetPerByte = 10;
// The same per file in bytes of copies (a few aliases of one long string are a bomb too), on top
// of the build's budget (ParseLimits::budget) when there is one.
constexpr uint64_t kMinAliasBytes = uint64_t{16} << 20;
constexpr uint64_t kAliasBytesPerByte = 32;
// What a node costs in memory, as Value::ApproximateBytes counts it: the node, a long string's
// heap block, and for a mapping member its std::map node and key.
constexpr uint64_t kMapMemberBytes = 32 + sizeof(std::string);
uint64_t TextBytes(size_t size) { return size > 15 ? size : 0; }
uint64_t ScalarBytes(const Value& v) {
  return sizeof(Value) + (v.is_string() ? TextBytes(v.AsString().size()) : 0);
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// `!!binary` text with YAML's folded blanks removed, or nullopt if it is not padded base64
// (RFC 4648 section 4).
std::optional<std::string> Base64Text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') out.push_back(c);
  }
  if (out.size() % 4 != 0) return std::nullopt;
  size_t data = out.size();
  while (data > 0 && out.size() - data < 2 && out[data - 1] == '=') --data;
  for (size_t i = 0; i < data; ++i) {
    if (!IsBase64Char(out[i])) return std::nullopt;
  }
  // A padded final quantum has at least two data characters ("QQ==", "QUI=").
  if (data < out.size() && data % 4 < 2) return std::nullopt;
  return out;
}

// YAML 1.2 core schema, https://yaml.org/spec/1.2.2/#1032-tag-resolution
bool IsNullWord(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::optional<bool> ParseBoolWord(std::string_view s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

enum class NumberKind { kNotNumber, kInt, kDouble, kIntOutOfRange, kNonFinite };

bool AllOf(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}
bool IsDec(char c) { return c >= '0' && c <= '9'; }
bool IsOct(char c) { return c >= '0' && c <= '7'; }
bool IsHex(char c) { return IsDec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

NumberKind ParseInt(std::string_view s, int64_t* out) {
  int base = 10;
  std::string_view digits = s;
  bool negative = false;
  if (s.starts_with("0o") && AllOf(s.substr(2), IsOct)) {
    base = 8;
    digits = s.substr(2);
  } else if (s.starts_with("0x") && AllOf(s.substr(2), IsHex)) {
    base = 16;
    digits = s.substr(2);
  } else {
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
      negative = digits[0] == '-';
      digits.remove_prefix(1);
    }
    if (!AllOf(digits, IsDec)) return NumberKind::kNotNumber;
  }
  // Parse the magnitude as unsigned so that INT64_MIN is representable.
  uint64_t magnitude = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return NumberKind::kIntOutOfRange;
  constexpr uint64_t kMaxPositive = static_cast<uint64_t>(INT64_MAX);
  if (magnitude > kMaxPositive + (negative ? 1 : 0)) return NumberKind::kIntOutOfRange;
  *out = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  return NumberKind::kInt;
}

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?  and .inf / .nan forms.
NumberKind ParseFloat(std::string_view s, double* out) {
  std::string_view body = s;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.remove_prefix(1);
  if (body == ".inf" || body == ".Inf" || body == ".INF") return NumberKind::kNonFinite;
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return NumberKind::kNonFinite;
  size_t i = 0;
  size_t mantissa_digits = 0;
  while (i < body.size() && IsDec(body[i])) ++i, ++mantissa_digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    const size_t before = i;
    while (i < body.size() && IsDec(body[i])) ++i;
    if (mantissa_digits == 0 && i == before) return NumberKind::kNotNumber;
    mantissa_digits += i - before;
  }
  if (mantissa_digits == 0) return NumberKind::kNotNumber;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '-' || body[i] == '+')) ++i;
    const size_t before = i;
    while (i < body.size() && IsDec(body[i])) ++i;
    if (i == before) return NumberKind::kNotNumber;
  }
  if (i != body.size()) return NumberKind::kNotNumber;
  // from_chars takes no leading '+'.
  std::string_view digits = s[0] == '+' ? s.substr(1) : s;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *out);
  if (ec == std::errc::result_out_of_range) {
    if (DecimalOverflowsDouble(body)) return NumberKind::kNonFinite;
    *out = 0.0;  // underflow: as strtod, a value too small to represent reads as zero
    return NumberKind::kDouble;
  }
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return NumberKind::kNotNumber;
  return std::isfinite(*out) ? NumberKind::kDouble : NumberKind::kNonFinite;
}

// "nan" or "inf" for a scalar ParseFloat called kNonFinite (an overflowing number is "inf").
std::string_view NonFiniteKind(std::string_view s) {
  return s == ".nan" || s == ".NaN" || s == ".NAN" ? "nan" : "inf";
}

// A tag we do not support. A local tag is never quoted: `password: !hunter2` makes the value a
// tag. Core tags (tag:yaml.org,2002:set ...) are named when they are one of YAML's own types.
std::string UnsupportedTag(std::string_view tag) {
  static constexpr std::string_view kKnown[] = {"binary", "bool", "float",     "int",   "map",
                                                "merge",  "null", "omap",      "pairs", "seq",
                                                "set",    "str",  "timestamp", "value", "yaml"};
  if (tag.starts_with(kCoreTagPrefix)) {
    const std::string_view type = tag.substr(kCoreTagPrefix.size());
    if (std::find(std::begin(kKnown), std::end(kKnown), type) != std::end(kKnown)) {
      return absl::StrCat("unsupported YAML tag '", Sv(tag), "'");
    }
  }
  return "unsupported YAML tag (only the core tags such as !!str and !!int; quote a value that "
         "starts with '!')";
}

// 1-based line and byte column of byte offsets into a text. Events arrive in document order, so
// each lookup scans forward from the previous one: linear in the text overall.
class TextPositions {
 public:
  explicit TextPositions(std::string_view text) : text_(text) {}

  Origin At(size_t offset, uint32_t file_id) {
    offset = std::min(offset, text_.size());
    if (offset < pos_) {
      // Rare (an error located just before the last event): count back.
      while (pos_ > offset) {
        --pos_;
        if (text_[pos_] == '\n') --line_;
      }
      const size_t nl = pos_ == 0 ? std::string_view::npos : text_.rfind('\n', pos_ - 1);
      line_start_ = nl == std::string_view::npos ? 0 : nl + 1;
    }
    while (pos_ < offset) {
      const void* nl = std::memchr(text_.data() + pos_, '\n', offset - pos_);
      if (nl == nullptr) {
        pos_ = offset;
        break;
      }
      ++line_;
      pos_ = static_cast<size_t>(static_cast<const char*>(nl) - text_.data()) + 1;
      line_start_ = pos_;
    }
    return Origin{file_id, line_, static_cast<uint32_t>(offset - line_start_ + 1)};
  }

 private:
  const std::string_view text_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
  size_t line_start_ = 0;
};

// A tag's text, resolved ("tag:yaml.org,2002:str" for `!!str`). Built by libfyaml.
std::string_view TagText(fy_token* tag) {
  if (tag == nullptr) return {};
  size_t length = 0;
  const char* text = fy_token_get_text(tag, &length);
  return text == nullptr ? std::string_view() : std::string_view(text, length);
}

// The source span of a token (an anchor or alias name: what follows its '&' or '*').
std::string_view Span(std::string_view text, fy_token* token) {
  const fy_mark* start = token == nullptr ? nullptr : fy_token_start_mark(token);
  const fy_mark* end = token == nullptr ? nullptr : fy_token_end_mark(token);
  if (start == nullptr || end == nullptr || start->input_pos > end->input_pos ||
      end->input_pos > text.size()) {
    return {};
  }
  return text.substr(start->input_pos, end->input_pos - start->input_pos);
}

// A scalar's value. Most are their source span as it stands: a plain scalar on one line, a quoted
// one on one line without escapes ('' or backslashes); those are read in place. The others are
// copied out through `iter` into `scratch` (libfyaml folds lines and decodes escapes). We do not
// use fy_token_get_text, which caches the text in the token: libfyaml 0.7.12 leaks that cache
// when the parse then fails (found by tests/fuzz/yaml_fuzz under LeakSanitizer).
std::string_view ScalarText(std::string_view text, fy_token* value, fy_scalar_style style,
                            fy_token_iter* iter, std::string* scratch) {
  if (value == nullptr) return {};
  const fy_mark* start = fy_token_start_mark(value);
  const fy_mark* end = fy_token_end_mark(value);
  if (start != nullptr && end != nullptr && start->input_pos <= end->input_pos &&
      end->input_pos <= text.size()) {
    const size_t from = start->input_pos;
    const size_t to = end->input_pos;
    const std::string_view raw = text.substr(from, to - from);
    if (raw.find_first_of("\r\n") == std::string_view::npos) {
      if (style == FYSS_PLAIN) return raw;
      // Quoted: the span is the content, between the quotes.
      const char quote = style == FYSS_SINGLE_QUOTED ? '\'' : '"';
      const char escape = style == FYSS_SINGLE_QUOTED ? '\'' : '\\';
      if ((style == FYSS_SINGLE_QUOTED || style == FYSS_DOUBLE_QUOTED) && from > 0 &&
          text[from - 1] == quote && to < text.size() && text[to] == quote &&
          raw.find(escape) == std::string_view::npos) {
        return raw;
      }
    }
  }
  scratch->clear();
  fy_token_iter_start(value, iter);
  const fy_iter_chunk* chunk = nullptr;
  int error = 0;
  while ((chunk = fy_token_iter_chunk_next(iter, chunk, &error)) != nullptr) {
    scratch->append(chunk->str, chunk->len);
  }
  fy_token_iter_finish(iter);
  return *scratch;
}

// Where a block scalar's header ('|' or '>' with its indicators) is, given where libfyaml says
// its content starts (the line after the header), or nullopt if the line before is not plainly
// a header (then the content's start is used).
std::optional<size_t> BlockHeaderAt(std::string_view text, size_t content) {
  if (content == 0 || content > text.size() || text[content - 1] != '\n') return std::nullopt;
  size_t end = content - 1;
  if (end > 0 && text[end - 1] == '\r') --end;
  const size_t nl = end == 0 ? std::string_view::npos : text.rfind('\n', end - 1);
  std::string_view line = text.substr(nl == std::string_view::npos ? 0 : nl + 1);
  line = line.substr(0, end - (nl == std::string_view::npos ? 0 : nl + 1));
  // A comment starts at a '#' after a blank (the header is "|" or ">" then indicators, blanks
  // and an optional comment).
  for (size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '#' && (line[i - 1] == ' ' || line[i - 1] == '\t')) {
      line = line.substr(0, i);
      break;
    }
  }
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  while (!line.empty() &&
         ((line.back() >= '1' && line.back() <= '9') || line.back() == '+' || line.back() == '-')) {
    line.remove_suffix(1);
  }
  if (line.empty() || (line.back() != '|' && line.back() != '>')) return std::nullopt;
  return static_cast<size_t>(line.data() + line.size() - 1 - text.data());
}

// A libfyaml message as we show it: never a piece of the source. libfyaml quotes what it found in
// single quotes ("invalid escape 'q' in double-quoted string", "plain scalar cannot start with
// '@'", "undefined tag prefix '!e!'"), which may come from a value: the quoted span goes ("cannot
// start with 'x'" becomes "cannot start with this character"), and so does anything in
// parentheses.
std::string LibraryMessage(std::string_view msg) {
  if (msg.ends_with("scalar without closing quote")) {
    return absl::StrCat("unterminated ", Sv(msg.substr(0, msg.find(' '))), " scalar");
  }
  std::string out;
  const size_t open = msg.find('\'');
  const size_t close = open == std::string_view::npos ? open : msg.rfind('\'');
  if (open != std::string_view::npos && close > open) {
    const std::string_view before = msg.substr(0, open);
    out = absl::StrCat(Sv(before), before.ends_with("with ") ? "this character" : "",
                       Sv(msg.substr(close + 1)));
  } else {
    out = std::string(msg.substr(0, open));
  }
  // Parentheses ("bad start of block scalar ('x')", "illegal major version number (x)").
  for (size_t p = out.find('('); p != std::string::npos; p = out.find('(')) {
    const size_t q = out.find(')', p);
    out.erase(p, q == std::string::npos ? std::string::npos : q - p + 1);
  }
  // Tidy the blanks left behind.
  std::string tidy;
  for (char c : out) {
    if (c == ' ' && (tidy.empty() || tidy.back() == ' ')) continue;
    tidy.push_back(c);
  }
  while (!tidy.empty() && (tidy.back() == ' ' || tidy.back() == ':')) tidy.pop_back();
  return tidy.empty() ? std::string("YAML syntax error") : tidy;
}

// libfyaml objects, freed on every path.
struct DiagDeleter {
  void operator()(fy_diag* diag) const { fy_diag_destroy(diag); }
};
struct ParserDeleter {
  void operator()(fy_parser* parser) const { fy_parser_destroy(parser); }
};
using DiagPtr = std::unique_ptr<fy_diag, DiagDeleter>;
struct IterDeleter {
  void operator()(fy_token_iter* iter) const { fy_token_iter_destroy(iter); }
};
using ParserPtr = std::unique_ptr<fy_parser, ParserDeleter>;
using IterPtr = std::unique_ptr<fy_token_iter, IterDeleter>;
class EventPtr {
 public:
  EventPtr(fy_parser* parser, fy_event* event) : parser_(parser), event_(event) {}
  EventPtr(const EventPtr&) = delete;
  EventPtr& operator=(const EventPtr&) = delete;
  ~EventPtr() { fy_parser_event_free(parser_, event_); }
  fy_event* get() const { return event_; }

 private:
  fy_parser* const parser_;
  fy_event* const event_;
};

// libfyaml writes the few messages it cannot collect (those without a token: internal and
// allocation failures) through this: dropped, since they may quote the source. The parse still
// fails, and SyntaxError names no position for it.
void DropMessage(fy_diag* /*diag*/, void* /*user*/, const char* /*buf*/, size_t /*len*/) {}

// A scalar, mapping or sequence's properties and position, as the builder needs them.
struct Node {
  size_t offset = 0;        // where the node starts
  std::string_view tag;     // "?" plain and untagged, "!" other untagged or `!`, else full
  std::string_view anchor;  // empty if none
  std::string_view text;    // scalars
};

// Builds a Value from libfyaml events. One instance per parse (Run once); not thread-safe.
class YamlBuilder {
 public:
  YamlBuilder(std::string_view text, const SourceRef& src, const ParseLimits& limits)
      : text_(text),
        src_(src),
        limits_(limits),
        positions_(text),
        alias_budget_(std::max(kMinAliasBudget, kAliasBudgetPerByte * text.size())),
        alias_bytes_budget_(std::max<uint64_t>(kMinAliasBytes, kAliasBytesPerByte * text.size())) {}

  absl::StatusOr<Value> Run() {
    // fy_diag_cfg_default asks isatty(2) every time: a syscall per parse, so it runs once.
    static const fy_diag_cfg kDiagCfg = [] {
      fy_diag_cfg c;
      fy_diag_cfg_default(&c);
      c.fp = nullptr;  // never stderr
      c.output_fn = DropMessage;
      c.level = FYET_ERROR;
      c.colorize = false;
      return c;
    }();
    fy_diag_cfg diag_cfg = kDiagCfg;
    DiagPtr diag(fy_diag_create(&diag_cfg));
    if (diag == nullptr) return OutOfMemory();
    fy_diag_set_collect_errors(diag.get(), true);
    fy_parse_cfg cfg{};
    cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 |
                                                FYPCF_JSON_NONE | FYPCF_DISABLE_DEPTH_LIMIT);
    cfg.diag = diag.get();
    ParserPtr parser(fy_parser_create(&cfg));
    iter_.reset(fy_token_iter_create(nullptr));
    if (parser == nullptr || iter_ == nullptr) return OutOfMemory();
    if (fy_parser_set_string(parser.get(), text_.empty() ? "" : text_.data(), text_.size()) != 0) {
      return OutOfMemory();
    }
    while (fy_event* raw = fy_parser_parse(parser.get())) {
      EventPtr event(parser.get(), raw);
      if (absl::Status status = Handle(event.get()); !status.ok()) return status;
    }
    if (fy_parser_get_stream_error(parser.get())) return SyntaxError(diag.get());
    if (documents_ == 0) return Value::EmptyObject(Origin{src_.file_id, 1, 1});  // empty stream
    // A document that is only '---' (or null) counts as an empty configuration.
    if (!root_.has_value() || root_->is_null()) {
      Origin origin = document_origin_;
      if (origin.line == 0) origin = Origin{src_.file_id, 1, 1};
      return Value::EmptyObject(origin);
    }
    return std::move(*root_);
  }

 private:
  struct Anchored {
    Value value;
    int height;      // containers below and including this node (0 for scalars)
    size_t count;    // nodes in the subtree
    uint64_t bytes;  // memory of the subtree, as charged to the budget
  };
  struct Merge {
    Value value;
    int height;
    size_t count;
    uint64_t bytes;
  };
  struct Frame {
    Value value;
    std::string anchor;
    int height = 1;
    size_t count = 1;
    uint64_t bytes = sizeof(Value);
    // Maps: the key waiting for its value.
    bool has_key = false;
    bool key_is_merge = false;
    std::string key;
    Origin key_origin;
    std::vector<Merge> merges;
  };

  absl::Status OutOfMemory() const {
    return absl::ResourceExhaustedError(
        FormatDiagnostic(src_.name, 0, 0, "out of memory while parsing YAML"));
  }

  // The first error libfyaml reported, at the start of the token it names.
  absl::Status SyntaxError(fy_diag* diag) {
    void* iter = nullptr;
    while (fy_diag_error* error = fy_diag_errors_iterate(diag, &iter)) {
      if (error->type != FYET_ERROR) continue;
      const std::string_view msg = error->msg == nullptr ? "" : error->msg;
      Origin origin{src_.file_id, 0, 0};
      if (const fy_mark* mark = error->fyt == nullptr ? nullptr : fy_token_start_mark(error->fyt)) {
        size_t offset = mark->input_pos;
        // An unterminated quoted scalar is located at its opening quote (libfyaml: its content).
        if (msg.ends_with("without closing quote") && offset > 0 && offset <= text_.size() &&
            (text_[offset - 1] == '"' || text_[offset - 1] == '\'')) {
          --offset;
        }
        origin = positions_.At(offset, src_.file_id);
      }
      return DiagnosticError(src_.name, origin.line, origin.column, LibraryMessage(msg));
    }
    return DiagnosticError(src_.name, 0, 0, "YAML syntax error");
  }

  // The event's start, or where the previous event ended for an event without one (an empty
  // scalar, an implicit document start).
  size_t OffsetOf(fy_event* event) {
    if (const fy_mark* mark = fy_event_start_mark(event)) last_offset_ = mark->input_pos;
    return last_offset_;
  }

  // The earliest of `offset` and the starts of a node's properties (tag, anchor; may be null).
  size_t FirstOf(fy_token* tag, fy_token* anchor, size_t offset) const {
    for (fy_token* token : {tag, anchor}) {
      if (const fy_mark* mark = token == nullptr ? nullptr : fy_token_start_mark(token)) {
        size_t start = mark->input_pos;
        // An anchor at its '&' (libfyaml: the name after it).
        if (token == anchor && start > 0 && start <= text_.size() && text_[start - 1] == '&') {
          --start;
        }
        offset = std::min(offset, start);
      }
    }
    return offset;
  }

  absl::Status Handle(fy_event* event) {
    switch (event->type) {
      case FYET_DOCUMENT_START: {
        const fy_mark* mark = fy_event_start_mark(event);
        const size_t offset = OffsetOf(event);
        if (++documents_ > 1) {
          return Error(positions_.At(offset, src_.file_id),
                       "a YAML file must hold a single document (found a second '---')");
        }
        if (mark != nullptr) document_origin_ = positions_.At(offset, src_.file_id);
        return absl::OkStatus();
      }
      case FYET_MAPPING_START:
      case FYET_SEQUENCE_START: {
        const bool map = event->type == FYET_MAPPING_START;
        Node node;
        fy_token* tag = map ? event->mapping_start.tag : event->sequence_start.tag;
        fy_token* anchor = map ? event->mapping_start.anchor : event->sequence_start.anchor;
        node.offset = FirstOf(tag, anchor, OffsetOf(event));
        node.tag = tag == nullptr ? std::string_view("?") : TagText(tag);
        node.anchor = Span(text_, anchor);
        return StartCollection(node, map);
      }
      case FYET_MAPPING_END:
      case FYET_SEQUENCE_END:
        OffsetOf(event);
        return EndCollection();
      case FYET_SCALAR:
        return OnScalar(event);
      case FYET_ALIAS: {
        // At the '*' (libfyaml: the name after it).
        size_t offset = OffsetOf(event);
        if (offset > 0 && offset <= text_.size() && text_[offset - 1] == '*') --offset;
        return OnAlias(positions_.At(offset, src_.file_id), Span(text_, event->alias.anchor));
      }
      default:  // stream start and end, document end
        OffsetOf(event);
        return absl::OkStatus();
    }
  }

  absl::Status OnScalar(fy_event* event) {
    fy_token* value = event->scalar.value;
    fy_token* tag = event->scalar.tag;
    Node node;
    node.anchor = Span(text_, event->scalar.anchor);
    const fy_scalar_style style = value == nullptr ? FYSS_PLAIN : fy_token_scalar_style(value);
    node.text = ScalarText(text_, value, style, iter_.get(), &scratch_);
    node.tag = tag != nullptr ? TagText(tag) : style == FYSS_PLAIN ? "?" : "!";
    if (value != nullptr && fy_event_start_mark(event) != nullptr) {
      node.offset = OffsetOf(event);
      // Quoted: at the opening quote; block: at the '|' or '>' (libfyaml: where the text starts).
      if (style == FYSS_SINGLE_QUOTED || style == FYSS_DOUBLE_QUOTED) {
        const char quote = style == FYSS_DOUBLE_QUOTED ? '"' : '\'';
        if (node.offset > 0 && node.offset <= text_.size() && text_[node.offset - 1] == quote) {
          --node.offset;
        }
      } else if (style == FYSS_LITERAL || style == FYSS_FOLDED) {
        if (std::optional<size_t> header = BlockHeaderAt(text_, node.offset)) node.offset = *header;
      }
    } else {
      // An empty value: at its properties if it has some (`a: !!str`), else at the event before
      // it (its key, usually).
      node.offset = FirstOf(tag, event->scalar.anchor, SIZE_MAX);
      if (node.offset == SIZE_MAX) node.offset = last_offset_;
    }
    // A node with properties (`!!int "1"`, `&a x`) starts at the first of them.
    node.offset = FirstOf(tag, event->scalar.anchor, node.offset);
    const Origin origin = positions_.At(node.offset, src_.file_id);
    if (ExpectingKey()) {
      if ((node.tag == "?" || node.tag == "tag:yaml.org,2002:null") && IsNullWord(node.text)) {
        return Error(origin, "mapping keys must not be null");
      }
      if (!node.anchor.empty()) {
        RecordAnchor(node.anchor, Value::String(std::string(node.text), origin), 0, 1,
                     sizeof(Value) + TextBytes(node.text.size()));
      }
      SetKey(node.text, origin, /*plain=*/node.tag == "?");
      return absl::OkStatus();
    }
    absl::StatusOr<Value> resolved = Resolve(origin, node.tag, node.text);
    if (!resolved.ok()) return resolved.status();
    const uint64_t bytes = ScalarBytes(*resolved);
    if (absl::Status status = Produce(origin, bytes); !status.ok()) return status;
    return Complete(*std::move(resolved), node.anchor, 0, 1, bytes);
  }

  absl::Status OnAlias(const Origin& origin, std::string_view name) {
    const auto it = anchors_.find(name);
    if (it == anchors_.end()) return Error(origin, "alias refers to an undefined anchor");
    if (!it->second.has_value()) {
      return Error(origin,
                   "alias refers to an anchor whose node is not finished (recursive alias)");
    }
    const Anchored& target = *it->second;
    if (ExpectingKey()) {
      if (!target.value.is_string()) {
        return Error(origin, "an alias used as a mapping key must be a string");
      }
      SetKey(target.value.AsString(), origin, /*plain=*/false);
      return absl::OkStatus();
    }
    if (Depth() + target.height > limits_.max_depth) return TooDeep(origin);
    alias_nodes_ += target.count;
    if (alias_nodes_ > alias_budget_) {
      return Error(origin, "aliases expand to too many nodes (possible alias bomb)");
    }
    // Charged for the copy it makes, before making it.
    alias_bytes_ += target.bytes;
    if (alias_bytes_ > alias_bytes_budget_) {
      return Error(origin, absl::StrCat("aliases expand to more than ", alias_bytes_budget_,
                                        " bytes in one file (possible alias bomb)"));
    }
    if (absl::Status status = Produce(origin, target.bytes); !status.ok()) return status;
    Value copy = target.value;
    copy.set_origin(origin);
    return Complete(std::move(copy), {}, target.height, target.count, target.bytes);
  }

  absl::Status Error(const Origin& origin, std::string_view message) const {
    return DiagnosticError(src_.name, origin.line, origin.column, message);
  }
  // Charges `bytes` about to be produced at `origin` to the build's budget, and checks its clock.
  absl::Status Produce(const Origin& origin, uint64_t bytes) const {
    BuildBudget* budget = limits_.budget;
    if (budget == nullptr || (budget->Charge(bytes) && budget->Check())) return absl::OkStatus();
    return absl::ResourceExhaustedError(
        FormatDiagnostic(src_.name, origin.line, origin.column, budget->Message()));
  }
  absl::Status TooDeep(const Origin& origin) const {
    return Error(origin, absl::StrCat("nesting deeper than ", limits_.max_depth, " levels"));
  }

  int Depth() const { return static_cast<int>(stack_.size()); }
  bool ExpectingKey() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().has_key;
  }

  void SetKey(std::string_view key, const Origin& origin, bool plain) {
    Frame& frame = stack_.back();
    frame.has_key = true;
    frame.key_is_merge = plain && key == "<<";
    frame.key.assign(key);
    frame.key_origin = origin;
  }

  absl::Status StartCollection(const Node& node, bool map) {
    const Origin origin = positions_.At(node.offset, src_.file_id);
    if (ExpectingKey()) return Error(origin, "mapping keys must be scalars, not collections");
    const bool tag_ok = node.tag == "?" || node.tag == "!" ||
                        (node.tag.starts_with(kCoreTagPrefix) &&
                         node.tag.substr(kCoreTagPrefix.size()) == (map ? "map" : "seq"));
    if (!tag_ok) return Error(origin, UnsupportedTag(node.tag));
    if (Depth() + 1 > limits_.max_depth) return TooDeep(origin);
    if (absl::Status status = Produce(origin, sizeof(Value)); !status.ok()) return status;
    Frame& frame = stack_.emplace_back();
    frame.value = map ? Value::EmptyObject(origin) : Value::EmptyArray(origin);
    if (!node.anchor.empty()) {
      frame.anchor.assign(node.anchor);
      anchors_[frame.anchor].reset();  // defined, not finished: an alias to it now is recursive
    }
    return absl::OkStatus();
  }

  absl::Status EndCollection() {
    if (stack_.empty()) return absl::OkStatus();  // not produced by libfyaml
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.value.is_object()) ApplyMerges(frame);
    return Complete(std::move(frame.value), frame.anchor, frame.height, frame.count, frame.bytes);
  }

  // Keys written in the mapping win over merged ones; earlier merge sources win over later ones.
  void ApplyMerges(Frame& frame) {
    Value::Object& object = frame.value.MutableObject();
    for (Merge& merge : frame.merges) {
      const auto merge_one = [&](Value& source) {
        for (auto& [key, value] : source.MutableObject()) {
          if (object.find(key) == object.end()) object.emplace(key, std::move(value));
        }
      };
      if (merge.value.is_object()) {
        merge_one(merge.value);
      } else {
        for (Value& item : merge.value.MutableArray()) merge_one(item);
      }
      frame.count += merge.count;
      frame.bytes += merge.bytes;
      frame.height = std::max(frame.height, merge.height);
    }
  }

  void RecordAnchor(std::string_view name, const Value& value, int height, size_t count,
                    uint64_t bytes) {
    anchors_[std::string(name)] = Anchored{value, height, count, bytes};
  }

  // A finished node (its `bytes` already charged): record its anchor and hand it to the parent
  // (or make it the root).
  absl::Status Complete(Value value, std::string_view anchor, int height, size_t count,
                        uint64_t bytes) {
    if (!anchor.empty()) RecordAnchor(anchor, value, height, count, bytes);
    if (stack_.empty()) {
      root_ = std::move(value);
      return absl::OkStatus();
    }
    Frame& parent = stack_.back();
    parent.height = std::max(parent.height, height + 1);
    parent.count += count;
    parent.bytes += bytes;
    if (parent.value.is_array()) {
      parent.value.MutableArray().push_back(std::move(value));
      return absl::OkStatus();
    }
    parent.has_key = false;
    if (parent.key_is_merge) {
      const bool ok =
          value.is_object() ||
          (value.is_array() && std::all_of(value.AsArray().begin(), value.AsArray().end(),
                                           [](const Value& v) { return v.is_object(); }));
      if (!ok)
        return Error(parent.key_origin, "'<<' (merge) must be a mapping or a list of mappings");
      parent.merges.push_back(Merge{std::move(value), height, count, bytes});
      return absl::OkStatus();
    }
    const uint64_t member_bytes = kMapMemberBytes + TextBytes(parent.key.size());
    if (BuildBudget* budget = limits_.budget; budget != nullptr && !budget->Charge(member_bytes)) {
      return absl::ResourceExhaustedError(FormatDiagnostic(
          src_.name, parent.key_origin.line, parent.key_origin.column, budget->Message()));
    }
    parent.bytes += member_bytes;
    auto [it, inserted] = parent.value.MutableObject().try_emplace(std::move(parent.key));
    if (!inserted) {
      return Error(parent.key_origin,
                   absl::StrCat("duplicate key '", KeyForMessage(it->first), "'"));
    }
    it->second = std::move(value);
    return absl::OkStatus();
  }

  absl::StatusOr<Value> Resolve(const Origin& origin, std::string_view tag,
                                std::string_view text) const {
    if (tag == "!") return Value::String(std::string(text), origin);  // quoted, block, or `! x`
    std::string_view type;
    if (tag != "?") {
      if (!tag.starts_with(kCoreTagPrefix)) return Error(origin, UnsupportedTag(tag));
      type = tag.substr(kCoreTagPrefix.size());
      if (type == "str") return Value::String(std::string(text), origin);
      if (type == "binary") {
        std::optional<std::string> base64 = Base64Text(text);
        if (!base64) return Error(origin, "not valid base64 for !!binary");
        return Value::String(*std::move(base64), origin);
      }
      if (type != "null" && type != "bool" && type != "int" && type != "float") {
        return Error(origin, UnsupportedTag(tag));
      }
    }
    const bool any = type.empty();
    if ((any || type == "null") && IsNullWord(text)) return Value::Null(origin);
    if (any || type == "bool") {
      if (std::optional<bool> b = ParseBoolWord(text)) return Value::Bool(*b, origin);
    }
    if (any || type == "int" || type == "float") {
      int64_t i = 0;
      switch (ParseInt(text, &i)) {
        case NumberKind::kInt:
          return type == "float" ? Value::Double(static_cast<double>(i), origin)
                                 : Value::Int(i, origin);
        case NumberKind::kIntOutOfRange:
          if (type != "float") {
            return Error(origin, "integer out of range (must fit in a signed 64-bit integer)");
          }
          break;
        default:
          break;
      }
    }
    if (any || type == "float") {
      double d = 0;
      switch (ParseFloat(text, &d)) {
        case NumberKind::kDouble:
          return Value::Double(d, origin);
        case NumberKind::kNonFinite:
          return Error(origin, absl::StrCat("floating-point value ", Sv(NonFiniteKind(text)),
                                            " is not representable in JSON"));
        default:
          break;
      }
    }
    if (any) return Value::String(std::string(text), origin);
    // Never the text itself: a mistyped scalar may be a secret (`password: !!int hunter2`).
    return Error(origin, absl::StrCat("not a valid !!", Sv(type)));
  }

  const std::string_view text_;
  const SourceRef& src_;
  const ParseLimits& limits_;
  TextPositions positions_;
  const size_t alias_budget_;
  const uint64_t alias_bytes_budget_;
  size_t alias_nodes_ = 0;
  uint64_t alias_bytes_ = 0;
  size_t last_offset_ = 0;
  IterPtr iter_;         // reads scalars that are not their source span (ScalarText)
  std::string scratch_;  // what iter_ read
  int documents_ = 0;
  Origin document_origin_;
  std::vector<Frame> stack_;
  // By name; the latest definition wins. nullopt while the anchored collection is being built.
  std::map<std::string, std::optional<Anchored>, std::less<>> anchors_;
  std::optional<Value> root_;
};

// YAML 1.2 streams hold printable characters only (§5.1): of the C0 controls just tab, LF and
// CR. Checked here once, with the position of the first offender, before the library runs.
absl::Status CheckPrintable(std::string_view text, const SourceRef& src) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      uint32_t line = 0, column = 0;
      LineColumnAt(text, i, &line, &column);
      return DiagnosticError(src.name, line, column,
                             absl::StrFormat("control character U+%04X is not allowed in YAML", c));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Value> front_end::Yaml(std::string_view text, const SourceRef& src,
                                      const ParseLimits& limits) {
  if (absl::Status status = CheckPrintable(text, src); !status.ok()) return status;
  // Nothing below throws except allocations (the libfyaml objects are freed by their owners).
  try {
    YamlBuilder builder(text, src, limits);
    return builder.Run();
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        FormatDiagnostic(src.name, 0, 0, "out of memory while parsing YAML"));
  } catch (const std::exception& e) {
    return DiagnosticError(src.name, 0, 0, absl::StrCat("YAML parser failed: ", e.what()));
  }
}

}  // namespace hearth
