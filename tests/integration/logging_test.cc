// hearthd's start-up settings and log lines, end to end: --config files under command-line
// overrides, and JSON logs that stay one object per line (gRPC core's own lines included).
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/hearthd_process.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"
#include "tests/fakes/test_certificates.h"

namespace hearth {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadFileOrEmpty;
using testing::RunCommand;
using ::testing::StartsWith;
using testing::TempDir;
using namespace std::chrono_literals;

const std::string kHearthctl = testing::HearthctlBinary();

// Runs `hearthd serve ARGS` until its log says it is ready, stops it (SIGTERM) and returns the
// whole log; "" if it never got ready.
std::string ServeUntilReady(const TempDir& state, std::vector<std::string> args,
                            const std::function<void()>& while_running = nullptr) {
  testing::HearthdOptions o;
  o.flags = std::move(args);
  o.out_path = state.Path("hearthd.out");
  o.err_path = state.Path("hearthd.log");
  testing::HearthdProcess daemon(std::move(o));
  const bool ready = daemon.WaitForLog("ready (last file event", 30s);
  if (ready && while_running) while_running();
  daemon.Signal(SIGTERM);
  daemon.Wait(10s);
  return ready ? daemon.err() : "";
}

class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.Write("good/app.toml", "port = 1\n");
    root_.Write("bad/app.json", "{ broken");
  }
  TempDir root_, state_;
};

TEST_F(LoggingTest, CommandLineOverridesTheConfigFile) {
  state_.Write(
      "hearthd.toml",
      absl::StrCat("root = [\"", root_.path(), "\"]\n", "grpc-listen = [\"127.0.0.1:0\"]\n",
                   "metrics-listen = \"127.0.0.1:0\"\n", "log-format = \"json\"\n"));
  const std::string config = state_.Path("hearthd.toml");
  // The file says json; the command line says text, and gives --metrics-listen twice (an image
  // entrypoint's and the user's): the last one wins.
  std::string text =
      ServeUntilReady(state_, {"--config", config, "--log-format", "text", "--metrics-listen",
                               "127.0.0.1:0", "--metrics-listen", ""});
  ASSERT_FALSE(text.empty()) << "hearthd did not start";
  EXPECT_THAT(text, StartsWith("["));
  EXPECT_THAT(text, Not(HasSubstr("serving metrics")));
  EXPECT_THAT(text, HasSubstr("] [warn] config bad: rebuild failed"));
  // --config=FILE is the same as --config FILE.
  std::string json = ServeUntilReady(state_, {"--config=" + config});
  ASSERT_FALSE(json.empty()) << "hearthd --config=FILE did not start";
  EXPECT_THAT(json, StartsWith("{\"time\":"));
  EXPECT_THAT(json, HasSubstr("serving metrics on 127.0.0.1:"));
}

TEST_F(LoggingTest, JsonLogsAreOneObjectPerLineIncludingGrpcCore) {
  ASSERT_TRUE(testing::MakeTestCertificates(state_.path()))
      << "openssl could not create a test certificate";
  std::string log = ServeUntilReady(
      state_,
      {"--root", root_.path(), "--grpc-listen", "127.0.0.1:0", "--metrics-listen", "",
       "--log-format", "json", "--tls-cert", state_.Path("server.pem"), "--tls-key",
       state_.Path("server.key")},
      [&] {
        // A plaintext client against the TLS listener makes gRPC core log a handshake error.
        const std::string text = ReadFileOrEmpty(state_.Path("hearthd.log"));
        const size_t at = text.find("serving gRPC on 127.0.0.1:");
        ASSERT_NE(at, std::string::npos) << text;
        const std::string port = text.substr(at + 26, text.find('"', at) - at - 26);
        RunCommand({kHearthctl, "--server", "127.0.0.1:" + port, "--timeout", "2", "health"}, 10s);
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (ReadFileOrEmpty(state_.Path("hearthd.log")).find("\"component\":\"grpc\"") ==
                   std::string::npos &&
               std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(10ms);
        }
      });
  ASSERT_FALSE(log.empty()) << "hearthd did not start";
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    EXPECT_THAT(std::string(line), AllOf(StartsWith("{\"time\":\""), ::testing::EndsWith("}")))
        << "not one JSON object per line";
    EXPECT_THAT(std::string(line), Not(HasSubstr("\"level\":\"warning\"")));
  }
  EXPECT_THAT(log, HasSubstr("\"level\":\"warn\",\"message\":\"config bad: rebuild failed"));
  EXPECT_THAT(log, HasSubstr("\"level\":\"error\",\"message\":\"grpc: Handshake failed"));
  EXPECT_THAT(log, HasSubstr("\"component\":\"grpc\",\"source\":\"ssl_transport_security.cc:"));
}

}  // namespace
}  // namespace hearth
