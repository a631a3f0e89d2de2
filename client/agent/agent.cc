#include "client/agent/agent.h"

#include <unistd.h>

#include <algorithm>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "client/agent/actions.h"
#include "client/agent/agent_log.h"
#include "client/agent/atomic_file.h"
#include "client/agent/process_runner.h"
#include "client/agent/template_renderer.h"
#include "client/json_tree.h"

namespace hearth_agent {
namespace v1 = ::hearth::v1;

namespace {

// ReportStatus takes at most this many configs per call (the server's limit).
constexpr size_t kMaxConfigsPerReport = 256;

v1::DocumentFormat ProtoFormat(const std::string& format) {
  if (format == "yaml") return v1::DOCUMENT_FORMAT_YAML;
  if (format == "toml") return v1::DOCUMENT_FORMAT_TOML;
  if (format == "env") return v1::DOCUMENT_FORMAT_ENV;
  if (format == "properties") return v1::DOCUMENT_FORMAT_PROPERTIES;
  return v1::DOCUMENT_FORMAT_JSON;  // json, and templates (expanded over the JSON)
}

const char* ActionKindName(Action::Kind kind) {
  switch (kind) {
    case Action::Kind::kNone:
      return "none";
    case Action::Kind::kSignal:
      return "signal";
    case Action::Kind::kWebhook:
      return "webhook";
    case Action::Kind::kExec:
      return "exec";
  }
  return "none";
}

std::string Hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "hearth-agent";
  return name;
}

// A uniform random duration in [0, max].
absl::Duration Jitter(absl::Duration max) {
  if (max <= absl::ZeroDuration()) return absl::ZeroDuration();
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<int64_t> dist(0, absl::ToInt64Microseconds(max));
  return absl::Microseconds(dist(rng));
}

std::string TimeText(absl::Time t) {
  if (t == absl::InfinitePast()) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

}  // namespace

Agent::Agent(Options options) : options_(std::move(options)), config_(options_.config) {
  client_id_ = config_.client_id.empty() ? Hostname() : config_.client_id;
  hearthctl::ConnectionOptions connection = options_.connection;
  connection.server = config_.server;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = hearthctl::MakeChannel(connection);
  if (channel.ok()) {
    channel_ = *std::move(channel);
    stub_ = v1::ConfigService::NewStub(channel_);
  } else {
    LogError(absl::StrCat("cannot make a channel to ", config_.server, ": ",
                          channel.status().message()));
  }
  if (!config_.state_dir.empty()) snapshots_ = std::make_unique<SnapshotStore>(config_.state_dir);
  for (size_t i = 0; i < config_.outputs.size(); ++i) {
    outputs_by_config_.emplace(config_.outputs[i].config, i);
  }
  states_.resize(config_.outputs.size());
}

Agent::~Agent() {
  Stop();
  for (std::thread& t : watchers_) t.join();
  if (action_thread_.joinable()) action_thread_.join();
}

void Agent::Stop() {
  absl::MutexLock lock(&mu_);
  stop_ = true;
  for (grpc::ClientContext* context : open_streams_) context->TryCancel();
  cv_.SignalAll();
}

bool Agent::Stopping() {
  absl::MutexLock lock(&mu_);
  return stop_;
}

bool Agent::SleepUnlessStopped(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  const absl::Time deadline = absl::Now() + d;
  while (!stop_ && absl::Now() < deadline) cv_.WaitWithDeadline(&mu_, deadline);
  return !stop_;
}

int Agent::Run() {
  if (stub_ == nullptr) return 2;
  for (const auto& [dir, mode] :
       {std::pair{config_.state_dir, 0700},
        std::pair{config_.status_file.substr(0, config_.status_file.rfind('/')), 0755}}) {
    if (absl::Status s = MakeDirectories(dir, static_cast<mode_t>(mode)); !s.ok()) {
      LogError(s.message());
      return 2;
    }
  }
  if (!config_.metrics_listen.empty()) {
    absl::StatusOr<int> port = metrics_.Serve(config_.metrics_listen);
    if (!port.ok()) {
      LogError(port.status().message());
      return 2;
    }
    metrics_port_ = *port;
    LogInfo(absl::StrCat("metrics on ", config_.metrics_listen, " (port ", *port, ")"));
  }
  if (options_.once) return RunOnce();

  action_thread_ = std::thread([this] { ActionLoop(); });
  std::map<std::string, std::set<std::string>> names_by_profile;
  for (const Output& output : config_.outputs)
    names_by_profile[output.profile].insert(output.config);
  for (auto& [profile, names] : names_by_profile) {
    watchers_.emplace_back(
        [this, profile = profile, names = std::vector<std::string>(names.begin(), names.end())] {
          WatchLoop(profile, names);
        });
  }
  LogInfo(absl::StrCat("watching ", outputs_by_config_.size(), " output(s) of ",
                       config_.outputs.size() == 0 ? 0 : names_by_profile.size(), " profile(s) on ",
                       config_.server, " as ", client_id_));
  WriteStatus();

  const absl::Time started = absl::Now();
  bool restored = false;
  while (true) {
    std::map<size_t, absl::Time> ready_outputs;  // output index -> its first change's arrival
    bool write_status = false;
    {
      absl::MutexLock lock(&mu_);
      while (true) {
        if (stop_) break;
        const absl::Time now = absl::Now();
        absl::Time wake = last_report_ + lease_ / 3;
        if (!restored && !ever_connected_) wake = std::min(wake, started + options_.startup_grace);
        // Each output by its own debounce: quiet for debounce_min, at most debounce_max.
        for (auto it = dirty_.begin(); it != dirty_.end();) {
          const Output& output = config_.outputs[it->first];
          const absl::Time ready = std::min(it->second.last + output.debounce_min,
                                            it->second.first + output.debounce_max);
          if (now >= ready) {
            ready_outputs.emplace(it->first, it->second.first);
            it = dirty_.erase(it);
          } else {
            wake = std::min(wake, ready);
            ++it;
          }
        }
        if (!ready_outputs.empty() || status_changed_ || now >= wake) break;
        cv_.WaitWithDeadline(&mu_, wake);
      }
      if (stop_) break;
      write_status = status_changed_;
      status_changed_ = false;
      if (!restored && ever_connected_) restored = true;  // the watch decides from now on
    }
    if (!restored && absl::Now() >= started + options_.startup_grace) {
      restored = true;
      RestoreFromSnapshots();
    }
    if (!ready_outputs.empty()) {
      ProcessOutputs(ready_outputs);
    } else if (write_status) {
      WriteStatus();
    }
    if (absl::Now() >= last_report_ + lease_ / 3) Heartbeat();
  }
  // Going away: hearthd forgets this client at once instead of after its lease.
  v1::ReportStatusRequest leaving;
  leaving.set_client_id(client_id_);
  leaving.set_leaving(true);
  v1::ReportStatusResponse ignored;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
  stub_->ReportStatus(&context, leaving, &ignored).ok();
  WriteStatus();  // connected: false, the agent is going away
  LogInfo("stopped");
  return 0;
}

void Agent::WatchLoop(std::string profile, std::vector<std::string> names) {
  absl::Duration backoff = options_.reconnect_initial;
  uint64_t since_revision = 0;
  std::string instance_id;
  int failures = 0;  // since the stream was last up
  while (true) {
    grpc::ClientContext context;
    // Wait for the channel instead of failing fast: the stream opens as soon as hearthd is back.
    context.set_wait_for_ready(true);
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      open_streams_.push_back(&context);
    }
    v1::WatchConfigsRequest request;
    for (const std::string& name : names) request.add_names(name);
    request.set_profile(profile);
    request.set_client_id(client_id_);
    request.set_since_revision(since_revision);
    request.set_instance_id(instance_id);
    std::unique_ptr<grpc::ClientReader<v1::WatchConfigsResponse>> reader =
        stub_->WatchConfigs(&context, request);
    v1::WatchConfigsResponse message;
    bool up = false;
    while (reader->Read(&message)) {
      const absl::Time at = absl::Now();
      if (!up) {
        up = true;
        if (failures > 0) {
          LogInfo(absl::StrCat("watch of profile \"", profile, "\" reconnected to ", config_.server,
                               " after ", failures, " attempt(s)"));
        }
        failures = 0;
        backoff = options_.reconnect_initial;
        absl::MutexLock lock(&mu_);
        ever_connected_ = true;
        ++streams_up_;
        status_changed_ = true;
        metrics_.SetConnected(true);
        cv_.SignalAll();
      }
      switch (message.type()) {
        case v1::WATCH_EVENT_TYPE_SNAPSHOT:
        case v1::WATCH_EVENT_TYPE_UPDATED:
        case v1::WATCH_EVENT_TYPE_DELETED:
          MarkDirty(message.name(), at);
          break;
        case v1::WATCH_EVENT_TYPE_ERROR:
          LogWarn(absl::StrCat("config ", message.name(), ": its last rebuild failed (",
                               message.errors_size(), " error(s)); hearthd keeps serving revision ",
                               message.revision()));
          break;
        case v1::WATCH_EVENT_TYPE_PROGRESS:
          since_revision = std::max(since_revision, message.global_revision());
          if (!message.instance_id().empty()) instance_id = message.instance_id();
          if (message.snapshot_end()) {
            LogInfo(absl::StrCat("watch of profile \"", profile, "\" synced at revision ",
                                 message.global_revision()));
          }
          break;
        default:
          break;
      }
    }
    const grpc::Status status = reader->Finish();
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      open_streams_.erase(std::find(open_streams_.begin(), open_streams_.end(), &context));
      if (up) {
        --streams_up_;
        status_changed_ = true;
        metrics_.SetConnected(streams_up_ > 0);
        cv_.SignalAll();
      }
      stopping = stop_;
    }
    if (stopping) return;
    const absl::Duration wait = backoff / 2 + Jitter(backoff / 2);
    // The first failure is news; the retries that follow are not (debug).
    Log(failures++ == 0 ? LogLevel::kWarn : LogLevel::kDebug,
        absl::StrCat("watch stream to ", config_.server,
                     " ended: ", hearthctl::StatusCodeName(status.error_code()), ": ",
                     status.error_message(), "; reconnecting in ", absl::FormatDuration(wait)));
    metrics_.Reconnect();
    if (!SleepUnlessStopped(wait)) return;
    backoff = std::min(backoff * 2, options_.reconnect_max);
  }
}

