// The per-build budget against the real hearthd: amplifications sent as ValidateConfig under an
// address-space limit (prlimit) are answered with an error and the daemon keeps serving; SIGTERM
// during a long build exits within the shutdown grace.
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
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
using testing::RunCommand;
using testing::TempDir;
using namespace std::chrono_literals;
namespace v1 = ::hearth::v1;

const std::string kHearthctl = testing::HearthctlBinary();
constexpr uint64_t kAddressSpaceLimitBytes = 1610612736;  // 1.5 GiB

// hearthd under prlimit (which execs it: the pid is hearthd's) on a unix socket in `state`.
class LimitedDaemon : public testing::ServingHearthd {
 public:
  LimitedDaemon(const TempDir& root, const TempDir& state, std::vector<std::string> extra = {})
      : ServingHearthd(Options(root, state, std::move(extra))) {}

 private:
  static testing::HearthdOptions Options(const TempDir& root, const TempDir& state,
                                         std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"--debounce", "2ms"});
    testing::HearthdOptions o = testing::UnixSocketOptions(state, {root.path()}, std::move(extra));
    o.prefix = testing::PrlimitPrefix(kAddressSpaceLimitBytes);
    return o;
  }
};

void AddFile(v1::ValidateConfigRequest* request, std::string name, std::string content) {
  v1::CandidateFile* file = request->add_files();
  file->set_file_name(std::move(name));
  file->set_content(std::move(content));
}

// Issue 7's 757-byte request: a doubling chain of references and 50 tiny profile files.
v1::ValidateConfigRequest ChainAcrossProfiles() {
  v1::ValidateConfigRequest request;
  request.set_name("bomb");
  std::string toml = absl::StrCat("l0 = \"", std::string(100, 'x'), "\"\n");
  for (int i = 1; i <= 18; ++i) {
    absl::StrAppend(&toml, "l", i, " = \"${l", i - 1, "}${l", i - 1, "}\"\n");
  }
  AddFile(&request, "x.toml", toml);
  for (int p = 0; p < 50; ++p) AddFile(&request, absl::StrCat("x.p", p, ".toml"), "a = 1\n");
  return request;
}

// Issue 7's 300 KB YAML: one long anchored string and 2,000 aliases of it.
v1::ValidateConfigRequest AliasBomb() {
  v1::ValidateConfigRequest request;
  request.set_name("bomb");
  std::string yaml = absl::StrCat("big: &a \"", std::string(300000, 'x'), "\"\nlist:\n");
  for (int i = 0; i < 2000; ++i) yaml += "  - *a\n";
  AddFile(&request, "a.yaml", yaml);
  return request;
}

// A dry run that takes long without a budget: uniqueItems compares every pair of 60,000 items.
v1::ValidateConfigRequest SlowValidation() {
  v1::ValidateConfigRequest request;
  request.set_name("slow");
  std::string items = R"({"items":[)";
  for (int i = 0; i < 60000; ++i) absl::StrAppend(&items, i ? "," : "", i);
  AddFile(&request, "10-items.json", items + "]}");
  return request;
}
constexpr const char* kUniqueItemsSchema = R"({"properties":{"items":{"uniqueItems":true}}})";

grpc::Status Validate(v1::ConfigService::Stub* stub, const v1::ValidateConfigRequest& request,
                      v1::ValidateConfigResponse* response, std::chrono::seconds timeout = 60s) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  return stub->ValidateConfig(&context, request, response);
}

std::string GoodJson(v1::ConfigService::Stub* stub) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  v1::GetConfigRequest request;
  request.set_name("good");
  v1::GetConfigResponse response;
  grpc::Status status = stub->GetConfig(&context, request, &response);
  return status.ok() ? response.json() : "error: " + status.error_message();
}

