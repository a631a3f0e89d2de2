#include "server/rpc/config_watch_reactor.h"

#include <functional>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/rpc/rpc_fixture.h"

namespace hearth::rpc {
namespace {

using ::testing::HasSubstr;
using Msg = v1::WatchConfigsResponse;

class WatchTest : public testing_util::RpcFixture {
 protected:
  void SetUp() override {
    RpcFixture::SetUp();
    Write("alpha/00.json", R"({"v": 1})");
    Write("beta/00.json", R"({"v": 2})");
    Write("team/gamma/00.json", R"({"v": 3})");
  }

  std::vector<Msg> ReadSnapshot(Stream* stream) {
    return ReadUntil(stream, [](const Msg& m) { return m.snapshot_end(); });
  }
  static std::function<bool(const Msg&)> Is(v1::WatchEventType type, const std::string& name) {
    return [type, name](const Msg& m) { return m.type() == type && m.name() == name; };
  }

  std::string EtagOf(const std::string& name) {
    auto entry = store().Get(name);
    return entry && entry->version ? entry->version->Variant("").etag : "";
  }
};

TEST_F(WatchTest, SnapshotInNameOrderThenMarker) {
  Start();
  auto stream = Open({});
  std::vector<Msg> msgs = ReadSnapshot(stream.get());
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[0].name(), "alpha");
  EXPECT_EQ(msgs[1].name(), "beta");
  EXPECT_EQ(msgs[2].name(), "team/gamma");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(msgs[i].type(), v1::WATCH_EVENT_TYPE_SNAPSHOT);
    EXPECT_FALSE(msgs[i].reset());
    EXPECT_EQ(msgs[i].etag(), EtagOf(msgs[i].name()));
    EXPECT_TRUE(msgs[i].json().empty());  // include_json not asked
  }
  const Msg& marker = msgs[3];
  EXPECT_EQ(marker.type(), v1::WATCH_EVENT_TYPE_PROGRESS);
  EXPECT_TRUE(marker.snapshot_end());
  EXPECT_FALSE(marker.reset());
  EXPECT_EQ(marker.global_revision(), store().revision());
  EXPECT_EQ(marker.instance_id(), "test-instance");
}

TEST_F(WatchTest, FiltersByNameAndPrefix) {
  Start();
  v1::WatchConfigsRequest request;
  request.add_names("alpha");
  request.add_prefixes("team/");
  request.set_include_json(true);
  auto stream = Open(request);
  std::vector<Msg> msgs = ReadSnapshot(stream.get());
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[0].name(), "alpha");
  EXPECT_EQ(msgs[0].json(), R"({"v":1})");
  EXPECT_EQ(msgs[1].name(), "team/gamma");

  // A change to an unwatched config is not sent; a watched one is.
  Write("beta/00.json", R"({"v": 20})");
  engine_->Rebuild("beta");
  Write("alpha/00.json", R"({"v": 10})");
  engine_->Rebuild("alpha");
  Msg next;
  ASSERT_TRUE(stream->reader->Read(&next));
  EXPECT_EQ(next.type(), v1::WATCH_EVENT_TYPE_UPDATED);
  EXPECT_EQ(next.name(), "alpha");
  EXPECT_EQ(next.json(), R"({"v":10})");
}

TEST_F(WatchTest, UpdatesDeletionsAndErrorsAfterTheSnapshot) {
  Start();
  auto stream = Open({});
  ReadSnapshot(stream.get());

  Write("alpha/00.json", R"({"v": 100})");
  engine_->Rebuild("alpha");
  std::vector<Msg> msgs = ReadUntil(stream.get(), Is(v1::WATCH_EVENT_TYPE_UPDATED, "alpha"));
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs.back().revision(), store().revision());
  EXPECT_EQ(msgs.back().etag(), EtagOf("alpha"));
  EXPECT_TRUE(msgs.back().errors().empty());

  // A failed rebuild: ERROR with the errors, still naming the last good etag.
  const std::string good = EtagOf("beta");
  Write("beta/00.json", "{ broken");
  engine_->Rebuild("beta");
  msgs = ReadUntil(stream.get(), Is(v1::WATCH_EVENT_TYPE_ERROR, "beta"));
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs.back().etag(), good);
  ASSERT_FALSE(msgs.back().errors().empty());
  EXPECT_THAT(msgs.back().errors(0), HasSubstr("beta/00.json:1:"));

  RemoveAll("team/gamma");
  engine_->Rebuild("team/gamma");
  msgs = ReadUntil(stream.get(), Is(v1::WATCH_EVENT_TYPE_DELETED, "team/gamma"));
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs.back().revision(), store().revision());
  EXPECT_TRUE(msgs.back().etag().empty());
}

// WatchConfigsResponse is proto2: hearthd sets no field to its default, so events are sent and
// printed (buf curl, grpcurl) as they were in proto3.
TEST_F(WatchTest, EventsSetNoFieldToItsDefault) {
  Start();
  v1::WatchConfigsRequest request;
  request.set_include_json(true);
  auto stream = Open(request);
  std::vector<Msg> msgs = ReadSnapshot(stream.get());
  Write("alpha/00.json", R"({"v": 100})");
  engine_->Rebuild("alpha");
  for (const Msg& m : ReadUntil(stream.get(), Is(v1::WATCH_EVENT_TYPE_UPDATED, "alpha"))) {
    msgs.push_back(m);
  }
  Write("beta/00.json", "{ broken");
  engine_->Rebuild("beta");
  for (const Msg& m : ReadUntil(stream.get(), Is(v1::WATCH_EVENT_TYPE_ERROR, "beta"))) {
    msgs.push_back(m);
  }
  RemoveAll("team/gamma");
  engine_->Rebuild("team/gamma");
  for (const Msg& m : ReadUntil(stream.get(), Is(v1::WATCH_EVENT_TYPE_DELETED, "team/gamma"))) {
    msgs.push_back(m);
  }
  ASSERT_GE(msgs.size(), 7u);
  EXPECT_EQ(msgs[0].json(), R"({"v":1})");
  for (const Msg& m : msgs) {
    EXPECT_THAT(testing_util::FieldsSetToDefault(m), ::testing::IsEmpty()) << m.ShortDebugString();
  }
}

TEST_F(WatchTest, ResumeSendsOnlyWhatChangedSince) {
  Start();
  uint64_t since;
  {
    auto stream = Open({});
    since = ReadSnapshot(stream.get()).back().global_revision();
    stream->context.TryCancel();
  }
  Write("beta/00.json", R"({"v": 22})");
  engine_->Rebuild("beta");
  RemoveAll("team/gamma");
  engine_->Rebuild("team/gamma");

  v1::WatchConfigsRequest request;
  request.set_since_revision(since);
  request.set_instance_id("test-instance");
  auto stream = Open(request);
  std::vector<Msg> msgs = ReadSnapshot(stream.get());
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[0].type(), v1::WATCH_EVENT_TYPE_SNAPSHOT);
  EXPECT_EQ(msgs[0].name(), "beta");
  EXPECT_GT(msgs[0].revision(), since);
  EXPECT_EQ(msgs[1].type(), v1::WATCH_EVENT_TYPE_DELETED);
  EXPECT_EQ(msgs[1].name(), "team/gamma");
  EXPECT_TRUE(msgs[2].snapshot_end());
  EXPECT_FALSE(msgs[2].reset());
  EXPECT_EQ(msgs[2].global_revision(), store().revision());
}

TEST_F(WatchTest, UnknownResumePointGetsResetSnapshot) {
  Start();
  struct Case {
    uint64_t since;
    std::string instance;
  };
  for (const Case& c : {Case{store().revision() + 100, ""}, Case{1, "another-daemon"}}) {
    v1::WatchConfigsRequest request;
    request.set_since_revision(c.since);
    request.set_instance_id(c.instance);
    auto stream = Open(request);
    std::vector<Msg> msgs = ReadSnapshot(stream.get());
    ASSERT_EQ(msgs.size(), 5u) << c.since;
    EXPECT_EQ(msgs[0].type(), v1::WATCH_EVENT_TYPE_PROGRESS);
    EXPECT_TRUE(msgs[0].reset());
    EXPECT_FALSE(msgs[0].snapshot_end());
    for (size_t i = 1; i < 4; ++i) {
      EXPECT_EQ(msgs[i].type(), v1::WATCH_EVENT_TYPE_SNAPSHOT);
      EXPECT_TRUE(msgs[i].reset());
    }
    EXPECT_TRUE(msgs[4].reset());
    EXPECT_TRUE(msgs[4].snapshot_end());
    EXPECT_GE(server_->watch_stats().resets_total, 1u);
  }
}

TEST_F(WatchTest, CompactedResumePointGetsResetSnapshot) {
  auto engine_options = EngineOptions();
  engine_options.store_options.tombstone_limit = 1;
  Write("delta/00.json", "{}");
  Start(engine_options, ServerOptions());
  RemoveAll("alpha");
  engine_->Rebuild("alpha");
  RemoveAll("delta");
  engine_->Rebuild("delta");
  ASSERT_GT(store().compacted_revision(), 1u);

  v1::WatchConfigsRequest request;
  request.set_since_revision(1);
  request.set_instance_id("test-instance");
  auto stream = Open(request);
  std::vector<Msg> msgs = ReadSnapshot(stream.get());
  ASSERT_FALSE(msgs.empty());
  EXPECT_TRUE(msgs.front().reset());
  EXPECT_TRUE(msgs.back().reset());
  // A full snapshot of what is live: beta and team/gamma.
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[1].name(), "beta");
  EXPECT_EQ(msgs[2].name(), "team/gamma");
}

TEST_F(WatchTest, PeriodicProgressCarriesGlobalRevision) {
  auto options = ServerOptions();
  options.progress_interval = absl::Milliseconds(50);
  Start(EngineOptions(), options);
  auto stream = Open({});
  ReadSnapshot(stream.get());
  Write("alpha/00.json", R"({"v": 5})");
  engine_->Rebuild("alpha");
  std::vector<Msg> msgs = ReadUntil(stream.get(), [&](const Msg& m) {
    return m.type() == v1::WATCH_EVENT_TYPE_PROGRESS && !m.snapshot_end() &&
           m.global_revision() == store().revision();
  });
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs.back().instance_id(), "test-instance");
  // The update came before the progress message that covers it.
  bool saw_update = false;
  for (const Msg& m : msgs) saw_update |= m.type() == v1::WATCH_EVENT_TYPE_UPDATED;
  EXPECT_TRUE(saw_update);
}

TEST_F(WatchTest, SlowReaderGetsLatestStateCoalesced) {
  // Large documents so that flow control holds the writer while the client does not read.
  const std::string pad(1500 * 1024, 'x');
  auto big = [&](int i) { return absl::StrCat(R"({"n": )", i, R"(, "pad": ")", pad, R"("})"); };
  Write("big/00.json", big(0));
  Start();
  v1::WatchConfigsRequest request;
  request.add_names("big");
  request.set_include_json(true);
  auto stream = Open(request, 60);
  ReadSnapshot(stream.get());

  constexpr int kChanges = 40;
  for (int i = 1; i <= kChanges; ++i) {
    Write("big/00.json", big(i));
    engine_->Rebuild("big");
  }
  const std::string final_etag = EtagOf("big");
  std::vector<Msg> msgs = ReadUntil(stream.get(), [&](const Msg& m) {
    return m.type() == v1::WATCH_EVENT_TYPE_UPDATED && m.etag() == final_etag;
  });
  ASSERT_FALSE(msgs.empty());
  EXPECT_LT(msgs.size(), static_cast<size_t>(kChanges));
  EXPECT_GT(msgs.back().coalesced(), 0u);
  EXPECT_EQ(msgs.back().json().substr(0, 8), R"({"n":40,)");
  EXPECT_GT(server_->watch_stats().coalesced_total, 0u);
}