void Agent::MarkDirty(const std::string& config, absl::Time at) {
  absl::MutexLock lock(&mu_);
  auto [begin, end] = outputs_by_config_.equal_range(config);
  for (auto it = begin; it != end; ++it) {
    auto [times, added] = dirty_.try_emplace(it->second, DirtyTimes{at, at});
    if (!added) times->second.last = at;
  }
  cv_.SignalAll();
}

absl::StatusOr<Agent::Fetched> Agent::Fetch(const Output& output,
                                            const std::string& if_none_match) {
  v1::GetConfigRequest request;
  request.set_name(output.config);
  request.set_profile(output.profile);
  request.set_path(output.path);
  request.set_format(ProtoFormat(output.format));
  request.set_if_none_match(if_none_match);
  request.set_client_id(client_id_);
  v1::GetConfigResponse response;
  grpc::ClientContext context;
  hearthctl::SetDeadline(options_.connection, &context);
  const grpc::Status status = stub_->GetConfig(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(
        static_cast<absl::StatusCode>(status.error_code()),
        absl::StrCat("GetConfig ", output.config, ": ",
                     hearthctl::StatusCodeName(status.error_code()), ": ", status.error_message()));
  }
  Fetched fetched;
  fetched.not_modified = response.not_modified();
  fetched.document = ProtoFormat(output.format) == v1::DOCUMENT_FORMAT_JSON
                         ? std::move(*response.mutable_json())
                         : std::move(*response.mutable_content());
  fetched.etag = response.etag();
  fetched.document_etag =
      response.document_etag().empty() ? response.etag() : response.document_etag();
  fetched.revision = response.revision();
  fetched.errors.assign(response.errors().begin(), response.errors().end());
  return fetched;
}

