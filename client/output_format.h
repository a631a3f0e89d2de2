#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "client/json_tree.h"

namespace hearthctl {

// Indented JSON (2 spaces), numbers exactly as received. Ends with a newline.
std::string ToPrettyJson(const JsonNode& node);

// JSON on one line with no spaces (for one-object-per-line output). No trailing newline.
std::string ToCompactJson(const JsonNode& node);

// Block-style YAML 1.2. Strings that could read as another type (true, 1.5, null, "") are
// double-quoted. Ends with a newline.
std::string ToYaml(const JsonNode& node);

// TOML 1.0. The document must be an object (INVALID_ARGUMENT otherwise). TOML has no null: a null
// member of a table becomes a comment; a null inside an array or inline table is an error.
absl::StatusOr<std::string> ToToml(const JsonNode& node);

}  // namespace hearthctl
