#pragma once

#include <cstddef>
#include <string_view>

namespace hearth {

// The UTF-8 rules every input passes through: config files (parse/), config names and watch
// prefixes (config_name.h). Strict RFC 3629: overlong forms, UTF-16 surrogates and code points
// above U+10FFFF are invalid, as are stray continuation bytes and truncated sequences.

// The UTF-8 byte order mark.
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Byte offset of the first byte of `text` that does not start a well-formed sequence, or
// std::string_view::npos when all of `text` is valid UTF-8. ASCII runs cost one test per eight
// bytes.
size_t FindInvalidUtf8(std::string_view text);

inline bool IsValidUtf8(std::string_view text) {
  return FindInvalidUtf8(text) == std::string_view::npos;
}

// Decodes the code point starting at text[*pos] and advances *pos past it. A byte that does not
// start a well-formed sequence decodes as U+FFFD and advances by one, so that a writer never
// loops or reads past the end. Requires *pos < text.size().
char32_t NextCodePoint(std::string_view text, size_t* pos);

}  // namespace hearth
