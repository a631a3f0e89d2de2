#include "server/core/diagnostic.h"

#include "absl/strings/str_cat.h"
#include "server/core/absl_compat.h"

namespace hearth {

std::string FormatDiagnostic(std::string_view name, uint32_t line, uint32_t column,
                             std::string_view message) {
  if (line == 0) return absl::StrCat(Sv(name), ": ", Sv(message));
  if (column == 0) return absl::StrCat(Sv(name), ":", line, ": ", Sv(message));
  return absl::StrCat(Sv(name), ":", line, ":", column, ": ", Sv(message));
}

absl::Status DiagnosticError(std::string_view name, uint32_t line, uint32_t column,
                             std::string_view message) {
  return absl::InvalidArgumentError(FormatDiagnostic(name, line, column, message));
}

std::string FormatAt(const Origin& origin, absl::Span<const std::string> sources,
                     std::string_view message) {
  std::string_view name = "<generated>";
  if (origin.file != Origin::kNoFile && origin.file < sources.size()) name = sources[origin.file];
  return FormatDiagnostic(name, origin.line, origin.column, message);
}

void LineColumnAt(std::string_view text, size_t offset, uint32_t* line, uint32_t* column) {
  if (offset > text.size()) offset = text.size();
  uint32_t l = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++l;
      line_start = i + 1;
    }
  }
  *line = l;
  *column = static_cast<uint32_t>(offset - line_start + 1);
}

}  // namespace hearth
