#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <list>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "server/core/model/absl_compat.h"

namespace hearth {

// The one LRU mechanism behind hearthd's caches (store/render_cache.h for sub-tree renderings,
// build/validation_cache.h for dry runs): string keys to immutable shared values, bounded by
// bytes (as the caller counts them per entry) and by entries. Eviction only drops the cache's
// reference: a value handed out stays valid. A key is held once (the index views the node's
// key; list nodes never move).
//
// Thread-safe; the lock is held only for the map/list update, never while the caller computes a
// value.
template <typename V>
class LruCache {
 public:
  struct Limits {
    size_t max_bytes = 0;
    size_t max_entries = std::numeric_limits<size_t>::max();
  };
  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t evictions = 0;
    uint64_t bytes = 0;
    uint64_t entries = 0;
  };

  explicit LruCache(Limits limits) : limits_(limits) {}

  // Null on a miss; both are counted.
  std::shared_ptr<const V> Lookup(std::string_view key) {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(Sv(key));
    if (it == index_.end()) {
      ++misses_;
      return nullptr;
    }
    ++hits_;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->value;
  }

  // Inserts (or replaces) `value`, which costs `bytes`, and evicts least-recently-used entries
  // beyond either limit. An entry larger than the whole byte limit is not kept.
  void Insert(std::string key, std::shared_ptr<const V> value, size_t bytes) {
    if (bytes > limits_.max_bytes || limits_.max_entries == 0) return;
    Node node{std::move(key), std::move(value), bytes};
    absl::MutexLock lock(&mu_);
    if (auto it = index_.find(Sv(std::string_view(node.key))); it != index_.end()) {
      bytes_ -= it->second->bytes;
      const typename std::list<Node>::iterator old = it->second;
      index_.erase(it);
      lru_.erase(old);
    }
    bytes_ += node.bytes;
    lru_.push_front(std::move(node));
    index_.emplace(Sv(std::string_view(lru_.front().key)), lru_.begin());
    while ((bytes_ > limits_.max_bytes || lru_.size() > limits_.max_entries) && !lru_.empty()) {
      Node& victim = lru_.back();
      bytes_ -= victim.bytes;
      index_.erase(Sv(std::string_view(victim.key)));
      lru_.pop_back();
      ++evictions_;
    }
  }

  Stats stats() const {
    absl::MutexLock lock(&mu_);
    return Stats{.hits = hits_,
                 .misses = misses_,
                 .evictions = evictions_,
                 .bytes = bytes_,
                 .entries = lru_.size()};
  }

  const Limits& limits() const { return limits_; }

 private:
  struct Node {
    std::string key;
    std::shared_ptr<const V> value;
    size_t bytes;
  };

  const Limits limits_;
  mutable absl::Mutex mu_;
  std::list<Node> lru_ ABSL_GUARDED_BY(mu_);  // front = most recently used
  absl::flat_hash_map<absl::string_view, typename std::list<Node>::iterator> index_
      ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t evictions_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hearth
