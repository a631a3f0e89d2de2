#pragma once

#include <memory>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"

namespace hearth::rpc {

// The server-streaming reactor both of hearthd's streams (WatchConfigs, grpc.health.v1 Watch)
// are built on: one write in flight at a time, state instead of a queue, and one lifetime model.
//
// Writing: a subclass records what changed as state (under mu_) and never queues messages.
// Whenever the stream is idle, ClaimLocked() asks TakeNextLocked() whether there is something to
// send; if so the caller holds the "writer role" (until the write completes) and fills message_
// in Build(), outside the lock. Changes made while a write is in flight are therefore coalesced
// into the next message. Finish is called only when no write is in flight, exactly once.
//
// Lifetime (the route_guide callback model, plus a handle for other threads): gRPC owns the
// stream from Start until OnDone, as with `OnDone() { delete this; }`; here that ownership is a
// shared_ptr (self_) released in OnDone, so that threads that notify the stream (store listener,
// ticker, sender pool, health refreshes) can hold a std::shared_ptr handle that stays valid after
// OnDone. Such a late notification finds the stream finished and does nothing: no gRPC call is
// made on a stream after Finish was claimed.
//
// Thread-safety: End() and the reactions are thread-safe. Subclasses guard their shared state
// with mu_ and make gRPC calls (through Perform) with no lock held.
template <typename Response>
class SerialWriteReactor : public grpc::ServerWriteReactor<Response>,
                           public std::enable_shared_from_this<SerialWriteReactor<Response>> {
 public:
  // What End() waits for.
  enum class EndPolicy {
    kAfterInFlightWrite,  // finish after the write in flight; drop what is pending
    kAfterPendingWrites,  // first send what TakeNextLocked() still has, then finish
  };

  explicit SerialWriteReactor(EndPolicy policy) : policy_(policy) {}

  // Ends the stream with `status` (the first End wins) according to the EndPolicy.
  void End(grpc::Status status) {
    Next next;
    {
      absl::MutexLock lock(&mu_);
      SetEndLocked(std::move(status));
      next = ClaimLocked();
    }
    Perform(next, /*on_executor=*/false);
  }

  void OnWriteDone(bool ok) final {
    if (ok) OnWritten();
    Next next;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) cancelled_ = true;  // the client is gone
      next = ClaimLocked();
    }
    Perform(next, /*on_executor=*/false);
  }
  void OnCancel() final {
    Next next;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      next = ClaimLocked();
    }
    Perform(next, /*on_executor=*/false);
  }
  void OnDone() final {
    OnStreamDone();
    std::shared_ptr<SerialWriteReactor> self = std::move(self_);
    // `self` may be the last reference: nothing after this line.
  }

 protected:
  // What the caller of ClaimLocked() must start once it holds no lock.
  enum class Next { kNone, kWrite, kFinish };
  // What Build() made of the writer role.
  enum class Built {
    kMessage,   // message_ is ready: start the write
    kNothing,   // nothing to send after all: release the writer role
    kDeferred,  // handed to another thread, which calls Perform(Next::kWrite, true) later
  };

  // Gives gRPC's ownership to the stream itself; call once, from the factory that made the
  // shared_ptr, before the stream is returned to gRPC.
  void KeepAliveUntilDone() { self_ = this->shared_from_this(); }

  // Under mu_: while idle, decides the next action; kWrite hands the writer role to the caller.
  Next ClaimLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finish_claimed_) return Next::kNone;
    const bool end_now = end_status_ && policy_ == EndPolicy::kAfterInFlightWrite;
    if (!cancelled_ && !end_now && TakeNextLocked()) {
      writing_ = true;
      return Next::kWrite;
    }
    if (cancelled_ || end_status_) {
      finish_claimed_ = true;
      finish_status_ =
          end_status_ ? *end_status_ : grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
      return Next::kFinish;
    }
    return Next::kNone;
  }

  // With no lock held: performs what ClaimLocked() returned. `on_executor` is true on a thread of
  // our own (where Build may do slow work), false in a gRPC reaction or a notification.
  void Perform(Next next, bool on_executor) {
    while (true) {
      switch (next) {
        case Next::kNone:
          return;
        case Next::kFinish:
          this->Finish(finish_status_);
          return;
        case Next::kWrite:
          switch (Build(on_executor)) {
            case Built::kMessage:
              this->StartWrite(&message_);
              return;
            case Built::kDeferred:
              return;
            case Built::kNothing: {
              absl::MutexLock lock(&mu_);
              writing_ = false;
              next = ClaimLocked();
              break;
            }
          }
          break;
      }
    }
  }

  // Under mu_: records the end status (the first one wins); the caller then claims.
  void SetEndLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!end_status_) end_status_ = std::move(status);
  }
  // Under mu_: the stream is finishing or finished (cancelled, End() called, or Finish claimed).
  bool EndingLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return cancelled_ || end_status_.has_value() || finish_claimed_;
  }
  // Under mu_: someone holds the writer role.
  bool WritingLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return writing_; }

  // Under mu_, only while idle and not finishing: true takes the writer role for one message.
  virtual bool TakeNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) = 0;
  // Writer role, no lock: fills message_.
  virtual Built Build(bool on_executor) = 0;
  // A write completed (in OnWriteDone, before the next claim).
  virtual void OnWritten() {}
  // In OnDone, before gRPC's reference is released: unregister from whoever notifies the stream.
  virtual void OnStreamDone() {}

  mutable absl::Mutex mu_;
  Response message_;  // the message in flight; writer role only

 private:
  const EndPolicy policy_;
  std::shared_ptr<SerialWriteReactor> self_;  // gRPC's reference, released in OnDone

  bool writing_ ABSL_GUARDED_BY(mu_) = false;  // writer role taken
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> end_status_ ABSL_GUARDED_BY(mu_);
  bool finish_claimed_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status finish_status_;  // written once, under mu_, when finish_claimed_ is set
};

}  // namespace hearth::rpc
