#include "tests/robustness/robustness_fixture.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "hearth/status_code_name.h"
#include "tests/fakes/rpc/raw_call.h"

namespace hearth::robustness {
namespace {

std::chrono::system_clock::time_point DeadlineIn(absl::Duration d) {
  return absl::ToChronoTime(absl::Now() + d);
}

}  // namespace

std::string BuildBinary(const std::string& rel) {
  return std::string(HEARTH_BINARY_DIR) + "/" + rel;
}

const char* HealthName(Health h) {
  switch (h) {
    case Health::kUnknown:
      return "UNKNOWN";
    case Health::kServing:
      return "SERVING";
    case Health::kNotServing:
      return "NOT_SERVING";
    case Health::kServiceUnknown:
      return "SERVICE_UNKNOWN";
    case Health::kRpcFailed:
      return "(health RPC failed)";
  }
  return "?";
}

std::string Describe(const grpc::Status& s) {
  return absl::StrCat(StatusCodeName(s.error_code()), ": '", s.error_message(), "'");
}

bool Eventually(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return done();
}

void OpenUpForOthers(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0) chmod(path.c_str(), (st.st_mode & 07777) | 0055);
  std::string p = path;
  while (true) {
    size_t slash = p.rfind('/');
    if (slash == std::string::npos || slash == 0) break;
    p.resize(slash);
    if (stat(p.c_str(), &st) == 0) chmod(p.c_str(), (st.st_mode & 07777) | 0011);
  }
}

HostileDaemon::HostileDaemon(const std::string& root, DaemonOptions options)
    : options_(std::move(options)) {
  Start({root});
}

HostileDaemon::HostileDaemon(const std::vector<std::string>& roots, DaemonOptions options)
    : options_(std::move(options)) {
  Start(roots);
}

void HostileDaemon::Start(const std::vector<std::string>& roots) {
  state_ = std::make_unique<testing::TempDir>();
  socket_ = options_.socket_path.empty() ? state_->Path("hearth.sock") : options_.socket_path;
  testing::HearthdOptions o;
  if (options_.address_space_bytes > 0)
    o.prefix = testing::PrlimitPrefix(options_.address_space_bytes);
  if (options_.unprivileged) {
    // The unprivileged daemon creates its socket in the state dir.
    chmod(state_->path().c_str(), 0777);
    OpenUpForOthers(state_->path());
    const std::vector<std::string> setpriv = testing::UnprivilegedPrefix();
    o.prefix.insert(o.prefix.end(), setpriv.begin(), setpriv.end());
  }
  o.roots = roots;
  o.grpc_listen = "unix://" + socket_;
  o.metrics_listen = options_.metrics ? "127.0.0.1:0" : "";
  o.flags = {"--debounce",           "2ms", "--progress-interval", "200ms", "--shutdown-grace",
             options_.shutdown_grace};
  o.flags.insert(o.flags.end(), options_.extra_flags.begin(), options_.extra_flags.end());
  o.out_path = state_->Path("hearthd.out");
  o.err_path = state_->Path("hearthd.err");
  hearthd_ = std::make_unique<testing::HearthdProcess>(std::move(o));
  // VmHWM vanishes with the process: sample it while it lives.
  sampler_ = std::thread([this, pid = hearthd_->process().pid()] {
    const std::string status = "/proc/" + std::to_string(pid) + "/status";
    while (!stop_sampling_.load()) {
      std::ifstream in(status);
      std::string line;
      while (std::getline(in, line)) {
        if (line.rfind("VmHWM:", 0) != 0) continue;
        std::istringstream fields(line.substr(6));
        uint64_t kb = 0;
        fields >> kb;
        if (kb * 1024 > peak_rss_.load()) peak_rss_.store(kb * 1024);
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
  });
  channel_ = NewChannel();
  stub_ = v1::ConfigService::NewStub(channel_);
}

std::shared_ptr<grpc::Channel> HostileDaemon::NewChannel() const {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 250);
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  // A fresh connection, never one shared with another channel.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(target(), grpc::InsecureChannelCredentials(), args);
}

HostileDaemon::~HostileDaemon() {
  stop_sampling_ = true;
  if (sampler_.joinable()) sampler_.join();
  if (hearthd_ && hearthd_->running()) {
    hearthd_->Signal(SIGKILL);
    hearthd_->Wait(std::chrono::seconds(10));
  }
}

std::string HostileDaemon::log() const { return hearthd_->log(); }

std::string HostileDaemon::log_tail(size_t bytes) const {
  std::string all = log();
  return all.size() <= bytes ? all : "..." + all.substr(all.size() - bytes);
}

std::string HostileDaemon::ExitDescription() {
  // A daemon that is dying (abort, core dump) may still be a running process for a moment.
  if (hearthd_->Wait(std::chrono::milliseconds(500)) == -1) return "hearthd is running";
  int code = hearthd_->Wait(std::chrono::milliseconds(0));
  if (code > 128) return absl::StrCat("hearthd was killed by signal ", code - 128);
  return absl::StrCat("hearthd exited with code ", code);
}

Health HostileDaemon::CheckHealth(absl::Duration timeout) const {
  return HealthOn(channel_.get(), timeout);
}

Health HealthOn(grpc::Channel* channel, absl::Duration timeout) {
  auto stub = grpc::health::v1::Health::NewStub(channel->shared_from_this());
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(timeout));
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status s = stub->Check(&context, grpc::health::v1::HealthCheckRequest(), &response);
  if (!s.ok()) return Health::kRpcFailed;
  if (response.status() < 0 || response.status() > 3) return Health::kRpcFailed;
  return static_cast<Health>(response.status());
}

