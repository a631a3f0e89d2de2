#pragma once

#include <string>
#include <string_view>

#include "grpcpp/support/status.h"
#include "hearth/v1/config_service.pb.h"
#include "server/core/store/config_renderer.h"
#include "server/core/store/page_token.h"
#include "server/core/store/rollout_tracker.h"
#include "server/rpc/wire_writer.h"

namespace hearth::rpc {

// What GetConfig answers one request with, before it is encoded: LookupConfig fills the generated
// message from it, EncodeGetConfigResponse writes the same bytes straight to the wire.
struct ConfigAnswer {
  ConfigRenderer::Result rendered;  // the entry and the (sub-)document served
  // The whole variant's etag (the one ReportStatus reports name), in rendered.entry's version.
  std::string_view version_etag;
  // No document: if_none_match is current, or (withheld) this client rejected the version.
  bool not_modified = false;
  bool withheld = false;
};

// Validates `request` and finds what GetConfig answers (see LookupConfig for the errors).
grpc::Status ResolveConfig(const ConfigRenderer& renderer, const v1::GetConfigRequest& request,
                           const RolloutTracker* rollout, ConfigAnswer* out);

// Whether GetConfigResponse.sources lists `file` for a request of `profile`.
bool ServedSource(const SourceFile& file, std::string_view profile);

// The GetConfigResponse LookupConfig fills for `answer` without include_value, as wire bytes:
// byte for byte what its SerializeToString() gives, with the document referenced, not copied or
// serialized (the bytes keep the version alive until gRPC has sent them).
void EncodeGetConfigResponse(const ConfigAnswer& answer, const v1::GetConfigRequest& request,
                             WireWriter* out);

// Fills `out` with config `request.name()` as GetConfig answers it (or returns the error status:
// INVALID_ARGUMENT for bad names, NOT_FOUND, FAILED_PRECONDITION when nothing was ever built).
// The document's JSON is copied once from the renderer's pre-rendered buffer, and not at all when
// if_none_match is current. With `rollout` and a request client_id whose last report rejected the
// served etag, the answer is not_modified and withheld (no document).
grpc::Status LookupConfig(const ConfigRenderer& renderer, const v1::GetConfigRequest& request,
                          v1::GetConfigResponse* out, const RolloutTracker* rollout = nullptr);

// The ListConfigs entry for one store entry.
void FillConfigInfo(const ConfigEntry& entry, v1::ConfigInfo* out);

}  // namespace hearth::rpc
