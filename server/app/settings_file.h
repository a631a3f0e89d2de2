#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace hearth {

// hearthd's settings file (--config FILE): TOML read through Hearth's own TOML adapter
// (server/core/parse), so the daemon links no parsing library of its own.
//
// `key = value` at the top level or under a [serve] table becomes `--key value`; an array repeats
// the flag; `true` becomes a bare flag and `false` leaves it out; other tables are ignored.
// Returns the flags in file order (keys sorted within a table), or InvalidArgument with
// "LINE:COL: message" for a syntax error and "--key: message" for a value a flag cannot take.
// The file is read up to 1 MiB. Messages never quote values.
absl::StatusOr<std::vector<std::string>> SettingsFileFlags(const std::string& path);

}  // namespace hearth
