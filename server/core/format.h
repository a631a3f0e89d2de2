#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "server/core/diagnostic.h"
#include "server/core/value.h"

namespace hearth {

// The file formats a config directory may hold, recognised by extension.
enum class Format { kUnknown, kToml, kJson, kYaml, kEnv };

// ".toml" -> kToml, ".json" -> kJson, ".yaml"/".yml" -> kYaml, ".env" or a file named exactly
// ".env" -> kEnv; anything else kUnknown (ignored by the loader, never fatal).
Format FormatFromFileName(std::string_view file_name);
std::string_view FormatName(Format f);

// Limits every front end enforces on untrusted input.
struct ParseLimits {
  int max_depth = 64;  // nesting of arrays/objects
};

// Parses `text` in format `f` into a Value tree whose every node has an Origin (file_id from
// `src`, 1-based line/column where the front end can tell). Rejects, with an error naming
// src.name:line:col: syntax errors, invalid UTF-8, duplicate keys, nesting deeper than
// limits.max_depth, and numbers JSON cannot represent (NaN, infinities). Never throws.
absl::StatusOr<Value> ParseDocument(Format f, std::string_view text, const SourceRef& src,
                                    const ParseLimits& limits = {});

// The per-format front ends (each in its own adapter file: toml_parser.cc, json_parser.cc,
// yaml_parser.cc, env_parser.cc). Same contract as ParseDocument.
absl::StatusOr<Value> ParseToml(std::string_view text, const SourceRef& src,
                                const ParseLimits& limits = {});
absl::StatusOr<Value> ParseJson(std::string_view text, const SourceRef& src,
                                const ParseLimits& limits = {});
absl::StatusOr<Value> ParseYaml(std::string_view text, const SourceRef& src,
                                const ParseLimits& limits = {});
// .env: KEY=VALUE lines, optional `export `, # comments, single quotes (literal), double quotes
// (with \n \t \" \\ escapes, may span lines), unquoted values trimmed, inline " #" comments on
// unquoted values. KEY__SUB__LEAF=9 nests as key.sub.leaf (keys lower-cased, so DB__POOL__MAX
// becomes db.pool.max). Every value is a string with Origin::untyped set.
absl::StatusOr<Value> ParseEnv(std::string_view text, const SourceRef& src,
                               const ParseLimits& limits = {});

// OK if `text` is valid UTF-8, else an error naming src.name:line:col of the first bad byte.
absl::Status ValidateUtf8(std::string_view text, const SourceRef& src);

}  // namespace hearth
