#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "hearth/status_code_name.h"

namespace hearthctl {

// Process exit codes (documented in `hearthctl --help`).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      // error, invalid config, not serving
  kExitUsage = 2,        // bad command line or rejected argument (INVALID_ARGUMENT)
  kExitNotFound = 3,     // no such config / path
  kExitUnavailable = 4,  // server unreachable or timed out
};

struct ConnectionOptions {
  std::string server = "127.0.0.1:7070";  // host:port or unix:///path
  bool tls = false;                       // implied by any --tls-* file
  std::string tls_ca;                     // PEM roots to verify the server (system roots if "")
  std::string tls_cert;                   // client certificate (mutual TLS)
  std::string tls_key;
  std::string tls_server_name;  // override the name checked in the server certificate
  double timeout_seconds = 10;  // per unary call
};

// A channel to the server; INVALID_ARGUMENT when a TLS file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ConnectionOptions& options);

// Sets the per-call deadline (unary calls).
void SetDeadline(const ConnectionOptions& options, grpc::ClientContext* context);

// Exit code for a failed RPC.
int ExitCodeFor(const grpc::Status& status);

// For an UNAVAILABLE status, what the likely cause is, from the message and whether TLS was used:
// plaintext to a TLS server, TLS to a plaintext server, a certificate the CA does not sign, a
// client certificate the server requires, nothing listening. "" when there is nothing to add.
std::string ConnectionHint(const ConnectionOptions& options, const grpc::Status& status);

// Prints "hearthctl: <what>: <CODE>: <message>" (and a hint line, see ConnectionHint) to stderr
// and returns ExitCodeFor(status).
int ReportRpcError(const ConnectionOptions& options, std::string_view what,
                   const grpc::Status& status);

// Whether `options` make a TLS channel (--tls, or any --tls-* file).
bool UsesTls(const ConnectionOptions& options);

using ::hearth::StatusCodeName;

}  // namespace hearthctl
