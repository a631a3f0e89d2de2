#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "server/core/model/value.h"

namespace hearth {

// A Java .properties file: one key=value line per leaf, in key order, the key being the leaf's
// dotted path as GetConfig's `path` spells it (db.pool.max, servers.0.host). Escaped the way
// java.util.Properties.store() does, so that Properties.load() reads back exactly the strings:
// '\', '=', ':', '#', '!' and leading spaces with a backslash, tab, newline, CR and form feed as
// \t \n \r \f, and every character outside printable ASCII as \uXXXX (UTF-16), so the file is
// ASCII and reads the same as ISO-8859-1 or UTF-8. Numbers and booleans are their JSON text.
//
// INVALID_ARGUMENT, naming the path, for a top level that is not a table, null, an empty table or
// list, and two paths that give one key (a key "a.b" beside a table a with a key b).
absl::StatusOr<std::string> ToProperties(const Value& doc);

}  // namespace hearth
