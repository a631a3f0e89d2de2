#include "server/rpc/document_format.h"

#include "absl/strings/str_cat.h"

namespace hearth::rpc {

absl::StatusOr<OutputFormat> FromProtoFormat(v1::DocumentFormat format) {
  switch (format) {
    case v1::DOCUMENT_FORMAT_UNSPECIFIED:
    case v1::DOCUMENT_FORMAT_JSON:
      return OutputFormat::kJson;
    case v1::DOCUMENT_FORMAT_YAML:
      return OutputFormat::kYaml;
    case v1::DOCUMENT_FORMAT_TOML:
      return OutputFormat::kToml;
    case v1::DOCUMENT_FORMAT_ENV:
      return OutputFormat::kEnv;
    case v1::DOCUMENT_FORMAT_PROPERTIES:
      return OutputFormat::kProperties;
    default:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown document format ",
                                                 static_cast<int>(format),
                                                 "; one of JSON, YAML, TOML, ENV, PROPERTIES"));
}

}  // namespace hearth::rpc
