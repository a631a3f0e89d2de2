#include "client/agent/agent_metrics.h"

#include <exception>
#include <vector>

#include "absl/strings/str_cat.h"

namespace hearth_agent {

AgentMetrics::AgentMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  actions_ = &prometheus::BuildCounter()
                  .Name("hearth_agent_actions_total")
                  .Help("Actions run after a batch of changed outputs, by kind and result")
                  .Register(*registry_);
  apply_seconds_ = &prometheus::BuildHistogram()
                        .Name("hearth_agent_apply_seconds")
                        .Help("From a watch event's arrival to the output file renamed in place")
                        .Register(*registry_)
                        .Add({}, prometheus::Histogram::BucketBoundaries{
                                     0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                     1, 2.5, 5, 10});
  checks_rejected_ = &prometheus::BuildCounter()
                          .Name("hearth_agent_checks_rejected_total")
                          .Help("Staged files the output's check command refused")
                          .Register(*registry_);
  connected_ = &prometheus::BuildGauge()
                    .Name("hearth_agent_connected")
                    .Help("1 while the watch stream to hearthd is up")
                    .Register(*registry_)
                    .Add({});
  from_snapshot_ = &prometheus::BuildGauge()
                        .Name("hearth_agent_outputs_from_snapshot")
                        .Help("Outputs last written from the local last-known-good snapshot")
                        .Register(*registry_)
                        .Add({});
  reconnects_ = &prometheus::BuildCounter()
                     .Name("hearth_agent_reconnects_total")
                     .Help("Watch streams reopened after a failure")
                     .Register(*registry_)
                     .Add({});
  renders_ = &prometheus::BuildCounter()
                  .Name("hearth_agent_renders_total")
                  .Help(
                      "Outputs rendered, by output and result (written, unchanged, rejected, "
                      "error)")
                  .Register(*registry_);
  reports_ = &prometheus::BuildCounter()
                  .Name("hearth_agent_reports_total")
                  .Help("ReportStatus calls to hearthd, by result")
                  .Register(*registry_);
}

absl::StatusOr<int> AgentMetrics::Serve(const std::string& listen) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(listen, /*num_threads=*/1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("metrics: cannot listen on ", listen, ": ", e.what()));
  }
  exposer_->RegisterCollectable(registry_);
  std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

void AgentMetrics::Render(absl::string_view output, absl::string_view result) {
  renders_->Add({{"output", std::string(output)}, {"result", std::string(result)}}).Increment();
}

void AgentMetrics::CheckRejected(absl::string_view output) {
  checks_rejected_->Add({{"output", std::string(output)}}).Increment();
}

void AgentMetrics::Action(absl::string_view kind, bool ok) {
  actions_->Add({{"kind", std::string(kind)}, {"result", ok ? "ok" : "error"}}).Increment();
}

void AgentMetrics::Report(bool ok) { reports_->Add({{"result", ok ? "ok" : "error"}}).Increment(); }

}  // namespace hearth_agent
