// One config whose rendering cannot fit a gRPC message (issue 7, item 9): five 3.5 MB files, each
// under --max-file-bytes, merge into a 17.5 MB document, over the 16 MiB message limit.
// Promise: that is an ERROR state of that config (visible in List and Watch, consistent with
// GetConfig); a watch stream covering it never fails, and every other config keeps working.
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/robustness/robustness_fixture.h"

namespace hearth::robustness {
namespace {

using testing::TempDir;

void WriteBigConfig(const TempDir& root) {
  for (int i = 0; i < 5; ++i) {
    root.Write(absl::StrCat("big/", i, ".json"),
               absl::StrCat("{\"k", i, "\": \"", std::string(3500 * 1024, 'a' + i), "\"}"));
  }
}

// Opens a watch over every config with documents, and checks the snapshot completes with `a`.
void ExpectWatchSurvives(HostileDaemon& daemon, const Served& a, const std::string& when) {
  v1::WatchConfigsRequest req;
  req.set_include_json(true);
  WatchCollector watch(daemon.stub(), req);
  std::optional<v1::WatchConfigsResponse> snap_a;
  auto end = watch.Next(
      [&](const v1::WatchConfigsResponse& e) {
        if (e.type() == v1::WATCH_EVENT_TYPE_SNAPSHOT && e.name() == "a") snap_a = e;
        return e.snapshot_end();
      },
      absl::Seconds(10));
  auto final = watch.Final();
  EXPECT_TRUE(end.has_value()) << "promise broken (" << when
                               << "): a watch stream never fails because one config is too "
                               << "large; the include_json stream ended with "
                               << (final ? Describe(*final) : "no snapshot");
  EXPECT_TRUE(snap_a && snap_a->json() == a.json)
      << "promise broken (" << when << "): the other configs' snapshot events arrive intact";
}

TEST(LargeConfigTest, OverMessageLimitRenderingIsAnErrorStateNotABrokenStream) {
  TempDir root;
  root.Write("a/a.toml", "port = 1\n");
  root.Write("big/0.json", R"({"small": true})");
  HostileDaemon daemon(root.path());
  ASSERT_TRUE(daemon.WaitServing()) << daemon.log_tail();
  const Served a = Capture(daemon, "a");

  // A stream open before the config grows.
  v1::WatchConfigsRequest req;
  req.set_include_json(true);
  WatchCollector live(daemon.stub(), req);
  ASSERT_TRUE(live.Next(IsSnapshotEnd()));
  WriteBigConfig(root);
  // Intermediate versions (fewer files written) may fit and be published; the final one may not.
  auto big_event = live.Next(IsEvent(v1::WATCH_EVENT_TYPE_ERROR, "big"), absl::Seconds(10));
  auto live_final = live.Final();
  EXPECT_FALSE(live_final.has_value())
      << "promise broken: the open include_json watch failed when 'big' outgrew a message: "
      << (live_final ? Describe(*live_final) : "");
  EXPECT_TRUE(big_event && big_event->errors_size() > 0)
      << "promise broken: a rendering that cannot fit a gRPC message is an ERROR event of that "
         "config carrying the error";

  // List and GetConfig agree: the config is not OK, and GetConfig does not fail with a
  // transport error while List says OK.
  auto list = daemon.List();
  ASSERT_TRUE(list.has_value());
  v1::ConfigHealth big_health = v1::CONFIG_HEALTH_UNSPECIFIED;
  for (const auto& c : *list) {
    if (c.name() == "big") big_health = c.health();
  }
  EXPECT_NE(big_health, v1::CONFIG_HEALTH_OK)
      << "promise broken: a rendering over the message limit is an ERROR state visible in List";
  v1::GetConfigResponse r;
  grpc::Status s = daemon.Get("big", &r);
  EXPECT_NE(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << "promise broken: GetConfig must serve the last-known-good (which fits), not fail with "
         "RESOURCE_EXHAUSTED: "
      << s.error_message();
  if (s.ok()) {
    EXPECT_LE(r.json().size(), size_t{16} << 20) << "the last-known-good served fits a message";
  }

  // New streams (reconnects) work, and so do edits of other configs.
  ExpectWatchSurvives(daemon, a, "reconnect after the config grew");
  root.WriteAtomic("a/a.toml", "port = 2\n");
  EXPECT_TRUE(live.Next(IsEvent(v1::WATCH_EVENT_TYPE_UPDATED, "a"), absl::Seconds(5)))
      << "promise broken: other configs keep flowing on a stream covering the large one";
  EXPECT_TRUE(Eventually(
      [&] {
        v1::GetConfigResponse g;
        return daemon.Get("a", &g).ok() && g.json() == R"({"port":2})";
      },
      absl::Seconds(5)));
  EXPECT_TRUE(daemon.Alive()) << daemon.ExitDescription();
}

TEST(LargeConfigTest, OverMessageLimitAtStartupDoesNotBreakWatches) {
  TempDir root;
  root.Write("a/a.toml", "port = 1\n");
  WriteBigConfig(root);
  HostileDaemon daemon(root.path());
  ASSERT_TRUE(daemon.WaitServing()) << daemon.log_tail();
  const Served a = Capture(daemon, "a");
  ExpectWatchSurvives(daemon, a, "large config at start-up");
  ExpectWatchSurvives(daemon, a, "second connection");
  EXPECT_TRUE(daemon.ServesCorrectly(a.name, a.json, a.etag));
}

}  // namespace
}  // namespace hearth::robustness
