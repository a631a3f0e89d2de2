#include "server/core/schema/schema_coercer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/diagnostic.h"

namespace hearth {
namespace {

enum TypeBit : unsigned {
  kTypeNull = 1u << 0,
  kTypeBoolean = 1u << 1,
  kTypeInteger = 1u << 2,
  kTypeNumber = 1u << 3,
  kTypeString = 1u << 4,
  kTypeArray = 1u << 5,
  kTypeObject = 1u << 6,
};

unsigned TypeBitFromName(std::string_view name) {
  if (name == "null") return kTypeNull;
  if (name == "boolean") return kTypeBoolean;
  if (name == "integer") return kTypeInteger;
  if (name == "number") return kTypeNumber;
  if (name == "string") return kTypeString;
  if (name == "array") return kTypeArray;
  if (name == "object") return kTypeObject;
  return 0;
}

// The type set of a "type" keyword value (a name or an array of names); nullopt when malformed.
std::optional<unsigned> ParseTypeKeyword(const Value& type) {
  if (type.is_string()) return TypeBitFromName(type.AsString());
  if (!type.is_array()) return std::nullopt;
  unsigned bits = 0;
  for (const Value& t : type.AsArray()) {
    if (t.is_string()) bits |= TypeBitFromName(t.AsString());
  }
  return bits;
}

// True when `text` is a JSON number literal: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view text, bool* integer_syntax) {
  size_t i = 0;
  const size_t n = text.size();
  auto digits = [&]() {
    size_t start = i;
    while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
    return i - start;
  };
  if (i < n && text[i] == '-') ++i;
  if (i >= n) return false;
  if (text[i] == '0') {
    ++i;
  } else if (digits() == 0) {
    return false;
  }
  *integer_syntax = true;
  if (i < n && text[i] == '.') {
    ++i;
    if (digits() == 0) return false;
    *integer_syntax = false;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return false;
    *integer_syntax = false;
  }
  return i == n;
}

// Sets `*out` to the value `text` denotes as a JSON number: an Int for integer literals that fit
// int64_t, otherwise a finite Double. False if `text` is not a JSON number literal. (Out
// parameters rather than std::optional<Value>: GCC 12 warns falsely on optional<variant>.)
bool ParseNumber(std::string_view text, const Origin& origin, Value* out) {
  bool integer_syntax = false;
  if (!IsJsonNumber(text, &integer_syntax)) return false;
  const char* end = text.data() + text.size();
  if (integer_syntax) {
    int64_t i = 0;
    auto [ptr, ec] = std::from_chars(text.data(), end, i);
    if (ec == std::errc() && ptr == end) {
      *out = Value::Int(i, origin);
      return true;
    }
  }
  double d = 0;
  auto [ptr, ec] = std::from_chars(text.data(), end, d);
  if (ec != std::errc() || ptr != end || !std::isfinite(d)) return false;
  *out = Value::Double(d, origin);
  return true;
}

// Makes `*number` an Int when it is integral and fits int64_t; false (unchanged) otherwise.
bool MakeInteger(Value* number) {
  if (number->is_int()) return true;
  const double d = number->AsDouble();
  if (std::trunc(d) != d || d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
    return false;
  }
  *number = Value::Int(static_cast<int64_t>(d), number->origin());
  return true;
}

// Whether a value of type `bit` satisfies every "type" set in `sets` (an integer is a number).
bool SatisfiesAll(unsigned bit, const std::vector<unsigned>& sets) {
  const unsigned accepted = bit == kTypeInteger ? (kTypeInteger | kTypeNumber) : bit;
  return std::all_of(sets.begin(), sets.end(), [&](unsigned s) { return (s & accepted) != 0; });
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one JSON pointer reference token of a URI fragment: %XX, then ~1 -> '/', ~0 -> '~'.
std::string DecodePointerToken(std::string_view token) {
  std::string pct;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '%' && i + 2 < token.size() && HexDigit(token[i + 1]) >= 0 &&
        HexDigit(token[i + 2]) >= 0) {
      pct.push_back(static_cast<char>(HexDigit(token[i + 1]) * 16 + HexDigit(token[i + 2])));
      i += 2;
    } else {
      pct.push_back(token[i]);
    }
  }
  std::string out;
  for (size_t i = 0; i < pct.size(); ++i) {
    if (pct[i] == '~' && i + 1 < pct.size() && (pct[i + 1] == '0' || pct[i + 1] == '1')) {
      out.push_back(pct[i + 1] == '0' ? '~' : '/');
      ++i;
    } else {
      out.push_back(pct[i]);
    }
  }
  return out;
}