absl::StatusOr<std::string> Agent::RenderOutput(const Output& output, const std::string& document) {
  if (output.template_text.empty() && output.template_file.empty()) return document;
  return RenderTemplate(output.template_text, output.template_file, document);
}

bool Agent::Apply(size_t index, const Fetched& fetched, bool from_snapshot, Batch* batch) {
  const Output& output = config_.outputs[index];
  OutputState& state = states_[index];
  const std::string where =
      absl::StrCat("output ", output.id, " (", output.config, " revision ", fetched.revision, ")");
  auto fail = [&](std::string reason) -> bool {
    // Nothing replaced the destination: the app keeps the file it has.
    state.phase = state.etag.empty() ? OutputState::Phase::kError : state.phase;
    if (reason != state.reason) LogError(absl::StrCat(where, ": ", reason));  // once per cause
    state.reason = std::move(reason);
    metrics_.Render(output.id, "error");
    return false;
  };
  absl::StatusOr<std::string> bytes = RenderOutput(output, fetched.document);
  if (!bytes.ok()) return fail(std::string(bytes.status().message()));

  auto applied = [&] {
    state.etag = fetched.etag;
    state.document_etag = fetched.document_etag;
    state.revision = fetched.revision;
    state.phase = OutputState::Phase::kApplied;
    state.reason.clear();
    state.from_snapshot = from_snapshot;
    state.changed_at = absl::Now();
    if (snapshots_ != nullptr && !from_snapshot) {
      // Saved after the batch's files are in place (SaveSnapshots): its fsync is not latency.
      batch->snapshots.push_back({index, Snapshot{fetched.etag, fetched.document_etag,
                                                  fetched.revision, fetched.document}});
    }
  };
  if (FileHolds(output.destination, *bytes)) {
    applied();
    metrics_.Render(output.id, "unchanged");
    return false;
  }
  // A fresh emptyDir has none of the subdirectories an output may name.
  const std::string dir = output.destination.substr(0, output.destination.rfind('/'));
  if (absl::Status s = MakeDirectories(dir, 0755); !s.ok()) return fail(std::string(s.message()));
  absl::StatusOr<StagedFile> staged =
      StagedFile::Create(output.destination, *bytes, output.mode, output.uid, output.gid);
  if (!staged.ok()) return fail(std::string(staged.status().message()));
  if (!output.check.empty()) {
    std::vector<std::string> argv;
    argv.reserve(output.check.size());
    for (const std::string& arg : output.check) {
      argv.push_back(absl::StrReplaceAll(arg, {{"{{file}}", staged->path()}}));
    }
    absl::StatusOr<RunResult> run = RunProcess(argv, output.check_timeout);
    if (!run.ok()) return fail(absl::StrCat("check not run: ", run.status().message()));
    if (run->exit_code != 0 || run->timed_out) {
      // The staged file is removed with `staged`; the destination is untouched.
      state.phase = OutputState::Phase::kRejected;
      state.rejected_document_etag = fetched.document_etag;
      state.rejected_revision = fetched.revision;
      state.reason =
          run->timed_out
              ? absl::StrCat("check timed out after ", absl::FormatDuration(output.check_timeout))
              : absl::StrCat("check exited ", run->exit_code, run->stderr_head.empty() ? "" : ": ",
                             run->stderr_head);
      metrics_.CheckRejected(output.id);
      metrics_.Render(output.id, "rejected");
      LogWarn(absl::StrCat(where, ": rejected, ", output.destination,
                           " keeps its previous version: ", state.reason));
      return false;
    }
  }
  if (absl::Status s = staged->Commit(); !s.ok()) return fail(std::string(s.message()));
  batch->last_commit = absl::Now();
  applied();
  metrics_.Render(output.id, "written");
  LogInfo(absl::StrCat(where, ": wrote ", output.destination,
                       from_snapshot ? " from its local snapshot" : "", " (etag ",
                       fetched.etag.substr(0, 16), ")"));
  if (output.action.kind != Action::Kind::kNone) {
    QueuedAction& queued = batch->actions[output.action.Key()];
    queued.action = output.action;
    queued.outputs.push_back(output.id);
    queued.splay = std::max(queued.splay, output.splay);  // the longest any of them asks for
  }
  return true;
}

