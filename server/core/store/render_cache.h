#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "server/core/build/config_version.h"

namespace hearth {

// An LRU cache of sub-tree renderings (config, revision, profile, path) -> RenderedDocument,
// bounded by bytes. Entries are immutable and shared; eviction only drops the cache's reference.
// Thread-safe; the lock is held only for the map/list update, never while rendering.
class RenderCache {
 public:
  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t evictions = 0;
    uint64_t bytes = 0;
    uint64_t entries = 0;
  };

  explicit RenderCache(size_t byte_budget);

  // Null on miss.
  std::shared_ptr<const RenderedDocument> Lookup(std::string_view key);
  // Inserts (or replaces) and evicts least-recently-used entries beyond the budget. An entry
  // larger than the whole budget is not cached.
  void Insert(std::string key, std::shared_ptr<const RenderedDocument> doc);
  // Counts a whole-document hit served without the cache (pre-rendered in the version).
  void CountHit() { direct_hits_.fetch_add(1, std::memory_order_relaxed); }

  Stats stats() const;

  // The key for one rendering.
  static std::string Key(std::string_view name, uint64_t revision, std::string_view profile,
                         std::string_view path);

 private:
  struct Node {
    std::string key;
    std::shared_ptr<const RenderedDocument> doc;
    size_t bytes;
  };
  static size_t BytesOf(const Node& node);

  const size_t budget_;
  mutable absl::Mutex mu_;
  std::list<Node> lru_ ABSL_GUARDED_BY(mu_);  // front = most recently used
  absl::flat_hash_map<std::string, std::list<Node>::iterator> index_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t evictions_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> direct_hits_{0};
};

}  // namespace hearth
