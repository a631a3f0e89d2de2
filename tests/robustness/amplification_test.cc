// Memory and time amplification (issue 7, items 1 and 5): small inputs that expand into huge
// documents or huge work, from disk and through ValidateConfig (which needs no credentials).
// Promise: each is an error on that config (or on the validation) within a few seconds, the
// last-known-good keeps serving, and hearthd stays alive under a 2 GiB address-space limit.
#include <signal.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "tests/robustness/robustness_fixture.h"

namespace hearth::robustness {
namespace {

using testing::TempDir;

// How long an attack may take to be answered.
constexpr absl::Duration kAnswerWithin = absl::Seconds(6);
// Peak RSS the daemon may reach while refusing an amplification (well under the prlimit).
constexpr uint64_t kPeakRssBound = uint64_t{1} << 30;

// 300,000 bytes anchored once, aliased 2,000 times: 600 MB of strings from a 306 KB file.
std::string YamlAliasBomb() {
  std::string s = "big: &a \"" + std::string(300000, 'x') + "\"\nlist:\n";
  for (int i = 0; i < 2000; ++i) s += "  - *a\n";
  return s;
}

// l18 is 2^18 * 100 bytes (26 MB): under a 64 MiB per-variant budget, but not per config build.
std::string InterpolationBomb() {
  std::string s = "l0 = \"" + std::string(100, 'x') + "\"\n";
  for (int i = 1; i <= 18; ++i)
    s += absl::StrCat("l", i, " = \"${l", i - 1, "}${l", i - 1, "}\"\n");
  return s;
}
constexpr int kBombProfiles = 50;

// n_k = {c: n_{k-1}}: a document `length` levels deep from a file a few bytes per level. The names
// are zero-padded so that n_{k-1} is resolved before n_k: every reference is one level deep (far
// under the reference-nesting limit) while the document grows one level per table.
std::string DeepChain(int length) {
  std::string s = "[n0000]\nv = 1\n";
  for (int i = 1; i < length; ++i) {
    s += absl::StrFormat("[n%04d]\nc = \"${n%04d}\"\n", i, i - 1);
  }
  return s;
}
// A schema that recurses into every member: validation walks every level of the chain.
constexpr const char* kRecursiveSchema =
    R"({"$ref":"#/definitions/node","definitions":{"node":{"type":["object","integer","boolean"],)"
    R"("additionalProperties":{"$ref":"#/definitions/node"}}}})";

class AmplificationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.Write("keep/a.toml", "x = 1\n[db]\nhost = \"h\"\n");
    root_.Write("victim/a.toml", "ok = true\n");
  }

  void StartDaemon(std::vector<std::string> flags = {}) {
    DaemonOptions o;
    o.extra_flags = std::move(flags);
    daemon_ = std::make_unique<HostileDaemon>(root_.path(), o);
    ASSERT_TRUE(daemon_->WaitServing()) << daemon_->log_tail();
    keep_ = Capture(*daemon_, "keep");
    victim_ = Capture(*daemon_, "victim");
  }

  // Replaces victim/'s files with `files` on disk and expects an ERROR event for it in time,
  // with the last-known-good still served and the daemon within its memory bound.
  void ExpectDiskAttackRefused(const std::string& what,
                               const std::vector<std::pair<std::string, std::string>>& files) {
    v1::WatchConfigsRequest req;
    req.add_names("victim");
    WatchCollector watch(daemon_->stub(), req);
    ASSERT_TRUE(watch.Next(IsSnapshotEnd())) << daemon_->log_tail();
    const absl::Time start = absl::Now();
    for (const auto& [name, content] : files) root_.WriteAtomic("victim/" + name, content);
    auto error = watch.Next(IsEvent(v1::WATCH_EVENT_TYPE_ERROR, "victim"), kAnswerWithin);
    EXPECT_TRUE(error.has_value())
        << "promise broken: " << what << " on disk must be an error on its config within "
        << kAnswerWithin << " (budgets in bytes per config build); after " << absl::Now() - start
        << ": " << daemon_->ExitDescription() << ", peak RSS "
        << daemon_->PeakRssBytes() / (1 << 20) << " MiB\n--- log tail ---\n"
        << daemon_->log_tail();
    CheckAfterAttack(what);
  }

