#include "server/app/metrics_exporter.h"

#include <CivetServer.h>
#include <civetweb.h>

#include <exception>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "prometheus/text_serializer.h"
#include "server/app/metrics_catalog.h"

namespace hearth {
namespace {

template <typename Builder>
auto& Build(Builder builder, std::string_view name, prometheus::Registry* registry) {
  const MetricSpec& spec = Metric(name);
  return builder.Name(std::string(spec.name)).Help(std::string(spec.help)).Register(*registry);
}

const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

}  // namespace

// GET and HEAD /metrics: the text exposition format of the registry and the sampler. HEAD sends
// the same headers (Content-Length included) and no body. Runs on civetweb's worker threads.
class MetricsExporter::Handler : public CivetHandler {
 public:
  explicit Handler(MetricsExporter* exporter) : exporter_(exporter) {}

  bool handleGet(CivetServer*, mg_connection* conn) override { return Serve(conn, true); }
  bool handleHead(CivetServer*, mg_connection* conn) override { return Serve(conn, false); }

 private:
  bool Serve(mg_connection* conn, bool body) {
    std::vector<prometheus::MetricFamily> families = exporter_->registry_->Collect();
    std::vector<prometheus::MetricFamily> sampled = exporter_->sampler_->Collect();
    families.insert(families.end(), std::make_move_iterator(sampled.begin()),
                    std::make_move_iterator(sampled.end()));
    const std::string text = prometheus::TextSerializer().Serialize(families);
    mg_printf(conn,
              "HTTP/1.1 200 OK\r\n"
              "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
              "Content-Length: %zu\r\n"
              "Connection: close\r\n\r\n",
              text.size());
    if (body) mg_write(conn, text.data(), text.size());
    return true;
  }

  MetricsExporter* const exporter_;
};

MetricsExporter::MetricsExporter()
    : registry_(std::make_shared<prometheus::Registry>()),
      sampler_(std::make_shared<MetricsSampler>()) {
  prometheus::Registry* r = registry_.get();
  grpc_metrics_ = std::make_unique<rpc::GrpcCallMetrics>(rpc::GrpcMetricFamilies{
      &Build(prometheus::BuildCounter(), "grpc_server_started_total", r),
      &Build(prometheus::BuildCounter(), "grpc_server_handled_total", r),
      &Build(prometheus::BuildHistogram(), "grpc_server_handling_seconds", r),
      &Build(prometheus::BuildCounter(), "grpc_server_msg_received_total", r),
      &Build(prometheus::BuildCounter(), "grpc_server_msg_sent_total", r)});
  rebuilds_ = &Build(prometheus::BuildCounter(), "hearth_rebuilds_total", r);
  for (const char* result : {"published", "unchanged", "failed", "removed"}) {
    rebuilds_->Add({{"result", result}});  // all four exist from the start, at 0
  }
  rebuild_duration_ = &Build(prometheus::BuildHistogram(), "hearth_rebuild_duration_seconds", r)
                           .Add({}, kLatencyBuckets);
  event_to_publish_ = &Build(prometheus::BuildHistogram(), "hearth_event_to_publish_seconds", r)
                           .Add({}, kLatencyBuckets);
}

absl::StatusOr<std::unique_ptr<MetricsExporter>> MetricsExporter::Start(
    const std::string& listen, const MetricsHttpOptions& http) {
  std::unique_ptr<MetricsExporter> exporter(new MetricsExporter());
  if (listen.empty()) return exporter;
  if (http.threads < 1 || http.request_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("metrics server needs at least one thread and a timeout");
  }
  const std::vector<std::string> options = {
      "listening_ports",    listen,
      "num_threads",        absl::StrCat(http.threads),
      "request_timeout_ms", absl::StrCat(absl::ToInt64Milliseconds(http.request_timeout)),
      "enable_keep_alive",  "no",
  };
  try {
    exporter->server_ = std::make_unique<CivetServer>(options);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", listen, ": ", e.what()));
  }
  exporter->handler_ = std::make_unique<Handler>(exporter.get());
  exporter->server_->addHandler("/metrics", exporter->handler_.get());
  std::vector<int> ports = exporter->server_->getListeningPorts();
  exporter->port_ = ports.empty() ? 0 : ports[0];
  return exporter;
}

MetricsExporter::~MetricsExporter() {
  // Stop serving first: no scrape may run while the families go away.
  if (server_ != nullptr) server_->close();
  server_.reset();
}

void MetricsExporter::OnRebuild(const ReloadCoordinator::RebuildSample& sample, bool removed) {
  const char* result = sample.failed      ? "failed"
                       : removed          ? "removed"
                       : sample.published ? "published"
                                          : "unchanged";
  rebuilds_->Add({{"result", result}}).Increment();
  rebuild_duration_->Observe(absl::ToDoubleSeconds(sample.duration));
  if (sample.published) event_to_publish_->Observe(absl::ToDoubleSeconds(sample.latency));
}

void MetricsExporter::OnScan(const ConfigEngine::Report& report, absl::Duration took) {
  rebuilds_->Add({{"result", "published"}}).Increment(report.published);
  rebuilds_->Add({{"result", "unchanged"}}).Increment(report.unchanged);
  rebuilds_->Add({{"result", "failed"}}).Increment(report.failed);
  rebuilds_->Add({{"result", "removed"}}).Increment(report.removed);
  rebuild_duration_->Observe(absl::ToDoubleSeconds(took));
}

}  // namespace hearth
