#include "server/core/render/output_format.h"

#include "absl/strings/ascii.h"
#include "server/core/model/json_writer.h"
#include "server/core/render/env_writer.h"
#include "server/core/render/properties_writer.h"
#include "server/core/render/toml_writer.h"
#include "server/core/render/yaml_writer.h"

namespace hearth {

absl::StatusOr<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name.size() <= 16) {
    std::string lower(name);
    absl::AsciiStrToLower(&lower);
    if (lower.empty() || lower == "json") return OutputFormat::kJson;
    if (lower == "yaml" || lower == "yml") return OutputFormat::kYaml;
    if (lower == "toml") return OutputFormat::kToml;
    if (lower == "env" || lower == "dotenv") return OutputFormat::kEnv;
    if (lower == "properties") return OutputFormat::kProperties;
  }
  return absl::InvalidArgumentError(
      "unknown format; valid formats: json, yaml, toml, env, properties");
}

std::string_view OutputFormatName(OutputFormat format) {
  switch (format) {
    case OutputFormat::kJson:
      return "json";
    case OutputFormat::kYaml:
      return "yaml";
    case OutputFormat::kToml:
      return "toml";
    case OutputFormat::kEnv:
      return "env";
    case OutputFormat::kProperties:
      return "properties";
  }
  return "json";
}

std::string_view OutputFormatContentType(OutputFormat format) {
  switch (format) {
    case OutputFormat::kJson:
      return "application/json";
    case OutputFormat::kYaml:
      return "application/yaml";
    case OutputFormat::kToml:
      return "application/toml";
    case OutputFormat::kEnv:
    case OutputFormat::kProperties:
      return "text/plain; charset=utf-8";
  }
  return "application/json";
}

absl::StatusOr<std::string> RenderDocument(const Value& doc, OutputFormat format) {
  switch (format) {
    case OutputFormat::kJson:
      return ToCanonicalJson(doc);
    case OutputFormat::kYaml:
      return ToYaml(doc);
    case OutputFormat::kToml:
      return ToToml(doc);
    case OutputFormat::kEnv:
      return ToEnv(doc);
    case OutputFormat::kProperties:
      return ToProperties(doc);
  }
  return absl::InvalidArgumentError("unknown format");
}

}  // namespace hearth