void Agent::ProcessOutputs(const std::map<size_t, absl::Time>& outputs) {
  Batch batch;
  std::set<std::string> configs;
  for (const auto& [index, first_event] : outputs) {
    configs.insert(config_.outputs[index].config);
    OutputState& state = states_[index];
    absl::StatusOr<Fetched> fetched = Fetch(config_.outputs[index], state.etag);
    if (!fetched.ok()) {
      state.reason = std::string(fetched.status().message());
      if (state.etag.empty()) state.phase = OutputState::Phase::kError;
      metrics_.Render(config_.outputs[index].id, "error");
      LogWarn(absl::StrCat("output ", config_.outputs[index].id, ": ", state.reason,
                           state.etag.empty() ? "" : "; the file keeps its current version"));
      continue;
    }
    if (fetched->not_modified) {
      // Current (or withheld: this client rejected what is served, and keeps what it has).
      if (state.from_snapshot) {
        state.from_snapshot = false;
        LogInfo(absl::StrCat("output ", config_.outputs[index].id,
                             ": hearthd confirms the snapshot's version"));
      }
      continue;
    }
    if (Apply(index, *fetched, /*from_snapshot=*/false, &batch)) {
      metrics_.ObserveApply(batch.last_commit - first_event);
    }
  }
  SaveSnapshots(batch);
  Report(configs);
  WriteStatus();
  Dispatch(std::move(batch));
}

