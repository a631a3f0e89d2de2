// POST /v1/validate (server/http/validate_route.cc): the body parsed with budgets and strict keys,
// the dry run's answer as JSON with file/line/column errors and the diff against what is served.

#include "server/http/validate_route.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/config_engine.h"
#include "tests/fakes/temp_dir.h"

namespace hearth::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ValidateRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("payments/00-base.toml", "[db]\nport = 5432\n");
    ConfigEngine::Options options;
    options.roots = {dir_.path()};
    options.load_threads = 1;
    engine_ = std::make_unique<ConfigEngine>(std::move(options));
    engine_->ScanAll();
  }
  HttpResponse Validate(const std::string& body) {
    absl::StatusOr<ValidateRequest> request = ParseValidateRequest(body);
    EXPECT_TRUE(request.ok()) << request.status();
    if (!request.ok()) return {};
    return RunValidate(*engine_, engine_->store(), *std::move(request));
  }

  testing::TempDir dir_;
  std::unique_ptr<ConfigEngine> engine_;
};

TEST_F(ValidateRouteTest, AValidCandidateComesWithItsDocumentAndDiff) {
  HttpResponse r = Validate(
      R"({"name":"payments","files":[{"file_name":"10-db.yaml","content":"db:\n  port: 6543\n"}]})");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("\"valid\":true"));
  EXPECT_THAT(r.body, HasSubstr("\"document\":{\"db\":{\"port\":6543}}"));
  EXPECT_THAT(r.body, HasSubstr("\"diff\":[{\"path\":\"db.port\",\"op\":\"CHANGED\",\"old\":5432,"
                                "\"new\":6543}]"));
  EXPECT_THAT(r.body, HasSubstr("\"served_revision\":1"));
  // A dry run publishes nothing.
  EXPECT_EQ(*engine_->store().Get("payments")->version->Variant("").json,
            "{\"db\":{\"port\":5432}}");
}

TEST_F(ValidateRouteTest, ErrorsNameFileLineAndColumnWithoutValues) {
  HttpResponse r = Validate(
      R"({"name":"payments","files":[{"file_name":"10-bad.toml","content":"x = \"s3cr3t\"\nx = 2\n"}]})");
  EXPECT_THAT(r.body, HasSubstr("\"valid\":false"));
  EXPECT_THAT(r.body, HasSubstr("{\"file\":\"payments/10-bad.toml\",\"line\":2,"));
  EXPECT_THAT(r.body, Not(HasSubstr("s3cr3t")));
  HttpResponse unknown =
      Validate(R"({"name":"newapp","files":[{"file_name":"00.json","content":"{\"a\":1}"}]})");
  EXPECT_THAT(unknown.body, HasSubstr("\"unknown_config\":true"));
  EXPECT_THAT(unknown.body, HasSubstr("\"diff\":[{\"path\":\"\",\"op\":\"ADDED\""));
}

TEST_F(ValidateRouteTest, HostileBodiesAreInvalidArgument) {
  for (const std::string& body :
       {std::string(""), std::string("[]"), std::string("{\"name\":"),
        std::string(R"({"name":"payments","bogus":1})"), std::string(R"({"name":7})"),
        std::string(R"({"files":[]})"), std::string(R"({"name":"../etc"})"),
        std::string(R"({"name":"p","files":[{"file_name":"../x.toml","content":""}]})"),
        std::string(R"({"name":"p","files":[{"file_name":"a.toml"}]})"),
        std::string(R"({"name":"p","files":[{"file_name":"a.toml","content":1}]})"),
        std::string(R"({"name":"p","replace_on_disk":"yes"})"),
        std::string(200, '[') + std::string(200, ']')}) {
    absl::StatusOr<ValidateRequest> r = ParseValidateRequest(body);
    EXPECT_FALSE(r.ok()) << body.substr(0, 40);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << body;
    }
  }
  std::string many = R"({"name":"p","files":[)";
  for (int i = 0; i < 65; ++i)
    many += std::string(i ? "," : "") + R"({"file_name":"a.toml","content":""})";
  many += "]}";
  EXPECT_THAT(std::string(ParseValidateRequest(many).status().message()), HasSubstr("at most 64"));
}

}  // namespace
}  // namespace hearth::http
