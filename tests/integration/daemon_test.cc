// End-to-end tests of the real hearthd binary: started on a temp unix socket over temp roots,
// driven with the generated C++ client, hearthctl and buf curl (reflection), stopped by signals.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "hearth/v1/config_service.grpc.pb.h"
#include "tests/fakes/hearthd_process.h"
#include "tests/fakes/rpc/serving_hearthd.h"
#include "tests/fakes/rpc/watch_stream.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunCommand;
using ::testing::StartsWith;
using testing::Subprocess;
using testing::TempDir;
using namespace std::chrono_literals;
namespace v1 = ::hearth::v1;

const std::string kHearthd = testing::HearthdBinary();
const std::string kHearthctl = testing::HearthctlBinary();

// One hearthd serving `root` on a unix socket in `state`.
class Daemon : public testing::ServingHearthd {
 public:
  Daemon(const TempDir& root, const TempDir& state, std::vector<std::string> extra = {})
      : ServingHearthd(testing::UnixSocketOptions(state, {root.path()}, Flags(std::move(extra)))) {}

 private:
  static std::vector<std::string> Flags(std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"--debounce", "2ms", "--progress-interval", "200ms"});
    return extra;
  }
};

using WatchReader = testing::WatchStream;

// Marks progress in the test log, so a slow step shows where the time went.
#define STEP(what) \
  std::cerr << "[step +" << (absl::Now() - start) / absl::Milliseconds(1) << "ms] " << what << "\n"

constexpr auto Is = testing::IsEvent;

