#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/core/build/config_version.h"
#include "server/core/model/build_budget.h"
#include "server/core/parse/parse_document.h"
#include "server/core/schema/schema_validator.h"

namespace hearth {

struct BuildOptions {
  // Interpolation: env names must start with one of these ("" allows all). Empty: no env access.
  std::vector<std::string> env_allow_prefixes;
  // Environment lookup for ${env:...}; ::getenv when unset.
  std::function<std::optional<std::string>(std::string_view)> getenv;
  // limits.budget is ignored: Build passes its own budget down.
  ParseLimits limits;
  // Bytes and time one build may spend, every file and every profile variant together.
  BuildLimits budget;
  // Largest canonical JSON of one variant: a rendering that could not be served in one gRPC
  // response (16 MiB by default, less room for the response's other fields) is an error of the
  // config, so the last-known-good keeps serving.
  uint64_t max_render_bytes = (uint64_t{16} << 20) - (uint64_t{64} << 10);
};

// One file of a config, already read.
struct BuildFile {
  SourceFile meta;   // name / size; profile is filled in by the builder
  std::string path;  // absolute path as read (the build's identity; not kept in the version)
  std::string content;
};

struct BuildInput {
  std::string name;
  std::string root;
  std::vector<BuildFile> files;  // any order; the builder sorts them into layering order
  // The schema that applies (nearest _schema.json), or null. A schema that failed to load is
  // reported through schema_error and fails the build.
  std::shared_ptr<const SchemaValidator> schema;
  std::string schema_name;
  std::string schema_error;
};

struct BuildResult {
  std::shared_ptr<ConfigVersion> version;  // set when errors is empty
  std::vector<std::string> errors;         // "file:line:col: message", every one found
  // The build was cancelled (BuildBudget's cancel flag): its errors say so and should not be
  // recorded as the config's state.
  bool cancelled = false;
  bool ok() const { return errors.empty(); }
};

// Turns the files of one config directory into a ConfigVersion: parse every file, layer the common
// files in lexical order (RFC 7386), then per profile its NAME.PROFILE.EXT files on top; resolve
// ${...} references; coerce and validate against the schema; render canonical JSON and etags.
// Collects every error it can rather than stopping at the first, except that once the budget runs
// out the build stops with one error saying so. Depth (options.limits.max_depth) and size
// (options.max_render_bytes) are checked on what would be served, after merge and interpolation.
// A pure function: thread-safe.
class ConfigBuilder {
 public:
  // `budget` (not owned; null: a fresh one from options.budget, its clock started now) is charged
  // for the file contents, every parsed tree, merged copy, expansion and rendering.
  static BuildResult Build(BuildInput input, const BuildOptions& options,
                           BuildBudget* budget = nullptr);

  // "db.production.yaml" -> "production"; "00-base.toml" -> ""; ".env" -> "".
  static std::string ProfileOf(std::string_view file_name);
  // True for files the builder layers: a known format, not starting with '_' or '.' (except
  // ".env" itself).
  static bool IsConfigFile(std::string_view file_name);

 private:
  static BuildResult BuildWithin(BuildInput input, const BuildOptions& options,
                                 BuildBudget* budget);
};

}  // namespace hearth
