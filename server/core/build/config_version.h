#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/core/model/blame.h"
#include "server/core/model/value.h"

namespace hearth {

// One rendering of a config: the merged document for one profile (or one sub-tree of it), with
// its canonical JSON pre-rendered once so that serving it copies nothing.
struct RenderedDocument {
  std::string profile;                      // "" is the base (no profile)
  std::string path;                         // "" is the whole document
  std::shared_ptr<const Value> doc;         // the (sub-)document
  std::shared_ptr<const std::string> json;  // canonical JSON of `doc`
  std::string etag;                         // hex XXH3-128 of `json`
};

// A file that contributed to a config.
struct SourceFile {
  std::string name;     // display name, relative to its root ("payments/00-base.toml")
  std::string path;     // absolute path as read
  std::string profile;  // "" for common files, else the NAME.PROFILE.EXT profile
  uint64_t size = 0;
};

// An immutable, published version of one config. Built by ConfigBuilder, stamped with a revision
// by ConfigStore::Publish, then shared read-only (shared_ptr<const ConfigVersion>) by every reader.
struct ConfigVersion {
  std::string name;                  // "payments", "team-a/billing"
  uint64_t revision = 0;             // global revision at which this version was published
  std::string root;                  // the root directory it was read from
  std::vector<SourceFile> files;     // contributing files in layering order
  std::vector<std::string> sources;  // display names indexed by Origin::file (files, then schema)
  // Text of files[i] as it was parsed. Kept instead of the parsed trees (about a tenth of their
  // memory); Blame() re-parses it, so provenance always matches what is served.
  std::vector<std::string> contents;
  std::string schema;  // display name of the schema applied, "" if none
  // variants[0] is the base document; then one per profile found among the files, sorted.
  std::vector<RenderedDocument> variants;
  std::string content_hash;  // identifies the inputs+outputs; equal hash = nothing to republish
  absl::Time built_at;

  // The variant for `profile`; the base when the config has no files for that profile.
  const RenderedDocument& Variant(std::string_view profile) const;
  // Profiles that have their own files, sorted.
  std::vector<std::string> Profiles() const;
  // Provenance of every leaf of the `profile` variant ("config blame").
  absl::StatusOr<std::vector<BlameEntry>> Blame(std::string_view profile) const;
  // Approximate resident bytes of this version (documents, sources, renderings).
  size_t ApproximateBytes() const;
};

}  // namespace hearth
