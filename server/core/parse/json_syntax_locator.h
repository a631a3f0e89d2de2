#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hearth {

// Where is the first error in a JSON document? simdjson says only that there is one; this is a
// strict RFC 8259 validator that re-reads the text on that (rare) path and names the first
// offending byte. It applies Hearth's own rules as well (integers fit int64, numbers are finite,
// nesting within max_depth), so that it agrees with the success path on which documents are
// bad. Iterative (an explicit stack): hostile nesting cannot overflow the call stack.

struct JsonSyntaxError {
  size_t offset;        // byte offset into the text
  std::string message;  // never quotes the text (a value is described by its kind)
};

// The message for an integer outside int64, shared with the success path.
inline constexpr std::string_view kJsonIntRangeMessage =
    "integer out of range: JSON integers must fit in a signed 64-bit integer";

// The first error in `text` (no BOM: ParseDocument strips it), or nullopt if it is a valid
// document whose containers nest at most `max_depth` levels.
std::optional<JsonSyntaxError> FindJsonSyntaxError(std::string_view text, int max_depth);

}  // namespace hearth
