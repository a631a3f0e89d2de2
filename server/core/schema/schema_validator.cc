#include "server/core/schema/schema_validator.h"

#include <pthread.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <exception>
#include <functional>
#include <set>
#include <string_view>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/diagnostic.h"
#include "server/core/schema/schema_coercer.h"
#include "server/core/schema/value_adapter.h"
#include "valijson/schema.hpp"
#include "valijson/schema_parser.hpp"
#include "valijson/validation_results.hpp"
#include "valijson/validator.hpp"

namespace hearth {
namespace {

// One error valijson reported, located in the document.
struct LocatedError {
  std::vector<std::string> path;  // reference tokens, unescaped
  std::string description;
  bool wrapper = false;
};

// valijson reports, next to the errors that say what is wrong, summaries at the parent level
// ("Failed to validate item #2 in array."). Those are dropped when a more specific error at or
// below their location explains them.
bool IsWrapper(std::string_view description) {
  static constexpr std::string_view kPrefixes[] = {
      "Failed to validate against child schema #",
      "Failed to validate item #",
      "Failed to validate against additional properties schema",
      "Failed to validate against schema associated with pattern '",
      "Failed to validate against schema associated with property name '",
      "Failed to validate against dependent schema",
      "Failed to validate against a conditional schema set by if-then-else constraints.",
  };
  return std::any_of(std::begin(kPrefixes), std::end(kPrefixes),
                     [&](std::string_view p) { return description.substr(0, p.size()) == p; });
}

// Where a summary is about: valijson records "item #N" and "property name 'x'" summaries at the
// parent; move them to the item / property they name.
void RehomeWrapper(LocatedError* e) {
  std::string_view d = e->description;
  static constexpr std::string_view kItem = "Failed to validate item #";
  static constexpr std::string_view kProperty =
      "Failed to validate against schema associated with property name '";
  if (d.substr(0, kItem.size()) == kItem && !absl::EndsWith(Sv(d), "corresponding item schema.")) {
    d.remove_prefix(kItem.size());
    e->path.emplace_back(d.substr(0, d.find(' ')));
  } else if (d.substr(0, kProperty.size()) == kProperty && absl::EndsWith(Sv(d), "'.")) {
    d.remove_prefix(kProperty.size());
    e->path.emplace_back(d.substr(0, d.size() - 2));
  }
}

// valijson puts the first property that "additionalProperties": false rejects on the object;
// point at the property itself, whose origin is more useful.
void RehomeUnwantedProperty(LocatedError* e) {
  static constexpr std::string_view kUnwanted =
      "Object contains a property that could not be "
      "validated using 'properties' or "
      "'additionalProperties' constraints: '";
  std::string_view d = e->description;
  if (d.substr(0, kUnwanted.size()) != kUnwanted || !absl::EndsWith(Sv(d), "'.")) return;
  d.remove_prefix(kUnwanted.size());
  const std::string name(d.substr(0, d.size() - 2));
  e->description = absl::StrCat("Property '", name,
                                "' is not allowed by 'properties', 'patternProperties' or "
                                "'additionalProperties'");
  e->path.push_back(name);
}

// valijson prints limits with std::to_string(double): "64.000000" -> "64", "0.500000" -> "0.5".
std::string TrimZeros(std::string_view in) {
  std::string out;
  size_t i = 0;
  while (i < in.size()) {
    const bool after_digit = !out.empty() && out.back() >= '0' && out.back() <= '9';
    if (in[i] == '.' && after_digit && i + 1 < in.size() && std::isdigit(in[i + 1] & 0xff)) {
      size_t end = i + 1;
      while (end < in.size() && std::isdigit(in[end] & 0xff)) ++end;
      size_t last = end;  // one past the last significant fraction digit
      while (last > i + 1 && in[last - 1] == '0') --last;
      if (last > i + 1) out.append(in.substr(i, last - i));
      i = end;
    } else {
      out.push_back(in[i++]);
    }
  }
  return out;
}

// "[db]" -> "db". valijson brackets each context element; "<root>" is the document itself.
std::vector<std::string> PathFromContext(const std::vector<std::string>& context) {
  std::vector<std::string> path;
  for (const std::string& element : context) {
    if (element.size() >= 2 && element.front() == '[' && element.back() == ']') {
      path.push_back(element.substr(1, element.size() - 2));
    }
  }
  return path;
}

std::string JsonPointer(const std::vector<std::string>& path) {
  if (path.empty()) return "/";
  std::string out;
  for (const std::string& token : path) {
    out.push_back('/');
    for (char c : KeyForMessage(token)) {
      if (c == '~') {
        out += "~0";
      } else if (c == '/') {
        out += "~1";
      } else {
        out.push_back(c);
      }
    }
  }
  return out;
}

// The value at `path`, or its nearest existing ancestor (e.g. the object missing a required key).
const Value& NearestValue(const Value& doc, const std::vector<std::string>& path) {
  const Value* node = &doc;
  for (const std::string& token : path) {
    const Value* next = nullptr;
    if (node->is_object()) {
      next = node->Find(token);
    } else if (node->is_array()) {
      size_t index = 0;
      auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
      if (ec == std::errc() && ptr == token.data() + token.size() &&
          index < node->AsArray().size()) {
        next = &node->AsArray()[index];
      }
    }
    if (next == nullptr) break;
    node = next;
  }
  return *node;
}

bool IsPrefix(const std::vector<std::string>& prefix, const std::vector<std::string>& path) {
  return prefix.size() <= path.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

// Turns valijson's results into concise "file:line:col: message (at /ptr, schema name)" lines:
// every specific error, each once; summaries only where nothing more specific explains them.
void AppendErrors(const valijson::ValidationResults& results, const Value& doc,
                  absl::Span<const std::string> sources, std::string_view schema_name,
                  std::vector<std::string>* errors) {
  std::vector<LocatedError> located;
  for (const valijson::ValidationResults::Error& e : results) {
    LocatedError le{PathFromContext(e.context), e.description, IsWrapper(e.description)};
    if (le.wrapper) RehomeWrapper(&le);
    RehomeUnwantedProperty(&le);
    le.description = TrimZeros(le.description);
    // The location follows the message, so a full stop there only gets in the way.
    if (absl::EndsWith(le.description, ".")) le.description.pop_back();
    if (absl::StartsWith(le.description, "Value type not permitted")) {
      const Value& v = NearestValue(doc, le.path);
      absl::StrAppend(&le.description, "; found ", Sv(v.type_name()),
                      v.is_string() && v.origin().untyped
                          ? " (untyped text that does not parse as the required type)"
                          : "");
    }
    located.push_back(std::move(le));
  }
  std::set<std::pair<std::string, std::string>> emitted;
  for (const LocatedError& le : located) {
    if (le.wrapper && std::any_of(located.begin(), located.end(), [&](const LocatedError& o) {
          return !o.wrapper && IsPrefix(le.path, o.path);
        })) {
      continue;
    }
    std::string pointer = JsonPointer(le.path);
    if (!emitted.emplace(pointer, le.description).second) continue;
    const Value& at = NearestValue(doc, le.path);
    errors->push_back(FormatAt(at.origin(), sources,
                               absl::StrCat(CutQuotedKeys(le.description), " (at ", pointer,
                                            ", schema ", Sv(schema_name), ")")));
  }
}

// Coerces and validates on the calling thread's stack. Never throws.
bool ValidateHere(const SchemaCoercer& coercer, const valijson::Schema& schema,
                  std::string_view name, Value& doc, absl::Span<const std::string> sources,
                  std::vector<std::string>* errors, BuildBudget* budget) {
  valijson::ValidationResults results;
  bool valid = false;
  try {
    coercer.Coerce(doc);
    // valijson's Validator caches compiled "pattern" regexes in itself, so it is not const; one
    // per call keeps Validate thread-safe. Create already checked that every pattern compiles.
    valijson::Validator validator(valijson::Validator::kStrongTypes);
    valid = validator.validate(schema, ValueAdapter(doc, budget), &results);
  } catch (const BudgetExhausted&) {
    errors->push_back(FormatAt(doc.origin(), sources,
                               absl::StrCat("schema validation stopped: ", budget->Message(),
                                            " (schema ", Sv(name), ")")));
    return false;
  } catch (const std::exception& e) {
    errors->push_back(
        FormatAt(doc.origin(), sources,
                 absl::StrCat("schema validation failed: ", e.what(), " (schema ", Sv(name), ")")));
    return false;
  } catch (...) {
    errors->push_back(FormatAt(doc.origin(), sources,
                               absl::StrCat("schema validation failed (schema ", Sv(name), ")")));
    return false;
  }
  if (valid) return true;
  const size_t before = errors->size();
  AppendErrors(results, doc, sources, name, errors);
  if (errors->size() == before) {
    // E.g. the root schema is `false`: valijson fails without a message.
    errors->push_back(FormatAt(
        doc.origin(), sources,
        absl::StrCat("Document is not allowed by the schema (at /, schema ", Sv(name), ")")));
  }
  return false;
}

// libstdc++'s std::regex matcher recurses once per subject character (measured: 0.3 to 1 KiB of
// stack per character for ordinary patterns), so a 30 KB string under "pattern" overflows an
// 8 MiB stack. Subjects up to kInlineRegexSubjectBytes are matched on the caller's stack; longer
// ones on a thread whose stack is sized for them (pages are only committed as they are touched);
// beyond kMaxRegexSubjectBytes validation fails with an error instead of risking the process.
constexpr size_t kInlineRegexSubjectBytes = 1024;
constexpr size_t kMaxRegexSubjectBytes = 256 * 1024;
constexpr size_t kStackBytesPerSubjectByte = 4096;
constexpr size_t kBaseStackBytes = 8 << 20;

// The byte length of the longest string value or object key in `v`; its path in `*longest_path`.
size_t LongestString(const Value& v, std::vector<std::string>* path,
                     std::vector<std::string>* longest_path, size_t longest = 0) {
  if (v.is_string() && v.AsString().size() > longest) {
    longest = v.AsString().size();
    *longest_path = *path;
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.AsArray().size(); ++i) {
      path->push_back(std::to_string(i));
      longest = LongestString(v.AsArray()[i], path, longest_path, longest);
      path->pop_back();
    }
  } else if (v.is_object()) {
    for (const auto& [key, member] : v.AsObject()) {
      path->push_back(key);
      if (key.size() > longest) {
        longest = key.size();
        *longest_path = *path;
      }
      longest = LongestString(member, path, longest_path, longest);
      path->pop_back();
    }
  }
  return longest;
}

void* RunFunction(void* fn) {
  (*static_cast<std::function<void()>*>(fn))();
  return nullptr;
}

// Runs `fn` (which must not throw) on a new thread with a `stack_bytes` stack and waits for it.
// False if the thread cannot be created.
bool RunOnStack(size_t stack_bytes, std::function<void()> fn) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return false;
  pthread_t thread;
  const bool started = pthread_attr_setstacksize(&attr, stack_bytes) == 0 &&
                       pthread_create(&thread, &attr, &RunFunction, &fn) == 0;
  pthread_attr_destroy(&attr);
  if (started) pthread_join(thread, nullptr);
  return started;
}

}  // namespace

