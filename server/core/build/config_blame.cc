#include "server/core/build/config_blame.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "server/core/build/interpolator.h"
#include "server/core/model/merge_patch.h"
#include "server/core/parse/format.h"
#include "server/core/parse/parse_document.h"

namespace hearth {

absl::StatusOr<std::vector<BlameEntry>> BlameConfig(const ConfigVersion& version,
                                                    std::string_view profile) {
  const RenderedDocument& variant = version.Variant(profile);
  absl::StatusOr<std::vector<std::string>> contents = version.contents.Unpack();
  if (!contents.ok()) return contents.status();
  if (contents->size() != version.files.size()) {
    return absl::DataLossError("the stored source text of this version is incomplete");
  }
  constexpr int kMaxDepth = 1 << 10;
  std::vector<Value> parsed;
  parsed.reserve(version.files.size());
  for (size_t i = 0; i < version.files.size(); ++i) {
    const SourceFile& file = version.files[i];
    if (!file.profile.empty() && file.profile != variant.profile) continue;
    absl::StatusOr<Value> layer = ParseDocument(FormatFromFileName(file.name), (*contents)[i],
                                                SourceRef{file.name, static_cast<uint32_t>(i)},
                                                ParseLimits{.max_depth = kMaxDepth});
    if (!layer.ok()) return layer.status();
    parsed.push_back(*std::move(layer));
  }
  // The served tree with its origins, merged and interpolated again as the build did it (the
  // published version keeps only its JSON). The schema stage only converts scalars in place, so
  // it changes no origin and is not repeated. An environment value cannot change where a value
  // came from, so no environment is read: every name answers "".
  Value merged = Value::EmptyObject();
  for (const Value& layer : parsed) MergePatch(merged, layer);
  if (merged.is_object() && !merged.AsObject().empty()) {
    Interpolator::Options options;
    options.env_allow_prefixes = {""};
    options.getenv = [](std::string_view) { return std::optional<std::string>(std::string()); };
    options.max_depth = kMaxDepth;
    std::vector<std::string> errors;
    if (!Interpolator(std::move(options)).Run(merged, version.Sources(), &errors)) {
      return absl::InternalError("blame could not repeat the references the build resolved");
    }
  }
  std::vector<const Value*> layers;
  layers.reserve(parsed.size());
  for (const Value& v : parsed) layers.push_back(&v);
  return ComputeBlame(merged, layers);
}

}  // namespace hearth
