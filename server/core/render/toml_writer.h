#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "server/core/model/value.h"

namespace hearth {

// TOML 1.0: the top-level table's keys, then each sub-table under its [header] and each list of
// tables as [[header]] entries, depth first in key order; other lists inline. Bare keys where
// TOML allows them, basic strings with the control characters (DEL too) escaped, floats with a
// '.' or exponent, inf and nan. TOML has no null and no top-level list or scalar: such a document
// is INVALID_ARGUMENT naming the first path that cannot be written.
absl::StatusOr<std::string> ToToml(const Value& doc);

}  // namespace hearth
