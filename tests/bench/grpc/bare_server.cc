// bare_server: the "limit of gRPC" baseline for get_rps.sh. Serves
// hearth.v1.ConfigService/GetConfig with the callback API and a constant response whose `json` is
// about 1 KB; no lookup, no state. Usage: bare_server [--listen 127.0.0.1:0] [--json-bytes 1024].
// Prints "listening on HOST:PORT" on stdout once serving, then runs until SIGTERM/SIGINT.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "hearth/v1/config_service.grpc.pb.h"

namespace {

// A JSON object of about `bytes` bytes: {"k000":"vvvv...",...}.
std::string MakeJson(size_t bytes) {
  std::string json = "{";
  for (int i = 0; json.size() + 40 < bytes; ++i) {
    if (i > 0) json += ',';
    char key[16];
    std::snprintf(key, sizeof key, "\"k%03d\":\"", i);
    json += key;
    json += std::string(24, static_cast<char>('a' + i % 26));
    json += '"';
  }
  json += '}';
  return json;
}

class BareService final : public hearth::v1::ConfigService::CallbackService {
 public:
  explicit BareService(size_t json_bytes) {
    reply_.set_name("bench");
    reply_.set_revision(1);
    reply_.set_etag("0123456789abcdef");
    reply_.set_json(MakeJson(json_bytes));
    reply_.add_sources("bench/app.toml");
  }

  grpc::ServerUnaryReactor* GetConfig(grpc::CallbackServerContext* context,
                                      const hearth::v1::GetConfigRequest* /*request*/,
                                      hearth::v1::GetConfigResponse* response) override {
    *response = reply_;
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  hearth::v1::GetConfigResponse reply_;
};

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  size_t json_bytes = 1024;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--listen") == 0) {
      listen = argv[i + 1];
    } else if (std::strcmp(argv[i], "--json-bytes") == 0) {
      json_bytes = std::strtoul(argv[i + 1], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: %s [--listen HOST:PORT] [--json-bytes N]\n", argv[0]);
      return 2;
    }
  }
  BareService service(json_bytes);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "bare_server: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  std::string host = listen.substr(0, listen.rfind(':'));
  std::printf("listening on %s:%d\n", host.c_str(), port);
  std::fflush(stdout);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  while (!g_stop) pause();
  server->Shutdown();
  return 0;
}