bool HostileDaemon::WaitHealth(Health want, absl::Duration timeout) {
  return Eventually([&] { return Alive() && CheckHealth(absl::Seconds(1)) == want; }, timeout);
}

bool HostileDaemon::WaitServing(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (!hearthd_->running()) return false;
    if (!connected_) {
      // A channel that tried before the socket existed backs off for seconds: until the daemon
      // first answers, every attempt uses a fresh channel.
      struct stat st;
      if (stat(socket_.c_str(), &st) == 0) {
        std::shared_ptr<grpc::Channel> fresh = NewChannel();
        if (HealthOn(fresh.get(), absl::Seconds(1)) == Health::kServing) {
          channel_ = std::move(fresh);
          stub_ = v1::ConfigService::NewStub(channel_);
          connected_ = true;
          return true;
        }
      }
    } else if (CheckHealth(absl::Seconds(1)) == Health::kServing) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

int HostileDaemon::MetricsPort() { return hearthd_->LoggedMetricsPort(std::chrono::seconds(10)); }

int HostileDaemon::HttpPort() { return hearthd_->LoggedHttpPort(std::chrono::seconds(10)); }

uint64_t HostileDaemon::PeakRssBytes() const { return peak_rss_.load(); }

grpc::Status HostileDaemon::Get(const std::string& name, v1::GetConfigResponse* out,
                                const std::string& profile, absl::Duration timeout) const {
  grpc::ClientContext ctx;
  ctx.set_deadline(DeadlineIn(timeout));
  v1::GetConfigRequest req;
  req.set_name(name);
  req.set_profile(profile);
  return stub_->GetConfig(&ctx, req, out);
}

std::optional<std::vector<v1::ConfigInfo>> HostileDaemon::List(absl::Duration timeout) const {
  grpc::ClientContext ctx;
  ctx.set_deadline(DeadlineIn(timeout));
  v1::ListConfigsRequest req;
  req.set_page_size(1000);
  v1::ListConfigsResponse resp;
  if (!stub_->ListConfigs(&ctx, req, &resp).ok()) return std::nullopt;
  return std::vector<v1::ConfigInfo>(resp.configs().begin(), resp.configs().end());
}

::testing::AssertionResult HostileDaemon::CrashedFailure() {
  return ::testing::AssertionFailure()
         << "promise broken: hearthd must never crash on hostile input, but " << ExitDescription()
         << "\n--- log tail ---\n"
         << log_tail();
}

::testing::AssertionResult HostileDaemon::ServesCorrectly(const std::string& name,
                                                          const std::string& json,
                                                          const std::string& etag) {
  if (!Alive()) return CrashedFailure();
  Health h = CheckHealth();
  if (h != Health::kServing) {
    return ::testing::AssertionFailure()
           << "promise broken: after the attack health must say SERVING, it says " << HealthName(h)
           << "\n--- log tail ---\n"
           << log_tail();
  }
  v1::GetConfigResponse r;
  grpc::Status s = Get(name, &r);
  if (!s.ok()) {
    return ::testing::AssertionFailure()
           << "promise broken: the untouched config '" << name
           << "' must keep serving after the attack; GetConfig failed: " << Describe(s);
  }
  if (r.json() != json || r.etag() != etag || r.errors_size() != 0) {
    return ::testing::AssertionFailure()
           << "promise broken: the untouched config '" << name
           << "' must serve the same document after the attack; got etag " << r.etag() << " (want "
           << etag << "), " << r.errors_size() << " errors, json " << r.json().substr(0, 200);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult HostileDaemon::ServesLastKnownGood(const std::string& name,
                                                              const std::string& json,
                                                              const std::string& etag) {
  if (!Alive()) return CrashedFailure();
  v1::GetConfigResponse r;
  grpc::Status s = Get(name, &r);
  if (!s.ok()) {
    return ::testing::AssertionFailure()
           << "promise broken: a bad edit must never replace a good config; GetConfig(" << name
           << ") failed: " << Describe(s);
  }
  if (r.json() != json || r.etag() != etag) {
    return ::testing::AssertionFailure()
           << "promise broken: '" << name << "' must keep serving its last-known-good version; "
           << "got etag " << r.etag() << " (want " << etag << ")";
  }
  if (r.errors_size() == 0) {
    return ::testing::AssertionFailure()
           << "promise broken: the attack on '" << name
           << "' must be recorded as an error beside the last-known-good version; none is";
  }
  return ::testing::AssertionSuccess();
}

Served Capture(const HostileDaemon& daemon, const std::string& name) {
  v1::GetConfigResponse r;
  grpc::Status s = daemon.Get(name, &r);
  if (!s.ok() || r.etag().empty()) {
    ADD_FAILURE() << "setup: GetConfig(" << name
                  << ") failed before the attack: " << s.error_message();
    return {name, "", ""};
  }
  return {name, r.json(), r.etag()};
}

grpc::Status RawUnaryCall(grpc::Channel* channel, const std::string& method,
                          const std::string& request_bytes, std::string* response_bytes,
                          absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(timeout));
  return testing::RawUnaryCall(channel, method, request_bytes, response_bytes, &context);
}

}  // namespace hearth::robustness