void Agent::SaveSnapshots(const Batch& batch) {
  for (const auto& [index, snapshot] : batch.snapshots) {
    const std::string& id = config_.outputs[index].id;
    if (absl::Status s = snapshots_->Save(id, snapshot); !s.ok()) {
      LogWarn(absl::StrCat("output ", id, ": snapshot not saved: ", s.message()));
    }
  }
}

void Agent::RestoreFromSnapshots() {
  Batch batch;
  int restored = 0;
  for (size_t i = 0; i < config_.outputs.size(); ++i) {
    const Output& output = config_.outputs[i];
    if (states_[i].phase != OutputState::Phase::kPending) continue;
    if (snapshots_ == nullptr) break;
    absl::StatusOr<Snapshot> snapshot = snapshots_->Load(output.id);
    if (!snapshot.ok()) {
      states_[i].reason =
          absl::StrCat("hearthd unreachable and no usable snapshot: ", snapshot.status().message());
      LogWarn(absl::StrCat("output ", output.id, ": ", states_[i].reason));
      continue;
    }
    Fetched fetched;
    fetched.document = std::move(snapshot->document);
    fetched.etag = std::move(snapshot->etag);
    fetched.document_etag = std::move(snapshot->document_etag);
    fetched.revision = snapshot->revision;
    Apply(i, fetched, /*from_snapshot=*/true, &batch);
    if (states_[i].phase == OutputState::Phase::kApplied) ++restored;
  }
  metrics_.SetFromSnapshot(restored);
  LogWarn(absl::StrCat("hearthd at ", config_.server, " is unreachable; ", restored, " of ",
                       config_.outputs.size(),
                       " output(s) serve their last-known-good snapshot while the agent "
                       "reconnects"));
  WriteStatus();
  Dispatch(std::move(batch));
}

