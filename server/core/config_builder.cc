#include "server/core/config_builder.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "server/core/absl_compat.h"
#include "server/core/content_hash.h"
#include "server/core/diagnostic.h"
#include "server/core/interpolator.h"
#include "server/core/json_writer.h"
#include "server/core/merge_patch.h"

namespace hearth {
namespace {

// Builds one variant: the merge of `layer_indexes` (into `layers`), interpolated and validated.
// With `consume`, the layers are moved into the merge instead of copied (last use).
bool BuildVariant(const std::string& profile, const std::vector<size_t>& layer_indexes,
                  std::vector<Value>& layers, bool consume, const BuildInput& input,
                  const std::vector<std::string>& sources, const BuildOptions& options,
                  RenderedDocument* out, std::vector<std::string>* errors) {
  Value merged = Value::EmptyObject();
  for (size_t i : layer_indexes) MergePatch(merged, consume ? std::move(layers[i]) : layers[i]);
  const size_t errors_before = errors->size();
  if (merged.is_object() && !merged.AsObject().empty()) {
    Interpolator interpolator({options.env_allow_prefixes, options.getenv});
    interpolator.Run(merged, sources, errors);
  }
  if (errors->size() == errors_before && input.schema) {
    input.schema->Validate(merged, sources, errors);
  }
  if (errors->size() != errors_before) {
    if (!profile.empty()) {
      for (size_t i = errors_before; i < errors->size(); ++i) {
        (*errors)[i] += absl::StrCat(" [profile ", profile, "]");
      }
    }
    return false;
  }
  out->profile = profile;
  auto json = std::make_shared<const std::string>(ToCanonicalJson(merged));
  out->etag = ContentHash(*json);
  out->json = std::move(json);
  out->doc = std::make_shared<const Value>(std::move(merged));
  return true;
}

}  // namespace

std::string ConfigBuilder::ProfileOf(std::string_view file_name) {
  size_t last = file_name.rfind('.');
  if (last == std::string_view::npos || last == 0) return "";
  size_t prev = file_name.rfind('.', last - 1);
  if (prev == std::string_view::npos || prev == 0) return "";
  return std::string(file_name.substr(prev + 1, last - prev - 1));
}

bool ConfigBuilder::IsConfigFile(std::string_view file_name) {
  if (file_name.empty()) return false;
  if (file_name == ".env") return true;
  if (file_name[0] == '_' || file_name[0] == '.') return false;
  return FormatFromFileName(file_name) != Format::kUnknown;
}

BuildResult ConfigBuilder::Build(BuildInput input, const BuildOptions& options) {
  BuildResult result;
  if (!input.schema_error.empty()) result.errors.push_back(input.schema_error);

  for (BuildFile& f : input.files) {
    std::string_view base = f.meta.name;
    size_t slash = base.rfind('/');
    if (slash != std::string_view::npos) base = base.substr(slash + 1);
    f.meta.profile = ProfileOf(base);
  }
  // Layering order: common files by name, then each profile's files by name.
  std::sort(input.files.begin(), input.files.end(), [](const BuildFile& a, const BuildFile& b) {
    if (a.meta.profile != b.meta.profile) return a.meta.profile < b.meta.profile;
    return a.meta.name < b.meta.name;
  });

  auto version = std::make_shared<ConfigVersion>();
  version->name = input.name;
  version->root = input.root;
  version->schema = input.schema_name;
  version->sources.reserve(input.files.size() + 1);
  for (const BuildFile& f : input.files) version->sources.push_back(f.meta.name);
  if (!input.schema_name.empty()) version->sources.push_back(input.schema_name);

  std::vector<Value> layers;
  layers.reserve(input.files.size());
  for (size_t i = 0; i < input.files.size(); ++i) {
    const BuildFile& f = input.files[i];
    SourceRef src{f.meta.name, static_cast<uint32_t>(i)};
    absl::StatusOr<Value> parsed =
        ParseDocument(FormatFromFileName(f.meta.name), f.content, src, options.limits);
    if (!parsed.ok()) {
      result.errors.push_back(std::string(parsed.status().message()));
      layers.push_back(Value::EmptyObject());
      continue;
    }
    if (!parsed->is_object()) {
      result.errors.push_back(FormatAt(
          parsed->origin(), version->sources,
          absl::StrCat("the top level must be a table/object, not ", Sv(parsed->type_name()))));
      layers.push_back(Value::EmptyObject());
      continue;
    }
    layers.push_back(*std::move(parsed));
  }
  if (!result.errors.empty()) return result;

  // The base variant, then one per profile.
  std::vector<size_t> common;
  std::vector<std::string> profiles;
  for (size_t i = 0; i < input.files.size(); ++i) {
    const std::string& p = input.files[i].meta.profile;
    if (p.empty()) {
      common.push_back(i);
    } else if (profiles.empty() || profiles.back() != p) {
      profiles.push_back(p);
    }
  }
  version->variants.resize(1 + profiles.size());
  bool ok = BuildVariant("", common, layers, profiles.empty(), input, version->sources, options,
                         &version->variants[0], &result.errors);
  for (size_t p = 0; p < profiles.size(); ++p) {
    std::vector<size_t> indexes = common;
    for (size_t i = 0; i < input.files.size(); ++i) {
      if (input.files[i].meta.profile == profiles[p]) indexes.push_back(i);
    }
    ok &= BuildVariant(profiles[p], indexes, layers, false, input, version->sources, options,
                       &version->variants[p + 1], &result.errors);
  }
  if (!ok) return result;

  std::string identity;
  for (const BuildFile& f : input.files) absl::StrAppend(&identity, f.meta.name, "\n");
  absl::StrAppend(&identity, input.schema_name, "\n");
  for (const RenderedDocument& r : version->variants) {
    absl::StrAppend(&identity, r.profile, "=", r.etag, "\n");
  }
  version->content_hash = ContentHash(identity);
  version->files.reserve(input.files.size());
  version->contents.reserve(input.files.size());
  for (BuildFile& f : input.files) {
    version->files.push_back(std::move(f.meta));
    version->contents.push_back(std::move(f.content));
  }
  version->built_at = absl::Now();
  result.version = std::move(version);
  return result;
}

}  // namespace hearth
