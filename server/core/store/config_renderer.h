#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/core/model/value.h"
#include "server/core/render/output_format.h"
#include "server/core/store/config_store.h"
#include "server/core/store/render_cache.h"

namespace hearth {

// Serves documents out of a ConfigStore: whole documents straight from the version's pre-rendered
// buffer (no allocation, no copy), sub-trees (a dotted `path`) and other output formats (YAML,
// TOML, .env, properties; render/output_format.h) rendered once per version and kept in an LRU
// render cache bounded by bytes. The store itself only keeps versions; what a reader asks to see
// of them is decided here.
//
// Thread-safety: thread-safe. The store must outlive the renderer.
class ConfigRenderer {
 public:
  struct Options {
    size_t cache_bytes = 64u << 20;  // sub-tree renderings kept
  };

  struct Result {
    std::shared_ptr<const ConfigEntry> entry;
    std::shared_ptr<const RenderedDocument> doc;  // aliases the version or a cache entry
  };

  ConfigRenderer(const ConfigStore* store, Options options);
  ConfigRenderer(const ConfigRenderer&) = delete;
  ConfigRenderer& operator=(const ConfigRenderer&) = delete;

  // Renders `name` for `profile`, optionally a dotted sub-tree `path`, in `format`. NOT_FOUND for
  // unknown configs or paths; FAILED_PRECONDITION when the config has never built successfully
  // (the message carries its errors); INVALID_ARGUMENT for control characters in profile or path,
  // and for a document that `format` cannot express. A JSON rendering fills `json`, any other
  // `content`; either way `etag` hashes the bytes served.
  absl::StatusOr<Result> Render(std::string_view name, std::string_view profile,
                                std::string_view path,
                                OutputFormat format = OutputFormat::kJson) const;
  // The same for an entry already read from the store (a watch event renders the entry it
  // reports, not whatever is newest).
  absl::StatusOr<Result> RenderEntry(std::shared_ptr<const ConfigEntry> entry,
                                     std::string_view profile, std::string_view path,
                                     OutputFormat format = OutputFormat::kJson) const;

  // The document of a successful Render as a tree (without origins), materialized from the
  // version's canonical JSON: published versions keep no tree. For include_value and pretty
  // printing; costs a parse of the (sub-)document's JSON.
  static absl::StatusOr<Value> Tree(const Result& result);

  const ConfigStore& store() const { return *store_; }
  RenderCache::Stats cache_stats() const { return cache_.stats(); }

 private:
  const ConfigStore* const store_;  // not owned
  mutable RenderCache cache_;
};

}  // namespace hearth