struct SchemaValidator::Impl {
  std::unique_ptr<const SchemaCoercer> coercer;
  // Compiled by valijson; owns copies of everything it needs from the schema document (enum and
  // const values are frozen), so it does not refer back to the Value it was parsed from.
  valijson::Schema schema;
};

SchemaValidator::SchemaValidator(std::string name, std::unique_ptr<Impl> impl)
    : name_(std::move(name)), impl_(std::move(impl)) {}

SchemaValidator::~SchemaValidator() = default;

absl::StatusOr<std::shared_ptr<const SchemaValidator>> SchemaValidator::Create(
    const Value& schema, std::string schema_name) {
  auto impl = std::make_unique<Impl>();
  absl::StatusOr<std::unique_ptr<const SchemaCoercer>> coercer =
      SchemaCoercer::Create(schema, schema_name);
  if (!coercer.ok()) return coercer.status();
  impl->coercer = *std::move(coercer);
  const Origin& o = schema.origin();
  try {
    // A fetch callback that always fails: a remote "$ref" is an error naming its URI, and never
    // touches the network or the filesystem.
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    parser.populateSchema<ValueAdapter>(
        ValueAdapter(schema), impl->schema,
        [](const std::string&) -> const Value* { return nullptr; }, [](const Value*) {});
  } catch (const std::exception& e) {
    std::string message = absl::StrCat("invalid JSON Schema: ", e.what());
    if (absl::StrContains(message, "Failed to fetch referenced schema document")) {
      absl::StrAppend(&message, " (remote $refs are never fetched; only local ones such as ",
                      "\"#/definitions/name\" resolve)");
    }
    return DiagnosticError(schema_name, o.line, o.column, message);
  } catch (...) {
    return DiagnosticError(schema_name, o.line, o.column, "invalid JSON Schema");
  }
  return std::shared_ptr<const SchemaValidator>(
      new SchemaValidator(std::move(schema_name), std::move(impl)));
}

