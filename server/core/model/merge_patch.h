#pragma once

#include "server/core/model/value.h"

namespace hearth {

// RFC 7386 JSON Merge Patch: applies `patch` onto `target` in place. Objects merge deeply,
// arrays and scalars replace, a null member deletes the key. A non-object patch replaces the
// target whole. Origins travel with the values they belong to.
void MergePatch(Value& target, Value patch);

}  // namespace hearth
