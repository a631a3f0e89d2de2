// Starts the real hearthd and checks its Prometheus endpoint, its truthful readiness and its JSON
// logs from the outside: scrape over plain HTTP, promtool lint, values that move with the files.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "hearth/v1/config_service.grpc.pb.h"
#include "tests/fakes/http_get.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using ::hearth::testing::HttpGet;

using ::hearth::testing::ReadFileOrEmpty;
using ::hearth::testing::RunCommand;
using ::hearth::testing::Subprocess;
using ::hearth::testing::TempDir;

constexpr auto kDeadline = std::chrono::seconds(20);

// Polls `done` until it holds or kDeadline passes.
bool Eventually(const std::function<bool()>& done) {
  auto end = std::chrono::steady_clock::now() + kDeadline;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// The value of the sample whose name-and-labels part is exactly `series`.
std::optional<double> Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

// A running `hearthd serve` on port 0 for gRPC and metrics; killed on destruction.
class Hearthd {
 public:
  Hearthd(const std::string& root, std::vector<std::string> extra = {})
      : logs_(std::make_unique<TempDir>()) {
    std::vector<std::string> argv = {HEARTH_BINARY_DIR "/server/hearthd",
                                     "serve",
                                     "--root",
                                     root,
                                     "--grpc-listen",
                                     "127.0.0.1:0",
                                     "--metrics-listen",
                                     "127.0.0.1:0",
                                     "--debounce",
                                     "1ms",
                                     "--shutdown-grace",
                                     "1s"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<Subprocess>(argv, logs_->Path("out"), logs_->Path("err"));
  }

  // Waits for both ports to be logged and the daemon to be ready.
  bool Started() {
    static const std::regex kMetrics("serving metrics on 127\\.0\\.0\\.1:([0-9]+)");
    static const std::regex kGrpc("serving gRPC on 127\\.0\\.0\\.1:([0-9]+)");
    return process_->ok() && Eventually([&] {
             std::string err = Stderr();
             std::smatch m, g;
             if (!std::regex_search(err, m, kMetrics) || !std::regex_search(err, g, kGrpc) ||
                 err.find("ready") == std::string::npos) {
               return false;
             }
             metrics_port_ = std::stoi(m[1]);
             grpc_port_ = std::stoi(g[1]);
             return true;
           });
  }
  std::string Stderr() const { return ReadFileOrEmpty(logs_->Path("err")); }
  std::string Scrape() const { return HttpGet(metrics_port_, "/metrics").value_or(""); }
  std::optional<double> Value(const std::string& series) const { return Sample(Scrape(), series); }
  int grpc_port() const { return grpc_port_; }
  int metrics_port() const { return metrics_port_; }
  Subprocess& process() { return *process_; }

 private:
  std::unique_ptr<TempDir> logs_;
  std::unique_ptr<Subprocess> process_;
  int metrics_port_ = 0;
  int grpc_port_ = 0;
};

std::vector<std::pair<std::string, std::string>> KnownMetrics() {
  std::ifstream in(HEARTH_SOURCE_DIR "/tests/deploy/known_metrics.txt");
  std::vector<std::pair<std::string, std::string>> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, type;
    fields >> name >> type;
    out.emplace_back(name, type);
  }
  return out;
}

TEST(MetricsTest, ExportsEveryKnownMetricWithItsType) {
  TempDir root;
  root.Write("app/config.toml", "port = 8080\n");
  Hearthd hearthd(root.path());
  ASSERT_TRUE(hearthd.Started()) << hearthd.Stderr();
  std::string text = hearthd.Scrape();
  auto known = KnownMetrics();
  ASSERT_GE(known.size(), 25u);
  for (const auto& [name, type] : known) {
    EXPECT_NE(text.find("# TYPE " + name + " " + type + "\n"), std::string::npos)
        << name << " " << type << " missing from:\n"
        << text;
  }
  // ...and nothing else under our prefixes (the alerts and dashboard know every name).
  static const std::regex kType("# TYPE ((hearth|process|grpc_server)_[a-z_]+) ([a-z]+)\n");
  int exported = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kType);
       it != std::sregex_iterator(); ++it, ++exported) {
    std::pair<std::string, std::string> metric((*it)[1], (*it)[3]);
    EXPECT_NE(std::find(known.begin(), known.end(), metric), known.end()) << metric.first;
  }
  EXPECT_EQ(exported, static_cast<int>(known.size()));
  EXPECT_EQ(Sample(text, "hearth_ready"), 1);
  EXPECT_EQ(Sample(text, "hearth_configs{state=\"ok\"}"), 1);
  EXPECT_EQ(Sample(text, "hearth_configs{state=\"error\"}"), 0);
  EXPECT_EQ(Sample(text, "hearth_watcher_degraded"), 0);
  EXPECT_GT(Sample(text, "hearth_inotify_watches").value_or(0), 0);
  EXPECT_GT(Sample(text, "process_resident_memory_bytes").value_or(0), 1e6);
  EXPECT_GT(Sample(text, "process_open_fds").value_or(0), 3);
  EXPECT_GT(
      Sample(text, "hearth_config_last_success_timestamp_seconds{config=\"app\"}").value_or(0),
      1.6e9);
  EXPECT_GT(Sample(text, "hearth_last_full_scan_timestamp_seconds").value_or(0), 1.6e9);
}

