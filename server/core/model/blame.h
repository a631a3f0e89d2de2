#pragma once

#include <string>
#include <vector>

#include "absl/types/span.h"
#include "server/core/model/value.h"

namespace hearth {

// Provenance of one leaf of a merged document ("config blame").
struct BlameEntry {
  std::string path;              // dotted path of the leaf ("db.pool.max"); arrays are leaves
  Origin origin;                 // where the final value was set
  std::vector<Origin> overrode;  // earlier layers that set this path, oldest first
};

// Computes blame for every leaf of `merged` given the layers it was merged from, in order
// (layers[i] is the parsed tree of one source file). A leaf's `overrode` lists the origins of the
// same path in earlier layers that were replaced. Entries come out sorted by path.
std::vector<BlameEntry> ComputeBlame(const Value& merged, absl::Span<const Value* const> layers);

// One line per entry: "db.pool.max  10-db.json:4:3  (overrode 00-base.toml:7:1)".
std::string FormatBlame(absl::Span<const BlameEntry> entries, absl::Span<const std::string> sources);

}  // namespace hearth
