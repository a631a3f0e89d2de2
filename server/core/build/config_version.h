#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "server/core/model/packed_texts.h"

namespace hearth {

// One rendering of a config: the merged document for one profile (or one sub-tree of it), kept as
// its canonical JSON, rendered once so that serving it copies nothing. The JSON is the only form a
// published document is kept in (no parsed tree: that cost about 150 bytes per member); readers
// that need a tree materialize one from it (model/canonical_json_reader.h).
struct RenderedDocument {
  std::string profile;                      // "" is the base (no profile)
  std::string path;                         // "" is the whole document
  std::shared_ptr<const std::string> json;  // canonical JSON of the (sub-)document
  std::string etag;                         // hex XXH3-128 of `json` (of `content` when set)
  // The document in another output format (store/config_renderer.h), when one was asked for;
  // `json` is then unset and `etag` hashes these bytes.
  std::shared_ptr<const std::string> content;
};

// A file that contributed to a config.
struct SourceFile {
  std::string name;     // display name, relative to its root ("payments/00-base.toml")
  std::string profile;  // "" for common files, else the NAME.PROFILE.EXT profile
  uint64_t size = 0;
};

// One built version of one config: plain data, built by ConfigBuilder, then shared read-only
// (shared_ptr<const ConfigVersion>) by the store and every reader. The store keeps the revision
// it was published at on its own entry (ConfigEntry::version_revision), never in here, so one
// version can never be seen with two revisions.
struct ConfigVersion {
  std::string name;               // "payments", "team-a/billing"
  std::string root;               // the root directory it was read from
  std::vector<SourceFile> files;  // contributing files in layering order
  // Text of files[i] as it was parsed, compressed (only blame reads it). BlameConfig()
  // (config_blame.h) re-parses and re-merges it, so provenance always matches what is served.
  PackedTexts contents;
  std::string schema;  // display name of the schema applied, "" if none
  // variants[0] is the base document; then one per profile found among the files, sorted.
  std::vector<RenderedDocument> variants;
  std::string content_hash;  // identifies the inputs+outputs; equal hash = nothing to republish
  absl::Time built_at;

  // The variant for `profile`; the base when the config has no files for that profile.
  const RenderedDocument& Variant(std::string_view profile) const;
  // Display names indexed by Origin::file: the files' names, then the schema's (when there is
  // one). Built on demand (blame, diagnostics): a version does not keep the names twice.
  std::vector<std::string> Sources() const;
  // Profiles that have their own files, sorted.
  std::vector<std::string> Profiles() const;
  // Approximate resident bytes of this version (documents, sources, renderings).
  size_t ApproximateBytes() const;
};

}  // namespace hearth
