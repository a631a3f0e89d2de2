#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "server/core/build/config_builder.h"

namespace hearth {

// An LRU cache of dry-run results (ValidateConfig), keyed by everything a dry run reads: the
// caller builds the key with AppendKeyField from the config name, the replace flag, the exact
// bytes of every candidate and the content hash of every file read from disk (config files and
// schema). A result is deterministic in its key, so a hit is the answer a fresh build would give;
// builds that read something outside the key (the environment, the clock through the time
// budget) must not be inserted. Bounded by bytes (key, result and bookkeeping together) and by
// entries; 0 bytes or 0 entries disables it (every lookup is a miss, nothing is kept).
//
// Entries are immutable and shared: eviction only drops the cache's reference.
// Thread-safe; the lock is held only for the map/list update, never while building.
class ValidationCache {
 public:
  struct Options {
    size_t max_bytes = size_t{64} << 20;
    size_t max_entries = 4096;
  };
  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t evictions = 0;
    uint64_t bytes = 0;
    uint64_t entries = 0;
  };

  explicit ValidationCache(Options options);

  bool enabled() const { return options_.max_bytes > 0 && options_.max_entries > 0; }

  // Null on miss (counted).
  std::shared_ptr<const BuildResult> Lookup(std::string_view key);
  // Inserts (or replaces) and evicts least-recently-used entries beyond either bound. An entry
  // larger than the whole byte budget is not cached.
  void Insert(std::string key, std::shared_ptr<const BuildResult> result);

  Stats stats() const;

  // Appends `field` to `key` length-prefixed, so that no two sequences of fields make the same
  // key.
  static void AppendKeyField(std::string* key, std::string_view field);
  // Approximate resident bytes of one entry.
  static size_t BytesOf(std::string_view key, const BuildResult& result);

 private:
  struct Node {
    std::string key;
    std::shared_ptr<const BuildResult> result;
    size_t bytes;
  };

  const Options options_;
  mutable absl::Mutex mu_;
  std::list<Node> lru_ ABSL_GUARDED_BY(mu_);  // front = most recently used
  // Keys are views of the nodes' keys (list nodes never move), so a key is held once.
  absl::flat_hash_map<absl::string_view, std::list<Node>::iterator> index_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t evictions_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hearth
