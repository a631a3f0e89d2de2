#include "server/http/change_notifier.h"

#include <utility>
#include <vector>

namespace hearth::http {

ChangeNotifier::ChangeNotifier(ConfigStore* store, size_t max_waiters)
    : store_(store), max_waiters_(max_waiters) {
  listener_ = store_->AddListener([this](const ConfigStore::Change& c) { OnChange(c); });
}

ChangeNotifier::~ChangeNotifier() { Detach(); }

void ChangeNotifier::Detach() {
  if (store_ == nullptr) return;
  store_->RemoveListener(listener_);
  store_ = nullptr;
}

uint64_t ChangeNotifier::Subscribe(const std::string& name, std::function<void()> wake) {
  absl::MutexLock lock(&mu_);
  if (waiters_.size() >= max_waiters_) return 0;
  const uint64_t id = next_id_++;
  auto it = by_name_.emplace(name, id);
  waiters_.emplace(id, Waiter{it, std::move(wake)});
  return id;
}

void ChangeNotifier::Unsubscribe(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = waiters_.find(id);
  if (it == waiters_.end()) return;
  by_name_.erase(it->second.by_name);
  waiters_.erase(it);
}

size_t ChangeNotifier::waiting() const {
  absl::MutexLock lock(&mu_);
  return waiters_.size();
}

void ChangeNotifier::OnChange(const ConfigStore::Change& change) {
  std::vector<std::function<void()>> wake;
  {
    absl::MutexLock lock(&mu_);
    auto [begin, end] = by_name_.equal_range(change.name);
    for (auto it = begin; it != end;) {
      auto waiter = waiters_.find(it->second);
      wake.push_back(std::move(waiter->second.wake));
      waiters_.erase(waiter);
      it = by_name_.erase(it);
    }
  }
  for (auto& f : wake) f();  // outside mu_: a callback may Subscribe again
}

}  // namespace hearth::http
