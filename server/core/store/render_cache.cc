#include "server/core/store/render_cache.h"

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"

namespace hearth {

RenderCache::RenderCache(size_t byte_budget) : budget_(byte_budget) {}

size_t RenderCache::BytesOf(const Node& node) {
  size_t bytes = node.key.capacity() + sizeof(Node) + 64;  // list + index overhead
  if (node.doc) {
    bytes += sizeof(RenderedDocument) + node.doc->etag.capacity() + node.doc->path.capacity();
    if (node.doc->json) bytes += node.doc->json->capacity();
    if (node.doc->doc) bytes += node.doc->doc->ApproximateBytes();
  }
  return bytes;
}

std::shared_ptr<const RenderedDocument> RenderCache::Lookup(std::string_view key) {
  absl::MutexLock lock(&mu_);
  auto it = index_.find(Sv(key));
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->doc;
}

void RenderCache::Insert(std::string key, std::shared_ptr<const RenderedDocument> doc) {
  Node node{std::move(key), std::move(doc), 0};
  node.bytes = BytesOf(node);
  if (node.bytes > budget_) return;
  absl::MutexLock lock(&mu_);
  auto it = index_.find(node.key);
  if (it != index_.end()) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  bytes_ += node.bytes;
  lru_.push_front(std::move(node));
  index_.emplace(lru_.front().key, lru_.begin());
  while (bytes_ > budget_ && !lru_.empty()) {
    Node& victim = lru_.back();
    bytes_ -= victim.bytes;
    index_.erase(victim.key);
    lru_.pop_back();
    ++evictions_;
  }
}

RenderCache::Stats RenderCache::stats() const {
  absl::MutexLock lock(&mu_);
  Stats s;
  s.hits = hits_ + direct_hits_.load(std::memory_order_relaxed);
  s.misses = misses_;
  s.evictions = evictions_;
  s.bytes = bytes_;
  s.entries = lru_.size();
  return s;
}

std::string RenderCache::Key(std::string_view name, uint64_t revision, std::string_view profile,
                             std::string_view path) {
  // ConfigStore::Render rejects control characters in names, profiles and paths, so the
  // separator keeps keys unambiguous.
  return absl::StrCat(Sv(name), "\x1f", revision, "\x1f", Sv(profile), "\x1f", Sv(path));
}

}  // namespace hearth
