#include "server/rpc/health_service.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/rpc/serial_write_reactor.h"

namespace hearth::rpc {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// One grpc.health.v1 Watch stream: sends the wanted status whenever it differs from the last one
// sent (a status that changes during a write is coalesced to the latest). On Shutdown it sends
// NOT_SERVING first, then ends with UNAVAILABLE.
class HealthWatchReactor final : public SerialWriteReactor<HealthCheckResponse> {
 public:
  static std::shared_ptr<HealthWatchReactor> Create(HealthService* service, bool known) {
    std::shared_ptr<HealthWatchReactor> stream(new HealthWatchReactor(service, known));
    stream->KeepAliveUntilDone();
    return stream;
  }

  bool known() const { return known_; }

  // Sends `status` unless the stream is ending (Shutdown's NOT_SERVING is the last word).
  void Want(HealthService::ServingStatus status) {
    Next next;
    {
      absl::MutexLock lock(&mu_);
      if (EndingLocked()) return;
      wanted_ = status;
      next = ClaimLocked();
    }
    Perform(next, /*on_executor=*/false);
  }
  // Sends `last` (when set), then ends the stream with UNAVAILABLE.
  void EndWith(std::optional<HealthService::ServingStatus> last) {
    Next next;
    {
      absl::MutexLock lock(&mu_);
      if (last && !EndingLocked()) wanted_ = *last;
      SetEndLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down"));
      next = ClaimLocked();
    }
    Perform(next, /*on_executor=*/false);
  }

 private:
  HealthWatchReactor(HealthService* service, bool known)
      : SerialWriteReactor(EndPolicy::kAfterPendingWrites), service_(service), known_(known) {}

  bool TakeNextLocked() override ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!wanted_ || sent_ == wanted_) return false;
    sent_ = wanted_;
    message_.set_status(*wanted_);  // the writer role is ours from here
    return true;
  }
  Built Build(bool /*on_executor*/) override { return Built::kMessage; }
  void OnStreamDone() override { service_->Unregister(this); }

  HealthService* const service_;  // Constant after construction; outlives the stream.
  const bool known_;              // the service name is one HealthService serves
  std::optional<HealthService::ServingStatus> wanted_ ABSL_GUARDED_BY(mu_);
  std::optional<HealthService::ServingStatus> sent_ ABSL_GUARDED_BY(mu_);
};

HealthService::HealthService(std::vector<std::string> services, Provider provider)
    : services_(services.begin(), services.end()), provider_(std::move(provider)) {}

HealthService::~HealthService() = default;

HealthService::ServingStatus HealthService::StatusFor(const std::string& service) const {
  if (!services_.contains(service)) return HealthCheckResponse::SERVICE_UNKNOWN;
  {
    absl::MutexLock lock(&mu_);
    if (shutdown_) return HealthCheckResponse::NOT_SERVING;
  }
  return provider_() ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

void HealthService::Unregister(HealthWatchReactor* stream) {
  std::shared_ptr<HealthWatchReactor> last;  // released outside the lock
  absl::MutexLock lock(&mu_);
  auto it = watchers_.find(stream);
  if (it == watchers_.end()) return;
  last = std::move(it->second);
  watchers_.erase(it);
}

void HealthService::Refresh() {
  absl::MutexLock refresh(&refresh_mu_);
  const ServingStatus overall = StatusFor("");
  std::vector<std::shared_ptr<HealthWatchReactor>> streams;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [raw, stream] : watchers_) streams.push_back(stream);
  }
  for (const auto& stream : streams) {
    stream->Want(stream->known() ? overall : HealthCheckResponse::SERVICE_UNKNOWN);
  }
}

void HealthService::Shutdown() {
  absl::MutexLock refresh(&refresh_mu_);
  std::vector<std::shared_ptr<HealthWatchReactor>> streams;
  {
    absl::MutexLock lock(&mu_);
    shutdown_ = true;
    for (const auto& [raw, stream] : watchers_) streams.push_back(stream);
  }
  for (const auto& stream : streams) {
    stream->EndWith(stream->known() ? std::optional(HealthCheckResponse::NOT_SERVING)
                                    : std::nullopt);
  }
}

grpc::ServerUnaryReactor* HealthService::Check(grpc::CallbackServerContext* context,
                                               const HealthCheckRequest* request,
                                               HealthCheckResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const ServingStatus status = StatusFor(request->service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                 "unknown service \"" + request->service() + "\" (try \"\")"));
    return reactor;
  }
  response->set_status(status);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext* /*context*/, const HealthCheckRequest* request) {
  const bool known = services_.contains(request->service());
  std::shared_ptr<HealthWatchReactor> stream = HealthWatchReactor::Create(this, known);
  // Registered before its first status is computed, under refresh_mu_: a Refresh either ran
  // before (and this status is at least as new) or runs after and reaches this stream.
  absl::MutexLock refresh(&refresh_mu_);
  bool shutdown;
  {
    absl::MutexLock lock(&mu_);
    shutdown = shutdown_;
    if (!shutdown) watchers_.emplace(stream.get(), stream);
  }
  if (shutdown) {
    stream->EndWith(known ? HealthCheckResponse::NOT_SERVING
                          : HealthCheckResponse::SERVICE_UNKNOWN);
  } else {
    stream->Want(StatusFor(request->service()));
  }
  return stream.get();
}

}  // namespace hearth::rpc
