// EncodeGetConfigResponse (the raw GetConfig's wire bytes) against LookupConfig (the generated
// message): byte for byte equal for every kind of answer.
#include "server/rpc/config_lookup.h"

#include <string>
#include <vector>

#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "tests/rpc/rpc_fixture.h"

namespace hearth::rpc {
namespace {

class ConfigLookupTest : public testing_util::RpcFixture {
 protected:
  void SetUp() override {
    RpcFixture::SetUp();
    Write("payments/00-base.toml", "[db]\nhost = \"a\"\nport = 5432\nlist = [1, 2]\n");
    Write("payments/10-db.production.toml", "[db]\nhost = \"prod\"\n");
    Write("tiny/00.json", "{}");
  }

  // The encoded bytes for `request`, or the status; EXPECTs the message form to agree.
  void ExpectSameBytes(const v1::GetConfigRequest& request) {
    SCOPED_TRACE(request.ShortDebugString());
    v1::GetConfigResponse message;
    const grpc::Status looked_up =
        LookupConfig(server_->renderer(), request, &message, &server_->rollout());
    ConfigAnswer answer;
    const grpc::Status resolved =
        ResolveConfig(server_->renderer(), request, &server_->rollout(), &answer);
    ASSERT_EQ(looked_up.error_code(), resolved.error_code());
    ASSERT_EQ(looked_up.error_message(), resolved.error_message());
    if (!resolved.ok()) return;
    WireWriter writer;
    EncodeGetConfigResponse(answer, request, &writer);
    grpc::ByteBuffer buffer;
    writer.Finish(&buffer);
    grpc::Slice bytes;
    ASSERT_TRUE(buffer.DumpToSingleSlice(&bytes).ok());
    const std::string encoded(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
    EXPECT_EQ(writer.size(), encoded.size());
    EXPECT_EQ(encoded, message.SerializeAsString());
    v1::GetConfigResponse parsed;
    ASSERT_TRUE(parsed.ParseFromString(encoded));
    EXPECT_EQ(parsed.ShortDebugString(), message.ShortDebugString());
  }

  static v1::GetConfigRequest Request(const std::string& name) {
    v1::GetConfigRequest request;
    request.set_name(name);
    return request;
  }
};

TEST_F(ConfigLookupTest, EncodedBytesEqualTheMessage) {
  Start();
  std::vector<v1::GetConfigRequest> requests;
  requests.emplace_back(Request("payments"));
  requests.emplace_back(Request("tiny"));  // "{}"
  requests.emplace_back(Request("payments")).set_profile("production");
  requests.emplace_back(Request("payments")).set_profile("no-such-profile");
  requests.emplace_back(Request("payments")).set_path("db.host");
  requests.emplace_back(Request("payments")).set_path("db.list");
  requests.emplace_back(Request("payments")).set_format(v1::DOCUMENT_FORMAT_YAML);
  requests.emplace_back(Request("payments")).set_format(v1::DOCUMENT_FORMAT_ENV);
  {
    v1::GetConfigRequest& r = requests.emplace_back(Request("payments"));
    r.set_path("db");
    r.set_profile("production");
    r.set_format(v1::DOCUMENT_FORMAT_TOML);
  }
  requests.emplace_back(Request("payments")).set_client_id("client-1");
  // Errors: unknown config and path, bad name, unknown format, over-long client_id.
  requests.emplace_back(Request("nope"));
  requests.emplace_back(Request("payments")).set_path("db.nope");
  requests.emplace_back(Request("../x"));
  requests.emplace_back(Request(""));
  requests.emplace_back(Request("payments")).set_format(static_cast<v1::DocumentFormat>(99));
  requests.emplace_back(Request("payments")).set_client_id(std::string(300, 'c'));
  for (const v1::GetConfigRequest& request : requests) ExpectSameBytes(request);

  // not_modified, for the whole document and for a rendering.
  v1::GetConfigResponse current;
  ASSERT_TRUE(LookupConfig(server_->renderer(), Request("payments"), &current).ok());
  v1::GetConfigRequest not_modified = Request("payments");
  not_modified.set_if_none_match(current.etag());
  ExpectSameBytes(not_modified);
  v1::GetConfigRequest yaml = Request("payments");
  yaml.set_format(v1::DOCUMENT_FORMAT_YAML);
  ASSERT_TRUE(LookupConfig(server_->renderer(), yaml, &current).ok());
  yaml.set_if_none_match(current.etag());
  ExpectSameBytes(yaml);

  // withheld: this client reported rejecting the version served now.
  ASSERT_TRUE(LookupConfig(server_->renderer(), Request("payments"), &current).ok());
  v1::ReportStatusRequest report;
  report.set_client_id("client-1");
  v1::AppliedConfig* applied = report.add_configs();
  applied->set_name("payments");
  applied->set_revision(current.revision());
  applied->set_etag(current.document_etag());
  applied->set_outcome(v1::APPLY_OUTCOME_REJECTED);
  grpc::ClientContext context;
  Bound(&context);
  v1::ReportStatusResponse reported;
  ASSERT_TRUE(stub_->ReportStatus(&context, report, &reported).ok());
  v1::GetConfigRequest withheld = Request("payments");
  withheld.set_client_id("client-1");
  v1::GetConfigResponse message;
  ASSERT_TRUE(LookupConfig(server_->renderer(), withheld, &message, &server_->rollout()).ok());
  EXPECT_TRUE(message.withheld());
  ExpectSameBytes(withheld);
}

TEST_F(ConfigLookupTest, EncodedBytesEqualTheMessageWithErrors) {
  Start();
  Write("payments/00-base.toml", "[db\nhost = ");
  engine_->Rebuild("payments");
  ExpectSameBytes(Request("payments"));
  v1::GetConfigRequest profile = Request("payments");
  profile.set_profile("production");
  ExpectSameBytes(profile);
}

TEST(WireWriterTest, SharedBytesOutliveTheirOwner) {
  auto document = std::make_shared<const std::string>(std::string(5000, 'x'));
  grpc::ByteBuffer buffer;
  {
    WireWriter writer;
    writer.String(1, "name");
    writer.SharedString(4, document);
    writer.Uint64(2, 300);
    writer.Bool(7, true);
    writer.Finish(&buffer);
  }
  const std::weak_ptr<const std::string> weak = document;
  document.reset();
  EXPECT_FALSE(weak.expired());  // the buffer's slice holds it
  grpc::Slice bytes;
  ASSERT_TRUE(buffer.DumpToSingleSlice(&bytes).ok());
  v1::GetConfigResponse parsed;
  ASSERT_TRUE(parsed.ParseFromArray(bytes.begin(), static_cast<int>(bytes.size())));
  EXPECT_EQ(parsed.name(), "name");
  EXPECT_EQ(parsed.json(), std::string(5000, 'x'));
  EXPECT_EQ(parsed.revision(), 300u);
  EXPECT_TRUE(parsed.not_modified());
  buffer.Clear();
  EXPECT_TRUE(weak.expired());
}

}  // namespace
}  // namespace hearth::rpc
