#include "server/rpc/config_service.h"

#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/rpc/rpc_fixture.h"

namespace hearth::rpc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class ConfigServiceTest : public testing_util::RpcFixture {
 protected:
  void SetUp() override {
    RpcFixture::SetUp();
    Write("payments/00-base.toml", "[db]\nhost = \"a\"\nport = 5432\n");
    Write("payments/10-db.production.toml", "[db]\nhost = \"prod\"\n");
  }

  grpc::Status Get(const std::string& name, v1::GetConfigResponse* response,
                   const std::string& profile = "", const std::string& path = "",
                   const std::string& if_none_match = "", bool include_value = false) {
    grpc::ClientContext context;
    Bound(&context);
    v1::GetConfigRequest request;
    request.set_name(name);
    request.set_profile(profile);
    request.set_path(path);
    request.set_if_none_match(if_none_match);
    request.set_include_value(include_value);
    return stub_->GetConfig(&context, request, response);
  }

  grpc::Status Validate(const v1::ValidateConfigRequest& request,
                        v1::ValidateConfigResponse* response) {
    grpc::ClientContext context;
    Bound(&context);
    return stub_->ValidateConfig(&context, request, response);
  }
};

TEST_F(ConfigServiceTest, GetReturnsCanonicalJsonWithMetadata) {
  Start();
  v1::GetConfigResponse r;
  ASSERT_TRUE(Get("payments", &r).ok());
  EXPECT_EQ(r.name(), "payments");
  EXPECT_EQ(r.json(), R"({"db":{"host":"a","port":5432}})");
  EXPECT_GT(r.revision(), 0u);
  EXPECT_FALSE(r.etag().empty());
  EXPECT_FALSE(r.not_modified());
  EXPECT_THAT(r.sources(), ElementsAre("payments/00-base.toml"));
  EXPECT_TRUE(r.errors().empty());
  EXPECT_FALSE(r.has_value());
}

TEST_F(ConfigServiceTest, GetProfileVariant) {
  Start();
  v1::GetConfigResponse prod, staging;
  ASSERT_TRUE(Get("payments", &prod, "production").ok());
  EXPECT_EQ(prod.json(), R"({"db":{"host":"prod","port":5432}})");
  EXPECT_THAT(prod.sources(),
              ElementsAre("payments/00-base.toml", "payments/10-db.production.toml"));
  EXPECT_EQ(prod.profile(), "production");
  // A profile without files of its own gets the base document.
  ASSERT_TRUE(Get("payments", &staging, "staging").ok());
  EXPECT_EQ(staging.json(), R"({"db":{"host":"a","port":5432}})");
  EXPECT_NE(prod.etag(), staging.etag());
}

TEST_F(ConfigServiceTest, GetPath) {
  Start();
  v1::GetConfigResponse r;
  ASSERT_TRUE(Get("payments", &r, "", "db.port").ok());
  EXPECT_EQ(r.json(), "5432");
  EXPECT_EQ(r.path(), "db.port");
  grpc::Status missing = Get("payments", &r, "", "db.nope");
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(missing.error_message(), HasSubstr("db.nope"));
}

TEST_F(ConfigServiceTest, GetNotModifiedSendsNoBody) {
  Start();
  v1::GetConfigResponse first, second;
  ASSERT_TRUE(Get("payments", &first).ok());
  ASSERT_TRUE(Get("payments", &second, "", "", first.etag(), /*include_value=*/true).ok());
  EXPECT_TRUE(second.not_modified());
  EXPECT_TRUE(second.json().empty());
  EXPECT_FALSE(second.has_value());
  EXPECT_EQ(second.etag(), first.etag());
  EXPECT_EQ(second.revision(), first.revision());
  v1::GetConfigResponse stale;
  ASSERT_TRUE(Get("payments", &stale, "", "", "not-the-etag").ok());
  EXPECT_FALSE(stale.not_modified());
  EXPECT_EQ(stale.json(), first.json());
}

TEST_F(ConfigServiceTest, GetIncludeValue) {
  Start();
  v1::GetConfigResponse r;
  ASSERT_TRUE(Get("payments", &r, "", "", "", /*include_value=*/true).ok());
  ASSERT_TRUE(r.has_value());
  const auto& db = r.value().struct_value().fields().at("db").struct_value().fields();
  EXPECT_EQ(db.at("host").string_value(), "a");
  EXPECT_EQ(db.at("port").number_value(), 5432);
}

