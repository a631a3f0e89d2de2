// ReportStatus and GetRolloutStatus over gRPC (server/rpc/rollout_status.cc, ConfigService):
// reports are recorded per client and classified against what the store serves now; bad reports
// are INVALID_ARGUMENT without echoing their values; listings are bounded.

#include "server/rpc/rollout_status.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/rpc/rpc_fixture.h"

namespace hearth::rpc {
namespace {

class RolloutStatusTest : public testing_util::RpcFixture {
 protected:
  void SetUp() override {
    RpcFixture::SetUp();
    Write("payments/00-base.toml", "[db]\nport = 5432\n");
    Write("payments/10-db.production.toml", "[db]\nport = 6543\n");
  }

  std::string ServedEtag(const std::string& profile = "") {
    v1::GetConfigRequest request;
    request.set_name("payments");
    request.set_profile(profile);
    v1::GetConfigResponse response;
    grpc::ClientContext context;
    Bound(&context);
    EXPECT_TRUE(stub_->GetConfig(&context, request, &response).ok());
    return response.etag();
  }

  grpc::Status Report(const std::string& client, const std::string& etag,
                      v1::ApplyOutcome outcome = v1::APPLY_OUTCOME_APPLIED,
                      const std::string& reason = "", const std::string& profile = "") {
    v1::ReportStatusRequest request;
    request.set_client_id(client);
    (*request.mutable_labels())["pod"] = client;
    v1::AppliedConfig* config = request.add_configs();
    config->set_name("payments");
    config->set_profile(profile);
    config->set_etag(etag);
    config->set_revision(1);
    config->set_outcome(outcome);
    config->set_reason(reason);
    return Send(request);
  }

  grpc::Status Send(const v1::ReportStatusRequest& request,
                    v1::ReportStatusResponse* response = nullptr) {
    v1::ReportStatusResponse ignored;
    grpc::ClientContext context;
    Bound(&context);
    return stub_->ReportStatus(&context, request, response ? response : &ignored);
  }

