// The YAML front end: an adapter over yaml-cpp's event parser (YAML::Parser + EventHandler).
//
// We build Values straight from parse events instead of going through YAML::Node, which is
// faster and lets us stop early: events arrive in document order, and the handler throws (inside
// this file only) as soon as a node breaks a rule. In particular a too-deep collection is
// rejected at its start event, so yaml-cpp's recursive descent never goes deeper than
// limits.max_depth + 1 frames, whatever the input.
//
// Scalars are resolved with the YAML 1.2 core schema. Merge keys (`<<: *base`, a YAML 1.1
// extension in wide use) are supported.

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <istream>
#include <new>
#include <optional>
#include <streambuf>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// A read-only streambuf over caller memory, so yaml-cpp reads `text` without a copy.
class ViewStreamBuf : public std::streambuf {
 public:
  explicit ViewStreamBuf(std::string_view text) {
    char* p = const_cast<char*>(text.data());  // never written: get area only
    setg(p, p, p + text.size());
  }
};

// Thrown by the handler to abandon parsing; never leaves this file.
struct YamlAbort {
  absl::Status status;
};

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

// yaml-cpp's messages are constant text, except a few that append a piece of the source
// ("invalid unicode: <escape>", "unknown escape character: <c>", "bad YAML version: <v>"),
// which may come from a value: keep only the constant part.
std::string YamlLibraryMessage(const std::string& msg) {
  for (std::string_view prefix : {std::string_view(YAML::ErrorMsg::INVALID_UNICODE),
                                  std::string_view(YAML::ErrorMsg::INVALID_ESCAPE),
                                  std::string_view(YAML::ErrorMsg::YAML_VERSION)}) {
    if (std::string_view(msg).starts_with(prefix)) {
      std::string_view kept = prefix;
      while (!kept.empty() && (kept.back() == ' ' || kept.back() == ':')) kept.remove_suffix(1);
      return std::string(kept);
    }
  }
  return msg;
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

// Builds a Value from yaml-cpp events. One instance per document; not thread-safe.
class YamlBuilder : public YAML::EventHandler {
 public:
  YamlBuilder(std::string_view text, const SourceRef& src, const ParseLimits& limits)
      : text_(text),
        src_(src),
        limits_(limits),
        alias_budget_(std::max(kMinAliasBudget, kAliasBudgetPerByte * text.size())),
        alias_bytes_budget_(std::max<uint64_t>(kMinAliasBytes, kAliasBytesPerByte * text.size())) {}

  // The root, once a document has been handled.
  std::optional<Value>& root() { return root_; }
  int documents() const { return documents_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) {
      Abort(mark, "a YAML file must hold a single document (found a second '---')");
    }
    document_origin_ = OriginOf(mark);
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (ExpectingKey()) Abort(mark, "mapping keys must not be null");
    Produce(mark, sizeof(Value));
    Complete(Value::Null(OriginOf(mark)), anchor, /*height=*/0, /*count=*/1, sizeof(Value));
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (anchor >= anchors_.size() || !anchors_[anchor].has_value()) {
      Abort(mark, "alias refers to an anchor whose node is not finished (recursive alias)");
    }
    const Anchored& target = *anchors_[anchor];
    if (ExpectingKey()) {
      if (!target.value.is_string()) Abort(mark, "an alias used as a mapping key must be a string");
      SetKey(target.value.AsString(), mark, /*plain=*/false);
      return;
    }
    if (Depth() + target.height > limits_.max_depth) TooDeep(mark);
    alias_nodes_ += target.count;
    if (alias_nodes_ > alias_budget_) {
      Abort(mark, "aliases expand to too many nodes (possible alias bomb)");
    }
    // Charged for the copy it makes, before making it.
    alias_bytes_ += target.bytes;
    if (alias_bytes_ > alias_bytes_budget_) {
      Abort(mark, absl::StrCat("aliases expand to more than ", alias_bytes_budget_,
                               " bytes in one file (possible alias bomb)"));
    }
    Produce(mark, target.bytes);
    Value copy = target.value;
    copy.set_origin(OriginOf(mark));
    Complete(std::move(copy), YAML::NullAnchor, target.height, target.count, target.bytes);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (tag == "!") CheckQuoteClosed(mark);
    if (ExpectingKey()) {
      if (anchor != YAML::NullAnchor) {
        RecordAnchor(anchor, Value::String(value, OriginOf(mark)), 0, 1,
                     sizeof(Value) + TextBytes(value.size()));
      }
      SetKey(value, mark, /*plain=*/tag == "?");
      return;
    }
    Value resolved = Resolve(mark, tag, value);
    const uint64_t bytes = ScalarBytes(resolved);
    Produce(mark, bytes);
    Complete(std::move(resolved), anchor, 0, 1, bytes);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    StartCollection(mark, tag, anchor, /*map=*/false);
  }
  void OnSequenceEnd() override { EndCollection(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    StartCollection(mark, tag, anchor, /*map=*/true);
  }
  void OnMapEnd() override { EndCollection(); }

  const Origin& document_origin() const { return document_origin_; }

 private:
  // yaml-cpp 0.7 accepts a quoted scalar that runs into the end of the input ('abc\n<EOF>) as
  // if it were closed; reject it. Mark::pos is a byte offset. Costs one pass over quoted text.
  void CheckQuoteClosed(const YAML::Mark& mark) {
    if (mark.is_null() || mark.pos < 0) return;
    size_t i = static_cast<size_t>(mark.pos);
    if (i >= text_.size() || (text_[i] != '\'' && text_[i] != '"')) return;
    const char quote = text_[i];
    for (++i; i < text_.size(); ++i) {
      const char c = text_[i];
      if (quote == '"' && c == '\\') {
        ++i;  // skip the escaped character
        continue;
      }
      if (c != quote) continue;
      if (quote == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'') {
        ++i;  // '' is an escaped quote
        continue;
      }
      return;
    }
    Abort(mark,
          quote == '"' ? "unterminated double-quoted scalar" : "unterminated single-quoted scalar");
  }

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
    YAML::anchor_t anchor;
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

  Origin OriginOf(const YAML::Mark& mark) const {
    if (mark.is_null()) return Origin{src_.file_id, 0, 0};
    return Origin{src_.file_id, static_cast<uint32_t>(mark.line + 1),
                  static_cast<uint32_t>(mark.column + 1)};
  }

  [[noreturn]] void Abort(const Origin& origin, std::string_view message) {
    throw YamlAbort{DiagnosticError(src_.name, origin.line, origin.column, message)};
  }
  [[noreturn]] void Abort(const YAML::Mark& mark, std::string_view message) {
    Abort(OriginOf(mark), message);
  }
  // Charges `bytes` about to be produced at `mark` to the build's budget, and checks its clock.
  void Produce(const YAML::Mark& mark, uint64_t bytes) {
    BuildBudget* budget = limits_.budget;
    if (budget == nullptr || (budget->Charge(bytes) && budget->Check())) return;
    const Origin origin = OriginOf(mark);
    throw YamlAbort{absl::ResourceExhaustedError(
        FormatDiagnostic(src_.name, origin.line, origin.column, budget->Message()))};
  }
  [[noreturn]] void TooDeep(const YAML::Mark& mark) {
    Abort(mark, absl::StrCat("nesting deeper than ", limits_.max_depth, " levels"));
  }

  int Depth() const { return static_cast<int>(stack_.size()); }
  bool ExpectingKey() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().has_key;
  }

  void SetKey(const std::string& key, const YAML::Mark& mark, bool plain) {
    Frame& frame = stack_.back();
    frame.has_key = true;
    frame.key_is_merge = plain && key == "<<";
    frame.key = key;
    frame.key_origin = OriginOf(mark);
  }

  void StartCollection(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       bool map) {
    if (ExpectingKey()) Abort(mark, "mapping keys must be scalars, not collections");
    const bool tag_ok =
        tag == "?" || tag == "!" || tag == absl::StrCat(Sv(kCoreTagPrefix), map ? "map" : "seq");
    if (!tag_ok) Abort(mark, UnsupportedTag(tag));
    if (Depth() + 1 > limits_.max_depth) TooDeep(mark);
    Produce(mark, sizeof(Value));
    Frame frame;
    frame.value = map ? Value::EmptyObject(OriginOf(mark)) : Value::EmptyArray(OriginOf(mark));
    frame.anchor = anchor;
    stack_.push_back(std::move(frame));
  }

  void EndCollection() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.value.is_object()) ApplyMerges(frame);
    Complete(std::move(frame.value), frame.anchor, frame.height, frame.count, frame.bytes);
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

  void RecordAnchor(YAML::anchor_t anchor, const Value& value, int height, size_t count,
                    uint64_t bytes) {
    if (anchors_.size() <= anchor) anchors_.resize(anchor + 1);
    anchors_[anchor] = Anchored{value, height, count, bytes};
  }

  // A finished node (its `bytes` already charged): record its anchor and hand it to the parent
  // (or make it the root).
  void Complete(Value value, YAML::anchor_t anchor, int height, size_t count, uint64_t bytes) {
    if (anchor != YAML::NullAnchor) RecordAnchor(anchor, value, height, count, bytes);
    if (stack_.empty()) {
      root_ = std::move(value);
      return;
    }
    Frame& parent = stack_.back();
    parent.height = std::max(parent.height, height + 1);
    parent.count += count;
    parent.bytes += bytes;
    if (parent.value.is_array()) {
      parent.value.MutableArray().push_back(std::move(value));
      return;
    }
    parent.has_key = false;
    if (parent.key_is_merge) {
      const bool ok =
          value.is_object() ||
          (value.is_array() && std::all_of(value.AsArray().begin(), value.AsArray().end(),
                                           [](const Value& v) { return v.is_object(); }));
      if (!ok) Abort(parent.key_origin, "'<<' (merge) must be a mapping or a list of mappings");
      parent.merges.push_back(Merge{std::move(value), height, count, bytes});
      return;
    }
    const uint64_t member_bytes = kMapMemberBytes + TextBytes(parent.key.size());
    if (BuildBudget* budget = limits_.budget; budget != nullptr && !budget->Charge(member_bytes)) {
      throw YamlAbort{absl::ResourceExhaustedError(FormatDiagnostic(
          src_.name, parent.key_origin.line, parent.key_origin.column, budget->Message()))};
    }
    parent.bytes += member_bytes;
    auto [it, inserted] = parent.value.MutableObject().try_emplace(std::move(parent.key));
    if (!inserted) {
      Abort(parent.key_origin, absl::StrCat("duplicate key '", KeyForMessage(it->first), "'"));
    }
    it->second = std::move(value);
  }

  Value Resolve(const YAML::Mark& mark, const std::string& tag, const std::string& text) {
    const Origin origin = OriginOf(mark);
    if (tag == "!") return Value::String(text, origin);  // quoted, block, or `! x`
    std::string_view type;
    if (tag != "?") {
      if (!std::string_view(tag).starts_with(kCoreTagPrefix)) {
        Abort(origin, UnsupportedTag(tag));
      }
      type = std::string_view(tag).substr(kCoreTagPrefix.size());
      if (type == "str") return Value::String(text, origin);
      if (type == "binary") {
        std::optional<std::string> base64 = Base64Text(text);
        if (!base64) Abort(origin, "not valid base64 for !!binary");
        return Value::String(*std::move(base64), origin);
      }
      if (type != "null" && type != "bool" && type != "int" && type != "float") {
        Abort(origin, UnsupportedTag(tag));
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
            Abort(origin, "integer out of range (must fit in a signed 64-bit integer)");
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
          Abort(origin, absl::StrCat("floating-point value ", Sv(NonFiniteKind(text)),
                                     " is not representable in JSON"));
        default:
          break;
      }
    }
    if (any) return Value::String(text, origin);
    // Never the text itself: a mistyped scalar may be a secret (`password: !!int hunter2`).
    Abort(origin, absl::StrCat("not a valid !!", Sv(type)));
  }

  const std::string_view text_;
  const SourceRef& src_;
  const ParseLimits& limits_;
  const size_t alias_budget_;
  const uint64_t alias_bytes_budget_;
  size_t alias_nodes_ = 0;
  uint64_t alias_bytes_ = 0;
  int documents_ = 0;
  Origin document_origin_;
  std::vector<Frame> stack_;
  std::vector<std::optional<Anchored>> anchors_;
  std::optional<Value> root_;
};