TEST(MetricsTest, PromtoolAcceptsTheOutput) {
  TempDir root;
  root.Write("app/config.toml", "port = 8080\n");
  root.Write("bad/config.json", "{\"a\": }\n");
  Hearthd hearthd(root.path());
  ASSERT_TRUE(hearthd.Started()) << hearthd.Stderr();
  // One call of each kind, so the labelled gRPC families have samples too.
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(hearthd.grpc_port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::ConfigService::NewStub(channel);
  for (const char* name : {"app", "missing"}) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::GetConfigRequest request;
    request.set_name(name);
    v1::GetConfigResponse response;
    stub->GetConfig(&context, request, &response);
  }
  std::string text;
  ASSERT_TRUE(Eventually([&] {
    text = hearthd.Scrape();
    return text.find("code=\"NOT_FOUND\"") != std::string::npos;
  })) << text;
  const std::string get =
      "grpc_method=\"GetConfig\",grpc_service=\"hearth.v1.ConfigService\","
      "grpc_type=\"unary\"";
  EXPECT_EQ(Sample(text, "grpc_server_handled_total{grpc_code=\"OK\"," + get + "}"), 1) << text;
  EXPECT_EQ(Sample(text, "grpc_server_handling_seconds_count{" + get + "}"), 2) << text;

  TempDir scratch;
  scratch.Write("metrics.txt", text);
  auto result =
      RunCommand({"/bin/sh", "-c",
                  "/usr/bin/promtool check metrics < " + scratch.Path("metrics.txt") + " 2>&1"},
                 std::chrono::seconds(30));
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.out, "") << "promtool lint findings";
}

