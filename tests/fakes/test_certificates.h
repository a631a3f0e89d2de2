#pragma once

#include <string>

namespace hearth::testing {

// Creates, with the openssl command line, a throwaway PKI in the existing directory `dir` (EC
// P-256 keys, valid 2 days): ca.pem/ca.key (self-signed, CN test-ca); server.pem/server.key
// (CN localhost, SAN DNS:localhost and IP:127.0.0.1, signed by the CA); client.pem/client.key
// (CN client, signed by the CA). Returns false if openssl failed (or is missing).
bool MakeTestCertificates(const std::string& dir);

}  // namespace hearth::testing
