// One config too large for a gRPC message never fails a watch stream (issue 7 item 9), and
// WatchConfigs filters are bounded and follow the one config-name rule (item 11).
#include <functional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/rpc/rpc_fixture.h"

namespace hearth::rpc {
namespace {

using ::testing::HasSubstr;
using Msg = v1::WatchConfigsResponse;

class WatchLimitsTest : public testing_util::RpcFixture {
 protected:
  grpc::Status Refused(const v1::WatchConfigsRequest& request) {
    auto stream = Open(request);
    Msg msg;
    EXPECT_FALSE(stream->reader->Read(&msg));
    return stream->reader->Finish();
  }

  void StartSmallMessages() {
    GrpcServer::Options options = ServerOptions();
    options.max_message_bytes = 2048;
    Start(EngineOptions(), options);
  }
};

const Msg* Find(const std::vector<Msg>& msgs, const std::string& name) {
  for (const Msg& m : msgs) {
    if (m.name() == name) return &m;
  }
  return nullptr;
}

TEST_F(WatchLimitsTest, OversizedConfigCarriesAnErrorAndTheStreamGoesOn) {
  Write("big/00.toml", "blob = \"" + std::string(8000, 'x') + "\"\n");
  Write("small/00.toml", "v = 1\n");
  StartSmallMessages();

  v1::WatchConfigsRequest request;
  request.set_include_json(true);
  auto stream = Open(request);
  std::vector<Msg> snapshot =
      ReadUntil(stream.get(), [](const Msg& m) { return m.snapshot_end(); });
  const Msg* big = Find(snapshot, "big");
  ASSERT_NE(big, nullptr);
  EXPECT_TRUE(big->json().empty());
  ASSERT_FALSE(big->errors().empty());
  const Msg* small = Find(snapshot, "small");
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small->json(), R"({"v":1})");

  // Live events: the big config's update is an error event without the document; the stream
  // keeps delivering the others.
  Write("big/00.toml", "blob = \"" + std::string(9000, 'y') + "\"\n");
  engine_->Rebuild("big");
  std::vector<Msg> msgs = ReadUntil(stream.get(), [](const Msg& m) { return m.name() == "big"; });
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs.back().type(), v1::WATCH_EVENT_TYPE_ERROR);
  EXPECT_TRUE(msgs.back().json().empty());
  ASSERT_FALSE(msgs.back().errors().empty());
  Write("small/00.toml", "v = 2\n");
  engine_->Rebuild("small");
  msgs = ReadUntil(stream.get(), [](const Msg& m) { return m.name() == "small"; });
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs.back().type(), v1::WATCH_EVENT_TYPE_UPDATED);
  EXPECT_EQ(msgs.back().json(), R"({"v":2})");

  // GetConfig says why, instead of a bare transport error; the small one is served.
  grpc::ClientContext ctx;
  Bound(&ctx);
  v1::GetConfigRequest get;
  get.set_name("big");
  v1::GetConfigResponse resp;
  grpc::Status status = stub_->GetConfig(&ctx, get, &resp);
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(status.error_message().empty());
  grpc::ClientContext ctx2;
  Bound(&ctx2);
  get.set_name("small");
  EXPECT_TRUE(stub_->GetConfig(&ctx2, get, &resp).ok());

  // BatchGetConfigs: the big one carries a status, the small one its document.
  grpc::ClientContext ctx3;
  Bound(&ctx3);
  v1::BatchGetConfigsRequest batch;
  batch.add_names("big");
  batch.add_names("small");
  v1::BatchGetConfigsResponse batch_resp;
  ASSERT_TRUE(stub_->BatchGetConfigs(&ctx3, batch, &batch_resp).ok());
  ASSERT_EQ(batch_resp.results_size(), 2);
  EXPECT_TRUE(batch_resp.results(0).has_status());
  EXPECT_FALSE(batch_resp.results(1).has_status());
}

TEST_F(WatchLimitsTest, OversizedEventMessageNamesTheLimit) {
  Write("big/00.json", "{\"blob\": \"" + std::string(5000, 'z') + "\"}");
  StartSmallMessages();
  v1::WatchConfigsRequest request;
  request.set_include_json(true);
  request.add_names("big");
  auto stream = Open(request);
  std::vector<Msg> snapshot =
      ReadUntil(stream.get(), [](const Msg& m) { return m.snapshot_end(); });
  const Msg* big = Find(snapshot, "big");
  ASSERT_NE(big, nullptr);
  ASSERT_FALSE(big->errors().empty());
  EXPECT_THAT(big->errors(big->errors_size() - 1), HasSubstr("message limit"));
}

TEST_F(WatchLimitsTest, FiltersAreBounded) {
  Write("alpha/00.json", R"({"v": 1})");
  Start();
  v1::WatchConfigsRequest many;
  for (int i = 0; i < 1001; ++i) many.add_prefixes("p" + std::to_string(i));
  grpc::Status status = Refused(many);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("too many names and prefixes"));

  v1::WatchConfigsRequest big;
  for (int i = 0; i < 300; ++i) big.add_prefixes(std::to_string(i) + std::string(1000, 'a'));
  status = Refused(big);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("bytes"));

  // Within the limits the stream works.
  v1::WatchConfigsRequest ok;
  for (int i = 0; i < 999; ++i) ok.add_prefixes("p" + std::to_string(i));
  ok.add_names("alpha");
  auto stream = Open(ok);
  std::vector<Msg> snapshot =
      ReadUntil(stream.get(), [](const Msg& m) { return m.snapshot_end(); });
  EXPECT_NE(Find(snapshot, "alpha"), nullptr);
}

TEST_F(WatchLimitsTest, NamesAndPrefixesFollowTheConfigNameRule) {
  Start();
  for (const std::string& name :
       std::vector<std::string>{"a\nb", "a\tb", "a\\b", "/a", "a/.hidden", std::string(1025, 'n'),
                                std::string("\xC3\x28")}) {
    v1::WatchConfigsRequest request;
    request.add_names(name);
    EXPECT_EQ(Refused(request).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << name;
  }
  for (const std::string& prefix : std::vector<std::string>{"/", "../", ".", "a\nb", "a\\"}) {
    v1::WatchConfigsRequest request;
    request.add_prefixes(prefix);
    EXPECT_EQ(Refused(request).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << prefix;
  }
}

}  // namespace
}  // namespace hearth::rpc