// Calls `fn(subschema)` for each direct subschema of `schema` (draft 7 keywords).
void ForEachSubschema(const Value& schema, const std::function<void(const Value&)>& fn) {
  if (!schema.is_object()) return;
  for (const char* key : {"additionalItems", "additionalProperties", "contains", "else", "if",
                          "items", "not", "propertyNames", "then"}) {
    if (const Value* v = schema.Find(key)) {
      if (v->is_array()) {
        for (const Value& item : v->AsArray()) fn(item);
      } else {
        fn(*v);
      }
    }
  }
  for (const char* key : {"allOf", "anyOf", "oneOf"}) {
    if (const Value* v = schema.Find(key); v != nullptr && v->is_array()) {
      for (const Value& item : v->AsArray()) fn(item);
    }
  }
  for (const char* key :
       {"$defs", "definitions", "dependencies", "patternProperties", "properties"}) {
    if (const Value* v = schema.Find(key); v != nullptr && v->is_object()) {
      for (const auto& [name, sub] : v->AsObject()) fn(sub);
    }
  }
}

// std::regex throws on a bad pattern; this is the one place we let it, and catch at once.
std::optional<std::regex> CompileRegex(const std::string& pattern, std::string* error) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    *error = e.what();
    return std::nullopt;
  }
}

// std::regex_search may throw regex_error (error_complexity, error_stack); treat as no match,
// so the property is simply not coerced and validation reports what it finds.
bool SearchNoThrow(const std::string& subject, const std::regex& re) {
  try {
    return std::regex_search(subject, re);
  } catch (const std::regex_error&) {
    return false;
  }
}

