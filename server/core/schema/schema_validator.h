#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/core/model/build_budget.h"
#include "server/core/model/value.h"

namespace hearth {

// A compiled JSON Schema (draft 7, via valijson) that validates merged config documents.
// Immutable after Create; Validate is thread-safe (const).
class SchemaValidator {
 public:
  // Compiles `schema` (parsed from `schema_name`, e.g. "payments/_schema.json"). Errors (an
  // invalid schema, an unresolvable $ref) name the schema file. Never throws.
  static absl::StatusOr<std::shared_ptr<const SchemaValidator>> Create(const Value& schema,
                                                                       std::string schema_name);

  // First coerces, in place, strings with Origin::untyped (from .env files) to integer / number /
  // boolean where the schema's type at that location asks for one and the text parses as such
  // ("true"/"false", decimal integers, decimal floats); then validates. Returns true when valid;
  // otherwise appends one error per violation, each "file:line:col: <message> (at /json/pointer,
  // schema <schema_name>)" using the failing value's Origin (for a missing key, the object's),
  // and returns false. valijson's summaries ("failed to validate item #2") are left out where a
  // more specific error explains them. When the schema uses regular expressions ("pattern",
  // "patternProperties", date/time formats), a string or key longer than 256 KiB is an error:
  // std::regex needs stack in proportion to its input. Never throws.
  // With a `budget` (not owned; may be null), its clock is checked at every step into an array
  // item or object member; when it runs out (or the build is cancelled) validation stops and one
  // error says so (budget->Message(), at the document's origin).
  bool Validate(Value& doc, absl::Span<const std::string> sources, std::vector<std::string>* errors,
                BuildBudget* budget = nullptr) const;

  const std::string& name() const { return name_; }

  ~SchemaValidator();

 private:
  struct Impl;
  SchemaValidator(std::string name, std::unique_ptr<Impl> impl);
  std::string name_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearth
