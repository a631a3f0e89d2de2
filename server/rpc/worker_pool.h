#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace hearth::rpc {

// A fixed set of threads running queued tasks, for work that must not run inside a gRPC reaction
// (blocking file reads of a validate dry run, rendering watch messages). The queue is bounded:
// TrySchedule refuses work beyond it so callers can answer RESOURCE_EXHAUSTED.
//
// Thread-safety: all methods are thread-safe. Shutdown() runs the tasks already queued, then joins
// the threads; tasks scheduled after it are refused. The destructor calls Shutdown().
class WorkerPool {
 public:
  WorkerPool(std::string name, int threads, size_t max_queue);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when the queue is full or the pool is shut down (the task is dropped).
  bool TrySchedule(std::function<void()> task);
  void Shutdown();

  int threads() const { return static_cast<int>(threads_.size()); }

 private:
  void Run();

  const std::string name_;  // Constant after construction.
  const size_t max_queue_;  // Constant after construction.
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // written only by the constructor and Shutdown()
  absl::Mutex join_mu_;               // serialises Shutdown()
};

}  // namespace hearth::rpc