// A URI reference with a document part that is not an absolute URI (RFC 3986: an absolute one
// starts with a scheme, ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":", as "http:" or "urn:").
// "#..." (this document) and absolute URIs (fetched, which always fails) are not.
bool IsRelativeDocumentRef(std::string_view ref) {
  const std::string_view document = ref.substr(0, ref.find('#'));
  if (document.empty()) return false;
  const size_t colon = document.find(':');
  if (colon == std::string_view::npos || colon == 0) return true;
  const auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!is_alpha(document[0])) return true;
  for (char c : document.substr(0, colon)) {
    if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::unique_ptr<const SchemaCoercer>> SchemaCoercer::Create(
    const Value& schema, std::string_view schema_name) {
  std::unique_ptr<SchemaCoercer> coercer(new SchemaCoercer(schema));
  std::set<const Value*> visited;
  if (absl::Status s = coercer->Prepare(coercer->schema_, schema_name, visited); !s.ok()) return s;
  return std::unique_ptr<const SchemaCoercer>(std::move(coercer));
}

absl::Status SchemaCoercer::Prepare(const Value& node, std::string_view schema_name,
                                    std::set<const Value*>& visited) {
  if (!node.is_object() || !visited.insert(&node).second) return absl::OkStatus();
  std::string error;
  if (const Value* f = node.Find("format"); f != nullptr && f->is_string()) {
    // valijson checks these three formats with std::regex.
    const std::string& format = f->AsString();
    if (format == "date" || format == "time" || format == "date-time") uses_regex_ = true;
  }
  if (const Value* p = node.Find("pattern"); p != nullptr && p->is_string()) {
    uses_regex_ = true;
    if (!CompileRegex(p->AsString(), &error)) {
      return DiagnosticError(schema_name, p->origin().line, p->origin().column,
                             absl::StrCat("invalid regular expression in \"pattern\": ", error));
    }
  }
  if (const Value* pp = node.Find("patternProperties"); pp != nullptr && pp->is_object()) {
    for (const auto& [pattern, sub] : pp->AsObject()) {
      uses_regex_ = true;
      if (pattern_regexes_.count(pattern) != 0) continue;
      std::optional<std::regex> re = CompileRegex(pattern, &error);
      if (!re) {
        return DiagnosticError(schema_name, sub.origin().line, sub.origin().column,
                               absl::StrCat("invalid regular expression \"", pattern,
                                            "\" in \"patternProperties\": ", error));
      }
      pattern_regexes_.emplace(pattern, std::move(*re));
    }
  }
  if (const Value* ref = node.Find("$ref");
      ref != nullptr && ref->is_string() && IsRelativeDocumentRef(ref->AsString())) {
    // valijson reads a relative reference to another document ("other.json", "object#/a") as a
    // pointer into this one: silently wrong, and a loop when it points back at its own schema
    // (found by tests/fuzz/engine_fuzz.cc: {"$ref": "object"} at the root overflowed the stack).
    // Nothing is ever fetched, so there is no other document to refer to.
    return DiagnosticError(
        schema_name, ref->origin().line, ref->origin().column,
        absl::StrCat("$ref \"", KeyForMessage(ref->AsString()),
                     "\" refers to another document by a relative reference, which is never "
                     "resolved (only local references such as \"#/definitions/x\" are)"));
  }
  if (node.Find("$ref") != nullptr) {
    // valijson follows a chain of "$ref"-only schemas until it reaches a real one, recursively:
    // a chain that loops would overflow the stack, so it is an error here.
    std::vector<const Value*> chain = {&node};
    std::string path = absl::StrCat(
        "\"", node.Find("$ref")->is_string() ? node.Find("$ref")->AsString() : std::string("?"),
        "\"");
    for (const Value* next = ResolveRef(node); next != nullptr; next = ResolveRef(*next)) {
      const Value* ref = next->Find("$ref");
      if (ref == nullptr || !ref->is_string()) break;
      absl::StrAppend(&path, " -> \"", ref->AsString(), "\"");
      if (std::find(chain.begin(), chain.end(), next) != chain.end()) {
        return DiagnosticError(schema_name, node.origin().line, node.origin().column,
                               absl::StrCat("$ref cycle never reaches a schema: ", path));
      }
      chain.push_back(next);
    }
    if (const Value* target = ResolveRef(node)) {
      if (absl::Status s = Prepare(*target, schema_name, visited); !s.ok()) return s;
    }
  }
  absl::Status status;
  ForEachSubschema(node, [&](const Value& sub) {
    if (status.ok()) status = Prepare(sub, schema_name, visited);
  });
  return status;
}

int SchemaCoercer::Coerce(Value& doc) const {
  std::vector<Frame> stack;
  return CoerceNode(schema_, doc, stack);
}

int SchemaCoercer::CoerceNode(const Value& schema, Value& doc, std::vector<Frame>& stack) const {
  if (!schema.is_object()) return 0;  // boolean schemas coerce nothing
  // A (schema, value) pair already being walked means a $ref cycle that made no progress.
  for (const Frame& f : stack) {
    if (f.schema == &schema && f.doc == &doc) return 0;
  }
  stack.push_back({&schema, &doc});
  int converted = 0;
  if (schema.Find("$ref") != nullptr) {
    // Draft 7: "$ref" overrides its siblings.
    if (const Value* target = ResolveRef(schema)) converted = CoerceNode(*target, doc, stack);
  } else if (doc.is_string()) {
    converted = CoerceScalar(schema, doc) ? 1 : 0;
  } else if (doc.is_object() || doc.is_array()) {
    converted =
        doc.is_object() ? CoerceMembers(schema, doc, stack) : CoerceItems(schema, doc, stack);
    if (const Value* all_of = schema.Find("allOf"); all_of != nullptr && all_of->is_array()) {
      for (const Value& member : all_of->AsArray()) converted += CoerceNode(member, doc, stack);
    }
  }
  stack.pop_back();
  return converted;
}

int SchemaCoercer::CoerceMembers(const Value& schema, Value& doc, std::vector<Frame>& stack) const {
  const Value* properties = schema.Find("properties");
  const Value* pattern_properties = schema.Find("patternProperties");
  const Value* additional = schema.Find("additionalProperties");
  if (properties != nullptr && !properties->is_object()) properties = nullptr;
  if (pattern_properties != nullptr && !pattern_properties->is_object()) {
    pattern_properties = nullptr;
  }
  int converted = 0;
  for (auto& [key, child] : doc.MutableObject()) {
    bool matched = false;
    if (properties != nullptr) {
      if (const Value* sub = properties->Find(key)) {
        matched = true;
        converted += CoerceNode(*sub, child, stack);
      }
    }
    if (pattern_properties != nullptr) {
      for (const auto& [pattern, sub] : pattern_properties->AsObject()) {
        auto re = pattern_regexes_.find(pattern);
        if (re == pattern_regexes_.end() || !SearchNoThrow(key, re->second)) continue;
        matched = true;
        converted += CoerceNode(sub, child, stack);
      }
    }
    if (!matched && additional != nullptr) converted += CoerceNode(*additional, child, stack);
  }
  return converted;
}

int SchemaCoercer::CoerceItems(const Value& schema, Value& doc, std::vector<Frame>& stack) const {
  const Value* items = schema.Find("items");
  if (items == nullptr) return 0;
  Value::Array& elements = doc.MutableArray();
  int converted = 0;
  if (!items->is_array()) {
    for (Value& element : elements) converted += CoerceNode(*items, element, stack);
    return converted;
  }
  const Value::Array& tuple = items->AsArray();
  const Value* additional = schema.Find("additionalItems");
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i < tuple.size()) {
      converted += CoerceNode(tuple[i], elements[i], stack);
    } else if (additional != nullptr) {
      converted += CoerceNode(*additional, elements[i], stack);
    }
  }
  return converted;
}

