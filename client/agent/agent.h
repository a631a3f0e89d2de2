#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/agent/agent_config.h"
#include "client/agent/agent_metrics.h"
#include "client/agent/snapshot_store.h"
#include "client/connection.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "hearth/v1/config_service.grpc.pb.h"

namespace hearth_agent {

// hearth-agent's engine: watches the configs its outputs name, and for each change fetches the
// output's document (GetConfig with its profile, path and format), renders it (a format is
// written as hearthd sent it; a template is expanded over the JSON), stages it beside the
// destination, runs the output's check on the staged file, renames it in place, and runs each
// changed output's action once per batch. It reports every applied or rejected version to
// hearthd (ReportStatus), keeps a verified last-known-good snapshot per output, and when hearthd
// is unreachable keeps (or restores) the files from those snapshots while it reconnects.
//
// Threads: Run()'s caller is the apply loop (fetch, render, check, write, report); one watch
// thread per profile reads a WatchConfigs stream and marks configs dirty; one action thread runs
// actions (with the splay), so a slow webhook never delays the next write. Stop() may be called
// from any thread.
class Agent {
 public:
  struct Options {
    AgentConfig config;
    hearthctl::ConnectionOptions connection;
    bool once = false;                                // render everything once and return
    absl::Duration once_timeout = absl::Seconds(30);  // --once: give up on required outputs
    // Without a stream after this long at start-up, outputs are restored from their snapshots.
    absl::Duration startup_grace = absl::Seconds(2);
    absl::Duration reconnect_initial = absl::Milliseconds(100);
    absl::Duration reconnect_max = absl::Seconds(5);
  };

  explicit Agent(Options options);
  // Stops and joins every thread.
  ~Agent();

  // Blocks until Stop() (or, with `once`, until every output was written once). Returns the
  // process exit code: 0, or 1 when `once` could not write a required output.
  int Run();
  void Stop();

  // The port /metrics listens on (after Run() started), 0 if none.
  int metrics_port() const { return metrics_port_.load(); }

 private:
  // What one output has on disk, as the status file shows it. Apply-loop only.
  struct OutputState {
    std::string etag;           // hearthd's etag of the document the file was rendered from
    std::string document_etag;  // the version's canonical etag (what reports name)
    uint64_t revision = 0;
    std::string rejected_document_etag;  // last version this output's check refused
    uint64_t rejected_revision = 0;
    std::string reason;  // why it was rejected or failed (no config values)
    enum class Phase { kPending, kApplied, kRejected, kError } phase = Phase::kPending;
    bool from_snapshot = false;
    absl::Time changed_at = absl::InfinitePast();
  };
  // A fetched document.
  struct Fetched {
    bool not_modified = false;
    std::string document;  // json, or the format's content
    std::string etag;
    std::string document_etag;
    uint64_t revision = 0;
    std::vector<std::string> errors;  // the config's current rebuild errors (last-known-good)
  };
  // One action to run for the outputs that changed, after a random wait in [0, splay].
  struct QueuedAction {
    Action action;
    std::vector<std::string> outputs;  // their ids
    absl::Duration splay = absl::ZeroDuration();
  };
  struct Batch {
    std::map<std::string, QueuedAction> actions;         // by Action::Key()
    std::vector<std::pair<size_t, Snapshot>> snapshots;  // to save once the files are in place
    absl::Time last_commit = absl::InfinitePast();       // the last destination renamed
  };

  bool Stopping();
  // Waits `d` unless Stop() comes first; false when stopping.
  bool SleepUnlessStopped(absl::Duration d);
  void WatchLoop(std::string profile, std::vector<std::string> names);
  void MarkDirty(const std::string& config, absl::Time at);
  void ActionLoop();

  // Apply loop.
  int RunOnce();
  absl::StatusOr<Fetched> Fetch(const Output& output, const std::string& if_none_match);
  // Renders, stages, checks and commits `document` for output `index`. True when the destination
  // was replaced; the output's action is then added to `batch`.
  bool Apply(size_t index, const Fetched& fetched, bool from_snapshot, Batch* batch);
  absl::StatusOr<std::string> RenderOutput(const Output& output, const std::string& document);
  // Fetches, renders and applies `outputs` (index -> when its first pending change arrived),
  // then reports their configs and dispatches the batch's actions.
  void ProcessOutputs(const std::map<size_t, absl::Time>& outputs);
  void SaveSnapshots(const Batch& batch);
  void RestoreFromSnapshots();
  void Report(const std::set<std::string>& configs);
  void Heartbeat();
  void WriteStatus();
  void Dispatch(Batch batch);

  const Options options_;
  const AgentConfig& config_;
  std::string client_id_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<hearth::v1::ConfigService::Stub> stub_;
  std::unique_ptr<SnapshotStore> snapshots_;
  AgentMetrics metrics_;
  std::atomic<int> metrics_port_{0};
  std::multimap<std::string, size_t> outputs_by_config_;  // config name -> output index
  std::vector<OutputState> states_;                       // apply loop only
  absl::Duration lease_ = absl::Seconds(30);              // from the last report's answer
  absl::Time last_report_ = absl::InfinitePast();

  absl::Mutex mu_;
  absl::CondVar cv_;  // any change below
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool status_changed_ ABSL_GUARDED_BY(mu_) = false;  // connection state: rewrite the status
  struct DirtyTimes {
    absl::Time first;  // the first change not yet applied
    absl::Time last;   // the newest
  };
  std::map<size_t, DirtyTimes> dirty_ ABSL_GUARDED_BY(mu_);  // output index -> its changes
  int streams_up_ ABSL_GUARDED_BY(mu_) = 0;
  bool ever_connected_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<grpc::ClientContext*> open_streams_ ABSL_GUARDED_BY(mu_);  // cancelled by Stop()
  std::deque<QueuedAction> action_queue_ ABSL_GUARDED_BY(mu_);

  std::vector<std::thread> watchers_;
  std::thread action_thread_;
};

}  // namespace hearth_agent
