#include "server/rpc/watch_reactor.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/config_name.h"
#include "server/rpc/status_util.h"
#include "server/rpc/watch_hub.h"

namespace hearth::rpc {
namespace {

// Bounds the filter before anything is copied: matching every change against a huge list costs
// CPU for the stream's whole life (300k prefixes cost 10 s of CPU).
absl::Status ValidateFilter(const v1::WatchConfigsRequest& request, const WatchHub::Options& o) {
  const size_t entries =
      static_cast<size_t>(request.names_size()) + static_cast<size_t>(request.prefixes_size());
  if (entries > o.max_filter_entries) {
    return absl::InvalidArgumentError(absl::StrCat("too many names and prefixes (", entries,
                                                   "); at most ", o.max_filter_entries));
  }
  size_t bytes = 0;
  for (const std::string& name : request.names()) bytes += name.size();
  for (const std::string& prefix : request.prefixes()) bytes += prefix.size();
  if (bytes > o.max_filter_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("names and prefixes total ", bytes, " bytes; at most ", o.max_filter_bytes));
  }
  for (const std::string& name : request.names()) {
    if (absl::Status s = ValidateConfigName(name); !s.ok()) return s;
  }
  for (const std::string& prefix : request.prefixes()) {
    if (absl::Status s = ValidateConfigNamePrefix(prefix); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

grpc::ServerWriteReactor<v1::WatchConfigsResponse>* WatchReactor::Start(
    WatchHub* hub, const v1::WatchConfigsRequest& request) {
  absl::Status status = ValidateFilter(request, hub->options());
  // A refused filter is not copied into the stream.
  std::shared_ptr<WatchReactor> stream(
      new WatchReactor(hub, status.ok() ? request : v1::WatchConfigsRequest()));
  stream->self_ = stream;
  if (!status.ok()) {
    stream->End(ToGrpcStatus(status));
    return stream.get();
  }

  // Decide between a fresh snapshot, a resume, and a reset (the resume point is not trusted).
  // Set before Register() makes the stream visible to other threads.
  const ConfigStore& store = hub->store();
  const uint64_t since = request.since_revision();
  const bool foreign =
      !request.instance_id().empty() && request.instance_id() != hub->options().instance_id;
  const bool reset =
      since > 0 && (since < store.compacted_revision() || since > store.revision() || foreign);
  stream->resume_ = since > 0 && !reset;
  stream->reset_ = reset;
  {
    absl::MutexLock lock(&stream->mu_);
    stream->scheduled_ = true;  // the first Pump is posted below
  }
  status = hub->Register(stream);
  if (!status.ok()) {
    stream->End(ToGrpcStatus(status));
    return stream.get();
  }
  if (!hub->Post([stream] { stream->Pump(); })) {
    stream->End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down"));
  }
  return stream.get();
}

WatchReactor::WatchReactor(WatchHub* hub, const v1::WatchConfigsRequest& request)
    : hub_(hub),
      names_(request.names().begin(), request.names().end()),
      prefixes_(request.prefixes().begin(), request.prefixes().end()),
      profile_(request.profile()),
      include_json_(request.include_json()),
      since_revision_(request.since_revision()) {}

bool WatchReactor::Matches(std::string_view name) const {
  if (names_.empty() && prefixes_.empty()) return true;
  if (names_.contains(Sv(name))) return true;
  for (const std::string& p : prefixes_) {
    if (name.starts_with(p)) return true;
  }
  return false;
}

bool WatchReactor::OnChange(const ConfigStore::Change& change) {
  if (!Matches(change.name)) return false;
  absl::MutexLock lock(&mu_);
  if (finish_claimed_ || cancelled_ || end_status_) return false;
  auto [it, inserted] = dirty_.try_emplace(change.name);
  it->second.revision = change.revision;
  if (!inserted) {
    ++coalesced_;
    hub_->CountCoalesced();
  } else if (dirty_.size() > hub_->options().max_dirty_per_stream) {
    // Too much has changed to track name by name: resend everything instead.
    coalesced_ += dirty_.size();
    hub_->CountCoalesced(dirty_.size());
    dirty_.clear();
    dirty_order_.clear();
    resync_ = true;
  } else {
    dirty_order_.push_back(change.name);
  }
  if (writing_ || scheduled_) return false;
  scheduled_ = true;
  return true;
}

bool WatchReactor::MarkProgressDue() {
  absl::MutexLock lock(&mu_);
  if (finish_claimed_ || cancelled_ || end_status_) return false;
  progress_due_ = true;
  if (writing_ || scheduled_) return false;
  scheduled_ = true;
  return true;
}

void WatchReactor::End(grpc::Status status) {
  Action action;
  {
    absl::MutexLock lock(&mu_);
    if (!end_status_) end_status_ = std::move(status);
    action = Claim();
  }
  Perform(action, /*on_sender=*/false);
}

void WatchReactor::Pump() {
  Action action;
  {
    absl::MutexLock lock(&mu_);
    scheduled_ = false;
    action = Claim();
  }
  Perform(action, /*on_sender=*/true);
}

void WatchReactor::OnWriteDone(bool ok) {
  if (ok) hub_->CountSent();
  Action action;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) cancelled_ = true;  // the client is gone
    action = Claim();
  }
  Perform(action, /*on_sender=*/false);
}

void WatchReactor::OnCancel() {
  Action action;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    action = Claim();
  }
  Perform(action, /*on_sender=*/false);
}

void WatchReactor::OnDone() {
  hub_->Unregister(this);
  std::shared_ptr<WatchReactor> self = std::move(self_);
  // `self` may be the last reference: nothing after this line.
}

WatchReactor::Action WatchReactor::Claim() {
  if (writing_ || finish_claimed_) return Action::kNone;
  if (cancelled_ || end_status_) {
    finish_claimed_ = true;
    finish_status_ =
        end_status_ ? *end_status_ : grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled");
    return Action::kFinish;
  }
  if (resync_) {
    resync_ = false;
    live_ = false;
    // Taking the writer role: the writer-only fields are ours from here.
    phase_ = Phase::kStartSnapshot;
    resume_ = false;
    reset_ = true;
    writing_ = true;
    return Action::kWrite;
  }
  if (!live_) {
    writing_ = true;
    return Action::kWrite;
  }
  while (!dirty_order_.empty()) {
    std::string name = std::move(dirty_order_.front());
    dirty_order_.pop_front();
    auto it = dirty_.find(name);
    const uint64_t revision = it->second.revision;
    dirty_.erase(it);
    // Changes up to the snapshot's revision are already reflected in it.
    if (revision <= snapshot_revision_) continue;
    next_name_ = std::move(name);
    next_revision_ = revision;
    next_is_progress_ = false;
    writing_ = true;
    return Action::kWrite;
  }
  if (progress_due_) {
    progress_due_ = false;
    // Read with the dirty set empty: every change up to it has been written.
    next_progress_revision_ = hub_->seen_revision();
    next_is_progress_ = true;
    writing_ = true;
    return Action::kWrite;
  }
  return Action::kNone;
}

void WatchReactor::Perform(Action action, bool on_sender) {
  while (true) {
    switch (action) {
      case Action::kNone:
        return;
      case Action::kFinish:
        Finish(finish_status_);
        return;
      case Action::kWrite:
        if (BuildNext(on_sender, &action)) {
          StartWrite(&current_);
          return;
        }
        break;  // the writer role was released; `action` is what comes next
    }
  }
}

bool WatchReactor::BuildNext(bool on_sender, Action* next) {
  if (phase_ == Phase::kStartSnapshot) {
    snapshot_revision_ = hub_->seen_revision();
    batch_.clear();
    batch_pos_ = 0;
    batch_exhausted_ = false;
    cursor_name_.clear();
    cursor_revision_ = 0;
    phase_ = Phase::kSnapshot;
    if (reset_) {
      hub_->CountReset();
      FillProgress(snapshot_revision_, /*snapshot_end=*/false);  // "forget your state"
      return true;
    }
  }
  if (phase_ == Phase::kSnapshot) {
    if (batch_pos_ >= batch_.size() && !batch_exhausted_) {
      if (!on_sender) {
        // Reading a batch is O(configs): leave the reaction, continue on a sender thread.
        auto self = shared_from_this();
        if (hub_->Post([self] {
              Action action = Action::kWrite;
              self->Perform(action, /*on_sender=*/true);
            })) {
          *next = Action::kNone;
          return false;
        }
        absl::MutexLock lock(&mu_);
        writing_ = false;
        if (!end_status_)
          end_status_ = grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down");
        *next = Claim();
        return false;
      }
      FetchBatch();
    }
    if (batch_pos_ < batch_.size()) {
      std::shared_ptr<const ConfigEntry> entry = std::move(batch_[batch_pos_++]);
      if (entry->deleted) {
        FillFromEntry(*entry, v1::WATCH_EVENT_TYPE_DELETED, entry->mod_revision);
      } else {
        FillFromEntry(*entry, v1::WATCH_EVENT_TYPE_SNAPSHOT, entry->mod_revision);
      }
      return true;
    }
    FillProgress(snapshot_revision_, /*snapshot_end=*/true);
    phase_ = Phase::kLive;
    reset_ = false;
    batch_ = {};
    absl::MutexLock lock(&mu_);
    live_ = true;
    return true;
  }
  if (next_is_progress_) {
    FillProgress(next_progress_revision_, /*snapshot_end=*/false);
    return true;
  }
  std::shared_ptr<const ConfigEntry> entry = hub_->store().Get(next_name_);
  if (entry == nullptr) {
    current_.Clear();
    current_.set_type(v1::WATCH_EVENT_TYPE_DELETED);
    current_.set_name(next_name_);
    current_.set_revision(next_revision_);
    absl::MutexLock lock(&mu_);
    current_.set_coalesced(coalesced_);
    return true;
  }
  FillFromEntry(*entry,
                entry->errors.empty() ? v1::WATCH_EVENT_TYPE_UPDATED : v1::WATCH_EVENT_TYPE_ERROR,
                entry->mod_revision);
  return true;
}

void WatchReactor::FetchBatch() {
  const ConfigStore& store = hub_->store();
  batch_.clear();
  batch_pos_ = 0;
  if (!resume_) {
    // Full snapshot, in name order, resuming after the last name fetched.
    std::vector<std::shared_ptr<const ConfigEntry>> entries;
    if (prefixes_.empty() && !names_.empty()) {
      std::vector<std::string> names(names_.begin(), names_.end());
      std::sort(names.begin(), names.end());
      for (const std::string& name : names) {
        if (name <= cursor_name_) continue;
        if (auto entry = store.Get(name)) entries.push_back(std::move(entry));
        if (entries.size() >= kSnapshotBatch) break;
      }
    } else {
      const std::string list_prefix =
          names_.empty() && prefixes_.size() == 1 ? prefixes_[0] : std::string();
      entries = store.List(list_prefix);
    }
    for (auto& entry : entries) {
      if (entry->name <= cursor_name_ || !Matches(entry->name)) continue;
      batch_.push_back(std::move(entry));
      if (batch_.size() >= kSnapshotBatch) break;
    }
    if (!batch_.empty()) cursor_name_ = batch_.back()->name;
  } else {
    // Resume: what changed after since_revision_ (tombstones too), in revision order, up to the
    // snapshot's revision (later changes arrive as events).
    for (auto& entry : store.ChangedSince(std::max(since_revision_, cursor_revision_))) {
      if (entry->mod_revision <= cursor_revision_ || entry->mod_revision > snapshot_revision_ ||
          !Matches(entry->name)) {
        continue;
      }
      batch_.push_back(std::move(entry));
      if (batch_.size() >= kSnapshotBatch) break;
    }
    if (!batch_.empty()) cursor_revision_ = batch_.back()->mod_revision;
  }
  if (batch_.size() < kSnapshotBatch) batch_exhausted_ = true;
}

void WatchReactor::FillFromEntry(const ConfigEntry& entry, v1::WatchEventType type,
                                 uint64_t revision) {
  current_.Clear();
  current_.set_type(type);
  current_.set_name(entry.name);
  current_.set_revision(revision);
  if (entry.version != nullptr && type != v1::WATCH_EVENT_TYPE_DELETED) {
    const RenderedDocument& variant = entry.version->Variant(profile_);
    current_.set_etag(variant.etag);
    const bool with_json =
        type == v1::WATCH_EVENT_TYPE_SNAPSHOT || type == v1::WATCH_EVENT_TYPE_UPDATED;
    if (include_json_ && with_json && variant.json != nullptr) current_.set_json(*variant.json);
  }
  for (const std::string& error : entry.errors) current_.add_errors(error);
  current_.set_reset(phase_ != Phase::kLive && reset_);
  {
    absl::MutexLock lock(&mu_);
    current_.set_coalesced(coalesced_);
  }
  FitMessageLimit();
}

void WatchReactor::FitMessageLimit() {
  const size_t limit = hub_->options().max_message_bytes;
  const size_t size = current_.ByteSizeLong();
  if (size <= limit) return;
  // gRPC would fail the whole stream with RESOURCE_EXHAUSTED (on every reconnect): send this
  // config's event without the document, with an error saying why, and go on.
  const std::string error = absl::StrCat(
      "the event for this config is ", size, " bytes, over the ", limit,
      "-byte gRPC message limit: its document is not sent (watch without include_json, or "
      "raise --max-message-bytes)");
  current_.clear_json();
  if (current_.ByteSizeLong() + error.size() + 16 > limit) current_.clear_errors();  // huge errors
  current_.add_errors(error);
  if (current_.type() == v1::WATCH_EVENT_TYPE_UPDATED) {
    current_.set_type(v1::WATCH_EVENT_TYPE_ERROR);  // the client keeps what it has
  }
}

void WatchReactor::FillProgress(uint64_t global_revision, bool snapshot_end) {
  current_.Clear();
  current_.set_type(v1::WATCH_EVENT_TYPE_PROGRESS);
  current_.set_global_revision(global_revision);
  current_.set_snapshot_end(snapshot_end);
  current_.set_reset(phase_ != Phase::kLive && reset_);
  current_.set_instance_id(hub_->options().instance_id);
  absl::MutexLock lock(&mu_);
  current_.set_coalesced(coalesced_);
}

}  // namespace hearth::rpc
