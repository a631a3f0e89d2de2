#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "server/core/model/value.h"

namespace hearth {

// A .env file: one NAME=value line per leaf, in key order. NAME joins the path's segments with
// "__" (db.pool.max -> DB__POOL__MAX, servers.0.host -> SERVERS__0__HOST), upper-cased, with
// every character other than letters, digits and '_' turned into '_', which is the form Hearth's
// own .env parser reads back into the same tree and what 12-factor apps expect. Values are written
// bare when they are only [A-Za-z0-9_./:@+,-], else single-quoted, else (a value with a quote
// in it) double-quoted with \ " $ ` escaped, so that both `set -a; . FILE` in a POSIX shell and
// Hearth's parser read exactly the value. Numbers and booleans are written as their JSON text.
//
// INVALID_ARGUMENT, naming the path, for what a .env file cannot say: a top level that is not a
// table, null, an empty table or list, a name starting with a digit, a segment whose name would be
// split differently when read back ("a_" then "b" is A___B), two paths with one NAME, a NUL byte
// or a CR LF pair in a value.
absl::StatusOr<std::string> ToEnv(const Value& doc);

}  // namespace hearth