  // Sends `files` as a ValidateConfig candidate set and expects a refusal in time.
  void ExpectValidationRefused(const std::string& what,
                               const std::vector<std::pair<std::string, std::string>>& files) {
    const absl::Time start = absl::Now();
    grpc::Status s;
    v1::ValidateConfigResponse resp;
    Validate(files, &s, &resp);
    const absl::Duration took = absl::Now() - start;
    const bool refused = s.ok() ? (!resp.valid() && resp.errors_size() > 0)
                                : (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
                                   s.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
                                   s.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_TRUE(refused && took <= kAnswerWithin)
        << "promise broken: " << what << " sent to ValidateConfig must be refused (an error on "
        << "the validation) within " << kAnswerWithin << "; took " << took << ", status "
        << Describe(s) << ", valid=" << resp.valid() << ", " << resp.errors_size() << " errors; "
        << daemon_->ExitDescription() << "\n--- log tail ---\n"
        << daemon_->log_tail();
    CheckAfterAttack(what);
  }

  void Validate(const std::vector<std::pair<std::string, std::string>>& files, grpc::Status* s,
                v1::ValidateConfigResponse* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + kAnswerWithin + absl::Seconds(4)));
    v1::ValidateConfigRequest req;
    req.set_name("victim");
    req.set_replace_on_disk(true);
    for (const auto& [name, content] : files) {
      v1::CandidateFile* f = req.add_files();
      f->set_file_name(name);
      f->set_content(content);
    }
    *s = daemon_->stub()->ValidateConfig(&ctx, req, resp);
  }

  void CheckAfterAttack(const std::string& what) {
    SCOPED_TRACE("after: " + what);
    EXPECT_TRUE(daemon_->ServesCorrectly(keep_.name, keep_.json, keep_.etag));
    v1::GetConfigResponse r;
    if (daemon_->Alive() && daemon_->Get("victim", &r).ok()) {
      EXPECT_EQ(r.etag(), victim_.etag)
          << "promise broken: the attacked config must keep its last-known-good version";
    }
    const uint64_t peak = daemon_->PeakRssBytes();
    EXPECT_LT(peak, kPeakRssBound) << "promise broken: peak memory must stay bounded by the "
                                   << "budgets; hearthd reached " << peak / (1 << 20) << " MiB";
  }

  static std::vector<std::pair<std::string, std::string>> InterpolationBombFiles() {
    std::vector<std::pair<std::string, std::string>> files = {{"a.toml", InterpolationBomb()}};
    for (int k = 0; k < kBombProfiles; ++k) {
      files.push_back({absl::StrCat("x.p", k, ".toml"), absl::StrCat("k = ", k, "\n")});
    }
    return files;
  }

  TempDir root_;
  std::unique_ptr<HostileDaemon> daemon_;
  Served keep_, victim_;
};

TEST_F(AmplificationTest, YamlAliasBombOnDisk) {
  StartDaemon();
  ExpectDiskAttackRefused("a YAML alias bomb (300 KB anchor x 2,000 aliases)",
                          {{"a.yaml", YamlAliasBomb()}});
  EXPECT_TRUE(daemon_->ServesLastKnownGood("victim", victim_.json, victim_.etag));
}

TEST_F(AmplificationTest, YamlAliasBombThroughValidateConfig) {
  StartDaemon();
  ExpectValidationRefused("a YAML alias bomb", {{"a.yaml", YamlAliasBomb()}});
}

TEST_F(AmplificationTest, InterpolationBombAcrossProfilesOnDisk) {
  StartDaemon();
  // The profile files first (harmless alone), then the doubling chain over the base file.
  for (int k = 0; k < kBombProfiles; ++k) {
    root_.Write(absl::StrCat("victim/x.p", k, ".toml"), absl::StrCat("k = ", k, "\n"));
  }
  ASSERT_TRUE(Eventually(
      [&] {
        auto list = daemon_->List();
        if (!list) return false;
        for (const auto& c : *list) {
          if (c.name() == "victim") return c.profiles_size() == kBombProfiles;
        }
        return false;
      },
      absl::Seconds(10)))
      << "setup: the profile files were never picked up";
  victim_ = Capture(*daemon_, "victim");
  ExpectDiskAttackRefused("an interpolation bomb across 50 profiles (26 MB per variant)",
                          {{"a.toml", InterpolationBomb()}});
  EXPECT_TRUE(daemon_->ServesLastKnownGood("victim", victim_.json, victim_.etag));
}

TEST_F(AmplificationTest, InterpolationBombAcrossProfilesThroughValidateConfig) {
  StartDaemon();
  ExpectValidationRefused("an interpolation bomb across 50 profiles", InterpolationBombFiles());
}

TEST_F(AmplificationTest, ParallelValidationsCannotAddUpToAnOom) {
  StartDaemon();
  // Each request alone may fit a budget; eight at once must not add up past the memory limit.
  std::vector<std::thread> clients;
  std::atomic<int> refused{0};
  const auto files = InterpolationBombFiles();
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      grpc::Status s;
      v1::ValidateConfigResponse resp;
      Validate(files, &s, &resp);
      if ((s.ok() && !resp.valid()) || s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
          s.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
        ++refused;
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(refused.load(), 8) << "promise broken: every one of 8 parallel interpolation bombs "
                               << "must be refused; " << daemon_->ExitDescription();
  CheckAfterAttack("8 parallel ValidateConfig interpolation bombs");
}

TEST_F(AmplificationTest, InterpolatedDocumentDeeperThanMaxDepthIsNotPublished) {
  StartDaemon({"--max-depth", "16"});
  ExpectDiskAttackRefused("a 40-level interpolation chain with --max-depth 16",
                          {{"a.toml", DeepChain(40)}});
  v1::GetConfigResponse r;
  ASSERT_TRUE(daemon_->Get("victim", &r).ok());
  EXPECT_EQ(r.etag(), victim_.etag) << "promise broken: depth limits hold for what is served; a "
                                       "document deeper than --max-depth was published";
  // Through ValidateConfig the same chain is refused too.
  ExpectValidationRefused("a 40-level interpolation chain with --max-depth 16",
                          {{"a.toml", DeepChain(40)}});
}

TEST_F(AmplificationTest, RecursiveSchemaOverALongChainThroughValidateConfig) {
  root_.Write("victim/_schema.json", kRecursiveSchema);
  StartDaemon();
  ExpectValidationRefused("a 900-level interpolation chain (20 KB) under a recursive schema",
                          {{"a.toml", DeepChain(900)}});
}

// Time amplification without any data: a schema whose $ref leads back to itself without ever
// reaching a schema sent valijson into unbounded recursion (found by the engine fuzzer).
TEST_F(AmplificationTest, SelfReferentialSchemasOnDisk) {
  StartDaemon();
  for (const char* schema : {R"({"$ref":"object","properties":{"ok":{"type":"boolean"}}})",
                             R"({"$ref":"#"})", R"({"$ref":"self.json#"})"}) {
    ExpectDiskAttackRefused(absl::StrCat("the schema ", schema),
                            {{"_schema.json", schema}, {"a.toml", "ok = true\n"}});
  }
}

TEST_F(AmplificationTest, SigtermDuringAnExpensiveBuildExitsWithinGrace) {
  root_.Write("victim/_schema.json", kRecursiveSchema);
  StartDaemon();
  root_.WriteAtomic("victim/a.toml", DeepChain(900));
  absl::SleepFor(absl::Milliseconds(300));  // the rebuild is under way
  ASSERT_TRUE(daemon_->Alive()) << daemon_->ExitDescription() << "\n" << daemon_->log_tail();
  const absl::Time start = absl::Now();
  daemon_->process().Signal(SIGTERM);
  const int code = daemon_->process().Wait(std::chrono::seconds(8));
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(code, 0) << "promise broken: SIGTERM exits cleanly (code " << code << ")";
  EXPECT_LE(took, absl::Seconds(3))
      << "promise broken: a build past its budget must never delay shutdown past the grace "
      << "(1 s); SIGTERM took " << took;
}

}  // namespace
}  // namespace hearth::robustness
