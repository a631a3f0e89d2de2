#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "server/core/build/config_builder.h"
#include "server/core/model/lru_cache.h"

namespace hearth {

// An LRU cache of dry-run results (ValidateConfig), keyed by everything a dry run reads: the
// caller builds the key with AppendKeyField from the config name, the replace flag, the exact
// bytes of every candidate and the content hash of every file read from disk (config files and
// schema). A result is deterministic in its key, so a hit is the answer a fresh build would give;
// builds that read something outside the key (the environment, the clock through the time
// budget) must not be inserted. Bounded by bytes (key, result and bookkeeping together) and by
// entries; 0 bytes or 0 entries disables it (every lookup is a miss, nothing is kept).
//
// Entries are immutable and shared: eviction only drops the cache's reference (model/lru_cache.h).
// Thread-safe; never locked while building.
class ValidationCache {
 public:
  struct Options {
    size_t max_bytes = size_t{64} << 20;
    size_t max_entries = 4096;
  };
  using Stats = LruCache<BuildResult>::Stats;

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
  const Options options_;
  LruCache<BuildResult> lru_;
};

}  // namespace hearth
