#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/core/model/value.h"

namespace hearth {

// The text forms a published document can be served in. JSON is the canonical one (its bytes are
// hashed into the version's etag); the others are rendered from the same tree on request, once
// per version, variant and path (the store's render cache keeps them).
enum class OutputFormat { kJson, kYaml, kToml, kEnv, kProperties };

// "json", "yaml", "toml", "env", "properties" (case-insensitive; "" is json). INVALID_ARGUMENT
// naming the valid ones otherwise, without echoing the input.
absl::StatusOr<OutputFormat> ParseOutputFormat(std::string_view name);
std::string_view OutputFormatName(OutputFormat format);
// The media type an HTTP response in this format carries.
std::string_view OutputFormatContentType(OutputFormat format);

// Renders `doc` in `format`. JSON is the canonical JSON (json_writer.h). A document the format
// cannot express (a top level that is not a table for TOML, env and properties; null for all
// three; an empty table or list where a flat format has no way to write it; two keys that map to
// one name) is INVALID_ARGUMENT naming the path, never a lossy rendering.
absl::StatusOr<std::string> RenderDocument(const Value& doc, OutputFormat format);

}  // namespace hearth
