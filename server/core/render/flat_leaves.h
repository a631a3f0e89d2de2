#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "server/core/model/value.h"

namespace hearth {

// The walk that the flat formats (env, properties) share: calls `leaf` for every scalar of `doc`
// with the path of keys and array indexes leading to it, depth first in the document's order.
// What no flat format can write is INVALID_ARGUMENT here, with `format` and the dotted path in the
// message: a top level that is not a table, a null, an empty table or list (it would vanish).
// `leaf`'s error stops the walk.
using FlatLeafFn =
    std::function<absl::Status(const std::vector<std::string_view>& path, const Value& leaf)>;
absl::Status ForEachFlatLeaf(const Value& doc, std::string_view format, const FlatLeafFn& leaf);

// "db.pool.max", "servers.0.host": the path as GetConfig's `path` spells it (for messages).
std::string DottedPath(const std::vector<std::string_view>& path);

// A leaf's text in the flat formats: strings as they are, numbers as their JSON text (inf, -inf
// and nan for the non-finite doubles that TOML and YAML can carry), true and false.
std::string FlatScalarText(const Value& leaf);

}  // namespace hearth
