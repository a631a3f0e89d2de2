#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/core/store/config_store.h"

namespace hearth::http {

// One-shot wake-ups for parked blocking GETs: a subscriber names a config and is called once, on
// the store's writer thread, after that config's next change. Callbacks must be quick (they post
// to the HTTP server's executor). Bounded: at most `max_waiters` subscriptions at once.
//
// Thread-safety: thread-safe. Detach() before the store goes away; the object may outlive it.
class ChangeNotifier {
 public:
  ChangeNotifier(ConfigStore* store, size_t max_waiters);
  ~ChangeNotifier();
  ChangeNotifier(const ChangeNotifier&) = delete;
  ChangeNotifier& operator=(const ChangeNotifier&) = delete;

  // The subscription's id, or 0 when max_waiters are already waiting.
  uint64_t Subscribe(const std::string& name, std::function<void()> wake);
  // Forgets a subscription that has not fired (no-op otherwise).
  void Unsubscribe(uint64_t id);
  // Stops listening to the store; later changes wake no one.
  void Detach();
  size_t waiting() const;

 private:
  void OnChange(const ConfigStore::Change& change);

  ConfigStore* store_;  // not owned; null once detached
  int64_t listener_ = 0;
  const size_t max_waiters_;
  mutable absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::multimap<std::string, uint64_t> by_name_ ABSL_GUARDED_BY(mu_);
  struct Waiter {
    std::multimap<std::string, uint64_t>::iterator by_name;
    std::function<void()> wake;
  };
  std::unordered_map<uint64_t, Waiter> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hearth::http
