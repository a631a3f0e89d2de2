#include "tests/robustness/robustness_fixture.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "grpcpp/impl/client_unary_call.h"
#include "grpcpp/impl/rpc_method.h"
#include "hearth/status_code_name.h"

namespace hearth::robustness {
namespace {

constexpr const char* kHealthCheck = "/grpc.health.v1.Health/Check";

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
  out_ = state_->Path("hearthd.out");
  err_ = state_->Path("hearthd.err");
  std::vector<std::string> argv;
  if (options_.address_space_bytes > 0) {
    argv = {"/usr/bin/prlimit", absl::StrCat("--as=", options_.address_space_bytes), "--"};
  }
  if (options_.unprivileged) {
    // The unprivileged daemon creates its socket in the state dir.
    chmod(state_->path().c_str(), 0777);
    OpenUpForOthers(state_->path());
    argv.insert(argv.end(),
                {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"});
  }
  argv.insert(argv.end(), {BuildBinary("server/hearthd"), "serve"});
  for (const std::string& r : roots) argv.insert(argv.end(), {"--root", r});
  argv.insert(argv.end(),
              {"--grpc-listen", "unix://" + socket_, "--metrics-listen",
               options_.metrics ? "127.0.0.1:0" : "", "--debounce", "2ms", "--progress-interval",
               "200ms", "--shutdown-grace", options_.shutdown_grace});
  argv.insert(argv.end(), options_.extra_flags.begin(), options_.extra_flags.end());
  process_ = std::make_unique<testing::Subprocess>(argv, out_, err_);
  // VmHWM vanishes with the process: sample it while it lives.
  sampler_ = std::thread([this, pid = process_->pid()] {
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
  if (process_ && process_->running()) {
    process_->Signal(SIGKILL);
    process_->Wait(std::chrono::seconds(10));
  }
}

std::string HostileDaemon::log() const {
  return testing::ReadFileOrEmpty(err_) + testing::ReadFileOrEmpty(out_);
}

std::string HostileDaemon::log_tail(size_t bytes) const {
  std::string all = log();
  return all.size() <= bytes ? all : "..." + all.substr(all.size() - bytes);
}

std::string HostileDaemon::ExitDescription() {
  // A daemon that is dying (abort, core dump) may still be a running process for a moment.
  if (process_->Wait(std::chrono::milliseconds(500)) == -1) return "hearthd is running";
  int code = process_->Wait(std::chrono::milliseconds(0));
  if (code > 128) return absl::StrCat("hearthd was killed by signal ", code - 128);
  return absl::StrCat("hearthd exited with code ", code);
}

Health HostileDaemon::CheckHealth(absl::Duration timeout) const {
  return HealthOn(channel_.get(), timeout);
}

Health HealthOn(grpc::Channel* channel, absl::Duration timeout) {
  std::string reply;
  grpc::Status s = RawUnaryCall(channel, kHealthCheck, "", &reply, timeout);
  if (!s.ok()) return Health::kRpcFailed;
  // HealthCheckResponse { ServingStatus status = 1; }: tag 0x08 then a one-byte varint.
  if (reply.size() >= 2 && reply[0] == 0x08 && reply[1] >= 0 && reply[1] <= 3) {
    return static_cast<Health>(reply[1]);
  }
  return reply.empty() ? Health::kUnknown : Health::kRpcFailed;
}

bool HostileDaemon::WaitHealth(Health want, absl::Duration timeout) {
  return Eventually([&] { return Alive() && CheckHealth(absl::Seconds(1)) == want; }, timeout);
}

bool HostileDaemon::WaitServing(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (!process_->running()) return false;
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

int HostileDaemon::MetricsPort() {
  static const std::regex kMetrics("serving metrics on 127\\.0\\.0\\.1:([0-9]+)");
  int port = 0;
  Eventually(
      [&] {
        std::smatch m;
        std::string err = testing::ReadFileOrEmpty(err_);
        if (!std::regex_search(err, m, kMetrics)) return false;
        port = std::stoi(m[1]);
        return true;
      },
      absl::Seconds(10));
  return port;
}

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

WatchCollector::WatchCollector(v1::ConfigService::Stub* stub,
                               const v1::WatchConfigsRequest& request, absl::Duration lifetime) {
  context_.set_deadline(DeadlineIn(lifetime));
  reader_ = stub->WatchConfigs(&context_, request);
  thread_ = std::thread([this] {
    v1::WatchConfigsResponse r;
    while (reader_->Read(&r)) {
      absl::MutexLock lock(&mu_);
      queue_.push_back(r);
      all_.push_back(r);
    }
    grpc::Status s = reader_->Finish();
    absl::MutexLock lock(&mu_);
    final_ = s;
    done_ = true;
  });
}

WatchCollector::~WatchCollector() {
  context_.TryCancel();
  thread_.join();
}

std::optional<v1::WatchConfigsResponse> WatchCollector::Next(
    const std::function<bool(const v1::WatchConfigsResponse&)>& pred, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      while (!queue_.empty()) {
        v1::WatchConfigsResponse e = std::move(queue_.front());
        queue_.pop_front();
        if (pred(e)) return e;
      }
      if (done_) return std::nullopt;
    }
    if (absl::Now() > deadline) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(2));
  }
}

std::vector<v1::WatchConfigsResponse> WatchCollector::All() const {
  absl::MutexLock lock(&mu_);
  return all_;
}

std::optional<grpc::Status> WatchCollector::Final() const {
  absl::MutexLock lock(&mu_);
  if (!done_) return std::nullopt;
  return final_;
}

std::function<bool(const v1::WatchConfigsResponse&)> IsEvent(v1::WatchEventType type,
                                                             const std::string& name) {
  return [type, name](const v1::WatchConfigsResponse& e) {
    return e.type() == type && e.name() == name;
  };
}

std::function<bool(const v1::WatchConfigsResponse&)> IsSnapshotEnd() {
  return [](const v1::WatchConfigsResponse& e) { return e.snapshot_end(); };
}

grpc::Status RawUnaryCall(grpc::Channel* channel, const std::string& method,
                          const std::string& request_bytes, std::string* response_bytes,
                          absl::Duration timeout) {
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(timeout));
  const grpc::internal::RpcMethod rpc(method.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::Status status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel, rpc, &context, request, &response);
  if (response_bytes != nullptr) {
    response_bytes->clear();
    std::vector<grpc::Slice> slices;
    if (status.ok() && response.Dump(&slices).ok()) {
      for (const auto& s : slices) {
        response_bytes->append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
  }
  return status;
}

}  // namespace hearth::robustness
