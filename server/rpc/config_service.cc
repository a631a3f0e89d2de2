#include "server/rpc/config_service.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "hearth/status_code_name.h"
#include "server/core/model/config_name.h"
#include "server/core/model/diagnostic.h"
#include "server/rpc/config_lookup.h"
#include "server/rpc/config_watch_reactor.h"
#include "server/rpc/malformed_request_interceptor.h"
#include "server/rpc/rollout_status.h"
#include "server/rpc/status_util.h"
#include "server/rpc/validate_response.h"

namespace hearth::rpc {
namespace {

// What GetConfig answers when the response cannot fit one gRPC message: gRPC itself would fail
// the call with a bare RESOURCE_EXHAUSTED after the work was done.
grpc::Status TooLarge(const std::string& name, size_t size, size_t limit) {
  return GrpcError(grpc::StatusCode::RESOURCE_EXHAUSTED,
                   absl::StrCat("config ", name, ": the response is ", size, " bytes, over the ",
                                limit, "-byte message limit (--max-message-bytes)"));
}

// Parses a raw request. False when the bytes are missing or not a valid encoding of `message`'s
// type (what gRPC's own deserialization refuses).
bool ParseRequest(const grpc::ByteBuffer& bytes, google::protobuf::MessageLite* message) {
  if (!bytes.Valid()) return false;
  grpc::Slice slice;
  if (!bytes.TrySingleSlice(&slice).ok() && !bytes.DumpToSingleSlice(&slice).ok()) return false;
  return message->ParseFromArray(slice.begin(), static_cast<int>(slice.size()));
}

}  // namespace

ConfigService::ConfigService(const ConfigRenderer* renderer, const DryRunner* dry_runner,
                             WatchHub* hub, WorkerPool* workers, RolloutTracker* rollout,
                             ServerInfo info, const GrpcCallMetrics* metrics)
    : renderer_(renderer),
      store_(&renderer->store()),
      dry_runner_(dry_runner),
      hub_(hub),
      workers_(workers),
      rollout_(rollout),
      info_(std::move(info)),
      metrics_(metrics),
      get_config_series_(metrics != nullptr ? &metrics->SeriesFor(kGetConfigMethod) : nullptr) {}

grpc::ServerUnaryReactor* ConfigService::GetServerInfo(grpc::CallbackServerContext* context,
                                                       const v1::GetServerInfoRequest* /*request*/,
                                                       v1::GetServerInfoResponse* response) {
  response->set_version(info_.version);
  response->set_instance_id(info_.instance_id);
  response->set_revision(store_->revision());
  const ConfigStore::Counts counts = store_->counts();
  response->set_configs(counts.ok + counts.error + counts.no_version);
  response->set_start_time_seconds(absl::ToUnixSeconds(info_.started));
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* ConfigService::GetConfig(grpc::CallbackServerContext* context,
                                                   const grpc::ByteBuffer* request_bytes,
                                                   grpc::ByteBuffer* response) {
  const absl::Time start = metrics_ != nullptr ? absl::Now() : absl::InfinitePast();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::GetConfigRequest request;
  const bool parsed = ParseRequest(*request_bytes, &request);
  const grpc::Status status =
      parsed ? AnswerGetConfig(request, response) : MalformedRequestStatus(kGetConfigMethod);
  if (metrics_ != nullptr) {
    metrics_->RecordUnary(*get_config_series_, parsed, status.error_code(), start);
  }
  reactor->Finish(status);
  return reactor;
}

grpc::Status ConfigService::AnswerGetConfig(const v1::GetConfigRequest& request,
                                            grpc::ByteBuffer* response) {
  const size_t limit = hub_->options().max_message_bytes;
  if (request.include_value()) {
    // The document as a google.protobuf.Value too: built into the generated message.
    v1::GetConfigResponse message;
    grpc::Status status = LookupConfig(*renderer_, request, &message, rollout_);
    if (!status.ok()) return status;
    if (message.ByteSizeLong() > limit)
      return TooLarge(request.name(), message.ByteSizeLong(), limit);
    bool own_buffer = false;
    return grpc::SerializationTraits<v1::GetConfigResponse>::Serialize(message, response,
                                                                       &own_buffer);
  }
  ConfigAnswer answer;
  grpc::Status status = ResolveConfig(*renderer_, request, rollout_, &answer);
  if (!status.ok()) return status;
  WireWriter writer;
  EncodeGetConfigResponse(answer, request, &writer);
  if (writer.size() > limit) return TooLarge(request.name(), writer.size(), limit);
  writer.Finish(response);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* ConfigService::BatchGetConfigs(grpc::CallbackServerContext* context,
                                                         const v1::BatchGetConfigsRequest* request,
                                                         v1::BatchGetConfigsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (request->names_size() > kMaxBatchNames) {
    reactor->Finish(GrpcError(grpc::StatusCode::INVALID_ARGUMENT,
                              absl::StrCat("too many names (", request->names_size(), "); at most ",
                                           kMaxBatchNames, " per batch")));
    return reactor;
  }
  v1::GetConfigRequest one;
  one.set_profile(request->profile());
  one.set_include_value(request->include_value());
  response->mutable_results()->Reserve(request->names_size());
  const size_t limit = hub_->options().max_message_bytes;
  size_t total = 0;
  for (const std::string& name : request->names()) {
    v1::BatchGetConfigsResult* result = response->add_results();
    result->set_name(name);
    one.set_name(name);
    grpc::Status status = LookupConfig(*renderer_, one, result->mutable_config());
    // Results that would push the response past the message limit carry an error instead.
    const size_t size = result->ByteSizeLong() + 8;
    if (status.ok() && total + size > limit) {
      status = TooLarge(name, total + size, limit);
      result->clear_config();
    }
    if (!status.ok()) {
      v1::RpcStatus* rpc_status = result->mutable_status();  // replaces the config
      rpc_status->set_code(static_cast<int>(status.error_code()));
      rpc_status->set_message(status.error_message());
      rpc_status->set_code_name(::hearth::StatusCodeName(status.error_code()));
    }
    total += result->ByteSizeLong() + 8;  // + the field's tag and length
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* ConfigService::ListConfigs(grpc::CallbackServerContext* context,
                                                     const v1::ListConfigsRequest* request,
                                                     v1::ListConfigsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (request->page_size() < 0) {
    reactor->Finish(
        GrpcError(grpc::StatusCode::INVALID_ARGUMENT, "page_size must not be negative"));
    return reactor;
  }
  const size_t page_size =
      request->page_size() == 0 ? kDefaultPageSize : std::min(request->page_size(), kMaxPageSize);
  std::string after;
  if (!request->page_token().empty() &&
      !DecodePageToken(request->page_token(), request->prefix(), &after)) {
    reactor->Finish(GrpcError(grpc::StatusCode::INVALID_ARGUMENT,
                              "invalid page_token: pass next_page_token from the previous "
                              "response, with the same prefix"));
    return reactor;
  }
  response->set_revision(store_->revision());
  const auto entries = store_->List(request->prefix());
  auto it = entries.begin();
  if (!after.empty()) {
    it = std::upper_bound(
        entries.begin(), entries.end(), after,
        [](const std::string& name, const auto& entry) { return name < entry->name; });
  }
  for (; it != entries.end() && static_cast<size_t>(response->configs_size()) < page_size; ++it) {
    FillConfigInfo(**it, response->add_configs());
  }
  if (it != entries.end() && response->configs_size() > 0) {
    response->set_next_page_token(
        EncodePageToken(request->prefix(), response->configs(response->configs_size() - 1).name()));
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* ConfigService::ValidateConfig(grpc::CallbackServerContext* context,
                                                        const v1::ValidateConfigRequest* request,
                                                        v1::ValidateConfigResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = request->name().empty()
                            ? absl::InvalidArgumentError("config name is required")
                            : ValidateConfigName(request->name());
  for (int i = 0; status.ok() && i < request->files_size(); ++i) {
    status = ValidateSourceFileName(request->files(i).file_name());
  }
  if (!status.ok()) {
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }
  // The dry run reads the config's files: not inside a reaction.
  const DryRunner* dry_runner = dry_runner_;
  const ConfigStore* store = store_;
  const bool scheduled = workers_->TrySchedule([dry_runner, store, request, response, reactor] {
    std::vector<DryRunCandidate> candidates;
    candidates.reserve(request->files_size());
    for (const v1::CandidateFile& file : request->files()) {
      candidates.push_back({file.file_name(), file.content()});
    }
    absl::StatusOr<BuildResult> result =
        dry_runner->Validate(request->name(), std::move(candidates), request->replace_on_disk());
    if (!result.ok()) {
      reactor->Finish(ToGrpcStatus(result.status()));
      return;
    }
    if (result->cancelled) {
      reactor->Finish(GrpcError(grpc::StatusCode::UNAVAILABLE, "server shutting down"));
      return;
    }
    FillValidateResponse(*store, request->name(), request->profile(), *result, response);
    reactor->Finish(grpc::Status::OK);
  });
  if (!scheduled) {
    reactor->Finish(GrpcError(grpc::StatusCode::RESOURCE_EXHAUSTED,
                              "too many validations in progress; retry shortly"));
  }
  return reactor;
}

grpc::ServerWriteReactor<v1::WatchConfigsResponse>* ConfigService::WatchConfigs(
    grpc::CallbackServerContext* /*context*/, const v1::WatchConfigsRequest* request) {
  return ConfigWatchReactor::Start(hub_, *request);
}

grpc::ServerUnaryReactor* ConfigService::ReportStatus(grpc::CallbackServerContext* context,
                                                      const v1::ReportStatusRequest* request,
                                                      v1::ReportStatusResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  response->set_lease_seconds(absl::ToInt64Seconds(rollout_->options().lease));
  if (request->leaving()) {
    rollout_->Forget(request->client_id());
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  absl::StatusOr<std::vector<RolloutTracker::Report>> reports = ToReports(*request);
  absl::Status status =
      reports.ok() ? rollout_->Record(request->client_id(), ToLabels(*request), *std::move(reports))
                   : reports.status();
  if (!status.ok()) response->Clear();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* ConfigService::GetRolloutStatus(
    grpc::CallbackServerContext* context, const v1::GetRolloutStatusRequest* request,
    v1::GetRolloutStatusResponse* response) {
  constexpr uint32_t kDefaultMaxClients = 1000;
  constexpr uint32_t kMaxClients = 10000;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status valid = request->name().empty()
                               ? absl::InvalidArgumentError("config name is required")
                               : ValidateConfigName(request->name());
      !valid.ok()) {
    reactor->Finish(ToGrpcStatus(valid));
    return reactor;
  }
  absl::StatusOr<ConfigRenderer::Result> served =
      renderer_->Render(request->name(), request->profile(), "");
  if (!served.ok()) {
    reactor->Finish(ToGrpcStatus(served.status()));
    return reactor;
  }
  response->set_name(request->name());
  response->set_profile(request->profile());
  response->set_revision(served->entry->version_revision);
  response->set_etag(served->doc->etag);
  const uint32_t max_clients = request->max_clients() == 0
                                   ? kDefaultMaxClients
                                   : std::min(request->max_clients(), kMaxClients);
  FillRolloutStatus(
      rollout_->RolloutOf(request->name(), request->profile(), served->doc->etag, max_clients),
      absl::Now(), response);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace hearth::rpc
