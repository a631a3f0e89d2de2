#pragma once

// The per-library adapters behind ParseDocument (parse_document.h), one per file:
// toml_parser.cc (toml++), json_parser.cc (simdjson), yaml_parser.cc (libfyaml) and
// env_parser.cc (our own). Only parse_document.cc calls them.
//
// Precondition, which ParseDocument establishes: `text` has no leading byte order mark and is
// valid UTF-8 (so an adapter never re-checks either, and positions it reports are offsets into
// exactly this text). Everything else of the ParseDocument contract is the adapter's job:
// limits.max_depth, the int64 rule, duplicate keys, errors naming src.name:line:col without
// quoting values. Budget: ParseDocument charges the finished tree to limits.budget, except for
// YAML, whose adapter charges as it builds (aliases can amplify).

#include <string_view>

#include "absl/status/statusor.h"
#include "server/core/model/diagnostic.h"
#include "server/core/model/value.h"
#include "server/core/parse/parse_document.h"

namespace hearth::front_end {

absl::StatusOr<Value> Toml(std::string_view text, const SourceRef& src, const ParseLimits& limits);
absl::StatusOr<Value> Json(std::string_view text, const SourceRef& src, const ParseLimits& limits);
absl::StatusOr<Value> Yaml(std::string_view text, const SourceRef& src, const ParseLimits& limits);
absl::StatusOr<Value> Env(std::string_view text, const SourceRef& src, const ParseLimits& limits);

}  // namespace hearth::front_end
