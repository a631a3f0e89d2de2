// --health-listen: with TLS on the gRPC port, a plaintext port still answers grpc.health.v1 (the
// kubelet's gRPC probes cannot do TLS), follows the same status, and serves nothing else.
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using testing::ReadFileOrEmpty;
using testing::RunCommand;
using testing::Subprocess;
using testing::TempDir;
using namespace std::chrono_literals;

const std::string kHearthd = HEARTH_BINARY_DIR "/server/hearthd";
const std::string kHearthctl = HEARTH_BINARY_DIR "/client/hearthctl";

// The port after `marker` ("... on 127.0.0.1:") in the log, waiting for it; 0 if it never shows.
int PortAfter(const std::string& log_path, const std::string& marker) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string log = ReadFileOrEmpty(log_path);
    if (size_t at = log.find(marker); at != std::string::npos) {
      return std::atoi(log.c_str() + at + marker.size());
    }
    std::this_thread::sleep_for(10ms);
  }
  return 0;
}

TEST(HealthListenTest, PlaintextHealthBesideTls) {
  TempDir root, state;
  root.Write("app/a.toml", "x = 1\n");
  const std::string certs =
      absl::StrCat("(cd ", state.path(),
                   " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                   "-keyout tls.key -out tls.pem -days 2 -subj /CN=localhost) >/dev/null 2>&1");
  ASSERT_EQ(std::system(certs.c_str()), 0) << "openssl could not create a test certificate";
  Subprocess daemon({kHearthd, "serve", "--root", root.path(), "--grpc-listen", "127.0.0.1:0",
                     "--health-listen", "127.0.0.1:0", "--metrics-listen", "", "--tls-cert",
                     state.Path("tls.pem"), "--tls-key", state.Path("tls.key")},
                    state.Path("out"), state.Path("err"));
  const int health = PortAfter(state.Path("err"), "grpc.health.v1 only) on 127.0.0.1:");
  ASSERT_GT(health, 0) << ReadFileOrEmpty(state.Path("err"));
  const std::string server = absl::StrCat("127.0.0.1:", health);

  // SERVING once loaded, for the server and for the ConfigService (the readiness probe's).
  testing::RunResult r;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  do {
    r = RunCommand({kHearthctl, "--server", server, "--timeout", "2", "health"}, 10s);
  } while (r.exit_code != 0 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "SERVING\n");
  r = RunCommand({kHearthctl, "--server", server, "health", "--service", "hearth.v1.ConfigService"},
                 10s);
  EXPECT_EQ(r.out, "SERVING\n");
  // Configs are not served there: only over TLS.
  r = RunCommand({kHearthctl, "--server", server, "get", "app"}, 10s);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("UNIMPLEMENTED"));

  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(15s), 0);
}

}  // namespace
}  // namespace hearth
