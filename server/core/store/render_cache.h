#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "server/core/build/config_version.h"
#include "server/core/model/lru_cache.h"

namespace hearth {

// An LRU cache of renderings (config, revision, profile, path, format) -> RenderedDocument,
// bounded by bytes (model/lru_cache.h). Entries are immutable and shared; eviction only drops the
// cache's reference. Thread-safe; never locked while rendering.
class RenderCache {
 public:
  using Stats = LruCache<RenderedDocument>::Stats;

  explicit RenderCache(size_t byte_budget);

  // Null on miss.
  std::shared_ptr<const RenderedDocument> Lookup(std::string_view key);
  // Inserts (or replaces) and evicts least-recently-used entries beyond the budget. An entry
  // larger than the whole budget is not cached.
  void Insert(std::string key, std::shared_ptr<const RenderedDocument> doc);
  // Counts a whole-document hit served without the cache (pre-rendered in the version).
  void CountHit() { direct_hits_.fetch_add(1, std::memory_order_relaxed); }

  // Hits include CountHit()'s.
  Stats stats() const;

  // The key for one rendering (`format` is its OutputFormatName).
  static std::string Key(std::string_view name, uint64_t revision, std::string_view profile,
                         std::string_view path, std::string_view format);

 private:
  // Approximate resident bytes of one entry (key, document, list and index bookkeeping).
  static size_t BytesOf(const std::string& key, const RenderedDocument* doc);

  LruCache<RenderedDocument> lru_;
  std::atomic<uint64_t> direct_hits_{0};
};

}  // namespace hearth
