#include "server/rpc/grpc_server.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "server/core/model/instance_id.h"
#include "server/rpc/malformed_request_interceptor.h"
#include "server/rpc/metrics_interceptor.h"
#include "server/rpc/reflection_v1_service.h"

namespace hearth::rpc {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  if (in) content << in.rdbuf();
  if (!in || content.str().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", what, " file \"", path, "\" (expected a PEM file)"));
  }
  return content.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TcpCredentials(
    const GrpcServer::Options& options) {
  if (options.tls_cert.empty() && options.tls_key.empty()) {
    if (!options.tls_client_ca.empty()) {
      return absl::InvalidArgumentError(
          "--tls-client-ca needs --tls-cert and --tls-key (mutual TLS is TLS plus client "
          "certificates)");
    }
    return grpc::InsecureServerCredentials();
  }
  if (options.tls_cert.empty() || options.tls_key.empty()) {
    return absl::InvalidArgumentError("TLS needs both --tls-cert and --tls-key");
  }
  absl::StatusOr<std::string> cert = ReadPem(options.tls_cert, "TLS certificate");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem(options.tls_key, "TLS key");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  if (!options.tls_client_ca.empty()) {
    absl::StatusOr<std::string> ca = ReadPem(options.tls_client_ca, "TLS client CA");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

bool IsUnix(const std::string& address) { return absl::StartsWith(address, "unix:"); }

}  // namespace

GrpcServer::GrpcServer(Options options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(Options options, ConfigStore* store,
                                                              const DryRunner* dry_runner) {
  if (options.listen.empty()) return absl::InvalidArgumentError("no listen address given");
  if (options.workers < 1) return absl::InvalidArgumentError("--workers must be at least 1");
  if (options.max_message_bytes < 1024 || options.max_message_bytes > (1u << 30)) {
    return absl::InvalidArgumentError("max message size must be between 1 KiB and 1 GiB");
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> tcp_credentials =
      TcpCredentials(options);
  if (!tcp_credentials.ok()) return tcp_credentials.status();
  if (options.instance_id.empty()) options.instance_id = NewInstanceId();

  std::unique_ptr<GrpcServer> server(new GrpcServer(std::move(options)));
  const Options& opts = server->options_;
  server->renderer_ = std::make_unique<ConfigRenderer>(
      store, ConfigRenderer::Options{.cache_bytes = opts.render_cache_bytes});
  server->rollout_ = std::make_unique<RolloutTracker>(opts.rollout);
  server->workers_ =
      std::make_unique<WorkerPool>("rpc-worker", opts.workers, opts.max_queued_validations);
  WatchHub::Options hub_options;
  hub_options.max_streams = opts.max_watch_streams;
  hub_options.progress_interval = opts.progress_interval;
  hub_options.max_dirty_per_stream = opts.max_dirty_per_stream;
  hub_options.sender_threads = opts.watch_threads;
  hub_options.instance_id = opts.instance_id;
  hub_options.max_message_bytes = opts.max_message_bytes;
  hub_options.rollout = server->rollout_.get();
  hub_options.renderer = server->renderer_.get();
  server->hub_ = std::make_unique<WatchHub>(store, std::move(hub_options));
  server->config_service_ = std::make_unique<ConfigService>(
      server->renderer_.get(), dry_runner, server->hub_.get(), server->workers_.get(),
      server->rollout_.get(),
      ConfigService::ServerInfo{opts.version, opts.instance_id, absl::Now()}, opts.metrics);
  GrpcServer* self = server.get();
  server->health_service_ =
      std::make_unique<HealthService>(std::vector<std::string>{"", "hearth.v1.ConfigService"},
                                      [self] { return self->IsServing(); });

  static std::once_flag reflection_once;
  std::call_once(reflection_once,
                 [] { grpc::reflection::InitProtoReflectionServerBuilderPlugin(); });

  grpc::ServerBuilder builder;
  grpc::ResourceQuota quota("hearthd");
  quota.SetMaxThreads(std::max(opts.workers, 1) + 2);
  builder.SetResourceQuota(quota);
  // Only reflection is synchronous: keep its polling threads to a minimum.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 1);
  builder.SetMaxReceiveMessageSize(static_cast<int>(opts.max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(opts.max_message_bytes));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             std::max(1, opts.max_streams_per_connection));
  // A second daemon on the same port must fail to start, not share the port silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Find dead watch clients (half-open TCP) within about a minute.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  {
    // Neither interceptor runs for the raw methods: a call with no interceptor also skips gRPC's
    // per-batch interception hooks.
    InterceptorFactories interceptors;
    interceptors.push_back(
        std::make_unique<MalformedRequestInterceptorFactory>(ConfigService::RawMethods()));
    if (opts.metrics != nullptr) {
      interceptors.push_back(
          std::make_unique<MetricsInterceptorFactory>(opts.metrics, ConfigService::RawMethods()));
    }
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  builder.RegisterService(server->config_service_.get());
  builder.RegisterService(server->health_service_.get());
  // v1alpha comes from the plugin above; v1 (what buf curl and newer grpcurl try first) is ours.
  server->reflection_v1_service_ = std::make_unique<ReflectionV1Service>(std::vector<std::string>{
      "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection", "hearth.v1.ConfigService"});
  builder.RegisterService(server->reflection_v1_service_.get());

  server->ports_.assign(opts.listen.size(), 0);
  for (size_t i = 0; i < opts.listen.size(); ++i) {
    std::string address = opts.listen[i];
    if (IsUnix(address)) {
      UnixSocketClaim& claim = server->unix_claims_.emplace_back(address);
      absl::StatusOr<std::string> bind_address = claim.Prepare();
      if (!bind_address.ok()) {
        server->hub_->Shutdown();
        return bind_address.status();
      }
      address = *std::move(bind_address);
    }
    builder.AddListeningPort(address,
                             IsUnix(address) ? grpc::InsecureServerCredentials() : *tcp_credentials,
                             &server->ports_[i]);
  }
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr) {
    server->hub_->Shutdown();
    for (UnixSocketClaim& claim : server->unix_claims_) claim.Release();
    return absl::UnavailableError(absl::StrCat("cannot listen on ",
                                               absl::StrJoin(opts.listen, ", "),
                                               ": address in use, malformed, or not permitted"));
  }
  for (size_t i = 0; i < opts.listen.size(); ++i) {
    if (server->ports_[i] == 0) {
      server->Shutdown(absl::ZeroDuration());
      return absl::UnavailableError(absl::StrCat("cannot listen on ", opts.listen[i]));
    }
    if (IsUnix(opts.listen[i])) server->ports_[i] = 0;
  }
  if (!opts.health_listen.empty()) {
    server->probe_health_service_ =
        std::make_unique<HealthService>(std::vector<std::string>{"", "hearth.v1.ConfigService"},
                                        [self] { return self->IsServing(); });
    grpc::ServerBuilder probe;
    probe.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    probe.SetMaxReceiveMessageSize(4096);  // a HealthCheckRequest is a service name
    {
      // Malformed HealthCheckRequest bytes get INVALID_ARGUMENT here too, not UNIMPLEMENTED.
      InterceptorFactories interceptors;
      interceptors.push_back(std::make_unique<MalformedRequestInterceptorFactory>());
      probe.experimental().SetInterceptorCreators(std::move(interceptors));
    }
    probe.RegisterService(server->probe_health_service_.get());
    server->health_ports_.assign(opts.health_listen.size(), 0);
    for (size_t i = 0; i < opts.health_listen.size(); ++i) {
      probe.AddListeningPort(opts.health_listen[i], grpc::InsecureServerCredentials(),
                             &server->health_ports_[i]);
    }
    server->probe_server_ = probe.BuildAndStart();
    if (server->probe_server_ == nullptr ||
        std::find(server->health_ports_.begin(), server->health_ports_.end(), 0) !=
            server->health_ports_.end()) {
      server->Shutdown(absl::ZeroDuration());
      return absl::UnavailableError(absl::StrCat("cannot listen for health checks on ",
                                                 absl::StrJoin(opts.health_listen, ", ")));
    }
  }
  for (UnixSocketClaim& claim : server->unix_claims_) {
    if (absl::Status s = claim.Commit(static_cast<mode_t>(opts.unix_socket_mode)); !s.ok()) {
      server->Shutdown(absl::ZeroDuration());
      return s;
    }
  }
  return server;
}

GrpcServer::~GrpcServer() { Shutdown(absl::Seconds(5)); }

int GrpcServer::port() const {
  for (size_t i = 0; i < ports_.size(); ++i) {
    if (!IsUnix(options_.listen[i])) return ports_[i];
  }
  return 0;
}

bool GrpcServer::IsServing() const {
  if (!serving_.load() || shutting_down_.load()) return false;
  return !options_.healthy || options_.healthy();
}

void GrpcServer::SetServing(bool serving) {
  serving_.store(serving);
  RefreshHealth();
}

void GrpcServer::RefreshHealth() {
  if (health_service_ != nullptr) health_service_->Refresh();
  if (probe_health_service_ != nullptr) probe_health_service_->Refresh();
}

void GrpcServer::Shutdown(absl::Duration deadline) {
  absl::MutexLock lock(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  shutting_down_.store(true);
  // 1. Health says NOT_SERVING (and health Watch streams end).
  if (health_service_ != nullptr) health_service_->Shutdown();
  if (probe_health_service_ != nullptr) probe_health_service_->Shutdown();
  // 2. Watch streams end with UNAVAILABLE "server shutting down".
  if (hub_ != nullptr) hub_->Shutdown();
  // 3. No new calls; in-flight ones finish or are cancelled at the deadline. Returns when every
  //    call is done.
  if (server_ != nullptr) {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + std::max(deadline, absl::ZeroDuration())));
  }
  if (probe_server_ != nullptr) probe_server_->Shutdown(absl::ToChronoTime(absl::Now()));
  // No more connections: remove our unix sockets, but only those still ours.
  for (UnixSocketClaim& claim : unix_claims_) claim.Release();
  // 4. Every reactor has completed by now (gRPC waits for its calls); check, bounded, before the
  //    hub can be destroyed. Validations still queued finished with their calls: stop the pool.
  if (hub_ != nullptr) hub_->AwaitStreamsDone(absl::Seconds(5));
  if (workers_ != nullptr) workers_->Shutdown();
}

}  // namespace hearth::rpc
