#pragma once

#include <string_view>
#include <vector>

#include "prometheus/metric_type.h"

namespace hearth {

// Every metric hearthd exports, in ONE sorted list (STYLE.md #12; tests/deploy/known_metrics.txt
// mirrors it for the alerts and the dashboard). Names follow Prometheus practice: hearth_ prefix,
// base units (seconds, bytes), _total on counters; the gRPC series keep the standard
// grpc_server_* names of go-grpc-prometheus instead. Labels never carry config values.
struct MetricSpec {
  std::string_view name;
  prometheus::MetricType type;
  std::string_view help;
};

// The list, sorted by name.
const std::vector<MetricSpec>& AllMetrics();
// The spec named `name`; aborts if there is none (a typo in our code, not an input error).
const MetricSpec& Metric(std::string_view name);

}  // namespace hearth
