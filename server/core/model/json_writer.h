#pragma once

#include <string>

#include "server/core/model/value.h"

namespace hearth {

// Canonical JSON: object keys in byte order (Value keeps them sorted), no insignificant
// whitespace, strings escaped minimally (", \, control characters as \uXXXX or the short forms),
// integers in decimal, doubles in the shortest form that round-trips (std::to_chars) and always
// with a '.' or exponent so they stay floats ("1.0", "1e+300"). Equal documents give equal bytes,
// so the output's hash is the etag. Non-finite doubles (which no parser produces) render as null.
// AppendCanonicalJson appends to `out` without reserving: a caller rendering repeatedly should
// reserve (e.g. the previous rendering's size); ToCanonicalJson reserves from a size estimate.
void AppendCanonicalJson(const Value& v, std::string* out);
std::string ToCanonicalJson(const Value& v);

// Human-friendly rendering with `indent` spaces (negative means 0), same key order and number
// forms: one member or element per line, "key": value, empty containers as {} and [], no
// trailing newline.
std::string ToPrettyJson(const Value& v, int indent = 2);

// A finite double in the shortest decimal form that reads back as the same double, always with a
// '.' or an exponent so that it stays a float ("1.0", "0.1", "1e+300"). Canonical JSON uses it,
// and so does every other output format (server/core/render/).
void AppendShortestDouble(double d, std::string* out);

}  // namespace hearth