bool SchemaCoercer::CoerceScalar(const Value& schema, Value& doc) const {
  if (!doc.origin().untyped) return false;
  std::vector<const Value*> seen;
  std::vector<TypeSet> sets;
  CollectTypes(schema, seen, &sets);
  if (sets.empty() || SatisfiesAll(kTypeString, sets)) return false;

  const std::string& text = doc.AsString();
  const Origin origin = doc.origin();
  if ((text == "true" || text == "false") && SatisfiesAll(kTypeBoolean, sets)) {
    doc = Value::Bool(text == "true", origin);
    return true;
  }
  Value number;
  if (!ParseNumber(text, origin, &number)) return false;
  // Where any number will do, keep the literal's own kind ("42" -> 42, "1e3" -> 1000.0); where
  // an integer is required, an integral value becomes one ("1e3" -> 1000).
  if (SatisfiesAll(kTypeNumber, sets) ||
      (SatisfiesAll(kTypeInteger, sets) && MakeInteger(&number))) {
    doc = std::move(number);
    return true;
  }
  return false;
}

void SchemaCoercer::CollectTypes(const Value& schema, std::vector<const Value*>& seen,
                                 std::vector<TypeSet>* sets) const {
  if (!schema.is_object()) return;
  if (std::find(seen.begin(), seen.end(), &schema) != seen.end()) return;
  seen.push_back(&schema);
  if (schema.Find("$ref") != nullptr) {
    if (const Value* target = ResolveRef(schema)) CollectTypes(*target, seen, sets);
    return;
  }
  if (const Value* type = schema.Find("type")) {
    if (std::optional<unsigned> bits = ParseTypeKeyword(*type)) sets->push_back(*bits);
  }
  if (const Value* all_of = schema.Find("allOf"); all_of != nullptr && all_of->is_array()) {
    for (const Value& member : all_of->AsArray()) CollectTypes(member, seen, sets);
  }
}

const Value* SchemaCoercer::ResolveRef(const Value& schema) const {
  const Value* ref = schema.Find("$ref");
  if (ref == nullptr || !ref->is_string()) return nullptr;
  std::string_view text = ref->AsString();
  if (text.empty() || text.front() != '#') return nullptr;  // remote or relative: not followed
  text.remove_prefix(1);
  const Value* node = &schema_;
  if (text.empty()) return node;
  if (text.front() != '/') return nullptr;  // "#anchor" style ids are not resolved here
  text.remove_prefix(1);
  while (node != nullptr) {
    const size_t slash = text.find('/');
    const std::string token = DecodePointerToken(text.substr(0, slash));
    if (node->is_object()) {
      node = node->Find(token);
    } else if (node->is_array()) {
      size_t index = 0;
      auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
      const bool ok = ec == std::errc() && ptr == token.data() + token.size() && !token.empty();
      node = ok && index < node->AsArray().size() ? &node->AsArray()[index] : nullptr;
    } else {
      node = nullptr;
    }
    if (slash == std::string_view::npos) break;
    text.remove_prefix(slash + 1);
  }
  return node;
}

}  // namespace hearth
