#include "server/core/build/config_builder.h"

#include <algorithm>
#include <new>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/build/interpolator.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/content_hash.h"
#include "server/core/model/diagnostic.h"
#include "server/core/model/json_writer.h"
#include "server/core/model/merge_patch.h"

namespace hearth {
namespace {

// Appends " [profile P]" to errors[from...] when building a profile variant.
void TagProfile(const std::string& profile, size_t from, std::vector<std::string>* errors) {
  if (profile.empty()) return;
  for (size_t i = from; i < errors->size(); ++i) {
    (*errors)[i] += absl::StrCat(" [profile ", profile, "]");
  }
}

// The first node nested deeper than `max_depth` (the top-level container is level 1), or null.
// Iterative: the document may be deeper than the stack could follow.
const Value* TooDeep(const Value& doc, int max_depth) {
  std::vector<std::pair<const Value*, int>> pending{{&doc, 1}};
  while (!pending.empty()) {
    auto [v, level] = pending.back();
    pending.pop_back();
    if (!v->is_array() && !v->is_object()) continue;
    if (level > max_depth) return v;
    if (v->is_array()) {
      for (const Value& item : v->AsArray()) pending.push_back({&item, level + 1});
    } else {
      for (const auto& [key, member] : v->AsObject()) pending.push_back({&member, level + 1});
    }
  }
  return nullptr;
}

// Builds one variant: the merge of `layer_indexes` (into `layers`), interpolated and validated.
// With `consume`, the layers are moved into the merge instead of copied (last use); copies are
// charged to `budget` (layer_bytes[i] each), as is everything the later stages produce.
bool BuildVariant(const std::string& profile, const std::vector<size_t>& layer_indexes,
                  std::vector<Value>& layers, const std::vector<uint64_t>& layer_bytes,
                  bool consume, const BuildInput& input, const std::vector<std::string>& sources,
                  const BuildOptions& options, BuildBudget* budget, RenderedDocument* out,
                  std::vector<std::string>* errors) {
  const size_t errors_before = errors->size();
  // Where errors about the whole variant point: its last layer (a profile's own file).
  const Origin where = layer_indexes.empty() ? Origin{} : layers[layer_indexes.back()].origin();
  Value merged = Value::EmptyObject();
  for (size_t i : layer_indexes) {
    if (!consume && !(budget->Charge(layer_bytes[i]) && budget->CheckNow())) {
      errors->push_back(FormatAt(layers[i].origin(), sources, budget->Message()));
      TagProfile(profile, errors_before, errors);
      return false;
    }
    MergePatch(merged, consume ? std::move(layers[i]) : layers[i]);
  }
  if (merged.is_object() && !merged.AsObject().empty()) {
    Interpolator::Options interpolation{options.env_allow_prefixes, options.getenv};
    interpolation.budget = budget;
    interpolation.max_depth = options.limits.max_depth;
    Interpolator interpolator(std::move(interpolation));
    interpolator.Run(merged, sources, errors);
  }
  // What is served must obey the limits the parsers enforce (references copy subtrees).
  if (errors->size() == errors_before) {
    if (const Value* deep = TooDeep(merged, options.limits.max_depth)) {
      errors->push_back(FormatAt(deep->origin(), sources,
                                 absl::StrCat("nesting deeper than ", options.limits.max_depth,
                                              " levels once references are resolved")));
    }
  }
  if (errors->size() == errors_before && input.schema) {
    // The validator reports document-level problems (and a budget that ran out) at the root's
    // origin, which a merge leaves unset: name the variant's file meanwhile.
    const Origin root = merged.origin();
    if (root.file == Origin::kNoFile) merged.set_origin(where);
    input.schema->Validate(merged, sources, errors, budget);
    merged.set_origin(root);
  }
  if (errors->size() == errors_before && !budget->CheckNow()) {
    errors->push_back(FormatAt(where, sources, budget->Message()));
  }
  if (errors->size() != errors_before) {
    TagProfile(profile, errors_before, errors);
    return false;
  }
  auto json = std::make_shared<const std::string>(ToCanonicalJson(merged));
  if (!budget->Charge(json->size())) {
    errors->push_back(FormatAt(where, sources, budget->Message()));
  } else if (json->size() > options.max_render_bytes) {
    errors->push_back(FormatAt(
        where, sources,
        absl::StrCat("the rendered document is ", json->size(), " bytes, more than the ",
                     options.max_render_bytes, " a response can carry (see --max-render-bytes)")));
  }
  if (errors->size() != errors_before) {
    TagProfile(profile, errors_before, errors);
    return false;
  }
  // The tree is freed here: what is published is its canonical JSON alone.
  out->profile = profile;
  out->etag = ContentHash(*json);
  out->json = std::move(json);
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

BuildResult ConfigBuilder::Build(BuildInput input, const BuildOptions& options,
                                 BuildBudget* budget) {
  std::optional<BuildBudget> own_budget;
  if (budget == nullptr) budget = &own_budget.emplace(options.budget);
  const std::string name = input.name;
  BuildResult result;
  try {
    result = BuildWithin(std::move(input), options, budget);
  } catch (const std::bad_alloc&) {
    // The budget bounds what one build holds, but not what the process has left (other builds,
    // an address-space limit): running out is this config's error, not the daemon's end.
    result = BuildResult();
    result.errors.push_back(
        FormatDiagnostic(name, 0, 0,
                         "out of memory during the build (see --max-build-bytes and --workers); "
                         "nothing was published"));
  }
  result.cancelled = budget->cancelled();
  return result;
}

BuildResult ConfigBuilder::BuildWithin(BuildInput input, const BuildOptions& options,
                                       BuildBudget* budget) {
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

  // Display names by Origin::file, for errors (ConfigVersion::Sources() gives the same list).
  std::vector<std::string> sources;
  sources.reserve(input.files.size() + 1);
  for (const BuildFile& f : input.files) sources.push_back(f.meta.name);
  if (!input.schema_name.empty()) sources.push_back(input.schema_name);

  ParseLimits limits = options.limits;
  limits.budget = budget;
  std::vector<Value> layers;
  layers.reserve(input.files.size());
  for (size_t i = 0; i < input.files.size(); ++i) {
    const BuildFile& f = input.files[i];
    if (!budget->Charge(f.content.size()) || !budget->CheckNow()) {
      result.errors.push_back(FormatDiagnostic(f.meta.name, 0, 0, budget->Message()));
      return result;
    }
    SourceRef src{f.meta.name, static_cast<uint32_t>(i)};
    absl::StatusOr<Value> parsed =
        ParseDocument(FormatFromFileName(f.meta.name), f.content, src, limits);
    if (!parsed.ok()) {
      result.errors.push_back(std::string(parsed.status().message()));
      if (budget->exhausted() != BuildBudget::Reason::kNone) return result;
      layers.push_back(Value::EmptyObject());
      continue;
    }
    if (!parsed->is_object()) {
      result.errors.push_back(FormatAt(
          parsed->origin(), sources,
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
  // Every variant but the last use of a layer copies it: charged per copy.
  std::vector<uint64_t> layer_bytes(layers.size(), 0);
  if (!profiles.empty()) {
    for (size_t i = 0; i < layers.size(); ++i) layer_bytes[i] = layers[i].ApproximateBytes();
  }
  std::vector<RenderedDocument> variants(1 + profiles.size());
  bool ok = BuildVariant("", common, layers, layer_bytes, profiles.empty(), input, sources, options,
                         budget, &variants[0], &result.errors);
  for (size_t p = 0; p < profiles.size(); ++p) {
    // Once the budget has run out, further variants would only repeat its error.
    if (budget->exhausted() != BuildBudget::Reason::kNone) break;
    std::vector<size_t> indexes = common;
    for (size_t i = 0; i < input.files.size(); ++i) {
      if (input.files[i].meta.profile == profiles[p]) indexes.push_back(i);
    }
    ok &= BuildVariant(profiles[p], indexes, layers, layer_bytes, false, input, sources, options,
                       budget, &variants[p + 1], &result.errors);
  }
  if (!ok) return result;

  std::string identity;
  for (const BuildFile& f : input.files) absl::StrAppend(&identity, f.meta.name, "\n");
  absl::StrAppend(&identity, input.schema_name, "\n");
  for (const RenderedDocument& r : variants) {
    absl::StrAppend(&identity, r.profile, "=", r.etag, "\n");
  }
  PackedTexts packed;
  {
    std::vector<std::string> contents;
    contents.reserve(input.files.size());
    for (BuildFile& f : input.files) contents.push_back(std::move(f.content));
    packed = PackedTexts::Pack(contents);
  }
  // What the version keeps lives for as long as it is served: it is allocated only now, after the
  // build's parse trees and file buffers are gone, so that it fills the space they leave instead
  // of standing between them (on a cold load that was about 400 bytes of heap holes per config).
  // The JSON, rendered while its tree was alive, is moved into a fresh block for the same reason.
  std::vector<Value>().swap(layers);
  auto version = std::make_shared<ConfigVersion>();
  version->name = input.name;
  version->root = input.root;
  version->schema = input.schema_name;
  version->content_hash = ContentHash(identity);
  version->files.reserve(input.files.size());
  for (const BuildFile& f : input.files) version->files.push_back(f.meta);
  for (RenderedDocument& r : variants) r.json = std::make_shared<const std::string>(*r.json);
  version->variants = std::move(variants);
  version->contents = std::move(packed);
  version->built_at = absl::Now();
  result.version = std::move(version);
  return result;
}

}  // namespace hearth
