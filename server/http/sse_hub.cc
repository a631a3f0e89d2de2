#include "server/http/sse_hub.h"

#include <utility>

namespace hearth::http {

SseHub::SseHub(ConfigStore* store, size_t max_streams)
    : store_(store), store_ref_(store), max_streams_(max_streams) {
  listener_ = store_->AddListener([this](const ConfigStore::Change& c) { OnChange(c); });
}

SseHub::~SseHub() { Detach(); }

void SseHub::Detach() {
  if (store_ == nullptr) return;
  store_->RemoveListener(listener_);
  store_ = nullptr;
}

uint64_t SseHub::Subscribe(Callback callback) {
  absl::MutexLock lock(&mu_);
  if (callbacks_.size() >= max_streams_) return 0;
  const uint64_t id = next_id_++;
  callbacks_.emplace(id, std::move(callback));
  return id;
}

void SseHub::Unsubscribe(uint64_t id) {
  absl::MutexLock lock(&mu_);
  callbacks_.erase(id);
}

size_t SseHub::streams() const {
  absl::MutexLock lock(&mu_);
  return callbacks_.size();
}

void SseHub::OnChange(const ConfigStore::Change& change) {
  // Under mu_: each callback only posts, and Unsubscribe waits for it, so no callback runs for a
  // stream that is gone.
  absl::MutexLock lock(&mu_);
  for (const auto& [id, callback] : callbacks_) callback(change);
}

}  // namespace hearth::http
