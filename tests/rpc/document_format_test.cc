// GetConfig and WatchConfigs in a format other than JSON (server/rpc/document_format.cc,
// config_lookup.cc, config_watch_reactor.cc): the rendering travels in `content` with its own
// etag, `document_etag` names the canonical JSON that reports speak of, if_none_match compares
// the rendering's etag, and a version the format cannot express is an error, never a lossy file.

#include "server/rpc/document_format.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/rpc/rpc_fixture.h"

namespace hearth::rpc {
namespace {

class DocumentFormatTest : public testing_util::RpcFixture {
 protected:
  void SetUp() override {
    RpcFixture::SetUp();
    Write("payments/00-base.toml", "[db]\nhost = \"db.internal\"\nport = 5432\n");
  }

  grpc::Status Get(v1::DocumentFormat format, v1::GetConfigResponse* response,
                   const std::string& if_none_match = "", const std::string& path = "") {
    v1::GetConfigRequest request;
    request.set_name("payments");
    request.set_path(path);
    request.set_format(format);
    request.set_if_none_match(if_none_match);
    grpc::ClientContext context;
    Bound(&context);
    return stub_->GetConfig(&context, request, response);
  }

  v1::WatchConfigsRequest WatchRequest(v1::DocumentFormat format) {
    v1::WatchConfigsRequest request;
    request.add_names("payments");
    request.set_include_json(true);
    request.set_format(format);
    return request;
  }
};

TEST(FromProtoFormatTest, MapsEveryValueAndRefusesUnknownOnes) {
  EXPECT_EQ(*FromProtoFormat(v1::DOCUMENT_FORMAT_UNSPECIFIED), OutputFormat::kJson);
  EXPECT_EQ(*FromProtoFormat(v1::DOCUMENT_FORMAT_JSON), OutputFormat::kJson);
  EXPECT_EQ(*FromProtoFormat(v1::DOCUMENT_FORMAT_YAML), OutputFormat::kYaml);
  EXPECT_EQ(*FromProtoFormat(v1::DOCUMENT_FORMAT_TOML), OutputFormat::kToml);
  EXPECT_EQ(*FromProtoFormat(v1::DOCUMENT_FORMAT_ENV), OutputFormat::kEnv);
  EXPECT_EQ(*FromProtoFormat(v1::DOCUMENT_FORMAT_PROPERTIES), OutputFormat::kProperties);
  absl::StatusOr<OutputFormat> unknown = FromProtoFormat(static_cast<v1::DocumentFormat>(99));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("99"), std::string::npos);
}

TEST_F(DocumentFormatTest, GetConfigCarriesTheRenderingWithItsOwnEtag) {
  Start();
  v1::GetConfigResponse json;
  ASSERT_TRUE(Get(v1::DOCUMENT_FORMAT_UNSPECIFIED, &json).ok());
  EXPECT_EQ(json.json(), R"({"db":{"host":"db.internal","port":5432}})");
  EXPECT_FALSE(json.has_content());
  EXPECT_EQ(json.document_etag(), json.etag()) << "JSON's etag is the document's";

  v1::GetConfigResponse yaml;
  ASSERT_TRUE(Get(v1::DOCUMENT_FORMAT_YAML, &yaml).ok());
  EXPECT_EQ(yaml.content(), "db:\n  host: db.internal\n  port: 5432\n");
  EXPECT_FALSE(yaml.has_json()) << "one copy of the document per answer";
  EXPECT_FALSE(yaml.etag().empty());
  EXPECT_NE(yaml.etag(), json.etag()) << "a rendering's bytes have their own etag";
  EXPECT_EQ(yaml.document_etag(), json.etag()) << "reports name the canonical version";
  EXPECT_TRUE(testing_util::FieldsSetToDefault(yaml).empty());

  v1::GetConfigResponse env;
  ASSERT_TRUE(Get(v1::DOCUMENT_FORMAT_ENV, &env).ok());
  EXPECT_EQ(env.content(), "DB__HOST=db.internal\nDB__PORT=5432\n");
  v1::GetConfigResponse toml;
  ASSERT_TRUE(Get(v1::DOCUMENT_FORMAT_TOML, &toml).ok());
  EXPECT_NE(toml.content().find("port = 5432"), std::string::npos) << toml.content();
  v1::GetConfigResponse properties;
  ASSERT_TRUE(Get(v1::DOCUMENT_FORMAT_PROPERTIES, &properties).ok());
  EXPECT_EQ(properties.content(), "db.host=db.internal\ndb.port=5432\n");

  // A sub-tree in a format: its own etag; document_etag still names the whole variant.
  v1::GetConfigResponse sub;
  ASSERT_TRUE(Get(v1::DOCUMENT_FORMAT_ENV, &sub, "", "db").ok());
  EXPECT_EQ(sub.content(), "HOST=db.internal\nPORT=5432\n");
  EXPECT_NE(sub.etag(), env.etag());
  EXPECT_EQ(sub.document_etag(), json.etag());
}

TEST_F(DocumentFormatTest, IfNoneMatchComparesTheFormatsEtag) {
  Start();
  v1::GetConfigResponse yaml;
  ASSERT_TRUE(Get(v1::DOCUMENT_FORMAT_YAML, &yaml).ok());
  v1::GetConfigResponse again;
  ASSERT_TRUE(Get(v1::DOCUMENT_FORMAT_YAML, &again, yaml.etag()).ok());
  EXPECT_TRUE(again.not_modified());
  EXPECT_FALSE(again.has_content());
  EXPECT_EQ(again.etag(), yaml.etag());
  EXPECT_EQ(again.document_etag(), yaml.document_etag());

  // The JSON etag is not the YAML file's: a client that switched formats gets the new bytes.
  v1::GetConfigResponse switched;
  ASSERT_TRUE(Get(v1::DOCUMENT_FORMAT_YAML, &switched, yaml.document_etag()).ok());
  EXPECT_FALSE(switched.not_modified());
  EXPECT_EQ(switched.content(), yaml.content());

  // A new version changes both etags.
  Write("payments/00-base.toml", "[db]\nhost = \"db.internal\"\nport = 6543\n");
  engine_->Rebuild("payments");
  v1::GetConfigResponse changed;
  ASSERT_TRUE(Get(v1::DOCUMENT_FORMAT_YAML, &changed, yaml.etag()).ok());
  EXPECT_FALSE(changed.not_modified());
  EXPECT_NE(changed.etag(), yaml.etag());
  EXPECT_NE(changed.document_etag(), yaml.document_etag());
  EXPECT_NE(changed.content().find("port: 6543"), std::string::npos);
}

TEST_F(DocumentFormatTest, WhatAFormatCannotSayIsInvalidArgumentNamingThePath) {
  // Layers drop nulls (merge patch), so an empty table is what a valid version can hold that
  // .env and properties have no line for.
  Write("payments/10-empty.json", R"({"features":{}})");
  Start();
  v1::GetConfigResponse response;
  grpc::Status status = Get(v1::DOCUMENT_FORMAT_ENV, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("features"), std::string::npos) << status.error_message();
  EXPECT_FALSE(response.has_content());
  status = Get(v1::DOCUMENT_FORMAT_PROPERTIES, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // A scalar sub-tree is no TOML document.
  status = Get(v1::DOCUMENT_FORMAT_TOML, &response, "", "db.port");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // YAML says everything; the version itself is served.
  ASSERT_TRUE(Get(v1::DOCUMENT_FORMAT_YAML, &response).ok());
  EXPECT_NE(response.content().find("features: {}"), std::string::npos) << response.content();
}

TEST_F(DocumentFormatTest, AnUnknownFormatIsRefusedNotAnsweredAsJson) {
  Start();
  v1::GetConfigResponse response;
  grpc::Status status = Get(static_cast<v1::DocumentFormat>(99), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(response.has_json());

  auto stream = Open(WatchRequest(static_cast<v1::DocumentFormat>(99)));
  v1::WatchConfigsResponse msg;
  EXPECT_FALSE(stream->reader->Read(&msg));
  EXPECT_EQ(stream->reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(DocumentFormatTest, WatchCarriesTheRenderingAndSaysWhenAVersionCannotBeWritten) {
  Start();
  v1::GetConfigResponse served;
  ASSERT_TRUE(Get(v1::DOCUMENT_FORMAT_ENV, &served).ok());
  auto stream = Open(WatchRequest(v1::DOCUMENT_FORMAT_ENV));
  std::vector<v1::WatchConfigsResponse> snapshot = ReadUntil(
      stream.get(),
      [](const v1::WatchConfigsResponse& m) { return m.type() == v1::WATCH_EVENT_TYPE_SNAPSHOT; });
  ASSERT_FALSE(snapshot.empty());
  const v1::WatchConfigsResponse& first = snapshot.back();
  EXPECT_EQ(first.content(), "DB__HOST=db.internal\nDB__PORT=5432\n");
  EXPECT_FALSE(first.has_json());
  EXPECT_EQ(first.etag(), served.etag()) << "the same rendering GetConfig serves";
  EXPECT_EQ(first.document_etag(), served.document_etag());

  Write("payments/00-base.toml", "[db]\nhost = \"db.internal\"\nport = 6543\n");
  engine_->Rebuild("payments");
  std::vector<v1::WatchConfigsResponse> update = ReadUntil(
      stream.get(),
      [](const v1::WatchConfigsResponse& m) { return m.type() == v1::WATCH_EVENT_TYPE_UPDATED; });
  ASSERT_FALSE(update.empty());
  EXPECT_EQ(update.back().content(), "DB__HOST=db.internal\nDB__PORT=6543\n");
  EXPECT_NE(update.back().etag(), first.etag());

  // A valid version that .env cannot express (an empty table): the stream says so and keeps
  // serving; the client keeps the file it has.
  Write("payments/10-empty.json", R"({"features":{}})");
  engine_->Rebuild("payments");
  std::vector<v1::WatchConfigsResponse> refused = ReadUntil(
      stream.get(),
      [](const v1::WatchConfigsResponse& m) { return m.type() == v1::WATCH_EVENT_TYPE_ERROR; });
  ASSERT_FALSE(refused.empty());
  const v1::WatchConfigsResponse& error = refused.back();
  EXPECT_FALSE(error.has_content());
  ASSERT_EQ(error.errors_size(), 1);
  EXPECT_NE(error.errors(0).find("features"), std::string::npos) << error.errors(0);
  EXPECT_FALSE(error.document_etag().empty()) << "names the version it could not write";

  // The next expressible version is delivered as usual.
  RemoveAll("payments/10-empty.json");
  Write("payments/00-base.toml", "[db]\nhost = \"db.internal\"\nport = 7654\n");
  engine_->Rebuild("payments");
  std::vector<v1::WatchConfigsResponse> next = ReadUntil(
      stream.get(),
      [](const v1::WatchConfigsResponse& m) { return m.type() == v1::WATCH_EVENT_TYPE_UPDATED; });
  ASSERT_FALSE(next.empty());
  EXPECT_EQ(next.back().content(), "DB__HOST=db.internal\nDB__PORT=7654\n");
  stream->context.TryCancel();
}

TEST_F(DocumentFormatTest, WatchWithoutIncludeJsonCarriesOnlyTheEtags) {
  Start();
  v1::WatchConfigsRequest request = WatchRequest(v1::DOCUMENT_FORMAT_YAML);
  request.set_include_json(false);
  auto stream = Open(request);
  std::vector<v1::WatchConfigsResponse> snapshot = ReadUntil(
      stream.get(),
      [](const v1::WatchConfigsResponse& m) { return m.type() == v1::WATCH_EVENT_TYPE_SNAPSHOT; });
  ASSERT_FALSE(snapshot.empty());
  EXPECT_FALSE(snapshot.back().has_content());
  EXPECT_FALSE(snapshot.back().has_json());
  v1::GetConfigResponse yaml;
  ASSERT_TRUE(Get(v1::DOCUMENT_FORMAT_YAML, &yaml).ok());
  EXPECT_EQ(snapshot.back().etag(), yaml.etag());
  EXPECT_EQ(snapshot.back().document_etag(), yaml.document_etag());
  stream->context.TryCancel();
}

}  // namespace
}  // namespace hearth::rpc
