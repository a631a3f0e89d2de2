#include "server/core/build/config_blame.h"

#include "server/core/parse/format.h"
#include "server/core/parse/parse_document.h"

namespace hearth {

absl::StatusOr<std::vector<BlameEntry>> BlameConfig(const ConfigVersion& version,
                                                    std::string_view profile) {
  const RenderedDocument& variant = version.Variant(profile);
  std::vector<Value> parsed;
  parsed.reserve(version.files.size());
  for (size_t i = 0; i < version.files.size(); ++i) {
    const SourceFile& file = version.files[i];
    if (!file.profile.empty() && file.profile != variant.profile) continue;
    absl::StatusOr<Value> layer = ParseDocument(FormatFromFileName(file.name), version.contents[i],
                                                SourceRef{file.name, static_cast<uint32_t>(i)},
                                                ParseLimits{.max_depth = 1 << 10});
    if (!layer.ok()) return layer.status();
    parsed.push_back(*std::move(layer));
  }
  std::vector<const Value*> layers;
  layers.reserve(parsed.size());
  for (const Value& v : parsed) layers.push_back(&v);
  return ComputeBlame(*variant.doc, layers);
}

}  // namespace hearth
