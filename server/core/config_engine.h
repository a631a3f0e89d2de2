#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/core/build/config_builder.h"
#include "server/core/source/file_system.h"
#include "server/core/store/config_store.h"

namespace hearth {

// The config engine: discovers configs under the roots, rebuilds them (parse, layer, interpolate,
// validate, render) and publishes the results into its ConfigStore. No RPC in here; the gRPC
// service and the CLI are thin adapters over this class.
//
// Thread-safety: all methods are thread-safe. Rebuilds of the same config are serialised; different
// configs may rebuild concurrently. store() is safe to read from any thread.
class ConfigEngine {
 public:
  struct Options {
    std::vector<std::string> roots;  // later roots override earlier ones for the same config name
    BuildOptions build;
    uint64_t max_file_bytes = 4u << 20;  // also each ValidateConfig candidate
    // All candidates of one Validate call together (the gRPC message limit bounds them anyway).
    uint64_t max_candidate_bytes = 16u << 20;
    bool allow_external_symlinks = false;  // symlinks resolving outside their root
    int load_threads = 0;                  // 0: std::thread::hardware_concurrency()
    ConfigStore::Options store;
  };

  // What a scan or a rebuild did.
  struct Report {
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

  explicit ConfigEngine(Options options, FileSystemPtr fs = nullptr);
  ~ConfigEngine();

  // Walks every root, (re)builds every config found, removes configs that vanished. Uses
  // options.load_threads threads. Safe to call again at any time (full rescan).
  Report ScanAll();
  // Re-reads and rebuilds the named config (e.g. after its directory changed). If no root holds it
  // any more it is removed.
  Report Rebuild(std::string_view name);
  // The config names affected by a change inside absolute directory `dir` (the config at that
  // directory; when a _schema.json may have changed, every config below it too). Names are from
  // the last scan; directories not known yet map to the nearest config name.
  std::vector<std::string> ConfigsUnder(std::string_view dir) const;
  // Maps an absolute directory to its config name if it lies under a root ("" if not).
  std::string NameForDirectory(std::string_view dir) const;

  // Dry run for a config: parses `candidates` (file name + content) layered over the files on disk
  // (or instead of them when replace_on_disk), applies the schema, and returns the result without
  // publishing. Runs under the same per-build budget (options.build.budget) as a rebuild; its
  // errors are in the result. Invalid names, a candidate over max_file_bytes, or candidates over
  // max_candidate_bytes together -> INVALID_ARGUMENT.
  struct Candidate {
    std::string file_name;  // "10-db.yaml" (decides format and profile)
    std::string content;
  };
  absl::StatusOr<BuildResult> Validate(std::string_view name, std::vector<Candidate> candidates,
                                       bool replace_on_disk) const;

  // When the engine last finished building a config (a heartbeat for the reload pipeline: a
  // long full scan still makes progress config by config). InfinitePast before the first.
  absl::Time last_progress() const;

  // Stops every build in flight at its next budget check, and every later one at its start (for
  // shutdown; there is no undo). Cancelled rebuilds leave the store as it was: last-known-good
  // versions and recorded errors stay. Thread-safe, returns at once.
  void CancelBuilds();

  ConfigStore& store() { return *store_; }
  const ConfigStore& store() const { return *store_; }
  const Options& options() const { return options_; }

  // Checks a config name: relative, '/'-separated, no "." / ".." / empty segments, no NUL.
  static absl::Status ValidateName(std::string_view name);

 private:
  class Impl;
  Options options_;
  std::unique_ptr<ConfigStore> store_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearth
