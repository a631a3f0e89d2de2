// Hostile requests (issue 7, item 11): bytes that are not the message they claim to be, huge
// watch filters, oversized ValidateConfig candidates, and config names no lookup accepts.
// Promise: malformed requests get INVALID_ARGUMENT with a message; WatchConfigs names/prefixes
// are bounded; candidates obey --max-file-bytes; a config directory whose name breaks the name
// rule is reported, not half-published (listed but not gettable). The daemon keeps serving.
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/fakes/rpc/raw_call.h"
#include "tests/robustness/robustness_fixture.h"

namespace hearth::robustness {
namespace {

using testing::TempDir;

// Not a protobuf: a field tag with wire type 7 (invalid), then a truncated varint.
const std::string kGarbage("\xff\xff\xff\xff\xff\x0f\x0a\xff\xff", 9);

class HostileRequestsTest : public ::testing::Test {
 protected:
  void StartDaemon(std::vector<std::string> flags = {}) {
    root_.Write("keep/a.toml", "x = 1\n[db]\nhost = \"h\"\n");
    DaemonOptions o;
    o.extra_flags = std::move(flags);
    daemon_ = std::make_unique<HostileDaemon>(root_.path(), o);
    ASSERT_TRUE(daemon_->WaitServing()) << daemon_->log_tail();
    keep_ = Capture(*daemon_, "keep");
  }

  TempDir root_;
  std::unique_ptr<HostileDaemon> daemon_;
  Served keep_;
};

TEST_F(HostileRequestsTest, MalformedProtobufGetsInvalidArgument) {
  StartDaemon();
  for (const char* method :
       {"/hearth.v1.ConfigService/GetConfig", "/hearth.v1.ConfigService/BatchGetConfigs",
        "/hearth.v1.ConfigService/ListConfigs", "/hearth.v1.ConfigService/ValidateConfig"}) {
    grpc::Status s = RawUnaryCall(daemon_->channel().get(), method, kGarbage, nullptr);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << "promise broken: malformed request bytes to " << method
        << " get INVALID_ARGUMENT with a message; got " << Describe(s);
    EXPECT_FALSE(s.error_message().empty()) << method << ": the refusal carries no message";
  }
  // The server-streaming method too.
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  testing::RawStream stream(daemon_->channel().get(), "/hearth.v1.ConfigService/WatchConfigs",
                            &ctx);
  stream.Write(kGarbage);
  stream.WritesDone();
  std::string msg;
  int messages = 0;
  while (stream.Read(&msg)) ++messages;
  grpc::Status s = stream.Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << "promise broken: malformed WatchConfigs bytes get INVALID_ARGUMENT; got " << Describe(s)
      << " after " << messages << " messages";
  EXPECT_TRUE(daemon_->ServesCorrectly(keep_.name, keep_.json, keep_.etag));
}

TEST_F(HostileRequestsTest, HugeWatchFiltersAreRefusedQuickly) {
  StartDaemon();
  for (const bool use_names : {false, true}) {
    v1::WatchConfigsRequest req;
    for (int i = 0; i < 300000; ++i) {
      if (use_names) {
        req.add_names(absl::StrCat("n", i));
      } else {
        req.add_prefixes(absl::StrCat("p", i, "/"));
      }
    }
    const char* what = use_names ? "names" : "prefixes";
    const absl::Time start = absl::Now();
    WatchCollector watch(daemon_->stub(), req, absl::Seconds(10));
    ASSERT_TRUE(Eventually([&] { return watch.Final().has_value(); }, absl::Seconds(5)))
        << "promise broken: WatchConfigs with 300k " << what
        << " must be refused (INVALID_ARGUMENT past the limit); the stream is still open after "
        << absl::Now() - start;
    const absl::Duration took = absl::Now() - start;
    EXPECT_EQ(watch.Final()->error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << "promise broken: WatchConfigs " << what << " are bounded; 300k got "
        << Describe(*watch.Final());
    EXPECT_LT(took, absl::Seconds(2))
        << "promise broken: refusing 300k " << what << " must be quick, took " << took;
  }
  EXPECT_TRUE(daemon_->ServesCorrectly(keep_.name, keep_.json, keep_.etag));
}

TEST_F(HostileRequestsTest, ValidateConfigCandidatesObeyMaxFileBytes) {
  StartDaemon({"--max-file-bytes", "1048576"});
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::ValidateConfigRequest req;
  req.set_name("keep");
  v1::CandidateFile* f = req.add_files();
  f->set_file_name("big.json");
  f->set_content("{\"k\": \"" + std::string(3 << 20, 'x') + "\"}");
  v1::ValidateConfigResponse resp;
  grpc::Status s = daemon_->stub()->ValidateConfig(&ctx, req, &resp);
  EXPECT_TRUE((s.ok() && !resp.valid() && resp.errors_size() > 0) ||
              s.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
              s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED)
      << "promise broken: each ValidateConfig candidate is at most --max-file-bytes (1 MiB); a "
         "3 MiB candidate was "
      << (s.ok() && resp.valid() ? "accepted as valid" : "not refused") << " (" << Describe(s)
      << ")";
  EXPECT_TRUE(daemon_->ServesCorrectly(keep_.name, keep_.json, keep_.etag));
}

TEST_F(HostileRequestsTest, ConfigNamesWithControlCharactersAreNotHalfPublished) {
  root_.Write("bad\nname/a.toml", "x = 1\n");
  root_.Write("tab\tname/a.toml", "x = 1\n");
  root_.Write("back\\slash/a.toml", "x = 1\n");
  root_.Write("team/cr\rname/a.toml", "x = 1\n");
  StartDaemon();
  auto list = daemon_->List();
  ASSERT_TRUE(list.has_value());
  std::vector<std::string> names;
  for (const auto& c : *list) names.push_back(c.name());
  // Every listed name can be fetched: one name rule at discovery and at lookup.
  for (const std::string& name : names) {
    v1::GetConfigResponse r;
    grpc::Status s = daemon_->Get(name, &r);
    EXPECT_NE(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << "promise broken: config names are validated by one rule at discovery and lookup; "
           "ListConfigs publishes a name GetConfig refuses: "
        << absl::CEscape(name) << " (" << s.error_message() << ")";
  }
  // The same holds for what a watcher is told.
  v1::WatchConfigsRequest req;
  WatchCollector watch(daemon_->stub(), req);
  ASSERT_TRUE(watch.Next(IsSnapshotEnd()));
  for (const auto& e : watch.All()) {
    if (e.name().empty()) continue;
    v1::GetConfigResponse r;
    EXPECT_NE(daemon_->Get(e.name(), &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << "promise broken: WatchConfigs announces a name GetConfig refuses: "
        << absl::CEscape(e.name());
  }
  EXPECT_TRUE(daemon_->ServesCorrectly(keep_.name, keep_.json, keep_.etag));
}

}  // namespace
}  // namespace hearth::robustness
