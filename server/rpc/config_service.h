#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/support/byte_buffer.h"
#include "hearth/v1/config_service.grpc.pb.h"
#include "server/core/dry_runner.h"
#include "server/core/store/config_renderer.h"
#include "server/core/store/rollout_tracker.h"
#include "server/rpc/call_metrics.h"
#include "server/rpc/watch_hub.h"
#include "server/rpc/worker_pool.h"

namespace hearth::rpc {

// hearth.v1.ConfigService over the store (callback API). Reads (Get, Batch, List) are answered
// inside the reaction: they only copy shared_ptrs out of the store (through `renderer`). GetConfig
// is a raw method: it parses the request bytes itself and answers with wire bytes that reference
// the version's pre-rendered document (no copy, no serialization per call; config_lookup.h), and
// records its own call metrics (no interceptor runs for it). Batch and List copy the JSON into
// their messages. ValidateConfig reads files, so it runs on `workers`, through the narrow DryRunner
// interface; WatchConfigs streams are ConfigWatchReactors fed by `hub`.
//
// Thread-safety: thread-safe; renderer, dry_runner, hub, workers and metrics (may be null) must
// outlive the service.
class ConfigService final : public v1::ConfigService::WithRawCallbackMethod_GetConfig<
                                v1::ConfigService::CallbackService> {
 public:
  static constexpr int kDefaultPageSize = 100;
  static constexpr int kMaxPageSize = 1000;
  static constexpr int kMaxBatchNames = 1000;

  // What GetServerInfo reports about this process. Constant after construction.
  struct ServerInfo {
    std::string version;
    std::string instance_id;
    absl::Time started;
  };

  // The full names of the methods served raw, which parse their own requests and record their own
  // metrics: they need neither the malformed-request nor the metrics interceptor.
  static constexpr const char* kGetConfigMethod = "/hearth.v1.ConfigService/GetConfig";
  static std::vector<std::string> RawMethods() { return {kGetConfigMethod}; }

  ConfigService(const ConfigRenderer* renderer, const DryRunner* dry_runner, WatchHub* hub,
                WorkerPool* workers, RolloutTracker* rollout, ServerInfo info,
                const GrpcCallMetrics* metrics = nullptr);

  // Raw: `request` holds a GetConfigRequest's bytes, `response` gets a GetConfigResponse's.
  grpc::ServerUnaryReactor* GetConfig(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* BatchGetConfigs(grpc::CallbackServerContext* context,
                                            const v1::BatchGetConfigsRequest* request,
                                            v1::BatchGetConfigsResponse* response) override;
  grpc::ServerUnaryReactor* ListConfigs(grpc::CallbackServerContext* context,
                                        const v1::ListConfigsRequest* request,
                                        v1::ListConfigsResponse* response) override;
  grpc::ServerUnaryReactor* ValidateConfig(grpc::CallbackServerContext* context,
                                           const v1::ValidateConfigRequest* request,
                                           v1::ValidateConfigResponse* response) override;
  grpc::ServerWriteReactor<v1::WatchConfigsResponse>* WatchConfigs(
      grpc::CallbackServerContext* context, const v1::WatchConfigsRequest* request) override;
  grpc::ServerUnaryReactor* GetServerInfo(grpc::CallbackServerContext* context,
                                          const v1::GetServerInfoRequest* request,
                                          v1::GetServerInfoResponse* response) override;
  grpc::ServerUnaryReactor* ReportStatus(grpc::CallbackServerContext* context,
                                         const v1::ReportStatusRequest* request,
                                         v1::ReportStatusResponse* response) override;
  grpc::ServerUnaryReactor* GetRolloutStatus(grpc::CallbackServerContext* context,
                                             const v1::GetRolloutStatusRequest* request,
                                             v1::GetRolloutStatusResponse* response) override;

 private:
  // GetConfig's answer to a parsed request: fills `response` or returns the error.
  grpc::Status AnswerGetConfig(const v1::GetConfigRequest& request, grpc::ByteBuffer* response);

  const ConfigRenderer* const renderer_;
  const ConfigStore* const store_;  // renderer_->store()
  const DryRunner* const dry_runner_;
  WatchHub* const hub_;
  WorkerPool* const workers_;
  RolloutTracker* const rollout_;
  const ServerInfo info_;
  const GrpcCallMetrics* const metrics_;                    // null: no metrics
  const GrpcCallMetrics::MethodSeries* get_config_series_;  // Constant after construction.
};

}  // namespace hearth::rpc
