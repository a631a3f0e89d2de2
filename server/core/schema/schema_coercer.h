#pragma once

#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/model/value.h"

namespace hearth {

// Converts, in place, the untyped strings of a document (Origin::untyped, from .env files) to the
// integer / number / boolean a JSON Schema (draft 7) asks for at their location, so that
// `PORT=8080` validates against {"type": "integer"}.
//
// A string is converted only when its text is exactly a JSON literal of the target type ("42",
// "-7", "3.5", "1e3", "true", "false") and the schema's "type" at that location does not accept a
// string. Conversion keeps the value's Origin (untyped stays set, so callers can still tell where
// it came from). Text that does not parse is left alone, and validation reports the type error.
//
// The walk follows "properties", "patternProperties", "additionalProperties" (schema form),
// "items" (schema and tuple form), "additionalItems", "allOf" members and local "$ref"s
// ("#", "#/definitions/...", "#/$defs/...", any "#/json/pointer"); $ref cycles are cut. It does not
// look into anyOf / oneOf / not / if-then-else: which branch applies depends on the value's type,
// which is what is being decided.
//
// Immutable after Create; Coerce is thread-safe (const).
class SchemaCoercer {
 public:
  // A coercer for (a copy of) `schema`. Also checks what valijson would only trip over later, or
  // crash on: every "pattern" and
  // "patternProperties" regex must compile, and no chain of "$ref"s may loop without reaching a
  // schema. Errors are InvalidArgument naming `schema_name` and the schema location. Never throws.
  static absl::StatusOr<std::unique_ptr<const SchemaCoercer>> Create(const Value& schema,
                                                                     std::string_view schema_name);

  // Coerces `doc` in place. Returns the number of values converted. Never throws; property names
  // are matched against "patternProperties" with std::regex, which needs a deep stack for long
  // names (see uses_regex()).
  int Coerce(Value& doc) const;

  // Whether coercing or validating with this schema runs std::regex on document strings or keys
  // ("pattern", "patternProperties", valijson's date / time / date-time formats). libstdc++'s
  // matcher recurses once per character of its subject, so long subjects need a deep stack.
  bool uses_regex() const { return uses_regex_; }

 private:
  struct Frame {
    const Value* schema;
    const Value* doc;
  };
  // Every kind of type listed in a "type" keyword, as a bit set.
  using TypeSet = unsigned;

  explicit SchemaCoercer(const Value& schema) : schema_(schema) {}

  // Create's checks, over the subschemas reachable from `node` (keywords and local $refs).
  absl::Status Prepare(const Value& node, std::string_view schema_name,
                       std::set<const Value*>& visited);
  int CoerceNode(const Value& schema, Value& doc, std::vector<Frame>& stack) const;
  int CoerceMembers(const Value& schema, Value& doc, std::vector<Frame>& stack) const;
  int CoerceItems(const Value& schema, Value& doc, std::vector<Frame>& stack) const;
  bool CoerceScalar(const Value& schema, Value& doc) const;
  // Appends the "type" sets of `schema` and of everything that applies with it at the same
  // location (allOf members, $ref targets).
  void CollectTypes(const Value& schema, std::vector<const Value*>& seen,
                    std::vector<TypeSet>* sets) const;
  // The target of a local "$ref", or nullptr when it is not local or does not resolve.
  const Value* ResolveRef(const Value& schema) const;

  const Value schema_;
  // patternProperties keys compiled once, keyed by the pattern text.
  std::map<std::string, std::regex, std::less<>> pattern_regexes_;
  bool uses_regex_ = false;
};

}  // namespace hearth