TEST(BuildBudgetDaemonTest, AmplificationsThroughValidateConfigAreErrorsNotCrashes) {
  TempDir root, state;
  root.Write("good/00.json", R"({"ok":1})");
  LimitedDaemon daemon(root, state);
  ASSERT_TRUE(daemon.WaitServing()) << daemon.err();
  auto stub = daemon.Stub();
  ASSERT_EQ(GoodJson(stub.get()), R"({"ok":1})");

  for (const v1::ValidateConfigRequest& request : {ChainAcrossProfiles(), AliasBomb()}) {
    v1::ValidateConfigResponse response;
    grpc::Status status = Validate(stub.get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message() << "\n" << daemon.err();
    EXPECT_FALSE(response.valid());
    ASSERT_GT(response.errors_size(), 0);
    EXPECT_THAT(response.errors(response.errors_size() - 1),
                ::testing::AnyOf(HasSubstr("--max-build-bytes"), HasSubstr("alias bomb")));
    EXPECT_THAT(response.errors(0), ::testing::Not(HasSubstr("xxxx")));
  }

  // Many at once: each is an error or refused (RESOURCE_EXHAUSTED); memory stays within the
  // limit because at most --workers builds run, each within its budget.
  std::vector<std::thread> calls;
  std::vector<grpc::Status> statuses(12);
  std::vector<v1::ValidateConfigResponse> responses(12);
  for (int i = 0; i < 12; ++i) {
    calls.emplace_back([&, i] {
      statuses[i] =
          Validate(stub.get(), i % 2 ? AliasBomb() : ChainAcrossProfiles(), &responses[i]);
    });
  }
  for (std::thread& t : calls) t.join();
  for (int i = 0; i < 12; ++i) {
    if (statuses[i].error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) continue;
    ASSERT_TRUE(statuses[i].ok()) << i << ": " << statuses[i].error_message() << "\n"
                                  << daemon.err();
    EXPECT_FALSE(responses[i].valid());
  }

  EXPECT_TRUE(daemon.process().running()) << daemon.err();
  EXPECT_EQ(GoodJson(stub.get()), R"({"ok":1})");

  // The same from disk: an error on that config; the others keep serving.
  root.Write("bad/a.yaml", AliasBomb().files(0).content());
  daemon.process().Signal(SIGHUP);  // rescan, in case the write raced the watcher
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  std::string listed;
  while (std::chrono::steady_clock::now() < deadline) {
    listed = RunCommand({kHearthctl, "--server", daemon.server(), "list"}, 10s).out;
    if (listed.find("bad") != std::string::npos) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_THAT(listed, HasSubstr("bad"));
  EXPECT_TRUE(daemon.process().running()) << daemon.err();
  EXPECT_EQ(GoodJson(stub.get()), R"({"ok":1})");

  daemon.process().Signal(SIGTERM);
  EXPECT_EQ(daemon.process().Wait(15s), 0) << daemon.err();
}

// Exits within `grace` + 1 s of SIGTERM, with a build running that would take longer.
void ExpectPromptExit(LimitedDaemon& daemon, std::chrono::milliseconds grace) {
  const auto start = std::chrono::steady_clock::now();
  daemon.process().Signal(SIGTERM);
  const int code = daemon.process().Wait(30s);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(code, 0) << daemon.err();
  EXPECT_LT(took, grace + 1s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                              << " ms\n"
                              << daemon.err();
}

TEST(BuildBudgetDaemonTest, SigtermDuringALongDryRunExitsWithinTheGrace) {
  TempDir root, state;
  root.Write("slow/_schema.json", kUniqueItemsSchema);
  root.Write("slow/00.json", "{}");
  LimitedDaemon daemon(root, state, {"--shutdown-grace", "1s", "--build-timeout", "60s"});
  ASSERT_TRUE(daemon.WaitServing()) << daemon.err();
  auto stub = daemon.Stub();
  grpc::Status status;
  std::thread call([&] {
    v1::ValidateConfigResponse response;
    status = Validate(stub.get(), SlowValidation(), &response);
  });
  // The dry run is parsed and validating well within this; it would take far longer to finish.
  std::this_thread::sleep_for(700ms);
  ExpectPromptExit(daemon, 1s);
  call.join();
  EXPECT_FALSE(status.ok());
}

TEST(BuildBudgetDaemonTest, SigtermDuringALongRebuildExitsWithinTheGrace) {
  TempDir root, state;
  root.Write("slow/_schema.json", kUniqueItemsSchema);
  root.Write("slow/00.json", "{}");
  LimitedDaemon daemon(root, state, {"--shutdown-grace", "1s", "--build-timeout", "60s"});
  ASSERT_TRUE(daemon.WaitServing()) << daemon.err();
  // The watcher rebuilds it (after a 2 ms debounce) on the reload thread.
  root.Write("slow/10-items.json", SlowValidation().files(0).content());
  std::this_thread::sleep_for(700ms);
  ExpectPromptExit(daemon, 1s);
}

TEST(BuildBudgetDaemonTest, SigtermDuringTheInitialLoadExitsWithinTheGrace) {
  TempDir root, state;
  root.Write("slow/_schema.json", kUniqueItemsSchema);
  root.Write("slow/10-items.json", SlowValidation().files(0).content());
  LimitedDaemon daemon(root, state, {"--shutdown-grace", "1s", "--build-timeout", "60s"});
  // The initial load starts right after the listeners are up.
  daemon.WaitForLog("serving gRPC on", 30s);
  ASSERT_THAT(daemon.err(), HasSubstr("serving gRPC on"));
  std::this_thread::sleep_for(700ms);
  ExpectPromptExit(daemon, 1s);
  EXPECT_THAT(daemon.err(), HasSubstr("during the initial load"));
}

}  // namespace
}  // namespace hearth
