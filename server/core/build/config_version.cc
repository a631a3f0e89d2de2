#include "server/core/build/config_version.h"

namespace hearth {

const RenderedDocument& ConfigVersion::Variant(std::string_view profile) const {
  if (!profile.empty()) {
    for (size_t i = 1; i < variants.size(); ++i) {
      if (variants[i].profile == profile) return variants[i];
    }
  }
  return variants.front();
}

std::vector<std::string> ConfigVersion::Sources() const {
  std::vector<std::string> out;
  out.reserve(files.size() + 1);
  for (const SourceFile& f : files) out.push_back(f.name);
  if (!schema.empty()) out.push_back(schema);
  return out;
}

std::vector<std::string> ConfigVersion::Profiles() const {
  std::vector<std::string> out;
  for (size_t i = 1; i < variants.size(); ++i) out.push_back(variants[i].profile);
  return out;
}

size_t ConfigVersion::ApproximateBytes() const {
  size_t bytes = sizeof(ConfigVersion) + name.capacity() + root.capacity() + schema.capacity();
  for (const SourceFile& f : files) {
    bytes += sizeof(SourceFile) + f.name.capacity() + f.profile.capacity();
  }
  bytes += contents.packed_bytes();
  for (const RenderedDocument& r : variants) {
    bytes += sizeof(RenderedDocument) + r.etag.capacity();
    if (r.json) bytes += sizeof(std::string) + r.json->capacity();
  }
  return bytes;
}

}  // namespace hearth
