#include "tests/fakes/rpc/watch_stream.h"

#include <utility>

#include "absl/time/clock.h"

namespace hearth::testing {

std::unique_ptr<v1::ConfigService::Stub> NewInsecureStub(const std::string& target) {
  return v1::ConfigService::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
}

WatchStream::WatchStream(v1::ConfigService::Stub* stub, const v1::WatchConfigsRequest& request,
                         absl::Duration lifetime) {
  context_.set_deadline(absl::ToChronoTime(absl::Now() + lifetime));
  reader_ = stub->WatchConfigs(&context_, request);
  thread_ = std::thread([this] {
    v1::WatchConfigsResponse r;
    while (reader_->Read(&r)) {
      absl::MutexLock lock(&mu_);
      queue_.push_back(r);
      all_.push_back(r);
    }
    grpc::Status s = reader_->Finish();
    absl::MutexLock lock(&mu_);
    final_ = s;
    done_ = true;
  });
}

WatchStream::~WatchStream() {
  context_.TryCancel();
  thread_.join();
}

std::optional<v1::WatchConfigsResponse> WatchStream::Next(
    const std::function<bool(const v1::WatchConfigsResponse&)>& pred, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      while (!queue_.empty()) {
        v1::WatchConfigsResponse e = std::move(queue_.front());
        queue_.pop_front();
        if (pred(e)) return e;
      }
      if (done_) return std::nullopt;
    }
    if (absl::Now() > deadline) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(1));
  }
}

std::vector<v1::WatchConfigsResponse> WatchStream::All() const {
  absl::MutexLock lock(&mu_);
  return all_;
}

bool WatchStream::Saw(const std::string& name, v1::WatchEventType type) const {
  absl::MutexLock lock(&mu_);
  for (const v1::WatchConfigsResponse& e : all_) {
    if (e.name() == name && e.type() == type) return true;
  }
  return false;
}

std::optional<grpc::Status> WatchStream::Final() const {
  absl::MutexLock lock(&mu_);
  if (!done_) return std::nullopt;
  return final_;
}

std::optional<grpc::Status> WatchStream::FinalStatus(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&done_), timeout);
  if (!done_) return std::nullopt;
  return final_;
}

std::function<bool(const v1::WatchConfigsResponse&)> IsEvent(v1::WatchEventType type,
                                                             const std::string& name) {
  return [type, name](const v1::WatchConfigsResponse& e) {
    return e.type() == type && e.name() == name;
  };
}

std::function<bool(const v1::WatchConfigsResponse&)> IsSnapshotEnd() {
  return [](const v1::WatchConfigsResponse& e) { return e.snapshot_end(); };
}

}  // namespace hearth::testing
