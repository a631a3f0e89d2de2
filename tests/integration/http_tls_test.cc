// The HTTP API over TLS (--tls-cert/--tls-key/--tls-client-ca apply to it as to gRPC): curl with
// the CA gets documents over HTTPS, mutual TLS refuses a client without a certificate, plaintext
// is refused on the TLS port, and --http-health-listen keeps /healthz and /readyz reachable in
// plaintext for probes (and nothing else).

#include <chrono>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/hearthd_process.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"
#include "tests/fakes/test_certificates.h"

namespace hearth {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::HearthdProcess;
using testing::RunCommand;
using testing::TempDir;

int PortAfter(HearthdProcess& daemon, const std::string& marker) {
  if (!daemon.WaitForLog(marker, 20s)) return 0;
  const std::string log = daemon.err();
  return std::atoi(log.c_str() + log.find(marker) + marker.size());
}

class HttpTlsTest : public ::testing::Test {
 protected:
  void Start(bool mutual) {
    root_.Write("app/a.toml", "x = 1\n");
    ASSERT_TRUE(testing::MakeTestCertificates(state_.path()));
    testing::HearthdOptions options;
    options.roots = {root_.path()};
    options.grpc_listen = "127.0.0.1:0";
    options.metrics_listen = "";
    options.flags = {"--http-listen",
                     "127.0.0.1:0",
                     "--http-health-listen",
                     "127.0.0.1:0",
                     "--tls-cert",
                     state_.Path("server.pem"),
                     "--tls-key",
                     state_.Path("server.key")};
    if (mutual) {
      options.flags.insert(options.flags.end(), {"--tls-client-ca", state_.Path("ca.pem")});
    }
    options.out_path = state_.Path("out");
    options.err_path = state_.Path("err");
    daemon_ = std::make_unique<HearthdProcess>(std::move(options));
    https_ = PortAfter(*daemon_, "serving HTTPS on 127.0.0.1:");
    health_ = PortAfter(*daemon_, "/healthz and /readyz only) on 127.0.0.1:");
    ASSERT_GT(https_, 0) << daemon_->err();
    ASSERT_GT(health_, 0) << daemon_->err();
    ASSERT_TRUE(daemon_->WaitForLog("ready (last file event", 20s)) << daemon_->err();
  }
  testing::RunResult Curl(std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/curl", "-sS", "--max-time", "10"});
    return RunCommand(args, 20s);
  }
  std::string Https(const std::string& target) const {
    return absl::StrCat("https://127.0.0.1:", https_, target);
  }

  TempDir root_, state_;
  std::unique_ptr<HearthdProcess> daemon_;
  int https_ = 0, health_ = 0;
};

TEST_F(HttpTlsTest, DocumentsOverHttpsAndHealthInPlaintext) {
  Start(/*mutual=*/false);
  auto doc = Curl({"--cacert", state_.Path("ca.pem"), Https("/v1/configs/app")});
  EXPECT_EQ(doc.exit_code, 0) << doc.err;
  EXPECT_EQ(doc.out, "{\"x\":1}\n");
  auto untrusted = Curl({Https("/v1/configs/app")});  // no CA: the certificate is not trusted
  EXPECT_NE(untrusted.exit_code, 0);
  auto plain = Curl({"-o", "/dev/null", "-w", "%{http_code}",
                     absl::StrCat("http://127.0.0.1:", https_, "/v1/configs/app")});
  EXPECT_NE(plain.out, "200") << "no plaintext on the TLS port";

  const std::string health = absl::StrCat("http://127.0.0.1:", health_);
  EXPECT_EQ(Curl({health + "/healthz"}).out, "ok\n");
  EXPECT_EQ(Curl({health + "/readyz"}).out, "ready\n");
  auto config = Curl({"-o", "/dev/null", "-w", "%{http_code}", health + "/v1/configs/app"});
  EXPECT_EQ(config.out, "404") << "the plaintext listener serves no configs";
}

TEST_F(HttpTlsTest, MutualTlsRefusesAClientWithoutACertificate) {
  Start(/*mutual=*/true);
  auto anonymous = Curl({"--cacert", state_.Path("ca.pem"), Https("/v1/configs/app")});
  EXPECT_NE(anonymous.exit_code, 0) << anonymous.out;
  auto client = Curl({"--cacert", state_.Path("ca.pem"), "--cert", state_.Path("client.pem"),
                      "--key", state_.Path("client.key"), Https("/v1/configs/app")});
  EXPECT_EQ(client.exit_code, 0) << client.err;
  EXPECT_EQ(client.out, "{\"x\":1}\n");
  auto sse = Curl({"-N", "--max-time", "1", "--cacert", state_.Path("ca.pem"), "--cert",
                   state_.Path("client.pem"), "--key", state_.Path("client.key"),
                   Https("/v1/watch?names=app")});
  EXPECT_THAT(sse.out, HasSubstr("event: synced")) << "SSE over TLS too";
  EXPECT_TRUE(daemon_->running());
}

}  // namespace
}  // namespace hearth
