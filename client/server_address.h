#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hearthctl {

// What --server names, in the form gRPC's channel wants.
struct ServerAddress {
  std::string target;  // "host:port", "[v6]:port" or a gRPC URI such as "unix:///path"
  bool tls = false;    // the address itself asked for TLS ("https://...")
};

// The port hearthd listens on when --grpc-listen is not given.
inline constexpr int kDefaultPort = 7070;

// Accepts what people paste: "host:port", "host" (port 7070), "[::1]" / "[::1]:7070",
// "http://host:port" (plaintext) and "https://host:port" (TLS), with an optional trailing "/".
// gRPC URIs ("unix:", "unix-abstract:", "dns:", "ipv4:", "ipv6:", "vsock:") pass through as
// they are. Anything else (a path after the host, a port that is not 1-65535, an empty host) is
// INVALID_ARGUMENT naming what is wrong.
absl::StatusOr<ServerAddress> ParseServerAddress(std::string_view text);

}  // namespace hearthctl
