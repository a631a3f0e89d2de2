#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "server/core/model/value.h"

namespace hearth {

// Identifies the file a parser is reading: `name` is what errors print (a path relative to the
// root where possible), `file_id` is stored in every produced value's Origin.
struct SourceRef {
  std::string_view name;
  uint32_t file_id = Origin::kNoFile;
};

// "name:line:col: message" (line/col omitted when 0). The one error format of the project:
// every error a person sees names the file, line and column it comes from.
std::string FormatDiagnostic(std::string_view name, uint32_t line, uint32_t column,
                             std::string_view message);

// FormatDiagnostic's output read back: file, line and column where the text has them (a file
// name may itself contain ':'; the first ":N:N: ", ":N: " or ": " from the left that parses wins),
// else the whole text as the message.
struct ParsedDiagnostic {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string message;
};
ParsedDiagnostic ParseDiagnostic(std::string_view text);

// InvalidArgument status whose message is FormatDiagnostic(...).
absl::Status DiagnosticError(std::string_view name, uint32_t line, uint32_t column,
                             std::string_view message);

// Formats an error about a value: uses its origin to name file:line:col, looking the file name up
// in `sources` (Origin::kNoFile or out of range prints "<generated>").
std::string FormatAt(const Origin& origin, absl::Span<const std::string> sources,
                     std::string_view message);

// The longest key (or other name taken from a config file) an error message shows, in bytes.
inline constexpr size_t kMaxKeyBytesInMessage = 128;

// `key` as error messages show it: at most kMaxKeyBytesInMessage bytes, cut on a UTF-8 boundary
// and ended with "..." when cut; control characters, quotes and backslashes escaped (\xNN) so that
// a key can neither break a log line nor fake the end of a quoted span. Errors may name keys,
// never values (STYLE.md): a value is only ever described by its kind.
std::string KeyForMessage(std::string_view key);

// `message` (built by a library that quotes keys in single quotes, e.g. valijson's "Missing
// required property 'x'") with each '...' span passed through KeyForMessage.
std::string CutQuotedKeys(std::string_view message);

// The character at the start of `text`, described for a syntax error ("unexpected X"): ASCII
// punctuation is quoted ('}'), since it is syntax; anything that may be part of a value is only
// named by its kind ("letter", "digit", "non-ASCII character", "byte 0x01"). Reads after
// "unexpected ".
std::string DescribeCharForMessage(std::string_view text);

// 1-based line and column of byte `offset` in `text` (column counts bytes).
void LineColumnAt(std::string_view text, size_t offset, uint32_t* line, uint32_t* column);

}  // namespace hearth
