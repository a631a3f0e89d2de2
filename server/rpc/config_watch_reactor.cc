#include "server/rpc/config_watch_reactor.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/config_name.h"
#include "server/rpc/document_format.h"
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
  if (o.rollout != nullptr && request.client_id().size() > o.rollout->options().max_id_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("client_id is ", request.client_id().size(),
                                                   " bytes; at most ",
                                                   o.rollout->options().max_id_bytes));
  }
  absl::StatusOr<OutputFormat> format = FromProtoFormat(request.format());
  if (!format.ok()) return format.status();
  if (*format != OutputFormat::kJson && o.renderer == nullptr) {
    return absl::FailedPreconditionError("this server does not render other formats");
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

grpc::ServerWriteReactor<v1::WatchConfigsResponse>* ConfigWatchReactor::Start(
    WatchHub* hub, const v1::WatchConfigsRequest& request) {
  absl::Status status = ValidateFilter(request, hub->options());
  // A refused filter is not copied into the stream.
  std::shared_ptr<ConfigWatchReactor> stream(
      new ConfigWatchReactor(hub, status.ok() ? request : v1::WatchConfigsRequest()));
  stream->KeepAliveUntilDone();
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

ConfigWatchReactor::ConfigWatchReactor(WatchHub* hub, const v1::WatchConfigsRequest& request)
    : SerialWriteReactor(EndPolicy::kAfterInFlightWrite),
      hub_(hub),
      names_(request.names().begin(), request.names().end()),
      prefixes_(request.prefixes().begin(), request.prefixes().end()),
      profile_(request.profile()),
      include_json_(request.include_json()),
      format_(FromProtoFormat(request.format()).value_or(OutputFormat::kJson)),
      client_id_(request.client_id()),
      since_revision_(request.since_revision()) {}

bool ConfigWatchReactor::Matches(std::string_view name) const {
  if (names_.empty() && prefixes_.empty()) return true;
  if (names_.contains(Sv(name))) return true;
  for (const std::string& p : prefixes_) {
    if (name.starts_with(p)) return true;
  }
  return false;
}

bool ConfigWatchReactor::OnChange(const ConfigStore::Change& change) {
  if (!Matches(change.name)) return false;
  absl::MutexLock lock(&mu_);
  if (EndingLocked()) return false;
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
    dirty_order_ = {};
    dirty_head_ = 0;
    resync_ = true;
  } else {
    dirty_order_.push_back(change.name);
  }
  if (WritingLocked() || scheduled_) return false;
  scheduled_ = true;
  return true;
}

bool ConfigWatchReactor::MarkProgressDue() {
  absl::MutexLock lock(&mu_);
  if (EndingLocked()) return false;
  progress_due_ = true;
  if (WritingLocked() || scheduled_) return false;
  scheduled_ = true;
  return true;
}

void ConfigWatchReactor::Pump() {
  Next next;
  {
    absl::MutexLock lock(&mu_);
    scheduled_ = false;
    next = ClaimLocked();
  }
  Perform(next, /*on_executor=*/true);
}

void ConfigWatchReactor::OnWritten() { hub_->CountSent(); }

void ConfigWatchReactor::OnStreamDone() { hub_->Unregister(this); }

bool ConfigWatchReactor::TakeNextLocked() {
  if (resync_) {
    resync_ = false;
    live_ = false;
    // Taking the writer role: the writer-only fields are ours from here.
    phase_ = Phase::kStartSnapshot;
    resume_ = false;
    reset_ = true;
    return true;
  }
  if (!live_) return true;
  while (dirty_head_ < dirty_order_.size()) {
    std::string name = std::move(dirty_order_[dirty_head_++]);
    if (dirty_head_ == dirty_order_.size()) {
      // Drained: keep a small buffer for the next change, give a burst's back.
      constexpr size_t kKeptCapacity = 16;
      if (dirty_order_.capacity() > kKeptCapacity) {
        dirty_order_ = {};
      } else {
        dirty_order_.clear();
      }
      dirty_head_ = 0;
    } else if (dirty_head_ >= 64 && 2 * dirty_head_ >= dirty_order_.size()) {
      // A stream that never drains: drop the sent half (amortized O(1) per name).
      dirty_order_.erase(dirty_order_.begin(), dirty_order_.begin() + dirty_head_);
      dirty_head_ = 0;
    }
    auto it = dirty_.find(name);
    const uint64_t revision = it->second.revision;
    dirty_.erase(it);
    // Changes up to the snapshot's revision are already reflected in it.
    if (revision <= snapshot_revision_) continue;
    next_name_ = std::move(name);
    next_revision_ = revision;
    next_is_progress_ = false;
    return true;
  }
  if (progress_due_) {
    progress_due_ = false;
    // Read with the dirty set empty: every change up to it has been written.
    next_progress_revision_ = hub_->seen_revision();
    next_is_progress_ = true;
    return true;
  }
  return false;
}

ConfigWatchReactor::Built ConfigWatchReactor::Build(bool on_executor) {
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
      return Built::kMessage;
    }
  }
  if (phase_ == Phase::kSnapshot) {
    if (batch_pos_ >= batch_.size() && !batch_exhausted_) {
      if (!on_executor) {
        // Reading a batch is O(configs): leave the reaction, continue on a sender thread.
        auto self = std::static_pointer_cast<ConfigWatchReactor>(shared_from_this());
        if (hub_->Post([self] { self->Perform(Next::kWrite, /*on_executor=*/true); })) {
          return Built::kDeferred;
        }
        absl::MutexLock lock(&mu_);
        SetEndLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down"));
        return Built::kNothing;
      }
      FetchBatch();
    }
    if (batch_pos_ < batch_.size()) {
      std::shared_ptr<const ConfigEntry> entry = std::move(batch_[batch_pos_++]);
      // Claiming again continues the snapshot with the next entry.
      if (!entry->deleted && ClientRejected(*entry)) {
        hub_->CountWithheld();
        return Built::kNothing;
      }
      if (entry->deleted) {
        FillFromEntry(entry, v1::WATCH_EVENT_TYPE_DELETED, entry->mod_revision);
      } else {
        FillFromEntry(entry, v1::WATCH_EVENT_TYPE_SNAPSHOT, entry->mod_revision);
      }
      return Built::kMessage;
    }
    FillProgress(snapshot_revision_, /*snapshot_end=*/true);
    phase_ = Phase::kLive;
    reset_ = false;
    batch_ = {};
    absl::MutexLock lock(&mu_);
    live_ = true;
    return Built::kMessage;
  }
  if (next_is_progress_) {
    FillProgress(next_progress_revision_, /*snapshot_end=*/false);
    return Built::kMessage;
  }
  std::shared_ptr<const ConfigEntry> entry = hub_->store().Get(next_name_);
  if (entry == nullptr) {
    message_.Clear();
    message_.set_type(v1::WATCH_EVENT_TYPE_DELETED);
    message_.set_name(next_name_);
    if (next_revision_ != 0) message_.set_revision(next_revision_);
    absl::MutexLock lock(&mu_);
    if (coalesced_ != 0) message_.set_coalesced(coalesced_);
    return Built::kMessage;
  }
  // The version this client rejected is not offered again; the next new one is.
  if (entry->errors.empty() && ClientRejected(*entry)) {
    hub_->CountWithheld();
    return Built::kNothing;
  }
  FillFromEntry(entry,
                entry->errors.empty() ? v1::WATCH_EVENT_TYPE_UPDATED : v1::WATCH_EVENT_TYPE_ERROR,
                entry->mod_revision);
  return Built::kMessage;
}

