#pragma once

#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/core/model/value.h"

namespace hearth {

// Published versions keep each document only as its canonical JSON (json_writer.h), which is both
// what is served and the most compact form there is (no per-node heap objects). The few readers
// that need a tree -- other output formats, include_value, diffs, pretty printing -- materialize
// one from those bytes here, and a sub-tree is found by scanning them.
//
// Both functions accept exactly the JSON that AppendCanonicalJson writes (RFC 8259 without
// insignificant whitespace), so ReadCanonicalJson(ToCanonicalJson(v)) == v for every v: integers
// stay integers, doubles stay doubles (the writer always gives them a '.' or an exponent), object
// keys stay sorted. Input that is not of that form is an InvalidArgument error, never a crash or a
// read past the end; in practice that would be a broken invariant, since only the writer's output
// is ever read here. Thread-safe (no state).

// The tree of `json`, without origins. Nesting deeper than `max_depth` (the top-level container is
// level 1) is an error, so the reader's recursion is bounded.
absl::StatusOr<Value> ReadCanonicalJson(std::string_view json, int max_depth = 1024);

// The bytes inside `json` of the value at dotted `path`, by Value::FindPath's rules (members by
// key, array elements by decimal index, every segment looked up, "" is the whole text). Because
// canonical JSON is compact and sorted, those bytes are the canonical JSON of the sub-tree itself.
// nullopt when the path is absent or `json` is not canonical JSON. Allocates only for a key that
// holds an escape.
std::optional<std::string_view> FindCanonicalJsonPath(std::string_view json, std::string_view path);

}  // namespace hearth
