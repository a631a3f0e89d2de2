#include "server/core/store/render_cache.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"

namespace hearth {

RenderCache::RenderCache(size_t byte_budget) : lru_({.max_bytes = byte_budget}) {}

size_t RenderCache::BytesOf(const std::string& key, const RenderedDocument* doc) {
  // The node (key string, value pointer, size), then list + index overhead.
  size_t bytes = key.capacity() + sizeof(std::string) +
                 sizeof(std::shared_ptr<const RenderedDocument>) + sizeof(size_t) + 64;
  if (doc != nullptr) {
    bytes += sizeof(RenderedDocument) + doc->etag.capacity() + doc->path.capacity();
    if (doc->json) bytes += doc->json->capacity();
    if (doc->content) bytes += doc->content->capacity();
  }
  return bytes;
}

std::shared_ptr<const RenderedDocument> RenderCache::Lookup(std::string_view key) {
  return lru_.Lookup(key);
}

void RenderCache::Insert(std::string key, std::shared_ptr<const RenderedDocument> doc) {
  const size_t bytes = BytesOf(key, doc.get());
  lru_.Insert(std::move(key), std::move(doc), bytes);
}

RenderCache::Stats RenderCache::stats() const {
  Stats s = lru_.stats();
  s.hits += direct_hits_.load(std::memory_order_relaxed);
  return s;
}

std::string RenderCache::Key(std::string_view name, uint64_t revision, std::string_view profile,
                             std::string_view path, std::string_view format) {
  // ConfigStore::Render rejects control characters in names, profiles and paths, so the
  // separator keeps keys unambiguous.
  return absl::StrCat(Sv(name), "\x1f", revision, "\x1f", Sv(profile), "\x1f", Sv(path), "\x1f",
                      Sv(format));
}

}  // namespace hearth
