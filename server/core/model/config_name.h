#pragma once

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"

namespace hearth {

// The one rule for config names, applied at discovery (a directory whose name breaks it is
// reported and not published), at lookup (GetConfig, BatchGetConfigs, ValidateConfig, watch
// names) and to watch prefixes, so that whatever is listed can be fetched:
//   - 1 to kMaxConfigNameBytes bytes of valid UTF-8 (protobuf strings must be UTF-8);
//   - no control characters (0x00-0x1F, 0x7F) and no backslash;
//   - '/'-separated segments, none empty, none starting with '.' (no leading '/', no "." or
//     "..", no hidden directories).
inline constexpr size_t kMaxConfigNameBytes = 1024;

// OK or INVALID_ARGUMENT saying which part of the rule `name` breaks (the name is shown cut,
// with control characters escaped).
absl::Status ValidateConfigName(std::string_view name);

// A watch prefix: "" (everything) or a string that some valid name starts with, checked as
// `prefix` + "x" being a valid name ("team-a/" and "team-" are fine, "../" and "/a" are not).
absl::Status ValidateConfigNamePrefix(std::string_view prefix);

// A file name inside a config directory, as a dry run's candidate names one: a plain name of 1 to
// kMaxSourceFileNameBytes bytes (NAME_MAX) of valid UTF-8, no '/', no NUL, not "." or "..".
// Whether it is a config file at all (its extension) is the builder's rule
// (ConfigBuilder::IsConfigFile).
inline constexpr size_t kMaxSourceFileNameBytes = 255;
absl::Status ValidateSourceFileName(std::string_view file_name);

}  // namespace hearth
