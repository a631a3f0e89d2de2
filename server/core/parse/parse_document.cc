#include "server/core/parse/parse_document.h"

#include <cstdint>

#include "absl/strings/str_format.h"
#include "server/core/model/utf8.h"
#include "server/core/parse/front_end.h"

namespace hearth {

absl::StatusOr<Value> ParseDocument(Format f, std::string_view text, const SourceRef& src,
                                    const ParseLimits& limits) {
  if (f == Format::kUnknown) return DiagnosticError(src.name, 0, 0, "unsupported file format");
  // The common contract, once for every front end (front_end.h's precondition).
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  if (absl::Status status = ValidateUtf8(text, src); !status.ok()) return status;
  absl::StatusOr<Value> parsed;
  switch (f) {
    case Format::kToml:
      parsed = front_end::Toml(text, src, limits);
      break;
    case Format::kJson:
      parsed = front_end::Json(text, src, limits);
      break;
    case Format::kYaml:
      return front_end::Yaml(text, src, limits);  // charges its nodes as it builds them
    case Format::kEnv:
      parsed = front_end::Env(text, src, limits);
      break;
    case Format::kUnknown:
      break;
  }
  // These front ends cannot amplify (their trees are a small multiple of the text, which
  // --max-file-bytes bounds), so charging after the parse is enough.
  if (parsed.ok() && limits.budget != nullptr &&
      !limits.budget->Charge(parsed->ApproximateBytes())) {
    return absl::ResourceExhaustedError(FormatDiagnostic(src.name, 0, 0, limits.budget->Message()));
  }
  return parsed;
}

absl::StatusOr<Value> ParseToml(std::string_view text, const SourceRef& src,
                                const ParseLimits& limits) {
  return ParseDocument(Format::kToml, text, src, limits);
}

absl::StatusOr<Value> ParseJson(std::string_view text, const SourceRef& src,
                                const ParseLimits& limits) {
  return ParseDocument(Format::kJson, text, src, limits);
}

absl::StatusOr<Value> ParseYaml(std::string_view text, const SourceRef& src,
                                const ParseLimits& limits) {
  return ParseDocument(Format::kYaml, text, src, limits);
}

absl::StatusOr<Value> ParseEnv(std::string_view text, const SourceRef& src,
                               const ParseLimits& limits) {
  return ParseDocument(Format::kEnv, text, src, limits);
}

absl::Status ValidateUtf8(std::string_view text, const SourceRef& src) {
  const size_t bad = FindInvalidUtf8(text);
  if (bad == std::string_view::npos) return absl::OkStatus();
  uint32_t line = 0;
  uint32_t column = 0;
  LineColumnAt(text, bad, &line, &column);
  return DiagnosticError(src.name, line, column,
                         absl::StrFormat("invalid UTF-8 (byte 0x%02X); files must be UTF-8 encoded",
                                         static_cast<uint8_t>(text[bad])));
}

}  // namespace hearth
