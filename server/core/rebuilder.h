#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace hearth {

// What a scan or a rebuild did.
struct RebuildReport {
  size_t configs = 0;                    // configs seen
  size_t published = 0;                  // new versions published
  size_t unchanged = 0;                  // rebuilt, same content: not republished
  size_t failed = 0;                     // rebuild failed (last-known-good kept)
  size_t removed = 0;                    // configs whose directory vanished
  std::vector<std::string> root_errors;  // unreadable roots etc.
  // Directories below a root that exist but cannot be listed ("team: cannot open: Permission
  // denied", relative to the root); the configs in them keep their last-known-good.
  std::vector<std::string> dir_errors;
  // Directories not published because their relative name breaks the config-name rule
  // (config_name.h), one message each naming the directory (cut, escaped).
  std::vector<std::string> skipped_dirs;
};

// What the reload pipeline (server/watch/) needs from the engine, and nothing else: rebuild
// everything, rebuild one config, map a changed directory to the configs it affects, and a
// heartbeat. ConfigEngine implements it; tests may implement it to drive the coordinator.
//
// Thread-safety: implementations are thread-safe.
class Rebuilder {
 public:
  virtual ~Rebuilder() = default;

  // Walks every root, (re)builds every config found, removes configs that vanished.
  virtual RebuildReport ScanAll() = 0;
  // Re-reads and rebuilds config `name`; removes it when no root holds it any more.
  virtual RebuildReport Rebuild(std::string_view name) = 0;
  // The config names affected by a change inside absolute directory `dir`.
  virtual std::vector<std::string> ConfigsUnder(std::string_view dir) const = 0;
  // When a config last finished building (InfinitePast before the first).
  virtual absl::Time last_progress() const = 0;
};

}  // namespace hearth