// YAML 1.2 streams hold printable characters only (§5.1): of the C0 controls just tab, LF and
// CR. yaml-cpp does not check, and turns "\0N" into the lone byte 0x85 (its reading of the
// escape), which is not UTF-8: found by tests/fuzz/engine_fuzz.cc.
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
  try {
    ViewStreamBuf buf(text);
    std::istream in(&buf);
    YAML::Parser parser(in);
    YamlBuilder builder(text, src, limits);
    if (!parser.HandleNextDocument(builder)) {
      return Value::EmptyObject(Origin{src.file_id, 1, 1});  // empty stream
    }
    parser.HandleNextDocument(builder);  // aborts if there is a second document
    std::optional<Value>& root = builder.root();
    // A document that is only '---' (or null) counts as an empty configuration.
    if (!root.has_value() || root->is_null()) {
      Origin origin = builder.document_origin();
      if (origin.line == 0) origin = Origin{src.file_id, 1, 1};
      return Value::EmptyObject(origin);
    }
    return std::move(*root);
  } catch (const YamlAbort& abort) {
    return abort.status;
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return DiagnosticError(src.name, 0, 0, YamlLibraryMessage(e.msg));
    return DiagnosticError(src.name, static_cast<uint32_t>(e.mark.line + 1),
                           static_cast<uint32_t>(e.mark.column + 1), YamlLibraryMessage(e.msg));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        FormatDiagnostic(src.name, 0, 0, "out of memory while parsing YAML"));
  } catch (const std::exception& e) {
    return DiagnosticError(src.name, 0, 0, absl::StrCat("YAML parser failed: ", e.what()));
  } catch (...) {
    return DiagnosticError(src.name, 0, 0, "YAML parser failed");
  }
}

}  // namespace hearth
