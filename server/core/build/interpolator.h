#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"
#include "server/core/model/build_budget.h"
#include "server/core/model/value.h"

namespace hearth {

// Resolves ${...} references inside string values of a merged document:
//   ${a.b}                 another key of the same document (dotted path, array index allowed)
//   ${env:NAME}            the daemon's environment, only if NAME starts with an allowed prefix
//   ${env:NAME:-default}   same, with a default when unset or empty (as in the shell); the
//                          default is literal text and cannot contain '}'
//   $${                    a literal "${" ('$' anywhere else is literal too)
// A string that is exactly one reference takes the referenced value with its type (port = "${x}"
// where x is 5432 gives the integer 5432; a reference to an object or array copies the subtree);
// a reference inside a longer string is spliced in as text (strings as is, numbers in their JSON
// form, booleans as true/false; null, objects and arrays cannot be spliced). References may
// point at strings that hold references, and may go through them ("${a.b}" where a = "${c}");
// cycles, missing keys, disallowed or unset env names, malformed references, chains deeper than
// 32, expansions beyond Options::max_expansion_bytes or Options::budget, and copies that would
// nest the document deeper than Options::max_depth are errors. Every byte a reference produces
// is charged to both budgets before or as it is built; the budget's clock is checked per node.
//
// Origins: a rewritten value keeps the file:line:col of the string that held the reference, so
// later errors (schema, blame) point at the line a person wrote. Its `untyped` flag is that of the
// referenced value (env values are untyped), so a schema may coerce "${env:PORT}" to an integer.
// Nodes inside a copied subtree keep the origins of the values they were copied from.
//
// A document with no "${" anywhere is walked once, read-only, with no allocation.
// Not thread-safe per instance; cheap to construct.
class Interpolator {
 public:
  // The process environment (::getenv), the lookup Options::getenv defaults to.
  static std::optional<std::string> SystemGetenv(std::string_view name);

  struct Options {
    // Env names must start with one of these prefixes ("" allows every name). Empty list: no
    // env access at all, so secrets never leak by accident.
    std::vector<std::string> env_allow_prefixes;
    // Environment lookup; defaults to ::getenv when unset. Injected by tests.
    std::function<std::optional<std::string>(std::string_view)> getenv;
    // Upper bound on the bytes references may add (spliced text plus copied subtrees), so that a
    // few lines of config cannot expand exponentially ("billion laughs").
    size_t max_expansion_bytes = size_t{64} << 20;
    // The build's budget, shared with the other stages and variants of the build (so a document
    // expanded once per profile is charged once per profile). May be null. Not owned.
    BuildBudget* budget = nullptr;
    // Nesting limit for the rewritten document, counted as ParseLimits::max_depth counts it (the
    // top-level container is level 1). 0: unchecked.
    int max_depth = 0;
  };

  explicit Interpolator(Options options);

  // Rewrites `doc` in place. Returns true if every reference resolved; otherwise appends one
  // error per failing reference, formatted with FormatAt(origin, sources, ...), and returns false
  // (the document is then partially rewritten and must not be published).
  bool Run(Value& doc, absl::Span<const std::string> sources, std::vector<std::string>* errors);

 private:
  Options options_;
};

}  // namespace hearth