// One call of each type, then the go-grpc-prometheus series and labels for each; streams are
// counted and their messages too, but kept out of the latency histogram; a method no service
// registers gets the fixed "unknown" labels.
TEST(MetricsTest, GrpcSeriesUseTheGoGrpcPrometheusLabels) {
  TempDir root;
  root.Write("app/config.toml", "port = 8080\n");
  Hearthd hearthd(root.path());
  ASSERT_TRUE(hearthd.Started()) << hearthd.Stderr();
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(hearthd.grpc_port()),
                                     grpc::InsecureChannelCredentials());
  auto deadline = [] { return std::chrono::system_clock::now() + std::chrono::seconds(5); };
  auto stub = v1::ConfigService::NewStub(channel);
  for (const char* name : {"app", "missing"}) {  // unary: OK and NOT_FOUND
    grpc::ClientContext context;
    context.set_deadline(deadline());
    v1::GetConfigRequest request;
    request.set_name(name);
    v1::GetConfigResponse response;
    stub->GetConfig(&context, request, &response);
  }
  {  // server stream: the snapshot (one config) and the PROGRESS that ends it, then cancel
    grpc::ClientContext context;
    context.set_deadline(deadline());
    v1::WatchConfigsRequest request;
    auto reader = stub->WatchConfigs(&context, request);
    v1::WatchConfigsResponse event;
    while (reader->Read(&event) && !event.snapshot_end()) {
    }
    context.TryCancel();
    reader->Finish();
  }
  {  // bidi stream: two reflection v1 requests
    auto reflection = grpc::reflection::v1::ServerReflection::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(deadline());
    auto stream = reflection->ServerReflectionInfo(&context);
    grpc::reflection::v1::ServerReflectionRequest request;
    request.set_list_services("");
    grpc::reflection::v1::ServerReflectionResponse response;
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(stream->Write(request));
      ASSERT_TRUE(stream->Read(&response));
    }
    stream->WritesDone();
    EXPECT_TRUE(stream->Finish().ok());
  }
  {  // a method nobody registered
    grpc::GenericStub generic(channel);
    grpc::ClientContext context;
    context.set_deadline(deadline());
    grpc::Slice empty("", 0);  // an empty message, which is not an empty (invalid) buffer
    grpc::ByteBuffer request(&empty, 1), response;
    grpc::Status status;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    generic.UnaryCall(&context, "/hearth.v1.ConfigService/NoSuchMethod", grpc::StubOptions(),
                      &request, &response, [&](grpc::Status s) {
                        std::lock_guard<std::mutex> lock(mu);
                        status = std::move(s);
                        done = true;
                        cv.notify_all();
                      });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }

  const std::string get =
      "grpc_method=\"GetConfig\",grpc_service=\"hearth.v1.ConfigService\","
      "grpc_type=\"unary\"";
  const std::string watch =
      "grpc_method=\"WatchConfigs\",grpc_service=\"hearth.v1.ConfigService\","
      "grpc_type=\"server_stream\"";
  const std::string reflect =
      "grpc_method=\"ServerReflectionInfo\",grpc_service=\"grpc.reflection.v1."
      "ServerReflection\",grpc_type=\"bidi_stream\"";
  std::string text;
  ASSERT_TRUE(Eventually([&] {
    text = hearthd.Scrape();
    return Sample(text, "grpc_server_handled_total{grpc_code=\"OK\"," + reflect + "}") == 1 &&
           Sample(text, "grpc_server_handled_total{grpc_code=\"CANCELLED\"," + watch + "}") == 1;
  })) << text;
  EXPECT_EQ(Sample(text, "grpc_server_started_total{" + get + "}"), 2) << text;
  EXPECT_EQ(Sample(text, "grpc_server_handled_total{grpc_code=\"OK\"," + get + "}"), 1) << text;
  EXPECT_EQ(Sample(text, "grpc_server_handled_total{grpc_code=\"NOT_FOUND\"," + get + "}"), 1)
      << text;
  EXPECT_EQ(Sample(text, "grpc_server_handling_seconds_count{" + get + "}"), 2) << text;
  EXPECT_EQ(Sample(text, "grpc_server_msg_received_total{" + get + "}"), 2) << text;
  EXPECT_EQ(Sample(text, "grpc_server_msg_sent_total{" + get + "}"), 1) << text;  // one OK

  EXPECT_EQ(Sample(text, "grpc_server_started_total{" + watch + "}"), 1) << text;
  EXPECT_EQ(Sample(text, "grpc_server_msg_received_total{" + watch + "}"), 1) << text;
  EXPECT_GE(Sample(text, "grpc_server_msg_sent_total{" + watch + "}").value_or(0), 2) << text;
  EXPECT_EQ(Sample(text, "grpc_server_started_total{" + reflect + "}"), 1) << text;
  EXPECT_EQ(Sample(text, "grpc_server_msg_received_total{" + reflect + "}"), 2) << text;
  EXPECT_EQ(Sample(text, "grpc_server_msg_sent_total{" + reflect + "}"), 2) << text;
  // Streams stay out of the latency histogram.
  EXPECT_EQ(text.find("grpc_server_handling_seconds_count{grpc_method=\"WatchConfigs\""),
            std::string::npos);
  EXPECT_EQ(text.find("grpc_server_handling_seconds_count{grpc_method=\"ServerReflectionInfo\""),
            std::string::npos);
  // Bounded labels: the unregistered method is not named anywhere.
  EXPECT_EQ(text.find("NoSuchMethod"), std::string::npos) << text;
  // Every method of every registered service exists from the start, at zero (the series are
  // resolved once, not per call): reflection v1alpha was never called here.
  const std::string reflect_alpha =
      "grpc_method=\"ServerReflectionInfo\",grpc_service=\"grpc.reflection.v1alpha."
      "ServerReflection\",grpc_type=\"bidi_stream\"";
  EXPECT_EQ(Sample(text, "grpc_server_started_total{" + reflect_alpha + "}"), 0) << text;
  EXPECT_EQ(Sample(text, "grpc_server_handled_total{grpc_code=\"OK\"," + reflect_alpha + "}"), 0)
      << text;
}