TEST_F(WatchTest, DirtySetOverflowFallsBackToResetSnapshot) {
  const std::string pad(1500 * 1024, 'x');
  auto big = [&](int i) { return absl::StrCat(R"({"n": )", i, R"(, "pad": ")", pad, R"("})"); };
  Write("big/00.json", big(0));
  for (int i = 0; i < 6; ++i) Write(absl::StrCat("c", i, "/00.json"), "{}");
  auto options = ServerOptions();
  options.max_dirty_per_stream = 2;
  options.progress_interval = absl::Milliseconds(50);
  Start(EngineOptions(), options);
  v1::WatchConfigsRequest request;
  request.set_include_json(true);
  auto stream = Open(request, 60);
  ReadSnapshot(stream.get());
  // Keep the writer busy with big messages, then touch more names than the dirty set holds. (Ten
  // rounds, not five: on a loaded machine five could drain before the small changes arrived.)
  for (int i = 1; i <= 10; ++i) {
    Write("big/00.json", big(i));
    engine_->Rebuild("big");
  }
  for (int i = 0; i < 6; ++i) {
    Write(absl::StrCat("c", i, "/00.json"), absl::StrCat(R"({"i": )", i, "}"));
    engine_->Rebuild(absl::StrCat("c", i));
  }
  // Rebuild the client's view from the stream: a reset announcement clears it. Once a PROGRESS
  // message covers the store's revision, the view must equal the store.
  std::map<std::string, std::string> view;
  bool saw_reset = false;
  std::vector<Msg> msgs = ReadUntil(stream.get(), [&](const Msg& m) {
    if (m.type() != v1::WATCH_EVENT_TYPE_PROGRESS) {
      if (m.type() == v1::WATCH_EVENT_TYPE_DELETED) {
        view.erase(m.name());
      } else {
        view[m.name()] = m.etag();
      }
      return false;
    }
    if (m.reset() && !m.snapshot_end()) {
      saw_reset = true;
      view.clear();
      return false;
    }
    return saw_reset && m.global_revision() == store().revision();
  });
  ASSERT_FALSE(msgs.empty());
  EXPECT_TRUE(saw_reset);
  const auto live = store().List();
  EXPECT_EQ(view.size(), live.size());
  for (const auto& entry : live) EXPECT_EQ(view[entry->name], EtagOf(entry->name)) << entry->name;
}

TEST_F(WatchTest, LimitOnStreamsIsResourceExhausted) {
  auto options = ServerOptions();
  options.max_watch_streams = 1;
  Start(EngineOptions(), options);
  auto first = Open({});
  ReadSnapshot(first.get());
  auto second = Open({});
  Msg msg;
  EXPECT_FALSE(second->reader->Read(&msg));
  grpc::Status status = second->reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("too many watch streams"));
  EXPECT_EQ(server_->watch_stats().streams_rejected_total, 1u);

  // Closing the first frees the slot.
  first->context.TryCancel();
  first->reader->Finish();
  bool admitted = false;
  for (int attempt = 0; attempt < 200 && !admitted; ++attempt) {
    auto third = Open({});
    admitted = third->reader->Read(&msg);
    if (!admitted) {
      third->reader->Finish();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // OnDone runs asynchronously
    } else {
      third->context.TryCancel();
      third->reader->Finish();
    }
  }
  EXPECT_TRUE(admitted);
}

TEST_F(WatchTest, BadNamesAreInvalidArgument) {
  Start();
  for (const char* name : {"../x", "", "a//b"}) {
    v1::WatchConfigsRequest request;
    request.add_names(name);
    auto stream = Open(request);
    Msg msg;
    EXPECT_FALSE(stream->reader->Read(&msg));
    EXPECT_EQ(stream->reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT) << name;
  }
  v1::WatchConfigsRequest request;
  request.add_prefixes("../");
  auto stream = Open(request);
  Msg msg;
  EXPECT_FALSE(stream->reader->Read(&msg));
  EXPECT_EQ(stream->reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(WatchTest, ShutdownEndsStreamsWithUnavailable) {
  Start();
  auto stream = Open({});
  ReadSnapshot(stream.get());
  std::thread stopper([&] { server_->Shutdown(absl::Seconds(5)); });
  Msg msg;
  while (stream->reader->Read(&msg)) {
  }
  grpc::Status status = stream->reader->Finish();
  stopper.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "server shutting down");
}

}  // namespace
}  // namespace hearth::rpc