v1::GetConfigResponse Get(v1::ConfigService::Stub* stub, const std::string& name) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 10s);
  v1::GetConfigRequest req;
  req.set_name(name);
  v1::GetConfigResponse resp;
  grpc::Status s = stub->GetConfig(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

TEST(DaemonTest, FileChangesReachWatchersAndLastKnownGoodSurvivesBadEdits) {
  const absl::Time start = absl::Now();
  TempDir root, state;
  root.Write("app/00-base.toml", "port = 80\n");
  root.Write("cm/..2026_01_01.1/app.yaml", "v: 1\n");
  ASSERT_EQ(symlink("..2026_01_01.1", root.Path("cm/..data").c_str()), 0);
  ASSERT_EQ(symlink("..data/app.yaml", root.Path("cm/app.yaml").c_str()), 0);
  Daemon daemon(root, state);
  ASSERT_TRUE(daemon.WaitServing()) << daemon.log();
  auto stub = daemon.Stub();
  EXPECT_EQ(Get(stub.get(), "app").json(), R"({"port":80})");

  v1::WatchConfigsRequest req;  // no names, no prefixes: every config
  req.set_include_json(true);
  WatchReader watch(stub.get(), req);
  ASSERT_TRUE(watch.Next(testing::IsSnapshotEnd()));

  STEP("An editor");
  // An editor's atomic save.
  root.WriteAtomic("app/00-base.toml", "port = 81\n");
  auto updated = watch.Next(Is(v1::WATCH_EVENT_TYPE_UPDATED, "app"));
  ASSERT_TRUE(updated) << daemon.log();
  EXPECT_EQ(updated->json(), R"({"port":81})");

  STEP("A broken edit");
  // A broken edit: an ERROR event, and the last-known-good keeps serving with the error beside it.
  root.Write("app/10-bad.json", "{\n  \"port\": }\n");
  auto error = watch.Next(Is(v1::WATCH_EVENT_TYPE_ERROR, "app"));
  ASSERT_TRUE(error) << daemon.log();
  ASSERT_EQ(error->errors_size(), 1);
  EXPECT_THAT(error->errors(0), StartsWith("app/10-bad.json:2:"));
  v1::GetConfigResponse lkg = Get(stub.get(), "app");
  EXPECT_EQ(lkg.json(), R"({"port":81})");
  EXPECT_EQ(lkg.errors_size(), 1);
  root.Remove("app/10-bad.json");
  ASSERT_TRUE(watch.Next(Is(v1::WATCH_EVENT_TYPE_UPDATED, "app")));
  EXPECT_EQ(Get(stub.get(), "app").errors_size(), 0);

  STEP("The Kubernetes");
  // The Kubernetes ConfigMap update: new data dir, ..data swapped by rename.
  root.Write("cm/..2026_01_02.2/app.yaml", "v: 2\n");
  ASSERT_EQ(symlink("..2026_01_02.2", root.Path("cm/..data_tmp").c_str()), 0);
  ASSERT_EQ(rename(root.Path("cm/..data_tmp").c_str(), root.Path("cm/..data").c_str()), 0);
  auto swapped = watch.Next(Is(v1::WATCH_EVENT_TYPE_UPDATED, "cm"));
  ASSERT_TRUE(swapped) << daemon.log();
  EXPECT_EQ(swapped->json(), R"({"v":2})");

  STEP("A new config");
  // A new config directory, then its deletion.
  root.Write("team/new/a.json", R"({"fresh":true})");
  auto created = watch.Next(Is(v1::WATCH_EVENT_TYPE_UPDATED, "team/new"));
  ASSERT_TRUE(created) << daemon.log();
  EXPECT_EQ(created->json(), R"({"fresh":true})");
  root.Remove("team");
  ASSERT_TRUE(watch.Next(Is(v1::WATCH_EVENT_TYPE_DELETED, "team/new"))) << daemon.log();

  STEP("SIGHUP");
  // SIGHUP rescans and keeps serving.
  daemon.process().Signal(SIGHUP);
  ASSERT_TRUE(daemon.WaitServing());
  EXPECT_EQ(Get(stub.get(), "cm").json(), R"({"v":2})");

  STEP("SIGTERM");
  // SIGTERM: the stream ends with a status, the process exits 0 in bounded time.
  daemon.process().Signal(SIGTERM);
  EXPECT_EQ(daemon.process().Wait(15s), 0) << daemon.log();
  auto final = watch.FinalStatus(absl::Seconds(10));
  ASSERT_TRUE(final);
  EXPECT_EQ(final->error_code(), grpc::StatusCode::UNAVAILABLE) << final->error_message();
  EXPECT_THAT(daemon.log(), HasSubstr("SIGTERM"));
}

TEST(DaemonTest, HearthctlAndBufCurlWorkAgainstTheRunningDaemon) {
  TempDir root, state;
  root.Write("payments/00.toml", "[db]\nhost = \"h\"\nport = 5432\n");
  root.Write("payments/db.production.yaml", "db:\n  host: prod\n");
  Daemon daemon(root, state);
  ASSERT_TRUE(daemon.WaitServing()) << daemon.log();

  auto get = RunCommand({kHearthctl, "--server", daemon.server(), "get", "payments", "--profile",
                         "production", "--path", "db.host"},
                        10s);
  EXPECT_EQ(get.exit_code, 0) << get.err;
  EXPECT_THAT(get.out, HasSubstr("prod"));
  auto missing = RunCommand({kHearthctl, "--server", daemon.server(), "get", "nope"}, 10s);
  EXPECT_EQ(missing.exit_code, 3) << missing.err;
  auto bad_name = RunCommand({kHearthctl, "--server", daemon.server(), "get", "../etc"}, 10s);
  EXPECT_NE(bad_name.exit_code, 0);
  EXPECT_THAT(bad_name.err, HasSubstr("invalid config name"));

  // buf curl knows nothing of our protos: it asks the server's reflection service.
  std::string socket = daemon.server().substr(strlen("unix://"));
  auto curl =
      RunCommand({"/usr/bin/env", "buf", "curl", "--protocol", "grpc", "--http2-prior-knowledge",
                  "--unix-socket", socket, "--data", R"({"name":"payments","includeValue":true})",
                  "http://localhost/hearth.v1.ConfigService/GetConfig"},
                 60s);
  ASSERT_EQ(curl.exit_code, 0) << curl.err;
  EXPECT_THAT(curl.out, HasSubstr(R"("host": "h")"));
  EXPECT_THAT(curl.out, HasSubstr(R"("etag")"));

  auto health =
      RunCommand({"/usr/bin/env", "buf", "curl", "--protocol", "grpc", "--http2-prior-knowledge",
                  "--unix-socket", socket, "http://localhost/grpc.health.v1.Health/Check"},
                 60s);
  ASSERT_EQ(health.exit_code, 0) << health.err;
  EXPECT_THAT(health.out, HasSubstr("SERVING"));

  daemon.process().Signal(SIGTERM);
  EXPECT_EQ(daemon.process().Wait(15s), 0);
}

// The document fields are proto2 strings (proto/hearth/v1/documents.proto): buf curl, resolving
// the types through reflection, prints every document as its canonical JSON text, not base64,
// and takes a ValidateConfig candidate as plain text.
TEST(DaemonTest, BufCurlPrintsDocumentsAsText) {
  TempDir root, state;
  root.Write("doc/00.json", R"({"x": 1})");
  Daemon daemon(root, state);
  ASSERT_TRUE(daemon.WaitServing()) << daemon.log();
  const std::string socket = daemon.server().substr(strlen("unix://"));
  auto curl_args = [&](const std::string& method, const std::string& data) {
    return std::vector<std::string>{"/usr/bin/env",
                                    "buf",
                                    "curl",
                                    "--protocol",
                                    "grpc",
                                    "--http2-prior-knowledge",
                                    "--unix-socket",
                                    socket,
                                    "--data",
                                    data,
                                    "http://localhost/hearth.v1.ConfigService/" + method};
  };
  // {"x":1} as buf curl prints a JSON string, and as it would print the bytes in base64.
  const std::string kText = R"("json": "{\"x\":1}")";
  const std::string kBase64 = "eyJ4IjoxfQ==";

  auto get = RunCommand(curl_args("GetConfig", R"({"name":"doc"})"), 60s);
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_THAT(get.out, HasSubstr(kText));
  EXPECT_THAT(get.out, Not(HasSubstr(kBase64)));
  // No proto2 field is sent at its default (buf curl would print it).
  EXPECT_THAT(get.out, Not(HasSubstr("notModified")));
  EXPECT_THAT(get.out, Not(HasSubstr("profileUnknown")));

  auto batch = RunCommand(curl_args("BatchGetConfigs", R"({"names":["doc"]})"), 60s);
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  EXPECT_THAT(batch.out, HasSubstr(kText));

  // The candidate goes in as text and the resulting document comes back as text.
  auto validate = RunCommand(
      curl_args("ValidateConfig",
                R"({"name":"doc","files":[{"fileName":"10-y.yaml","content":"y: two\n"}]})"),
      60s);
  ASSERT_EQ(validate.exit_code, 0) << validate.err;
  EXPECT_THAT(validate.out, HasSubstr(R"("valid": true)"));
  EXPECT_THAT(validate.out, HasSubstr(R"("json": "{\"x\":1,\"y\":\"two\"}")"));

  // A stream that does not end: read its output until the snapshot has been printed.
  Subprocess watch(curl_args("WatchConfigs", R"({"names":["doc"],"includeJson":true})"),
                   state.Path("watch.out"), state.Path("watch.err"));
  ASSERT_TRUE(watch.ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  std::string watched;
  for (bool running = true; running && absl::Now() < deadline; std::this_thread::sleep_for(20ms)) {
    running = watch.running();  // read once more after an exit: what it printed is complete
    watched = testing::ReadFileOrEmpty(state.Path("watch.out"));
    if (watched.find("snapshotEnd") != std::string::npos) break;
  }
  EXPECT_THAT(watched, HasSubstr("WATCH_EVENT_TYPE_SNAPSHOT"))
      << testing::ReadFileOrEmpty(state.Path("watch.err"));
  EXPECT_THAT(watched, HasSubstr(kText));
  EXPECT_THAT(watched, Not(HasSubstr(kBase64)));
  watch.Signal(SIGTERM);
  watch.Wait(10s);

  daemon.process().Signal(SIGTERM);
  EXPECT_EQ(daemon.process().Wait(15s), 0);
}

TEST(DaemonTest, StartupFailureIsReportedNotHidden) {
  TempDir root, state;
  root.Write("a/x.json", "{}");
  // Listening twice on the same socket path from two daemons: the second cannot bind.
  Daemon first(root, state);
  ASSERT_TRUE(first.WaitServing()) << first.log();
  TempDir state2;
  auto second =
      RunCommand({kHearthd, "serve", "--root", root.path(), "--grpc-listen", "127.0.0.1:0",
                  "--grpc-listen", "definitely-not-an-address:x", "--metrics-listen", ""},
                 20s);
  EXPECT_EQ(second.exit_code, 1) << second.err;
  EXPECT_THAT(second.out + second.err, HasSubstr("cannot start the gRPC server"));
}

TEST(DaemonTest, SettingsComeFromATomlConfigFile) {
  TempDir root, state;
  root.Write("a/x.json", R"({"from":"file"})");
  const std::string socket = state.Path("cfg.sock");
  state.Write("hearthd.toml", "[serve]\nroot = [\"" + root.path() +
                                  "\"]\ngrpc-listen = [\"unix://" + socket +
                                  "\"]\nmetrics-listen = \"\"\nlog-format = \"json\"\n");
  Subprocess daemon({kHearthd, "serve", "--config", state.Path("hearthd.toml")}, state.Path("out"),
                    state.Path("err"));
  bool serving = false;
  for (int i = 0; i < 1000 && !serving && daemon.running(); ++i) {
    serving =
        RunCommand({kHearthctl, "--server", "unix://" + socket, "health"}, 10s).exit_code == 0;
    if (!serving) std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(serving) << testing::ReadFileOrEmpty(state.Path("err"));
  EXPECT_THAT(testing::ReadFileOrEmpty(state.Path("err")), StartsWith("{\"time\":"));
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(15s), 0);

  state.Write("bad.toml", "root = \n");
  auto bad = RunCommand({kHearthd, "serve", "--config", state.Path("bad.toml")}, 10s);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("bad.toml: 1:"));
}

// The settings file is untrusted input too: bounded in size, and its errors name the key or the
// position, never a value.
TEST(DaemonTest, HostileSettingsFilesAreRefusedWithoutQuotingValues) {
  TempDir state;
  state.Write("huge.toml", "# " + std::string(1 << 20, 'x') + "\n");
  auto huge = RunCommand({kHearthd, "serve", "--config", state.Path("huge.toml")}, 10s);
  EXPECT_EQ(huge.exit_code, 2);
  EXPECT_THAT(huge.err, HasSubstr("huge.toml: larger than"));

  state.Write("typed.toml", "max-file-bytes = 1.5\n");
  auto typed = RunCommand({kHearthd, "serve", "--config", state.Path("typed.toml")}, 10s);
  EXPECT_EQ(typed.exit_code, 2);
  EXPECT_THAT(typed.err, HasSubstr("--max-file-bytes: unsupported value type"));
  EXPECT_THAT(typed.err, ::testing::Not(HasSubstr("1.5")));

  state.Write("syntax.toml", "root = \"s3cr3t-token\nx = 1\n");
  auto syntax = RunCommand({kHearthd, "serve", "--config", state.Path("syntax.toml")}, 10s);
  EXPECT_EQ(syntax.exit_code, 2);
  EXPECT_THAT(syntax.err, HasSubstr("syntax.toml: 1:"));
  EXPECT_THAT(syntax.err, ::testing::Not(HasSubstr("s3cr3t")));

  auto missing = RunCommand({kHearthd, "serve", "--config", state.Path("absent.toml")}, 10s);
  EXPECT_EQ(missing.exit_code, 2);
}

TEST(DaemonTest, RenderAndCheckExitCodes) {
  TempDir root;
  root.Write("good/a.toml", "x = 1\n");
  root.Write("bad/a.toml", "x = 1\nx = 2\n");
  auto check = RunCommand({kHearthd, "check", "--root", root.path()}, 20s);
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_THAT(check.out, HasSubstr("ok     good"));
  EXPECT_THAT(check.out, HasSubstr("error  bad"));
  EXPECT_THAT(check.out, HasSubstr("bad/a.toml:2:"));
  auto render = RunCommand({kHearthd, "render", "--root", root.path(), "bad"}, 20s);
  EXPECT_EQ(render.exit_code, 1);
  EXPECT_THAT(render.err, StartsWith("bad/a.toml:2:"));
  auto ok = RunCommand({kHearthd, "render", "--root", root.path(), "good"}, 20s);
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.out, "{\"x\":1}\n");
  auto env =
      RunCommand({kHearthd, "render", "--root", root.path(), "good", "--format", "env"}, 20s);
  EXPECT_EQ(env.exit_code, 0) << env.err;
  EXPECT_EQ(env.out, "X=1\n");
  auto yaml = RunCommand(
      {kHearthd, "render", "--root", root.path(), "good", "--format", "yaml", "--path", "x"}, 20s);
  EXPECT_EQ(yaml.out, "1\n");
  auto scalar = RunCommand(
      {kHearthd, "render", "--root", root.path(), "good", "--format", "toml", "--path", "x"}, 20s);
  EXPECT_EQ(scalar.exit_code, 1);
  EXPECT_THAT(scalar.err, HasSubstr("hearthd render: "));
  EXPECT_TRUE(scalar.out.empty());
  EXPECT_EQ(RunCommand({kHearthd, "render", "--root", root.path(), "good", "--format", "xml"}, 20s)
                .exit_code,
            2);
  EXPECT_EQ(RunCommand({kHearthd, "render", "--root", root.path(), "../x"}, 20s).exit_code, 2);
  EXPECT_EQ(RunCommand({kHearthd, "render", "--root", root.path(), "nope"}, 20s).exit_code, 3);
  EXPECT_EQ(RunCommand({kHearthd, "bogus-command"}, 20s).exit_code, 2);
}

}  // namespace
}  // namespace hearth
