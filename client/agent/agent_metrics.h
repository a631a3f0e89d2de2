#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace hearth_agent {

// The agent's Prometheus metrics, served on /metrics when a listen address is given. Label sets
// are bounded by the outputs file (output ids, at most kMaxOutputs) and fixed enums. Thread-safe.
//
//   hearth_agent_actions_total{kind,result}        kind signal|webhook|exec, result ok|error
//   hearth_agent_apply_seconds                     watch event received to file renamed
//   hearth_agent_checks_rejected_total{output}     check command refused the staged file
//   hearth_agent_connected                         1 while the watch stream is up
//   hearth_agent_outputs_from_snapshot             outputs last written from a local snapshot
//   hearth_agent_reconnects_total                  watch streams (re)opened after a failure
//   hearth_agent_renders_total{output,result}      written|unchanged|rejected|error
//   hearth_agent_reports_total{result}             ReportStatus calls, ok|error
class AgentMetrics {
 public:
  AgentMetrics();
  // Serves /metrics on `listen` ("127.0.0.1:9102", port 0 picks one). Returns the bound port.
  absl::StatusOr<int> Serve(const std::string& listen);

  void Render(absl::string_view output, absl::string_view result);
  void CheckRejected(absl::string_view output);
  void Action(absl::string_view kind, bool ok);
  void Report(bool ok);
  void Reconnect() { reconnects_->Increment(); }
  void SetConnected(bool up) { connected_->Set(up ? 1 : 0); }
  void SetFromSnapshot(int outputs) { from_snapshot_->Set(outputs); }
  void ObserveApply(absl::Duration d) { apply_seconds_->Observe(absl::ToDoubleSeconds(d)); }

  prometheus::Registry& registry() { return *registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Family<prometheus::Counter>* actions_;
  prometheus::Histogram* apply_seconds_;
  prometheus::Family<prometheus::Counter>* checks_rejected_;
  prometheus::Gauge* connected_;
  prometheus::Gauge* from_snapshot_;
  prometheus::Counter* reconnects_;
  prometheus::Family<prometheus::Counter>* renders_;
  prometheus::Family<prometheus::Counter>* reports_;
};

}  // namespace hearth_agent