TEST_F(ConfigServiceTest, GetErrorsCarryActionableCodes) {
  Start();
  v1::GetConfigResponse r;
  EXPECT_EQ(Get("nope", &r).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::Status bad = Get("../x", &r);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), HasSubstr("../x"));
  EXPECT_EQ(Get("", &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Get("/abs", &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ConfigServiceTest, GetServesLastKnownGoodWithErrors) {
  Start();
  v1::GetConfigResponse good;
  ASSERT_TRUE(Get("payments", &good).ok());
  Write("payments/00-base.toml", "[db\nhost = ");
  engine_->Rebuild("payments");
  v1::GetConfigResponse r;
  ASSERT_TRUE(Get("payments", &r).ok());
  EXPECT_EQ(r.json(), good.json());
  EXPECT_EQ(r.etag(), good.etag());
  ASSERT_FALSE(r.errors().empty());
  EXPECT_THAT(r.errors(0), StartsWith("payments/00-base.toml:1:"));
}

TEST_F(ConfigServiceTest, GetNeverBuiltIsFailedPrecondition) {
  Write("broken/00.toml", "x = = 1\n");
  Start();
  v1::GetConfigResponse r;
  grpc::Status s = Get("broken", &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("broken/00.toml:1:"));
}

TEST_F(ConfigServiceTest, BatchGivesPerNameResults) {
  Start();
  grpc::ClientContext context;
  Bound(&context);
  v1::BatchGetConfigsRequest request;
  request.add_names("payments");
  request.add_names("missing");
  request.add_names("../x");
  request.set_profile("production");
  v1::BatchGetConfigsResponse response;
  ASSERT_TRUE(stub_->BatchGetConfigs(&context, request, &response).ok());
  ASSERT_EQ(response.results_size(), 3);
  EXPECT_EQ(response.results(0).name(), "payments");
  ASSERT_TRUE(response.results(0).has_config());
  EXPECT_EQ(response.results(0).config().json(), R"({"db":{"host":"prod","port":5432}})");
  EXPECT_EQ(response.results(1).name(), "missing");
  ASSERT_TRUE(response.results(1).has_status());
  EXPECT_EQ(response.results(1).status().code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));
  ASSERT_TRUE(response.results(2).has_status());
  EXPECT_EQ(response.results(2).status().code(),
            static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
}

TEST_F(ConfigServiceTest, BatchRejectsTooManyNames) {
  Start();
  grpc::ClientContext context;
  Bound(&context);
  v1::BatchGetConfigsRequest request;
  for (int i = 0; i <= ConfigService::kMaxBatchNames; ++i) request.add_names("payments");
  v1::BatchGetConfigsResponse response;
  grpc::Status s = stub_->BatchGetConfigs(&context, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("at most"));
}

TEST_F(ConfigServiceTest, ListPagesWithHealth) {
  for (const char* name : {"team-a/a1", "team-a/a2", "team-a/a3", "team-a/a4", "team-b/b1"}) {
    Write(std::string(name) + "/00.json", "{\"v\": 1}");
  }
  Write("team-a/a5/00.json", "{ nope");  // never builds
  Start();
  Write("team-a/a2/00.json", "{ broken");  // a2 keeps its last good version
  engine_->Rebuild("team-a/a2");

  std::vector<v1::ConfigInfo> all;
  std::string token;
  int pages = 0;
  do {
    grpc::ClientContext context;
    Bound(&context);
    v1::ListConfigsRequest request;
    request.set_prefix("team-a/");
    request.set_page_size(2);
    request.set_page_token(token);
    v1::ListConfigsResponse response;
    ASSERT_TRUE(stub_->ListConfigs(&context, request, &response).ok());
    EXPECT_LE(response.configs_size(), 2);
    EXPECT_GT(response.revision(), 0u);
    for (const auto& c : response.configs()) all.push_back(c);
    token = response.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].name(), "team-a/a1");
  EXPECT_EQ(all[0].health(), v1::CONFIG_HEALTH_OK);
  EXPECT_FALSE(all[0].etag().empty());
  EXPECT_THAT(all[0].sources(), ElementsAre("team-a/a1/00.json"));
  EXPECT_EQ(all[1].name(), "team-a/a2");
  EXPECT_EQ(all[1].health(), v1::CONFIG_HEALTH_ERROR);
  EXPECT_FALSE(all[1].errors().empty());
  EXPECT_GT(all[1].revision(), 0u);
  EXPECT_EQ(all[4].name(), "team-a/a5");
  EXPECT_EQ(all[4].health(), v1::CONFIG_HEALTH_NO_VERSION);
  EXPECT_EQ(all[4].revision(), 0u);
  EXPECT_THAT(all[4].errors(0), StartsWith("team-a/a5/00.json:1:"));
}

TEST_F(ConfigServiceTest, ListRejectsForeignPageToken) {
  for (const char* name : {"a1", "a2", "a3"}) Write(std::string(name) + "/00.json", "{}");
  Start();
  v1::ListConfigsResponse first;
  {
    grpc::ClientContext context;
    Bound(&context);
    v1::ListConfigsRequest request;
    request.set_page_size(1);
    ASSERT_TRUE(stub_->ListConfigs(&context, request, &first).ok());
    ASSERT_FALSE(first.next_page_token().empty());
  }
  for (const std::string& token : {first.next_page_token(), std::string("garbage!")}) {
    grpc::ClientContext context;
    Bound(&context);
    v1::ListConfigsRequest request;
    request.set_prefix(token == "garbage!" ? "" : "a");
    request.set_page_token(token);
    v1::ListConfigsResponse response;
    grpc::Status s = stub_->ListConfigs(&context, request, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << token;
  }
}

TEST_F(ConfigServiceTest, ValidateLayersCandidatesAndDiffsWithoutPublishing) {
  Start();
  const uint64_t revision_before = store().revision();
  v1::ValidateConfigRequest request;
  request.set_name("payments");
  auto* file = request.add_files();
  file->set_file_name("20-port.toml");
  file->set_content("[db]\nport = 6000\nssl = true\n");
  v1::ValidateConfigResponse response;
  ASSERT_TRUE(Validate(request, &response).ok());
  EXPECT_TRUE(response.valid());
  EXPECT_TRUE(response.errors().empty());
  EXPECT_EQ(response.json(), R"({"db":{"host":"a","port":6000,"ssl":true}})");
  EXPECT_FALSE(response.etag().empty());
  EXPECT_GT(response.served_revision(), 0u);
  ASSERT_EQ(response.diff_size(), 2);
  EXPECT_EQ(response.diff(0).path(), "db.port");
  EXPECT_EQ(response.diff(0).op(), v1::DIFF_OP_CHANGED);
  EXPECT_EQ(response.diff(0).old_json(), "5432");
  EXPECT_EQ(response.diff(0).new_json(), "6000");
  EXPECT_EQ(response.diff(1).path(), "db.ssl");
  EXPECT_EQ(response.diff(1).op(), v1::DIFF_OP_ADDED);

  // Nothing was published.
  EXPECT_EQ(store().revision(), revision_before);
  v1::GetConfigResponse served;
  ASSERT_TRUE(Get("payments", &served).ok());
  EXPECT_EQ(served.json(), R"({"db":{"host":"a","port":5432}})");
}

TEST_F(ConfigServiceTest, ValidateReportsEveryErrorWithLocation) {
  Start();
  v1::ValidateConfigRequest request;
  request.set_name("payments");
  auto* file = request.add_files();
  file->set_file_name("20-bad.toml");
  file->set_content("[db]\nport = = 1\n");
  v1::ValidateConfigResponse response;
  ASSERT_TRUE(Validate(request, &response).ok());
  EXPECT_FALSE(response.valid());
  ASSERT_FALSE(response.errors().empty());
  EXPECT_THAT(response.errors(0), StartsWith("payments/20-bad.toml:2:"));
  ASSERT_EQ(response.diagnostics_size(), response.errors_size());
  EXPECT_EQ(response.diagnostics(0).file(), "payments/20-bad.toml");
  EXPECT_EQ(response.diagnostics(0).line(), 2u);
  EXPECT_GT(response.diagnostics(0).column(), 0u);
  EXPECT_FALSE(response.diagnostics(0).message().empty());
  EXPECT_TRUE(response.json().empty());
  EXPECT_TRUE(response.diff().empty());
}

TEST_F(ConfigServiceTest, ValidateReplaceOnDiskAndNewConfig) {
  Start();
  v1::ValidateConfigRequest request;
  request.set_name("payments");
  request.set_replace_on_disk(true);
  auto* file = request.add_files();
  file->set_file_name("00.json");
  file->set_content(R"({"only": 1})");
  v1::ValidateConfigResponse response;
  ASSERT_TRUE(Validate(request, &response).ok());
  ASSERT_TRUE(response.valid());
  EXPECT_EQ(response.json(), R"({"only":1})");

  // A config that does not exist yet: everything is ADDED.
  request.set_name("brand-new");
  v1::ValidateConfigResponse fresh;
  ASSERT_TRUE(Validate(request, &fresh).ok());
  ASSERT_TRUE(fresh.valid());
  EXPECT_EQ(fresh.served_revision(), 0u);
  ASSERT_EQ(fresh.diff_size(), 1);
  EXPECT_EQ(fresh.diff(0).op(), v1::DIFF_OP_ADDED);
  EXPECT_EQ(fresh.diff(0).path(), "");
}

v1::ValidateConfigRequest Candidates(const std::string& name,
                                     std::vector<std::pair<std::string, std::string>> files) {
  v1::ValidateConfigRequest request;
  request.set_name(name);
  for (auto& [file_name, content] : files) {
    v1::CandidateFile* file = request.add_files();
    file->set_file_name(file_name);
    file->set_content(content);
  }
  return request;
}

TEST_F(ConfigServiceTest, ValidateLimitsCandidateSizes) {
  ConfigEngine::Options engine_options = EngineOptions();
  engine_options.max_file_bytes = 1024;
  engine_options.max_candidate_bytes = 3000;
  Start(engine_options, ServerOptions());
  const std::string kb = absl::StrCat(R"({"pad":")", std::string(990, 's'), R"("})");  // 1 KB
  ASSERT_EQ(kb.size(), 1000u);
  v1::ValidateConfigResponse response;

  grpc::Status one_too_big = Validate(Candidates("fresh", {{"a.json", kb + kb}}), &response);
  EXPECT_EQ(one_too_big.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(one_too_big.error_message(), HasSubstr("a.json is 2000 bytes"));
  EXPECT_THAT(one_too_big.error_message(), HasSubstr("--max-file-bytes"));
  EXPECT_THAT(one_too_big.error_message(), Not(HasSubstr("sss")));

  grpc::Status all_too_big = Validate(
      Candidates("fresh", {{"a.json", kb}, {"b.json", kb}, {"c.json", kb}, {"d.json", kb}}),
      &response);
  EXPECT_EQ(all_too_big.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(all_too_big.error_message(), HasSubstr("4000 bytes together"));

  grpc::Status long_name =
      Validate(Candidates("fresh", {{std::string(300, 'n') + ".json", "{}"}}), &response);
  EXPECT_EQ(long_name.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(long_name.error_message(), HasSubstr("at most 255"));

  ASSERT_TRUE(Validate(Candidates("fresh", {{"a.json", kb}, {"b.json", kb}}), &response).ok());
  EXPECT_TRUE(response.valid());
}

TEST_F(ConfigServiceTest, ValidateRunsUnderTheBuildBudget) {
  ConfigEngine::Options engine_options = EngineOptions();
  engine_options.build.budget.max_bytes = 16 << 20;
  Start(engine_options, ServerOptions());
  // Issue 7's 757-byte request: a doubling chain of references and 50 profile files.
  std::vector<std::pair<std::string, std::string>> files;
  std::string toml = absl::StrCat("l0 = \"", std::string(100, 'x'), "\"\n");
  for (int i = 1; i <= 18; ++i) {
    absl::StrAppend(&toml, "l", i, " = \"${l", i - 1, "}${l", i - 1, "}\"\n");
  }
  files.push_back({"x.toml", toml});
  for (int p = 0; p < 50; ++p) files.push_back({absl::StrCat("x.p", p, ".toml"), "a = 1\n"});
  v1::ValidateConfigResponse response;
  grpc::Status status = Validate(Candidates("bomb", std::move(files)), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.valid());
  ASSERT_GT(response.errors_size(), 0);
  EXPECT_THAT(response.errors(response.errors_size() - 1), HasSubstr("--max-build-bytes"));
  EXPECT_EQ(store().Get("bomb"), nullptr);  // a dry run publishes nothing
}

TEST_F(ConfigServiceTest, ConcurrentValidationsAreBounded) {
  // A slow dry run: uniqueItems compares every pair of a long array's items.
  Write("slow/_schema.json", R"({"properties":{"items":{"uniqueItems":true}}})");
  Write("slow/00.json", "{}");
  std::string items = R"({"items":[)";
  for (int i = 0; i < 60000; ++i) absl::StrAppend(&items, i ? "," : "", i);
  items += "]}";
  ConfigEngine::Options engine_options = EngineOptions();
  engine_options.build.budget.timeout = absl::Seconds(2);
  GrpcServer::Options server_options = ServerOptions();
  server_options.workers = 1;
  server_options.max_queued_validations = 1;
  Start(engine_options, server_options);

  constexpr int kCalls = 4;
  std::vector<grpc::Status> statuses(kCalls);
  std::vector<v1::ValidateConfigResponse> responses(kCalls);
  std::vector<std::thread> calls;
  for (int i = 0; i < kCalls; ++i) {
    calls.emplace_back([&, i] {
      statuses[i] = Validate(Candidates("slow", {{"10-items.json", items}}), &responses[i]);
    });
  }
  for (std::thread& t : calls) t.join();
  int rejected = 0;
  int timed_out = 0;
  for (int i = 0; i < kCalls; ++i) {
    if (statuses[i].error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++rejected;
      EXPECT_THAT(statuses[i].error_message(), HasSubstr("too many validations"));
      continue;
    }
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    EXPECT_FALSE(responses[i].valid());
    ASSERT_EQ(responses[i].errors_size(), 1);
    EXPECT_THAT(responses[i].errors(0), HasSubstr("--build-timeout"));
    ++timed_out;
  }
  // One runs, one waits; the others are refused at once.
  EXPECT_GE(rejected, kCalls - 2);
  EXPECT_GE(timed_out, 1);
}

TEST_F(ConfigServiceTest, ValidateRejectsBadNames) {
  Start();
  v1::ValidateConfigRequest request;
  request.set_name("../x");
  v1::ValidateConfigResponse response;
  EXPECT_EQ(Validate(request, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.set_name("payments");
  request.add_files()->set_file_name("../evil.toml");
  grpc::Status s = Validate(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("evil.toml"));

  // CandidateFile is proto2, so protobuf no longer refuses a file name that is not UTF-8: hearthd
  // does, before it could reach a message (Diagnostic.file is a proto3 string), unquoted.
  v1::ValidateConfigRequest not_utf8 =
      Candidates("payments", {{"20-\xff-s3cr3t.toml", "[db]\nport = = 1\n"}});
  s = Validate(not_utf8, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("valid UTF-8"));
  EXPECT_THAT(s.error_message(), Not(HasSubstr("s3cr3t")));
}

}  // namespace
TEST_F(ConfigServiceTest, TyposAreFlaggedNotSilentlyServed) {
  Start();
  v1::GetConfigResponse known, typo;
  ASSERT_TRUE(Get("payments", &known, "production").ok());
  EXPECT_FALSE(known.profile_unknown());
  ASSERT_TRUE(Get("payments", &typo, "prod").ok());
  EXPECT_TRUE(typo.profile_unknown());
  EXPECT_EQ(typo.json(), R"({"db":{"host":"a","port":5432}})");  // the base document

  v1::ValidateConfigRequest request;
  request.set_name("paymnts");
  v1::CandidateFile* file = request.add_files();
  file->set_file_name("00.toml");
  file->set_content("a = 1\n");
  v1::ValidateConfigResponse unknown;
  ASSERT_TRUE(Validate(request, &unknown).ok());
  EXPECT_TRUE(unknown.valid());
  EXPECT_TRUE(unknown.unknown_config());
  request.set_name("payments");
  request.set_profile("prod");
  v1::ValidateConfigResponse known_config;
  ASSERT_TRUE(Validate(request, &known_config).ok());
  EXPECT_FALSE(known_config.unknown_config());
  EXPECT_TRUE(known_config.profile_unknown());
}

// Validate's input is proto2 `string` (readable in buf curl), which protobuf does not check for
// UTF-8: a candidate that is not UTF-8 reaches the parser and gets an error naming the file and
// position, not a transport error, and the error does not quote the value.
TEST_F(ConfigServiceTest, ValidateReportsInvalidUtf8AsAParseErrorNamingTheFile) {
  Start();
  v1::ValidateConfigRequest request =
      Candidates("payments", {{"20-bad.toml", "[db]\nhost = \"\xff\xfe s3cr3t\"\n"}});
  v1::ValidateConfigResponse response;
  grpc::Status status = Validate(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.valid());
  ASSERT_EQ(response.errors_size(), 1);
  EXPECT_THAT(response.errors(0), StartsWith("payments/20-bad.toml:2:9: invalid UTF-8"));
  EXPECT_THAT(response.errors(0), Not(HasSubstr("s3cr3t")));
  ASSERT_EQ(response.diagnostics_size(), 1);
  EXPECT_EQ(response.diagnostics(0).file(), "payments/20-bad.toml");
  EXPECT_EQ(response.diagnostics(0).line(), 2u);
  EXPECT_EQ(response.diagnostics(0).column(), 9u);
  EXPECT_TRUE(response.json().empty());
}

// The document messages are proto2: hearthd sets no field to its default, so they are sent and
// printed (buf curl, grpcurl) as they were in proto3.
TEST_F(ConfigServiceTest, DocumentMessagesSetNoFieldToItsDefault) {
  Start();
  using ::testing::IsEmpty;
  using testing_util::FieldsSetToDefault;
  v1::GetConfigResponse plain, profiled, not_modified, value;
  ASSERT_TRUE(Get("payments", &plain).ok());
  EXPECT_THAT(FieldsSetToDefault(plain), IsEmpty());
  ASSERT_TRUE(Get("payments", &profiled, "production", "db").ok());
  EXPECT_THAT(FieldsSetToDefault(profiled), IsEmpty());
  ASSERT_TRUE(Get("payments", &not_modified, "", "", plain.etag()).ok());
  EXPECT_TRUE(not_modified.not_modified());
  EXPECT_FALSE(not_modified.has_json());
  EXPECT_THAT(FieldsSetToDefault(not_modified), IsEmpty());
  ASSERT_TRUE(Get("payments", &value, "", "", "", /*include_value=*/true).ok());
  EXPECT_THAT(FieldsSetToDefault(value), IsEmpty());

  grpc::ClientContext context;
  Bound(&context);
  v1::BatchGetConfigsRequest batch;
  batch.add_names("payments");
  v1::BatchGetConfigsResponse batch_response;
  ASSERT_TRUE(stub_->BatchGetConfigs(&context, batch, &batch_response).ok());
  ASSERT_EQ(batch_response.results_size(), 1);
  EXPECT_THAT(FieldsSetToDefault(batch_response.results(0).config()), IsEmpty());

  v1::ValidateConfigResponse valid, invalid, fresh;
  ASSERT_TRUE(Validate(Candidates("payments", {{"20.toml", "a = 1\n"}}), &valid).ok());
  EXPECT_TRUE(valid.valid());
  EXPECT_THAT(FieldsSetToDefault(valid), IsEmpty());
  ASSERT_TRUE(Validate(Candidates("payments", {{"20.toml", "a = = 1\n"}}), &invalid).ok());
  EXPECT_FALSE(invalid.valid());
  EXPECT_FALSE(invalid.has_valid());
  EXPECT_THAT(FieldsSetToDefault(invalid), IsEmpty());
  ASSERT_TRUE(Validate(Candidates("fresh", {{"00.json", "{}"}}), &fresh).ok());
  EXPECT_THAT(FieldsSetToDefault(fresh), IsEmpty());
}

TEST_F(ConfigServiceTest, BatchStatusesCarryTheCodeName) {
  Start();
  grpc::ClientContext context;
  Bound(&context);
  v1::BatchGetConfigsRequest request;
  request.add_names("missing");
  v1::BatchGetConfigsResponse response;
  ASSERT_TRUE(stub_->BatchGetConfigs(&context, request, &response).ok());
  ASSERT_EQ(response.results_size(), 1);
  EXPECT_EQ(response.results(0).status().code_name(), "NOT_FOUND");
}

}  // namespace hearth::rpc
