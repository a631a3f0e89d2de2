#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hearth_agent {

// What the agent last applied for one output: the server's document bytes (JSON, or the
// rendering in the output's format), its etag and revision. On disk as
// `<dir>/<output id>.snapshot`, written atomically.
struct Snapshot {
  std::string etag;           // hearthd's etag of `document`: its XXH3-128 in hex
  std::string document_etag;  // the version's canonical etag (what reports name)
  uint64_t revision = 0;
  std::string document;
};

// The XXH3-128 hex digest hearthd uses for etags.
std::string ContentEtag(std::string_view bytes);

// Last-known-good snapshots in one directory. Thread-compatible.
class SnapshotStore {
 public:
  explicit SnapshotStore(std::string dir);
  absl::Status Save(const std::string& output_id, const Snapshot& snapshot) const;
  // NOT_FOUND when there is none; DATA_LOSS when the file is malformed, too large (64 MiB), or
  // its document does not hash to its etag. Never returns a snapshot it could not verify.
  absl::StatusOr<Snapshot> Load(const std::string& output_id) const;

 private:
  std::string dir_;
};

}  // namespace hearth_agent
