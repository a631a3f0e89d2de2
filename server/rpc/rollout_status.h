#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hearth/v1/config_service.pb.h"
#include "server/core/store/rollout_tracker.h"

namespace hearth::rpc {

// Converts between the ReportStatus / GetRolloutStatus messages and the core's RolloutTracker.

// The reports of one ReportStatus call. INVALID_ARGUMENT for an unspecified outcome.
absl::StatusOr<std::vector<RolloutTracker::Report>> ToReports(
    const v1::ReportStatusRequest& request);
RolloutTracker::Labels ToLabels(const v1::ReportStatusRequest& request);

// Fills the counts and the clients listed (RolloutTracker::RolloutOf's order).
void FillRolloutStatus(const RolloutTracker::Rollout& rollout, absl::Time now,
                       v1::GetRolloutStatusResponse* out);

}  // namespace hearth::rpc