void Agent::Report(const std::set<std::string>& configs) {
  // One entry per (config, profile): REJECTED when an output's check refused the newest version
  // it was sent, APPLIED when every output of the pair holds one version.
  std::vector<v1::AppliedConfig> entries;
  for (const std::string& config : configs) {
    std::map<std::string, std::vector<size_t>> by_profile;
    auto [begin, end] = outputs_by_config_.equal_range(config);
    for (auto it = begin; it != end; ++it) {
      by_profile[config_.outputs[it->second].profile].push_back(it->second);
    }
    for (const auto& [profile, indexes] : by_profile) {
      v1::AppliedConfig entry;
      entry.set_name(config);
      entry.set_profile(profile);
      bool all_applied = true;
      std::string etag;
      for (size_t i : indexes) {
        const OutputState& s = states_[i];
        if (s.phase == OutputState::Phase::kRejected) {
          entry.set_outcome(v1::APPLY_OUTCOME_REJECTED);
          entry.set_etag(s.rejected_document_etag);
          entry.set_revision(s.rejected_revision);
          entry.set_reason(s.reason.substr(0, 1024));
          break;
        }
        if (s.phase != OutputState::Phase::kApplied || s.from_snapshot ||
            (!etag.empty() && etag != s.document_etag)) {
          all_applied = false;
          continue;
        }
        etag = s.document_etag;
        entry.set_etag(s.document_etag);
        entry.set_revision(s.revision);
      }
      if (entry.outcome() == v1::APPLY_OUTCOME_REJECTED) {
        entries.push_back(std::move(entry));
      } else if (all_applied && !etag.empty()) {
        entry.set_outcome(v1::APPLY_OUTCOME_APPLIED);
        entries.push_back(std::move(entry));
      }
    }
  }
  for (size_t start = 0; start == 0 || start < entries.size(); start += kMaxConfigsPerReport) {
    v1::ReportStatusRequest request;
    request.set_client_id(client_id_);
    for (const auto& [key, value] : config_.labels) (*request.mutable_labels())[key] = value;
    for (size_t i = start; i < std::min(entries.size(), start + kMaxConfigsPerReport); ++i) {
      *request.add_configs() = entries[i];
    }
    v1::ReportStatusResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    const grpc::Status status = stub_->ReportStatus(&context, request, &response);
    metrics_.Report(status.ok());
    if (!status.ok()) {
      LogDebug(absl::StrCat("ReportStatus: ", hearthctl::StatusCodeName(status.error_code()), ": ",
                            status.error_message()));
      break;
    }
    if (response.lease_seconds() > 0) lease_ = absl::Seconds(response.lease_seconds());
    last_report_ = absl::Now();
    if (entries.size() <= kMaxConfigsPerReport) break;
  }
  if (last_report_ < absl::Now() - lease_ / 3) last_report_ = absl::Now();  // retry later
}

void Agent::Heartbeat() {
  // The whole state: a restarted hearthd learns it again within a third of a lease.
  std::set<std::string> all;
  for (const auto& [config, index] : outputs_by_config_) all.insert(config);
  Report(all);
}

void Agent::Dispatch(Batch batch) {
  if (batch.actions.empty()) return;
  absl::MutexLock lock(&mu_);
  for (auto& [action_key, entry] : batch.actions) {
    const std::string& key = action_key;  // a lambda cannot capture a structured binding (C++17)
    auto queued = std::find_if(action_queue_.begin(), action_queue_.end(),
                               [&key](const QueuedAction& q) { return q.action.Key() == key; });
    if (queued != action_queue_.end()) {
      // Not run yet: the same action covers both batches.
      for (std::string& id : entry.outputs) {
        if (std::find(queued->outputs.begin(), queued->outputs.end(), id) ==
            queued->outputs.end()) {
          queued->outputs.push_back(std::move(id));
        }
      }
      queued->splay = std::max(queued->splay, entry.splay);
      continue;
    }
    action_queue_.push_back(std::move(entry));
  }
  cv_.SignalAll();
}

void Agent::ActionLoop() {
  while (true) {
    QueuedAction next;
    {
      absl::MutexLock lock(&mu_);
      while (!stop_ && action_queue_.empty()) cv_.Wait(&mu_);
      if (stop_) return;
      next = std::move(action_queue_.front());
      action_queue_.pop_front();
    }
    if (next.splay > absl::ZeroDuration() && !SleepUnlessStopped(Jitter(next.splay))) return;
    const absl::Status status = RunAction(next.action, next.outputs);
    metrics_.Action(ActionKindName(next.action.kind), status.ok());
    const std::string outputs = absl::StrJoin(next.outputs, ", ");
    if (status.ok()) {
      LogInfo(absl::StrCat(ActionKindName(next.action.kind), " action done for ", outputs));
    } else {
      LogError(absl::StrCat(ActionKindName(next.action.kind), " action failed for ", outputs, ": ",
                            status.message()));
    }
  }
}

