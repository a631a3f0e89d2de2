#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/core/build/config_builder.h"
#include "server/core/build/validation_cache.h"
#include "server/core/dry_runner.h"
#include "server/core/rebuilder.h"
#include "server/core/source/file_system.h"
#include "server/core/store/config_store.h"

namespace hearth {

// The config engine, wiring only: discovery (source/config_discovery.h) finds the configs under
// the roots, the builder (build/) parses, layers, interpolates and validates each one, and the
// results are published into the ConfigStore. No RPC in here; the gRPC service, the watch
// pipeline and the CLI reach it through the narrow Rebuilder and DryRunner interfaces.
//
// Thread-safety: all methods are thread-safe. Rebuilds of the same config are serialised; different
// configs may rebuild concurrently. store() is safe to read from any thread.
class ConfigEngine final : public Rebuilder, public DryRunner {
 public:
  struct Options {
    std::vector<std::string> roots;  // later roots override earlier ones for the same config name
    BuildOptions build;
    uint64_t max_file_bytes = 4u << 20;  // also each ValidateConfig candidate
    // All candidates of one Validate call together (the gRPC message limit bounds them anyway).
    uint64_t max_candidate_bytes = 16u << 20;
    bool allow_external_symlinks = false;  // symlinks resolving outside their root
    int load_threads = 0;                  // 0: std::thread::hardware_concurrency()
    // Where versions are published. Not owned; must outlive the engine. When null the engine
    // creates and owns one, configured by `store_options`.
    ConfigStore* store = nullptr;
    ConfigStore::Options store_options;
    // Validate results kept for identical dry runs (build/validation_cache.h), bounded by
    // bytes and by entries; 0 in either disables the cache.
    size_t validation_cache_bytes = size_t{64} << 20;
    size_t validation_cache_entries = 4096;
  };

  using Report = RebuildReport;
  using Candidate = DryRunCandidate;

  explicit ConfigEngine(Options options, FileSystemPtr fs = nullptr);
  ~ConfigEngine() override;

  // Walks every root, (re)builds every config found, removes configs that vanished. Uses
  // options.load_threads threads. Safe to call again at any time (full rescan).
  Report ScanAll() override;
  // Re-reads and rebuilds the named config (e.g. after its directory changed). If no root holds it
  // any more it is removed.
  Report Rebuild(std::string_view name) override;
  // The config names affected by a change inside absolute directory `dir` (the config at that
  // directory; when a _schema.json may have changed, every config below it too). Names are from
  // the last scan; directories not known yet map to the nearest config name.
  std::vector<std::string> ConfigsUnder(std::string_view dir) const override;

  // Dry run for a config (DryRunner): runs under the same per-build budget
  // (options.build.budget) as a rebuild. Invalid names, a candidate over max_file_bytes, or
  // candidates over max_candidate_bytes together -> INVALID_ARGUMENT. The files on disk and the
  // schema are read on every call; the parse, layering and validation are skipped when the
  // validation cache holds a result for the same name, replace flag, candidates and bytes on
  // disk. Builds that read the environment (${env:...}) or ran out of budget are not cached.
  absl::StatusOr<BuildResult> Validate(std::string_view name, std::vector<Candidate> candidates,
                                       bool replace_on_disk) const override;

  // When the engine last finished building a config (a heartbeat for the reload pipeline: a
  // long full scan still makes progress config by config). InfinitePast before the first.
  absl::Time last_progress() const override;

  // Stops every build in flight at its next budget check, and every later one at its start (for
  // shutdown; there is no undo). Cancelled rebuilds leave the store as it was: last-known-good
  // versions and recorded errors stay. Thread-safe, returns at once.
  void CancelBuilds();

  // Hits, misses and size of the dry-run cache (for metrics).
  const ValidationCache& validation_cache() const;

  ConfigStore& store() { return *store_; }
  const ConfigStore& store() const { return *store_; }
  const Options& options() const { return options_; }

 private:
  class Impl;
  Options options_;
  std::unique_ptr<ConfigStore> owned_store_;  // when options.store was null
  ConfigStore* store_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearth
