#pragma once

// Test-side gRPC clients of hearthd (library hearth_test_rpc_fakes, linked by the rpc,
// integration and robustness groups; tests/fakes itself stays free of gRPC).

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "hearth/v1/config_service.grpc.pb.h"

namespace hearth::testing {

// A ConfigService stub on a fresh insecure channel to `target` ("unix://PATH", "HOST:PORT").
std::unique_ptr<v1::ConfigService::Stub> NewInsecureStub(const std::string& target);

// Reads a WatchConfigs stream on its own thread: keeps every event (for after-the-fact checks)
// plus a queue the test can await. The destructor cancels the stream and joins the thread.
class WatchStream {
 public:
  WatchStream(v1::ConfigService::Stub* stub, const v1::WatchConfigsRequest& request,
              absl::Duration lifetime = absl::Seconds(120));
  ~WatchStream();
  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // The first unconsumed event matching `pred`, waiting up to `timeout` (events before it are
  // consumed too); nullopt on timeout or when the stream ended.
  std::optional<v1::WatchConfigsResponse> Next(
      const std::function<bool(const v1::WatchConfigsResponse&)>& pred,
      absl::Duration timeout = absl::Seconds(15));
  // Every event received so far.
  std::vector<v1::WatchConfigsResponse> All() const;
  // Whether an event of `type` for `name` was received so far.
  bool Saw(const std::string& name, v1::WatchEventType type) const;
  // The stream's final status once it ended (nullopt while it is still open).
  std::optional<grpc::Status> Final() const;
  // The same, waiting up to `timeout` for the stream to end.
  std::optional<grpc::Status> FinalStatus(absl::Duration timeout);
  void Cancel() { context_.TryCancel(); }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::WatchConfigsResponse>> reader_;
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::deque<v1::WatchConfigsResponse> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::WatchConfigsResponse> all_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_ ABSL_GUARDED_BY(mu_);
};

// Predicates for WatchStream::Next.
std::function<bool(const v1::WatchConfigsResponse&)> IsEvent(v1::WatchEventType type,
                                                             const std::string& name);
std::function<bool(const v1::WatchConfigsResponse&)> IsSnapshotEnd();

}  // namespace hearth::testing
