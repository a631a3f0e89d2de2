#include "client/connection.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hearthctl {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// The messages below are gRPC's own, as printed against a real hearthd in each mismatch (the
// end-to-end check is tests/rpc/hearthctl_test.cc); the hint must name the fix.
grpc::Status Unavailable(const std::string& last_error) {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "failed to connect to all addresses; last error: " + last_error);
}

TEST(ConnectionHintTest, PlaintextClientToTlsServer) {
  ConnectionOptions plain;
  EXPECT_THAT(ConnectionHint(plain, Unavailable("UNAVAILABLE: ipv4:127.0.0.1:7443: Socket closed")),
              HasSubstr("--tls-ca"));
}

TEST(ConnectionHintTest, TlsClientToPlaintextServer) {
  ConnectionOptions tls;
  tls.tls_ca = "ca.pem";
  EXPECT_THAT(ConnectionHint(tls, Unavailable("UNKNOWN: ipv4:127.0.0.1:7070: Ssl handshake failed: "
                                              "SSL_ERROR_SSL: error:0A00010B:SSL "
                                              "routines::wrong version number")),
              HasSubstr("does not speak TLS"));
}

TEST(ConnectionHintTest, MissingClientCertificate) {
  ConnectionOptions tls;
  tls.tls_ca = "ca.pem";
  EXPECT_THAT(ConnectionHint(tls, Unavailable("UNAVAILABLE: ipv4:127.0.0.1:7443: Socket closed")),
              HasSubstr("client certificate"));
}

TEST(ConnectionHintTest, UntrustedServerCertificate) {
  ConnectionOptions tls;
  tls.tls = true;
  EXPECT_THAT(ConnectionHint(tls, Unavailable("UNKNOWN: Ssl handshake failed: SSL_ERROR_SSL: "
                                              "routines::certificate verify failed")),
              HasSubstr("--tls-server-name"));
}

TEST(ConnectionHintTest, NothingListening) {
  ConnectionOptions plain;
  plain.server = "127.0.0.1:1";
  EXPECT_THAT(ConnectionHint(plain, Unavailable("UNKNOWN: ipv4:127.0.0.1:1: Failed to connect to "
                                                "remote host: Connection refused")),
              HasSubstr("nothing is listening at 127.0.0.1:1"));
}

TEST(ConnectionHintTest, OtherErrorsGetNoHint) {
  ConnectionOptions plain;
  EXPECT_THAT(ConnectionHint(plain, grpc::Status(grpc::StatusCode::NOT_FOUND, "no config")),
              IsEmpty());
  EXPECT_THAT(ConnectionHint(plain, Unavailable("server shutting down")), IsEmpty());
}

}  // namespace
}  // namespace hearthctl
