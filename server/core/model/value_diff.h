#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/model/value.h"

namespace hearth {

// One difference between two documents.
struct ValueDiffEntry {
  enum class Op { kAdded, kRemoved, kChanged };
  std::string path;  // dotted, as Value::FindPath takes it ("db.pool", "servers.1"); "" = root
  Op op;
  std::string old_json;  // canonical JSON of the old node ("" when kAdded)
  std::string new_json;  // canonical JSON of the new node ("" when kRemoved)
};

struct ValueDiff {
  std::vector<ValueDiffEntry> entries;  // in document order (object keys sorted)
  bool truncated = false;               // stopped at max_entries
};

// The structural difference from `old_doc` to `new_doc`. Objects are compared key by key and
// arrays index by index (a tail is ADDED or REMOVED); any other mismatch (including a change of
// type) is one CHANGED entry for the node. A null `old_doc` makes the whole new document ADDED
// (and a null `new_doc` makes it REMOVED). Pure function.
ValueDiff DiffValues(const Value* old_doc, const Value* new_doc, size_t max_entries = 1000);

// DiffValues of two documents kept as canonical JSON (published versions keep no tree); null is
// an absent document. Equal bytes are equal documents, so that case parses nothing. An error only
// if a stored document is not canonical JSON (a broken invariant).
absl::StatusOr<ValueDiff> DiffCanonicalJson(const std::string* old_json,
                                            const std::string* new_json, size_t max_entries = 1000);

}  // namespace hearth