  v1::GetRolloutStatusResponse Status(const std::string& profile = "", uint32_t max_clients = 0,
                                      grpc::Status* status = nullptr) {
    v1::GetRolloutStatusRequest request;
    request.set_name("payments");
    request.set_profile(profile);
    request.set_max_clients(max_clients);
    v1::GetRolloutStatusResponse response;
    grpc::ClientContext context;
    Bound(&context);
    grpc::Status s = stub_->GetRolloutStatus(&context, request, &response);
    if (status != nullptr) *status = s;
    EXPECT_TRUE(status != nullptr || s.ok()) << s.error_message();
    return response;
  }
};

TEST_F(RolloutStatusTest, ReportsAreClassifiedAgainstTheServedVersion) {
  Start();
  const std::string etag = ServedEtag();
  v1::ReportStatusRequest heartbeat;
  v1::ReportStatusResponse lease;
  heartbeat.set_client_id("web-0");
  ASSERT_TRUE(Send(heartbeat, &lease).ok());
  EXPECT_EQ(lease.lease_seconds(), 60);

  ASSERT_TRUE(Report("web-0", etag).ok());
  ASSERT_TRUE(Report("web-1", "an-older-etag").ok());
  ASSERT_TRUE(Report("web-2", etag, v1::APPLY_OUTCOME_REJECTED, "nginx -t: bad directive").ok());
  const v1::GetRolloutStatusResponse status = Status();
  EXPECT_EQ(status.name(), "payments");
  EXPECT_EQ(status.etag(), etag);
  EXPECT_GT(status.revision(), 0u);
  EXPECT_EQ(status.current(), 1u);
  EXPECT_EQ(status.behind(), 1u);
  EXPECT_EQ(status.rejected(), 1u);
  ASSERT_EQ(status.clients_size(), 3);
  // Rejected first, then behind, then current.
  EXPECT_EQ(status.clients(0).client_id(), "web-2");
  EXPECT_EQ(status.clients(0).state(), v1::ROLLOUT_CLIENT_STATE_REJECTED);
  EXPECT_EQ(status.clients(0).reason(), "nginx -t: bad directive");
  EXPECT_EQ(status.clients(0).labels().at("pod"), "web-2");
  EXPECT_EQ(status.clients(1).state(), v1::ROLLOUT_CLIENT_STATE_BEHIND);
  EXPECT_EQ(status.clients(2).state(), v1::ROLLOUT_CLIENT_STATE_CURRENT);

  // A new version on disk: everybody is behind it until they report it.
  Write("payments/00-base.toml", "[db]\nport = 5433\n");
  engine_->Rebuild("payments");
  const v1::GetRolloutStatusResponse next = Status();
  EXPECT_NE(next.etag(), etag);
  EXPECT_EQ(next.current(), 0u);
  EXPECT_EQ(next.behind(), 3u);
}

TEST_F(RolloutStatusTest, ProfilesHaveTheirOwnRollout) {
  Start();
  ASSERT_TRUE(
      Report("web-0", ServedEtag("production"), v1::APPLY_OUTCOME_APPLIED, "", "production").ok());
  EXPECT_EQ(Status("production").current(), 1u);
  EXPECT_EQ(Status("").clients_size(), 0);
}

TEST_F(RolloutStatusTest, ListingsAreBoundedButCountsAreComplete) {
  Start();
  const std::string etag = ServedEtag();
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(Report("c" + std::to_string(i), etag).ok());
  ASSERT_TRUE(Report("late", "old").ok());
  const v1::GetRolloutStatusResponse status = Status("", 5);
  EXPECT_EQ(status.clients_size(), 5);
  EXPECT_TRUE(status.clients_truncated());
  EXPECT_EQ(status.current(), 30u);
  EXPECT_EQ(status.clients(0).client_id(), "late");  // the one to look at comes first
}

TEST_F(RolloutStatusTest, LeavingForgetsTheClient) {
  Start();
  ASSERT_TRUE(Report("web-0", ServedEtag()).ok());
  v1::ReportStatusRequest leaving;
  leaving.set_client_id("web-0");
  leaving.set_leaving(true);
  ASSERT_TRUE(Send(leaving).ok());
  EXPECT_EQ(Status().clients_size(), 0);
}

// --- bad input ---

TEST_F(RolloutStatusTest, BadReportsAreRefusedWithoutEchoingValues) {
  GrpcServer::Options options = ServerOptions();
  options.rollout.max_clients = 2;
  Start(EngineOptions(), options);
  const std::string secret = "s3cret-token-value";
  EXPECT_EQ(Report("", "e").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Report("a", "").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const grpc::Status unspecified = Report("a", "e", v1::APPLY_OUTCOME_UNSPECIFIED);
  EXPECT_EQ(unspecified.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(unspecified.error_message().find("outcome"), std::string::npos);
  v1::ReportStatusRequest labels;
  labels.set_client_id("a");
  for (int i = 0; i < 40; ++i) (*labels.mutable_labels())["k" + std::to_string(i)] = secret;
  const grpc::Status too_many = Send(labels);
  EXPECT_EQ(too_many.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(too_many.error_message().find(secret), std::string::npos);
  v1::ReportStatusRequest configs;
  configs.set_client_id("a");
  for (int i = 0; i < 300; ++i) {
    v1::AppliedConfig* c = configs.add_configs();
    c->set_name("n" + std::to_string(i));
    c->set_etag("e");
    c->set_outcome(v1::APPLY_OUTCOME_APPLIED);
  }
  EXPECT_EQ(Send(configs).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // The client limit: a third client is refused, the known ones still report.
  ASSERT_TRUE(Report("a", "e").ok());
  ASSERT_TRUE(Report("b", "e").ok());
  EXPECT_EQ(Report("c", "e").error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(Report("a", "f").ok());

  grpc::Status status;
  v1::GetRolloutStatusRequest bad_name;
  bad_name.set_name("../etc");
  v1::GetRolloutStatusResponse response;
  grpc::ClientContext context;
  Bound(&context);
  EXPECT_EQ(stub_->GetRolloutStatus(&context, bad_name, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext missing_context;
  Bound(&missing_context);
  bad_name.set_name("nope");
  EXPECT_EQ(stub_->GetRolloutStatus(&missing_context, bad_name, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(RolloutStatusTest, GetConfigWithholdsTheVersionTheClientRejected) {
  Start();
  const std::string etag = ServedEtag();
  ASSERT_TRUE(Report("web-0", etag, v1::APPLY_OUTCOME_REJECTED, "nginx -t failed").ok());
  auto get = [&](const std::string& client, grpc::Status* status = nullptr) {
    v1::GetConfigRequest request;
    request.set_name("payments");
    request.set_client_id(client);
    v1::GetConfigResponse response;
    grpc::ClientContext context;
    Bound(&context);
    grpc::Status s = stub_->GetConfig(&context, request, &response);
    if (status != nullptr) *status = s;
    EXPECT_TRUE(status != nullptr || s.ok()) << s.error_message();
    return response;
  };
  // The client that rejected it keeps what it has.
  const v1::GetConfigResponse withheld = get("web-0");
  EXPECT_TRUE(withheld.not_modified());
  EXPECT_TRUE(withheld.withheld());
  EXPECT_TRUE(withheld.json().empty());
  EXPECT_EQ(withheld.etag(), etag);
  // Everybody else, and callers without a client_id, get the document.
  for (const std::string client : {"web-1", ""}) {
    const v1::GetConfigResponse served = get(client);
    EXPECT_FALSE(served.not_modified()) << client;
    EXPECT_FALSE(served.withheld()) << client;
    EXPECT_NE(served.json().find("5432"), std::string::npos) << client;
  }
  // The rejection is per profile: the production variant is a different version.
  {
    v1::GetConfigRequest request;
    request.set_name("payments");
    request.set_profile("production");
    request.set_client_id("web-0");
    v1::GetConfigResponse response;
    grpc::ClientContext context;
    Bound(&context);
    ASSERT_TRUE(stub_->GetConfig(&context, request, &response).ok());
    EXPECT_FALSE(response.withheld());
    EXPECT_NE(response.json().find("6543"), std::string::npos);
  }
  // The next new version reaches it.
  Write("payments/00-base.toml", "[db]\nport = 5433\n");
  engine_->Rebuild("payments");
  const v1::GetConfigResponse next = get("web-0");
  EXPECT_FALSE(next.withheld());
  EXPECT_NE(next.etag(), etag);
  EXPECT_NE(next.json().find("5433"), std::string::npos);
  // An oversized client_id is refused without being echoed.
  grpc::Status status;
  get(std::string(300, 'x'), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().find("xxx"), std::string::npos);
}

TEST_F(RolloutStatusTest, WatchDoesNotResendTheVersionTheClientRejected) {
  Start();
  const std::string rejected = ServedEtag();
  ASSERT_TRUE(Report("web-0", rejected, v1::APPLY_OUTCOME_REJECTED, "check failed").ok());
  v1::WatchConfigsRequest request;
  request.add_names("payments");
  request.set_client_id("web-0");
  request.set_include_json(true);
  auto stream = Open(request);
  v1::WatchConfigsRequest plain_request = request;
  plain_request.clear_client_id();
  auto plain = Open(plain_request);
  auto snapshot_end = [](const v1::WatchConfigsResponse& m) { return m.snapshot_end(); };

  // The snapshot skips the rejected version for this client only.
  std::vector<v1::WatchConfigsResponse> got = ReadUntil(stream.get(), snapshot_end);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(server_->watch_stats().withheld_total, 1u);
  got = ReadUntil(plain.get(), snapshot_end);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].etag(), rejected);

  auto updated_with = [](const std::string& port) {
    return [port](const v1::WatchConfigsResponse& m) {
      return m.type() == v1::WATCH_EVENT_TYPE_UPDATED && m.json().find(port) != std::string::npos;
    };
  };
  // A new version arrives ...
  Write("payments/00-base.toml", "[db]\nport = 5433\n");
  engine_->Rebuild("payments");
  got = ReadUntil(stream.get(), updated_with("5433"));
  EXPECT_NE(got.back().etag(), rejected);
  // ... the rejected content coming back is not offered again, while other streams see it ...
  Write("payments/00-base.toml", "[db]\nport = 5432\n");
  engine_->Rebuild("payments");
  ReadUntil(plain.get(), updated_with("5433"));
  got = ReadUntil(plain.get(), updated_with("5432"));
  EXPECT_EQ(got.back().etag(), rejected);
  // Wait (bounded) until this stream has passed over it, so that it is not merely coalesced.
  for (int i = 0; i < 2000 && server_->watch_stats().withheld_total < 2; ++i) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_EQ(server_->watch_stats().withheld_total, 2u);
  // ... and the version after it is.
  Write("payments/00-base.toml", "[db]\nport = 5434\n");
  engine_->Rebuild("payments");
  got = ReadUntil(stream.get(), updated_with("5434"));
  for (const v1::WatchConfigsResponse& m : got) EXPECT_NE(m.etag(), rejected);
}

}  // namespace
}  // namespace hearth::rpc
