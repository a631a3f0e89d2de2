#pragma once

#include <string>

#include "grpcpp/support/status.h"
#include "hearth/v1/config_service.pb.h"
#include "server/core/store/config_renderer.h"
#include "server/core/store/page_token.h"
#include "server/core/store/rollout_tracker.h"

namespace hearth::rpc {

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
