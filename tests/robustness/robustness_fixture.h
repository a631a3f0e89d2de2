#pragma once

// Shared fixture of the robustness suite (issue 7, "Tests that keep it true"): a real hearthd
// started under a memory limit (prlimit --as) and optionally as an unprivileged user (setpriv),
// and the checks every attack ends with: the daemon is alive, health says SERVING, and an
// untouched config still serves exactly the document (and etag) it served before the attack.
//
// Every wait is bounded by a deadline; a daemon that hangs fails the test instead of hanging it,
// and the destructor SIGKILLs whatever is left.

#include <atomic>
#include <chrono>
#include <cstdint>
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
#include "gtest/gtest.h"
#include "hearth/v1/config_service.grpc.pb.h"
#include "tests/fakes/hearthd_process.h"
#include "tests/fakes/rpc/watch_stream.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"

namespace hearth::robustness {

namespace v1 = ::hearth::v1;

// The path of a binary in the build tree ("server/hearthd", "client/hearthctl").
std::string BuildBinary(const std::string& rel);

// Address-space limit every daemon of the suite runs under unless a test says otherwise.
inline constexpr uint64_t kDefaultAddressSpaceBytes = uint64_t{2} << 30;

// grpc.health.v1 ServingStatus values; kRpcFailed when the Check call itself failed.
enum class Health { kUnknown = 0, kServing = 1, kNotServing = 2, kServiceUnknown = 3, kRpcFailed };
const char* HealthName(Health h);

struct DaemonOptions {
  std::vector<std::string> extra_flags;                      // appended after the suite's defaults
  uint64_t address_space_bytes = kDefaultAddressSpaceBytes;  // prlimit --as; 0: no limit
  bool unprivileged = false;  // run as uid/gid 65534 (setpriv); the caller makes paths readable
  bool metrics = false;       // --metrics-listen 127.0.0.1:0 (else disabled)
  std::string socket_path;    // unix socket; default: a fresh temp dir's hearth.sock
  std::string shutdown_grace = "1s";
};

// `hearthd serve --root <root>` on a unix socket, bounded in memory.
class HostileDaemon {
 public:
  explicit HostileDaemon(const std::string& root, DaemonOptions options = {});
  explicit HostileDaemon(const std::vector<std::string>& roots, DaemonOptions options = {});
  ~HostileDaemon();
  HostileDaemon(const HostileDaemon&) = delete;
  HostileDaemon& operator=(const HostileDaemon&) = delete;

  // Waits until health Check answers SERVING; false if the process exits or time runs out.
  bool WaitServing(absl::Duration timeout = absl::Seconds(30));
  // One health Check (service "").
  Health CheckHealth(absl::Duration timeout = absl::Seconds(3)) const;
  // Waits until CheckHealth() == want; false on timeout.
  bool WaitHealth(Health want, absl::Duration timeout);

  bool Alive() { return hearthd_->running(); }
  // "hearthd exited with code N" / "hearthd is running", for failure messages.
  std::string ExitDescription();
  testing::Subprocess& process() { return hearthd_->process(); }
  std::string log() const;                          // stderr + stdout of the daemon so far
  std::string log_tail(size_t bytes = 4000) const;  // the end of it, for failure messages
  const std::string& socket_path() const { return socket_; }
  std::string target() const { return "unix://" + socket_; }
  // The metrics port the daemon logged (waits up to 10 s); 0 if none.
  int MetricsPort();
  // The HTTP port the daemon logged (--http-listen 127.0.0.1:0; waits up to 10 s); 0 if none.
  int HttpPort();
  // The daemon's peak resident set (VmHWM) in bytes, as last sampled (every 20 ms while it runs;
  // kept after it exits).
  uint64_t PeakRssBytes() const;

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  v1::ConfigService::Stub* stub() const { return stub_.get(); }

  grpc::Status Get(const std::string& name, v1::GetConfigResponse* out,
                   const std::string& profile = "",
                   absl::Duration timeout = absl::Seconds(5)) const;
  // Every config in the List (first 1000), or nullopt if the call failed.
  std::optional<std::vector<v1::ConfigInfo>> List(absl::Duration timeout = absl::Seconds(5)) const;

  // The after-attack check: alive, SERVING, and `name` serves `json` with `etag` and no errors.
  // The message names the broken promise.
  ::testing::AssertionResult ServesCorrectly(const std::string& name, const std::string& json,
                                             const std::string& etag);
  // The check for the attacked config itself: alive, and `name` still serves its last-known-good
  // `json` / `etag`, with the attack's errors recorded beside it.
  ::testing::AssertionResult ServesLastKnownGood(const std::string& name, const std::string& json,
                                                 const std::string& etag);

 private:
  void Start(const std::vector<std::string>& roots);
  // The failure for a daemon that is no longer alive, with how it ended and its log tail.
  ::testing::AssertionResult CrashedFailure();
  std::shared_ptr<grpc::Channel> NewChannel() const;

  DaemonOptions options_;
  std::unique_ptr<testing::TempDir> state_;  // socket (default) and logs
  std::string socket_;
  std::unique_ptr<testing::HearthdProcess> hearthd_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ConfigService::Stub> stub_;
  bool connected_ = false;  // channel_ has reached the daemon once
  std::atomic<uint64_t> peak_rss_{0};
  std::atomic<bool> stop_sampling_{false};
  std::thread sampler_;
};

// What an untouched config served before an attack, to compare with after it.
struct Served {
  std::string name;
  std::string json;
  std::string etag;
};
// Reads `name` from the daemon; fails the test (ADD_FAILURE) and returns empty fields if it fails.
Served Capture(const HostileDaemon& daemon, const std::string& name);

// The suite's watch reader and its predicates are the shared ones (tests/fakes/rpc).
using WatchCollector = testing::WatchStream;
using testing::IsEvent;
using testing::IsSnapshotEnd;

// One grpc.health.v1 Check (service "") on `channel`.
Health HealthOn(grpc::Channel* channel, absl::Duration timeout);

// A unary call with raw request bytes (no proto on our side), as a hostile client sends them.
grpc::Status RawUnaryCall(grpc::Channel* channel, const std::string& method,
                          const std::string& request_bytes, std::string* response_bytes,
                          absl::Duration timeout = absl::Seconds(5));

// "UNIMPLEMENTED: message" for failure messages.
std::string Describe(const grpc::Status& s);

// Polls `done` every 20 ms until it holds or `timeout` passes; returns its last value.
bool Eventually(const std::function<bool()>& done, absl::Duration timeout);

// Makes `path` and every directory above it up to `/` traversable by others (o+x), and `path`
// itself readable (o+rx): what an unprivileged daemon needs to see a test's temp tree.
void OpenUpForOthers(const std::string& path);

}  // namespace hearth::robustness
