#include "client/connection.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace hearthctl {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  if (in) content << in.rdbuf();
  if (!in || content.str().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", what, " \"", path, "\""));
  }
  return content.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ConnectionOptions& options) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);  // the server enforces the limit
  // Reconnect quickly after a daemon restart (watch resumes).
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  if (!UsesTls(options)) {
    return grpc::CreateCustomChannel(options.server, grpc::InsecureChannelCredentials(), args);
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  grpc::SslCredentialsOptions ssl;
  if (!options.tls_ca.empty()) {
    auto ca = ReadFile(options.tls_ca, "--tls-ca");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
  }
  if (!options.tls_cert.empty()) {
    auto cert = ReadFile(options.tls_cert, "--tls-cert");
    if (!cert.ok()) return cert.status();
    auto key = ReadFile(options.tls_key, "--tls-key");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *cert;
    ssl.pem_private_key = *key;
  }
  if (!options.tls_server_name.empty()) {
    args.SetSslTargetNameOverride(options.tls_server_name);
  }
  return grpc::CreateCustomChannel(options.server, grpc::SslCredentials(ssl), args);
}

void SetDeadline(const ConnectionOptions& options, grpc::ClientContext* context) {
  if (options.timeout_seconds <= 0) return;
  context->set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::microseconds(static_cast<int64_t>(options.timeout_seconds * 1e6)));
}

int ExitCodeFor(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return kExitOk;
    case grpc::StatusCode::NOT_FOUND:
      return kExitNotFound;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return kExitUnavailable;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return kExitUsage;
    default:
      return kExitFailure;
  }
}

bool UsesTls(const ConnectionOptions& options) {
  return options.tls || !options.tls_ca.empty() || !options.tls_cert.empty() ||
         !options.tls_key.empty();
}

std::string ConnectionHint(const ConnectionOptions& options, const grpc::Status& status) {
  if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return "";
  const std::string& m = status.error_message();
  const bool tls = UsesTls(options);
  auto has = [&m](std::string_view s) { return m.find(s) != std::string::npos; };
  if (has("Connection refused") || has("No such file or directory")) {
    return absl::StrCat("nothing is listening at ", options.server,
                        ": is hearthd running there? (--server or HEARTH_SERVER)");
  }
  if (tls && (has("wrong version number") || has("packet length too long"))) {
    return "the server does not speak TLS on this address: drop --tls and the --tls-* flags "
           "(or HEARTH_TLS_*)";
  }
  if (tls && has("certificate verify failed")) {
    return "the server's certificate is not signed by --tls-ca, or does not name this host "
           "(see --tls-server-name)";
  }
  if (has("Socket closed") || has("Connection reset")) {
    if (!tls) {
      return "the server closed the connection: if it uses TLS, pass --tls-ca (and --tls-cert "
             "and --tls-key for mutual TLS)";
    }
    if (options.tls_cert.empty()) {
      return "the server closed the TLS connection: it may require a client certificate "
             "(--tls-cert and --tls-key)";
    }
    return "the server closed the TLS connection: it may not accept this client certificate";
  }
  return "";
}

int ReportRpcError(const ConnectionOptions& options, std::string_view what,
                   const grpc::Status& status) {
  std::cerr << "hearthctl: " << what << ": " << StatusCodeName(status.error_code()) << ": "
            << status.error_message() << "\n";
  const std::string hint = ConnectionHint(options, status);
  if (!hint.empty()) std::cerr << "hint: " << hint << "\n";
  return ExitCodeFor(status);
}

}  // namespace hearthctl
