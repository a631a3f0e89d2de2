#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/build/config_version.h"
#include "server/core/model/blame.h"

namespace hearth {

// Provenance of every leaf of the `profile` variant of `version` ("config blame"): which file and
// line set it, and what it overrode. The version keeps its sources' text (compressed) rather than
// parsed trees, so this parses and merges them again, within generous limits, since the same text
// already built once under the configured ones. Costs a build; meant for people, not hot paths.
absl::StatusOr<std::vector<BlameEntry>> BlameConfig(const ConfigVersion& version,
                                                    std::string_view profile);

}  // namespace hearth
