#pragma once

#include <string>
#include <string_view>

namespace hearth {

// Why hearthd cannot listen on `address`, found after the gRPC or metrics server failed to
// start, so the error names the real cause instead of gRPC's "address in use, malformed, or not
// permitted" or civetweb's "null context": for "unix:PATH", a missing or unwritable directory or
// a path too long for a socket; for "HOST:PORT", a malformed address, a host that does not
// resolve or is not an address of this machine, a port in use, or a privileged port. Probes by
// binding (and closing) a socket itself. "" when it finds nothing wrong.
std::string DiagnoseListenAddress(std::string_view address);

}  // namespace hearth
