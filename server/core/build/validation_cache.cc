#include "server/core/build/validation_cache.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"

namespace hearth {

ValidationCache::ValidationCache(Options options)
    : options_(options),
      lru_({.max_bytes = options.max_bytes, .max_entries = options.max_entries}) {}

void ValidationCache::AppendKeyField(std::string* key, std::string_view field) {
  absl::StrAppend(key, field.size(), ":", Sv(field));
}

size_t ValidationCache::BytesOf(std::string_view key, const BuildResult& result) {
  // The node (key string, value pointer, size) and the list + index bookkeeping.
  size_t bytes = key.size() + sizeof(std::string) + 2 * sizeof(void*) + sizeof(size_t) +
                 sizeof(BuildResult) + 96;
  for (const std::string& error : result.errors) bytes += sizeof(std::string) + error.capacity();
  if (result.version) bytes += sizeof(ConfigVersion) + result.version->ApproximateBytes();
  return bytes;
}

std::shared_ptr<const BuildResult> ValidationCache::Lookup(std::string_view key) {
  return lru_.Lookup(key);
}

void ValidationCache::Insert(std::string key, std::shared_ptr<const BuildResult> result) {
  if (!enabled() || result == nullptr) return;
  const size_t bytes = BytesOf(key, *result);
  lru_.Insert(std::move(key), std::move(result), bytes);
}

ValidationCache::Stats ValidationCache::stats() const { return lru_.stats(); }

}  // namespace hearth