TEST(MetricsTest, ValuesFollowTheFiles) {
  TempDir root;
  root.Write("app/config.toml", "port = 8080\n");
  Hearthd hearthd(root.path());
  ASSERT_TRUE(hearthd.Started()) << hearthd.Stderr();
  double revision = hearthd.Value("hearth_revision").value_or(-1);
  ASSERT_GE(revision, 1);

  root.WriteAtomic("app/config.toml", "port = 9090\n");
  EXPECT_TRUE(Eventually([&] { return hearthd.Value("hearth_revision") > revision; }));
  EXPECT_TRUE(Eventually([&] {
    return hearthd.Value("hearth_rebuilds_total{result=\"published\"}") >= 2 &&
           hearthd.Value("hearth_event_to_publish_seconds_count") >= 1 &&
           hearthd.Value("hearth_last_event_timestamp_seconds") > 1.6e9;
  })) << hearthd.Scrape();

  // A broken file: counted as an error, logged once with file:line:col, never its values.
  root.WriteAtomic("app/config.toml", "port = 9090\nsecret = \"hunter2\"\nbroken = \n");
  EXPECT_TRUE(Eventually([&] {
    return hearthd.Value("hearth_configs{state=\"error\"}") == 1 &&
           hearthd.Value("hearth_rebuilds_total{result=\"failed\"}") >= 1;
  })) << hearthd.Scrape();
  // A rescan finds the same errors: they are not logged again.
  hearthd.process().Signal(SIGHUP);
  EXPECT_TRUE(
      Eventually([&] { return hearthd.Value("hearth_rescans_total{reason=\"signal\"}") == 1; }));
  ASSERT_TRUE(Eventually([&] { return hearthd.Stderr().find("SIGHUP") != std::string::npos; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::string err = hearthd.Stderr();
  static const std::regex kErrorLine("config app: .*config\\.toml:3:[0-9]+: ");
  auto lines = std::distance(std::sregex_iterator(err.begin(), err.end(), kErrorLine),
                             std::sregex_iterator());
  EXPECT_EQ(lines, 1) << err;
  EXPECT_EQ(err.find("hunter2"), std::string::npos) << err;

  root.WriteAtomic("app/config.toml", "port = 7070\n");
  EXPECT_TRUE(Eventually([&] { return hearthd.Value("hearth_configs{state=\"error\"}") == 0; }));
  EXPECT_TRUE(Eventually(
      [&] { return hearthd.Stderr().find("config app: recovered") != std::string::npos; }));
}

TEST(MetricsTest, ValidateCacheCountsHitsMissesAndSize) {
  TempDir root;
  root.Write("app/config.toml", "port = 8080\n");
  Hearthd hearthd(root.path(), {"--validate-cache-entries", "1"});
  ASSERT_TRUE(hearthd.Started()) << hearthd.Stderr();
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(hearthd.grpc_port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::ConfigService::NewStub(channel);
  auto validate = [&](const std::string& content) {
    v1::ValidateConfigRequest request;
    request.set_name("app");
    v1::CandidateFile* file = request.add_files();
    file->set_file_name("10-candidate.toml");
    file->set_content(content);
    v1::ValidateConfigResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kDeadline);
    return stub->ValidateConfig(&context, request, &response).ok() && response.valid();
  };
  ASSERT_TRUE(validate("port = 1\n"));
  ASSERT_TRUE(validate("port = 1\n"));
  ASSERT_TRUE(validate("port = 2\n"));  // evicts the first (one entry at most)
  const std::string text = hearthd.Scrape();
  EXPECT_EQ(Sample(text, "hearth_validate_cache_hits_total"), 1) << text;
  EXPECT_EQ(Sample(text, "hearth_validate_cache_misses_total"), 2) << text;
  EXPECT_EQ(Sample(text, "hearth_validate_cache_evictions_total"), 1) << text;
  EXPECT_EQ(Sample(text, "hearth_validate_cache_entries"), 1) << text;
  EXPECT_GT(Sample(text, "hearth_validate_cache_bytes").value_or(0), 0) << text;
  // Config values never reach the metrics.
  EXPECT_EQ(text.find("port = "), std::string::npos);
}

TEST(MetricsTest, ReadinessFailsWhenARootVanishes) {
  TempDir parent;
  parent.Write("root/app/config.toml", "port = 8080\n");
  Hearthd hearthd(parent.Path("root"));
  ASSERT_TRUE(hearthd.Started()) << hearthd.Stderr();
  EXPECT_EQ(hearthd.Value("hearth_ready"), 1);
  parent.Remove("root");
  EXPECT_TRUE(Eventually([&] { return hearthd.Value("hearth_ready") == 0; })) << hearthd.Scrape();
  EXPECT_NE(hearthd.Stderr().find("not ready: root "), std::string::npos) << hearthd.Stderr();
  parent.Write("root/app/config.toml", "port = 8080\n");
  EXPECT_TRUE(Eventually([&] { return hearthd.Value("hearth_ready") == 1; })) << hearthd.Stderr();
}

TEST(MetricsTest, JsonLogsAreOneObjectPerLine) {
  TempDir root;
  root.Write("app/config.toml", "port = 8080\n");
  root.Write("bad \"quoted\"/config.json", "{\"a\": }\n");
  Hearthd hearthd(root.path(), {"--log-format", "json"});
  ASSERT_TRUE(hearthd.Started()) << hearthd.Stderr();
  hearthd.process().Signal(SIGTERM);
  EXPECT_EQ(hearthd.process().Wait(std::chrono::seconds(20)), 0);
  std::string err = hearthd.Stderr();
  std::istringstream in(err);
  std::string line;
  int lines = 0;
  TempDir scratch;
  while (std::getline(in, line)) {
    ++lines;
    // python3's json module is the strict parser at hand; each line must be one object.
    scratch.Write("line.json", line);
    auto check =
        RunCommand({"/usr/bin/python3", "-c",
                    "import json,sys; o=json.load(open(sys.argv[1])); "
                    "assert isinstance(o, dict) and {'time','level','message'} <= o.keys(), o",
                    scratch.Path("line.json")},
                   std::chrono::seconds(10));
    EXPECT_EQ(check.exit_code, 0) << line << "\n" << check.err;
  }
  EXPECT_GE(lines, 4) << err;
  EXPECT_NE(err.find("\"message\":\"serving metrics on 127.0.0.1:"), std::string::npos) << err;
  EXPECT_NE(err.find("bad \\\"quoted\\\""), std::string::npos) << err;
}

}  // namespace
}  // namespace hearth