int Agent::RunOnce() {
  const absl::Time deadline = absl::Now() + options_.once_timeout;
  std::vector<size_t> remaining(config_.outputs.size());
  for (size_t i = 0; i < remaining.size(); ++i) remaining[i] = i;
  absl::Duration backoff = options_.reconnect_initial;
  std::set<std::string> last_errors;
  Batch ignored;  // --once runs no actions: the app it would reload has not started
  while (!remaining.empty() && absl::Now() < deadline && !Stopping()) {
    std::vector<size_t> still;
    for (size_t i : remaining) {
      absl::StatusOr<Fetched> fetched = Fetch(config_.outputs[i], "");
      if (fetched.ok()) {
        Apply(i, *fetched, /*from_snapshot=*/false, &ignored);  // logs its own failures
        if (states_[i].phase == OutputState::Phase::kApplied) continue;
      } else {
        states_[i].reason = std::string(fetched.status().message());
        if (last_errors.insert(states_[i].reason).second) {
          LogWarn(absl::StrCat("output ", config_.outputs[i].id, ": ", states_[i].reason,
                               "; retrying"));
        }
      }
      still.push_back(i);
    }
    remaining.swap(still);
    if (remaining.empty()) break;
    const absl::Duration wait = std::min(backoff, deadline - absl::Now());
    if (wait <= absl::ZeroDuration() || !SleepUnlessStopped(wait)) break;
    backoff = std::min(backoff * 2, options_.reconnect_max);
  }
  int failed = 0;
  for (size_t i : remaining) {
    const Output& output = config_.outputs[i];
    if (snapshots_ != nullptr) {
      absl::StatusOr<Snapshot> snapshot = snapshots_->Load(output.id);
      if (snapshot.ok()) {
        Fetched fetched{false,
                        std::move(snapshot->document),
                        snapshot->etag,
                        snapshot->document_etag,
                        snapshot->revision,
                        {}};
        Apply(i, fetched, /*from_snapshot=*/true, &ignored);
        if (states_[i].phase == OutputState::Phase::kApplied) {
          LogWarn(absl::StrCat("output ", output.id, ": written from its local snapshot"));
          continue;
        }
      }
    }
    if (output.required) {
      ++failed;
      LogError(absl::StrCat("output ", output.id, ": not written within ",
                            absl::FormatDuration(options_.once_timeout), ": ", states_[i].reason));
    }
  }
  SaveSnapshots(ignored);
  std::set<std::string> all;
  for (const auto& [config, index] : outputs_by_config_) all.insert(config);
  Report(all);
  WriteStatus();
  return failed == 0 ? 0 : 1;
}

void Agent::WriteStatus() {
  if (config_.status_file.empty()) return;
  int streams_up;
  bool ever_connected;
  {
    absl::MutexLock lock(&mu_);
    streams_up = stop_ ? 0 : streams_up_;
    ever_connected = ever_connected_;
  }
  using hearthctl::JsonQuote;
  std::string json = absl::StrCat("{\"pid\":", getpid(), ",\"client_id\":", JsonQuote(client_id_),
                                  ",\"server\":", JsonQuote(config_.server),
                                  ",\"connected\":", streams_up > 0 ? "true" : "false",
                                  ",\"ever_connected\":", ever_connected ? "true" : "false",
                                  ",\"updated_at\":\"", TimeText(absl::Now()), "\",\"outputs\":[");
  for (size_t i = 0; i < config_.outputs.size(); ++i) {
    const Output& o = config_.outputs[i];
    const OutputState& s = states_[i];
    const char* phase = "pending";
    if (s.phase == OutputState::Phase::kApplied) phase = s.from_snapshot ? "snapshot" : "applied";
    if (s.phase == OutputState::Phase::kRejected) phase = "rejected";
    if (s.phase == OutputState::Phase::kError) phase = "error";
    absl::StrAppend(&json, i == 0 ? "" : ",", "{\"id\":", JsonQuote(o.id),
                    ",\"config\":", JsonQuote(o.config), ",\"profile\":", JsonQuote(o.profile),
                    ",\"destination\":", JsonQuote(o.destination), ",\"state\":\"", phase,
                    "\",\"required\":", o.required ? "true" : "false", ",\"revision\":", s.revision,
                    ",\"etag\":\"", s.etag, "\",\"document_etag\":\"", s.document_etag,
                    "\",\"reason\":", JsonQuote(s.reason), ",\"changed_at\":\"",
                    TimeText(s.changed_at), "\"}");
  }
  json += "]}\n";
  absl::StatusOr<StagedFile> staged =
      StagedFile::Create(config_.status_file, json, 0644, std::nullopt, std::nullopt);
  absl::Status s = staged.ok() ? staged->Commit() : staged.status();
  if (!s.ok()) LogWarn(absl::StrCat("status file not written: ", s.message()));
}

}  // namespace hearth_agent