bool SchemaValidator::Validate(Value& doc, absl::Span<const std::string> sources,
                               std::vector<std::string>* errors, BuildBudget* budget) const {
  const SchemaCoercer& coercer = *impl_->coercer;
  const valijson::Schema& schema = impl_->schema;
  if (coercer.uses_regex()) {
    std::vector<std::string> path, longest_path;
    const size_t longest = LongestString(doc, &path, &longest_path);
    if (longest > kInlineRegexSubjectBytes) {
      if (longest > kMaxRegexSubjectBytes) {
        errors->push_back(FormatAt(
            NearestValue(doc, longest_path).origin(), sources,
            absl::StrCat("String of ", longest, " bytes is longer than the ", kMaxRegexSubjectBytes,
                         " bytes a schema with regular expressions can ", "check (at ",
                         JsonPointer(longest_path), ", schema ", name_, ")")));
        return false;
      }
      bool valid = false;
      const size_t stack = kBaseStackBytes + longest * kStackBytesPerSubjectByte;
      if (RunOnStack(stack, [&] {
            valid = ValidateHere(coercer, schema, name_, doc, sources, errors, budget);
          })) {
        return valid;
      }
      errors->push_back(FormatAt(doc.origin(), sources,
                                 absl::StrCat("cannot start a validation thread with a ", stack,
                                              "-byte stack (schema ", name_, ")")));
      return false;
    }
  }
  return ValidateHere(coercer, schema, name_, doc, sources, errors, budget);
}

}  // namespace hearth
