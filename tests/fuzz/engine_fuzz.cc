// libFuzzer target for the whole engine: the input is a config directory in memory, built with
// ConfigBuilder::Build (parse every file, layer common and NAME.PROFILE.EXT files, interpolate,
// validate against a _schema.json, render).
//
// Input format (readable, so seeds are easy to write and mutations stay meaningful):
//   --- 00-base.toml
//   port = 80
//   --- db.production.yaml
//   db: {host: "${env:FUZZ_HOST}"}
//   --- _schema.json
//   {"type": "object"}
// Each "--- NAME" line starts a file; text before the first one is ignored. NAME decides format
// and profile as on disk; "_schema.json" is the schema; names the engine would not layer, or with
// a '/', are dropped. At most 16 files.
//
// Beyond "no crash, no sanitizer report, no leak" (and, through -rss_limit_mb / -malloc_limit_mb,
// "no amplification"), it checks the builder's contract:
//  * ok() <=> a version is set; the base variant comes first, one variant per profile;
//  * every served rendering is canonical JSON that parses back (under the same depth limit: what
//    is served obeys --max-depth) and renders to the same bytes, with etag = hash(json);
//  * every error names its file ("name:" for a file or the schema, "<generated>:" when no file
//    can be named) and is bounded in length (keys are cut, values never quoted).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "server/core/build/config_blame.h"
#include "server/core/build/config_builder.h"
#include "server/core/model/canonical_json_reader.h"
#include "server/core/model/content_hash.h"
#include "server/core/model/json_writer.h"
#include "server/core/parse/parse_document.h"
#include "server/core/schema/schema_validator.h"

namespace hearth::fuzz {
namespace {

constexpr size_t kMaxFiles = 16;
constexpr size_t kMaxErrorBytes = 4096;
constexpr int kMaxDepth = 16;
constexpr std::string_view kSchemaFile = "_schema.json";
constexpr std::string_view kConfigName = "app";

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

struct Directory {
  std::vector<BuildFile> files;
  std::optional<std::string> schema;
};

Directory Split(std::string_view text) {
  Directory dir;
  std::set<std::string> seen;
  size_t pos = 0;
  std::string name;
  std::string content;
  bool in_file = false;
  auto flush = [&] {
    if (!in_file) return;
    if (name == kSchemaFile) {
      if (!dir.schema) dir.schema = content;
    } else if (name.find('/') == std::string::npos && ConfigBuilder::IsConfigFile(name) &&
               seen.insert(name).second && dir.files.size() < kMaxFiles) {
      BuildFile f;
      f.meta.name = std::string(kConfigName) + "/" + name;
      f.path = "/fuzz/" + f.meta.name;
      f.meta.size = content.size();
      f.content = content;
      dir.files.push_back(std::move(f));
    }
  };
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (line.substr(0, 4) == "--- ") {
      flush();
      name = std::string(line.substr(4));
      content.clear();
      in_file = true;
    } else if (in_file) {
      content.append(line);
      if (end < text.size()) content.push_back('\n');
    }
    pos = end + 1;
  }
  flush();
  return dir;
}

void CheckError(const std::string& e, const std::vector<std::string>& names) {
  Check(!e.empty());
  Check(e.size() <= kMaxErrorBytes);
  bool named = e.rfind("<generated>:", 0) == 0;
  for (const std::string& n : names) named |= e.size() > n.size() && e.rfind(n + ":", 0) == 0;
  Check(named);
}

}  // namespace
}  // namespace hearth::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hearth;
  using namespace hearth::fuzz;
  Directory dir = Split(std::string_view(reinterpret_cast<const char*>(data), size));

  BuildInput input;
  input.name = std::string(kConfigName);
  input.root = "/fuzz";
  std::vector<std::string> names;
  std::set<std::string> profiles;
  for (const BuildFile& f : dir.files) {
    names.push_back(f.meta.name);
    std::string_view base = f.meta.name;
    base.remove_prefix(kConfigName.size() + 1);
    if (std::string p = ConfigBuilder::ProfileOf(base); !p.empty()) profiles.insert(p);
  }
  if (dir.schema) {
    const std::string schema_name = std::string(kConfigName) + "/" + std::string(kSchemaFile);
    names.push_back(schema_name);
    input.schema_name = schema_name;
    ParseLimits limits;
    limits.max_depth = kMaxDepth;
    absl::StatusOr<Value> doc = ParseJson(*dir.schema, SourceRef{schema_name, 0}, limits);
    if (!doc.ok()) {
      input.schema_error = std::string(doc.status().message());
    } else if (auto validator = SchemaValidator::Create(*doc, schema_name); validator.ok()) {
      input.schema = *std::move(validator);
    } else {
      input.schema_error = std::string(validator.status().message());
    }
    if (!input.schema_error.empty()) CheckError(input.schema_error, names);
  }
  input.files = std::move(dir.files);

  BuildOptions options;
  options.limits.max_depth = kMaxDepth;
  options.env_allow_prefixes = {"FUZZ_"};
  options.getenv = [](std::string_view name) -> std::optional<std::string> {
    if (name == "FUZZ_UNSET") return std::nullopt;
    return "v-" + std::string(name);  // never the real environment
  };

  BuildResult result = ConfigBuilder::Build(std::move(input), options);
  Check(result.ok() == (result.version != nullptr));
  if (!result.ok()) {
    for (const std::string& e : result.errors) CheckError(e, names);
    return 0;
  }
  const ConfigVersion& v = *result.version;
  Check(v.variants.size() == 1 + profiles.size());
  Check(v.variants[0].profile.empty());
  ParseLimits limits;
  limits.max_depth = kMaxDepth;
  for (const RenderedDocument& r : v.variants) {
    Check(r.json != nullptr);
    Check(r.etag == ContentHash(*r.json));
    // The tree materialized from what is kept writes back to the same bytes.
    absl::StatusOr<Value> kept = ReadCanonicalJson(*r.json);
    Check(kept.ok());
    Check(*r.json == ToCanonicalJson(*kept));
    // Blame repeats the merge from the kept source text: it must succeed wherever the build did.
    Check(BlameConfig(v, r.profile).ok());
    // What is served must be readable by a client under the same limits.
    absl::StatusOr<Value> back = ParseJson(*r.json, SourceRef{"served.json", 0}, limits);
    if (!back.ok()) {
      std::fprintf(stderr, "served JSON of profile '%s' does not parse back: %s\n",
                   r.profile.c_str(), std::string(back.status().message()).c_str());
      __builtin_trap();
    }
    Check(ToCanonicalJson(*back) == *r.json);
    Check(*back == *kept);
  }
  return 0;
}
