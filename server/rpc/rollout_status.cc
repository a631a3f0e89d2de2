#include "server/rpc/rollout_status.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace hearth::rpc {
namespace {

v1::ApplyOutcome ToProto(RolloutTracker::Outcome outcome) {
  return outcome == RolloutTracker::Outcome::kRejected ? v1::APPLY_OUTCOME_REJECTED
                                                       : v1::APPLY_OUTCOME_APPLIED;
}

v1::RolloutClientState ToProto(RolloutTracker::ClientState state) {
  switch (state) {
    case RolloutTracker::ClientState::kCurrent:
      return v1::ROLLOUT_CLIENT_STATE_CURRENT;
    case RolloutTracker::ClientState::kBehind:
      return v1::ROLLOUT_CLIENT_STATE_BEHIND;
    case RolloutTracker::ClientState::kRejected:
      return v1::ROLLOUT_CLIENT_STATE_REJECTED;
  }
  return v1::ROLLOUT_CLIENT_STATE_UNSPECIFIED;
}

}  // namespace

absl::StatusOr<std::vector<RolloutTracker::Report>> ToReports(
    const v1::ReportStatusRequest& request) {
  std::vector<RolloutTracker::Report> reports;
  reports.reserve(request.configs_size());
  for (int i = 0; i < request.configs_size(); ++i) {
    const v1::AppliedConfig& config = request.configs(i);
    RolloutTracker::Report report;
    switch (config.outcome()) {
      case v1::APPLY_OUTCOME_APPLIED:
        report.outcome = RolloutTracker::Outcome::kApplied;
        break;
      case v1::APPLY_OUTCOME_REJECTED:
        report.outcome = RolloutTracker::Outcome::kRejected;
        break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("configs[", i, "]: outcome must be APPLIED or REJECTED"));
    }
    report.name = config.name();
    report.profile = config.profile();
    report.revision = config.revision();
    report.etag = config.etag();
    report.reason = config.reason();
    reports.push_back(std::move(report));
  }
  return reports;
}

RolloutTracker::Labels ToLabels(const v1::ReportStatusRequest& request) {
  RolloutTracker::Labels labels(request.labels().begin(), request.labels().end());
  return labels;
}

void FillRolloutStatus(const RolloutTracker::Rollout& rollout, absl::Time now,
                       v1::GetRolloutStatusResponse* out) {
  out->set_current(rollout.current);
  out->set_behind(rollout.behind);
  out->set_rejected(rollout.rejected);
  out->set_stale(rollout.stale);
  out->set_clients_truncated(rollout.truncated);
  out->mutable_clients()->Reserve(rollout.clients.size());
  for (const RolloutTracker::ClientView& client : rollout.clients) {
    v1::RolloutClient* c = out->add_clients();
    c->set_client_id(client.client_id);
    for (const auto& [key, value] : client.labels) (*c->mutable_labels())[key] = value;
    c->set_revision(client.revision);
    c->set_etag(client.etag);
    c->set_outcome(ToProto(client.outcome));
    c->set_reason(client.reason);
    c->set_state(ToProto(client.state));
    c->set_reported_seconds_ago(
        std::max<int64_t>(0, absl::ToInt64Seconds(now - client.reported_at)));
    c->set_stale(client.stale);
  }
}

}  // namespace hearth::rpc
