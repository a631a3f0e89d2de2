// --health-listen: with TLS on the gRPC port, a plaintext port still answers grpc.health.v1 (the
// kubelet's gRPC probes cannot do TLS), follows the same status, and serves nothing else.
#include <signal.h>

#include <chrono>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/hearthd_process.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"
#include "tests/fakes/test_certificates.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using testing::HearthctlBinary;
using testing::HearthdProcess;
using testing::RunCommand;
using testing::TempDir;
using namespace std::chrono_literals;

// The port after `marker` ("... on 127.0.0.1:") in the daemon's log; 0 if it never shows.
int PortAfter(HearthdProcess& daemon, const std::string& marker) {
  if (!daemon.WaitForLog(marker, 20s)) return 0;
  const std::string log = daemon.err();
  return std::atoi(log.c_str() + log.find(marker) + marker.size());
}

TEST(HealthListenTest, PlaintextHealthBesideTls) {
  TempDir root, state;
  root.Write("app/a.toml", "x = 1\n");
  ASSERT_TRUE(testing::MakeTestCertificates(state.path()));
  testing::HearthdOptions options;
  options.roots = {root.path()};
  options.grpc_listen = "127.0.0.1:0";
  options.metrics_listen = "";
  options.flags = {"--health-listen",        "127.0.0.1:0", "--tls-cert",
                   state.Path("server.pem"), "--tls-key",   state.Path("server.key")};
  options.out_path = state.Path("out");
  options.err_path = state.Path("err");
  HearthdProcess daemon(std::move(options));
  const int health = PortAfter(daemon, "grpc.health.v1 only) on 127.0.0.1:");
  ASSERT_GT(health, 0) << daemon.err();
  const std::string server = absl::StrCat("127.0.0.1:", health);

  // SERVING once loaded, for the server and for the ConfigService (the readiness probe's).
  testing::RunResult r;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  do {
    r = RunCommand({HearthctlBinary(), "--server", server, "--timeout", "2", "health"}, 10s);
  } while (r.exit_code != 0 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "SERVING\n");
  r = RunCommand(
      {HearthctlBinary(), "--server", server, "health", "--service", "hearth.v1.ConfigService"},
      10s);
  EXPECT_EQ(r.out, "SERVING\n");
  // Configs are not served there: only over TLS.
  r = RunCommand({HearthctlBinary(), "--server", server, "get", "app"}, 10s);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("UNIMPLEMENTED"));

  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(15s), 0);
}

}  // namespace
}  // namespace hearth
