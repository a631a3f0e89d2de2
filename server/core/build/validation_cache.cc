#include "server/core/build/validation_cache.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"

namespace hearth {

ValidationCache::ValidationCache(Options options) : options_(options) {}

void ValidationCache::AppendKeyField(std::string* key, std::string_view field) {
  absl::StrAppend(key, field.size(), ":", Sv(field));
}

size_t ValidationCache::BytesOf(std::string_view key, const BuildResult& result) {
  size_t bytes = key.size() + sizeof(Node) + sizeof(BuildResult) + 96;  // list + index overhead
  for (const std::string& error : result.errors) bytes += sizeof(std::string) + error.capacity();
  if (result.version) bytes += sizeof(ConfigVersion) + result.version->ApproximateBytes();
  return bytes;
}

std::shared_ptr<const BuildResult> ValidationCache::Lookup(std::string_view key) {
  absl::MutexLock lock(&mu_);
  auto it = index_.find(Sv(key));
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->result;
}

void ValidationCache::Insert(std::string key, std::shared_ptr<const BuildResult> result) {
  if (!enabled() || result == nullptr) return;
  const size_t bytes = BytesOf(key, *result);
  if (bytes > options_.max_bytes) return;
  Node node{std::move(key), std::move(result), bytes};
  absl::MutexLock lock(&mu_);
  auto it = index_.find(absl::string_view(node.key));
  if (it != index_.end()) {
    bytes_ -= it->second->bytes;
    std::list<Node>::iterator old = it->second;
    index_.erase(it);
    lru_.erase(old);
  }
  bytes_ += node.bytes;
  lru_.push_front(std::move(node));
  index_.emplace(absl::string_view(lru_.front().key), lru_.begin());
  while ((bytes_ > options_.max_bytes || lru_.size() > options_.max_entries) && !lru_.empty()) {
    Node& victim = lru_.back();
    bytes_ -= victim.bytes;
    index_.erase(absl::string_view(victim.key));
    lru_.pop_back();
    ++evictions_;
  }
}

ValidationCache::Stats ValidationCache::stats() const {
  absl::MutexLock lock(&mu_);
  return Stats{.hits = hits_,
               .misses = misses_,
               .evictions = evictions_,
               .bytes = bytes_,
               .entries = lru_.size()};
}

}  // namespace hearth
