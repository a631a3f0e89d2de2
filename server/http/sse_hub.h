#pragma once

#include <cstdint>
#include <functional>
#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/core/store/config_store.h"

namespace hearth::http {

// The store's changes fanned out to every open SSE watch stream: one store listener, and per
// stream a callback run on the store's writer thread (it only posts to the stream's strand; the
// stream reads the entry itself, so what it sends is coalesced per config and never queued
// without bound). At most `max_streams` at once.
//
// Thread-safety: thread-safe. Detach() before the store goes away.
class SseHub {
 public:
  using Callback = std::function<void(const ConfigStore::Change&)>;

  SseHub(ConfigStore* store, size_t max_streams);
  ~SseHub();
  SseHub(const SseHub&) = delete;
  SseHub& operator=(const SseHub&) = delete;

  // The subscription's id, or 0 when max_streams are open.
  uint64_t Subscribe(Callback callback);
  void Unsubscribe(uint64_t id);
  void Detach();
  size_t streams() const;
  const ConfigStore& store() const { return *store_ref_; }

 private:
  void OnChange(const ConfigStore::Change& change);

  ConfigStore* store_;                  // not owned; null once detached
  const ConfigStore* const store_ref_;  // for reads, also after Detach
  int64_t listener_ = 0;
  const size_t max_streams_;
  mutable absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, Callback> callbacks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hearth::http