bool ConfigWatchReactor::ClientRejected(const ConfigEntry& entry) const {
  const RolloutTracker* rollout = hub_->options().rollout;
  if (rollout == nullptr || client_id_.empty() || entry.version == nullptr) return false;
  const RenderedDocument& variant = entry.version->Variant(profile_);
  return !variant.etag.empty() && rollout->Rejected(client_id_, entry.name, profile_, variant.etag);
}

void ConfigWatchReactor::FetchBatch() {
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

void ConfigWatchReactor::FillFromEntry(const std::shared_ptr<const ConfigEntry>& entry_ptr,
                                       v1::WatchEventType type, uint64_t revision) {
  const ConfigEntry& entry = *entry_ptr;
  // WatchConfigsResponse is proto2 (documents.proto): a field is set only when it is not its
  // default, so that the message is sent and printed as it was in proto3.
  message_.Clear();
  message_.set_type(type);
  message_.set_name(entry.name);
  if (revision != 0) message_.set_revision(revision);
  if (entry.version != nullptr && type != v1::WATCH_EVENT_TYPE_DELETED &&
      format_ != OutputFormat::kJson) {
    FillRendered(entry_ptr);
  } else if (entry.version != nullptr && type != v1::WATCH_EVENT_TYPE_DELETED) {
    const RenderedDocument& variant = entry.version->Variant(profile_);
    if (!variant.etag.empty()) message_.set_etag(variant.etag);
    const bool with_json =
        type == v1::WATCH_EVENT_TYPE_SNAPSHOT || type == v1::WATCH_EVENT_TYPE_UPDATED;
    if (include_json_ && with_json && variant.json != nullptr && !variant.json->empty()) {
      message_.set_json(*variant.json);
    }
  }
  for (const std::string& error : entry.errors) message_.add_errors(error);
  if (phase_ != Phase::kLive && reset_) message_.set_reset(true);
  {
    absl::MutexLock lock(&mu_);
    if (coalesced_ != 0) message_.set_coalesced(coalesced_);
  }
  FitMessageLimit();
}

void ConfigWatchReactor::FillRendered(const std::shared_ptr<const ConfigEntry>& entry) {
  const RenderedDocument& variant = entry->version->Variant(profile_);
  if (!variant.etag.empty()) message_.set_document_etag(variant.etag);
  // Once per version and variant: every stream asking for this format shares the cached text.
  absl::StatusOr<ConfigRenderer::Result> rendered =
      hub_->options().renderer->RenderEntry(entry, profile_, "", format_);
  if (!rendered.ok()) {
    // The version cannot be written in this format: the client keeps what it has.
    if (message_.type() == v1::WATCH_EVENT_TYPE_UPDATED ||
        message_.type() == v1::WATCH_EVENT_TYPE_SNAPSHOT) {
      message_.set_type(v1::WATCH_EVENT_TYPE_ERROR);
    }
    message_.add_errors(std::string(rendered.status().message()));
    return;
  }
  const RenderedDocument& doc = *rendered->doc;
  if (!doc.etag.empty()) message_.set_etag(doc.etag);
  const bool with_document = message_.type() == v1::WATCH_EVENT_TYPE_SNAPSHOT ||
                             message_.type() == v1::WATCH_EVENT_TYPE_UPDATED;
  if (include_json_ && with_document && doc.content != nullptr && !doc.content->empty()) {
    message_.set_content(*doc.content);
  }
}

void ConfigWatchReactor::FitMessageLimit() {
  const size_t limit = hub_->options().max_message_bytes;
  const size_t size = message_.ByteSizeLong();
  if (size <= limit) return;
  // gRPC would fail the whole stream with RESOURCE_EXHAUSTED (on every reconnect): send this
  // config's event without the document, with an error saying why, and go on.
  const std::string error = absl::StrCat(
      "the event for this config is ", size, " bytes, over the ", limit,
      "-byte gRPC message limit: its document is not sent (watch without include_json, or "
      "raise --max-message-bytes)");
  message_.clear_json();
  message_.clear_content();
  if (message_.ByteSizeLong() + error.size() + 16 > limit) message_.clear_errors();  // huge errors
  message_.add_errors(error);
  if (message_.type() == v1::WATCH_EVENT_TYPE_UPDATED) {
    message_.set_type(v1::WATCH_EVENT_TYPE_ERROR);  // the client keeps what it has
  }
}

void ConfigWatchReactor::FillProgress(uint64_t global_revision, bool snapshot_end) {
  message_.Clear();
  message_.set_type(v1::WATCH_EVENT_TYPE_PROGRESS);
  if (global_revision != 0) message_.set_global_revision(global_revision);
  if (snapshot_end) message_.set_snapshot_end(true);
  if (phase_ != Phase::kLive && reset_) message_.set_reset(true);
  if (!hub_->options().instance_id.empty()) message_.set_instance_id(hub_->options().instance_id);
  absl::MutexLock lock(&mu_);
  if (coalesced_ != 0) message_.set_coalesced(coalesced_);
}

}  // namespace hearth::rpc
