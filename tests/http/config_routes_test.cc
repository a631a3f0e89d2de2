// The HTTP API's routes as plain functions (server/http/config_routes.cc): documents in every
// format with their ETag, 304s, blocking waits, the list, health, and hostile names and queries.

#include "server/http/config_routes.h"

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <variant>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/config_engine.h"
#include "tests/fakes/temp_dir.h"

namespace hearth::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ConfigRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("payments/00-base.toml", "[db]\nhost = \"db.internal\"\nport = 5432\n");
    dir_.Write("payments/10-db.production.toml", "[db]\nhost = \"prod\"\n");
    dir_.Write("team-a/billing/00.json", R"({"plan":"gold"})");
    ConfigEngine::Options options;
    options.roots = {dir_.path()};
    options.load_threads = 1;
    engine_ = std::make_unique<ConfigEngine>(std::move(options));
    engine_->ScanAll();
    renderer_ = std::make_unique<ConfigRenderer>(&engine_->store(), ConfigRenderer::Options{});
    ConfigRoutes::Options routes;
    routes.max_wait = absl::Seconds(60);
    routes.not_ready_reason = [this] { return not_ready_; };
    routes_ = std::make_unique<ConfigRoutes>(renderer_.get(), routes);
  }

  HttpResponse Get(const std::string& target, const std::string& if_none_match = "") {
    ConfigRoutes::Outcome out = Handle(target, if_none_match);
    EXPECT_TRUE(std::holds_alternative<HttpResponse>(out)) << target;
    return std::holds_alternative<HttpResponse>(out) ? std::get<HttpResponse>(out) : HttpResponse{};
  }
  ConfigRoutes::Outcome Handle(const std::string& target, const std::string& if_none_match = "",
                               const std::string& method = "GET") {
    HttpRequest request;
    request.method = method;
    const size_t q = target.find('?');
    request.path = target.substr(0, q);
    request.query = q == std::string::npos ? "" : target.substr(q + 1);
    request.if_none_match = if_none_match;
    return routes_->Handle(request, now_);
  }
  static std::string Header(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

  testing::TempDir dir_;
  std::unique_ptr<ConfigEngine> engine_;
  std::unique_ptr<ConfigRenderer> renderer_;
  std::unique_ptr<ConfigRoutes> routes_;
  std::string not_ready_;
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
};

TEST_F(ConfigRoutesTest, ServesTheDocumentWithItsEtag) {
  HttpResponse r = Get("/v1/configs/payments");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, "{\"db\":{\"host\":\"db.internal\",\"port\":5432}}\n");
  const std::string etag = Header(r, "ETag");
  ASSERT_EQ(etag.size(), 34u) << "a quoted XXH3-128";
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(Header(r, "X-Hearth-Revision"), "1");
  EXPECT_EQ(Header(r, "X-Hearth-Errors"), "");

  HttpResponse prod = Get("/v1/configs/payments?profile=production&path=db&format=env");
  EXPECT_EQ(prod.body, "HOST=prod\nPORT=5432\n");
  EXPECT_THAT(prod.content_type, HasSubstr("text/plain"));
  EXPECT_NE(Header(prod, "ETag"), etag);
  EXPECT_EQ(Get("/v1/configs/team-a/billing").body, "{\"plan\":\"gold\"}\n")
      << "names keep their slashes";
  EXPECT_EQ(Get("/v1/configs/team-a%2Fbilling?format=yaml").body, "plan: gold\n");
}

TEST_F(ConfigRoutesTest, IfNoneMatchGives304) {
  const std::string etag = Header(Get("/v1/configs/payments"), "ETag");
  HttpResponse same = Get("/v1/configs/payments", etag);
  EXPECT_EQ(same.status, 304);
  EXPECT_TRUE(same.body.empty());
  EXPECT_EQ(Header(same, "ETag"), etag);
  EXPECT_EQ(Get("/v1/configs/payments", "W/" + etag).status, 304) << "weak comparison";
  EXPECT_EQ(Get("/v1/configs/payments", "\"other\", " + etag).status, 304) << "a list";
  EXPECT_EQ(Get("/v1/configs/payments", "*").status, 304);
  EXPECT_EQ(Get("/v1/configs/payments", "\"other\"").status, 200);
}

TEST_F(ConfigRoutesTest, ABlockingGetWaitsOnlyWhileTheEtagIsCurrent) {
  const std::string etag = Header(Get("/v1/configs/payments"), "ETag");
  ConfigRoutes::Outcome parked = Handle("/v1/configs/payments?wait=30s", etag);
  ASSERT_TRUE(std::holds_alternative<ConfigRoutes::Wait>(parked));
  EXPECT_EQ(std::get<ConfigRoutes::Wait>(parked).name, "payments");
  EXPECT_EQ(std::get<ConfigRoutes::Wait>(parked).deadline, now_ + absl::Seconds(30));
  // Capped at max_wait; a bare number is seconds.
  EXPECT_EQ(std::get<ConfigRoutes::Wait>(Handle("/v1/configs/payments?wait=1h", etag)).deadline,
            now_ + absl::Seconds(60));
  EXPECT_EQ(std::get<ConfigRoutes::Wait>(Handle("/v1/configs/payments?wait=5", etag)).deadline,
            now_ + absl::Seconds(5));
  // A stale etag answers at once.
  EXPECT_EQ(Get("/v1/configs/payments?wait=30s", "\"old\"").status, 200);
  // At the deadline: 304.
  HttpRequest request;
  request.method = "GET";
  request.path = "/v1/configs/payments";
  request.query = "wait=30s";
  request.if_none_match = etag;
  ConfigRoutes::Outcome expired = routes_->Handle(request, now_, /*expired=*/true);
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(expired));
  EXPECT_EQ(std::get<HttpResponse>(expired).status, 304);
  EXPECT_EQ(Get("/v1/configs/payments?wait=soon", etag).status, 400);
  EXPECT_EQ(Get("/v1/configs/payments?wait=-5s", etag).status, 400);
}

TEST_F(ConfigRoutesTest, TheLastKnownGoodSaysItsErrorsInAHeader) {
  dir_.Write("payments/20-bad.toml", "x = 1\nx = 2\n");
  engine_->Rebuild("payments");
  HttpResponse r = Get("/v1/configs/payments");
  EXPECT_EQ(r.status, 200) << "the last-known-good keeps serving";
  const std::string errors = Header(r, "X-Hearth-Errors");
  EXPECT_THAT(errors, HasSubstr("payments/20-bad.toml:2:"));
  EXPECT_EQ(errors.front(), '[');
  for (char c : errors) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "header-safe ASCII";
  EXPECT_EQ(Header(r, "X-Hearth-Error-Count"), "1");
}

TEST_F(ConfigRoutesTest, ManyErrorsAreCountedAndTheHeaderStaysSmall) {
  for (int i = 0; i < 60; ++i) {
    dir_.Write("payments/20-bad-" + std::to_string(100 + i) + ".toml", "x = 1\nx = 2\n");
  }
  engine_->Rebuild("payments");
  HttpResponse r = Get("/v1/configs/payments");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Header(r, "X-Hearth-Error-Count"), "60");
  const std::string shown = Header(r, "X-Hearth-Errors");
  EXPECT_LE(shown.size(), 2048u);
  EXPECT_THAT(shown, HasSubstr("payments/20-bad-100.toml:2:"));
  EXPECT_THAT(shown, Not(HasSubstr("payments/20-bad-159.toml"))) << "cut, not all 60";
}

TEST_F(ConfigRoutesTest, ErrorsMapToHttpStatusesWithoutEchoingValues) {
  EXPECT_EQ(Get("/v1/configs/nope").status, 404);
  EXPECT_EQ(Get("/v1/configs/payments?path=db.nope").status, 404);
  EXPECT_EQ(Get("/v1/configs/payments?format=xml").status, 400);
  EXPECT_EQ(Get("/v1/configs/payments?path=db.port&format=toml").status, 400);
  EXPECT_EQ(Get("/v1/configs/payments?bogus=1").status, 400);
  EXPECT_EQ(Get("/v1/nothing").status, 404);
  EXPECT_EQ(std::get<HttpResponse>(Handle("/v1/configs/payments", "", "DELETE")).status, 501);
  for (const char* name :
       {"..", "..%2fetc", "%2e%2e", "%2e%2e/x", "a%00b", "/abs", "a//b", ".hidden", "%", "a%zz"}) {
    HttpResponse r = Get(std::string("/v1/configs/") + name);
    EXPECT_EQ(r.status, 400) << name;
    EXPECT_THAT(r.body, HasSubstr("\"code\":\"INVALID_ARGUMENT\"")) << name;
  }
  HttpResponse secret = Get("/v1/configs/payments?path=s3cr3t&profile=" + std::string(5000, 'p'));
  EXPECT_EQ(secret.status, 400);
  EXPECT_THAT(secret.body, Not(HasSubstr("s3cr3t")));
}

TEST_F(ConfigRoutesTest, ListsWithHealthAndPages) {
  HttpResponse all = Get("/v1/configs");
  EXPECT_EQ(all.status, 200);
  EXPECT_THAT(all.body, HasSubstr("\"name\":\"payments\""));
  EXPECT_THAT(all.body, HasSubstr("\"health\":\"OK\""));
  EXPECT_THAT(all.body, HasSubstr("\"profiles\":[\"production\"]"));
  HttpResponse page = Get("/v1/configs?page_size=1");
  EXPECT_THAT(page.body, HasSubstr("\"next_page_token\":\""));
  const size_t at = page.body.find("\"next_page_token\":\"") + 19;
  const std::string token = page.body.substr(at, page.body.find('"', at) - at);
  HttpResponse next = Get("/v1/configs?page_size=1&page_token=" + token);
  EXPECT_THAT(next.body, HasSubstr("team-a/billing"));
  EXPECT_THAT(next.body, Not(HasSubstr("next_page_token")));
  EXPECT_THAT(Get("/v1/configs?prefix=team-a/").body, Not(HasSubstr("payments")));
  EXPECT_EQ(Get("/v1/configs?page_token=garbage").status, 400);
  EXPECT_EQ(Get("/v1/configs?prefix=team-b/&page_token=" + token).status, 400);
  EXPECT_EQ(Get("/v1/configs?page_size=many").status, 400);
  EXPECT_EQ(Get("/v1/configs?prefix=../").status, 400);
}

TEST_F(ConfigRoutesTest, HealthAndReadiness) {
  EXPECT_EQ(Get("/healthz").status, 200);
  EXPECT_EQ(Get("/readyz").body, "ready\n");
  not_ready_ = "root /x is not a readable directory";
  HttpResponse r = Get("/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "not ready: root /x is not a readable directory\n");
  EXPECT_EQ(Get("/healthz").status, 200) << "the process still answers";
}

TEST_F(ConfigRoutesTest, BlameNamesTheFileAndLineOfEveryLeaf) {
  HttpResponse r = Get("/v1/blame/payments?profile=production&path=db.host");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            "{\"name\":\"payments\",\"revision\":1,\"profile\":\"production\",\"entries\":["
            "{\"path\":\"db.host\",\"set_by\":{\"file\":\"payments/10-db.production.toml\","
            "\"line\":2,\"column\":8},\"overrode\":[{\"file\":\"payments/00-base.toml\","
            "\"line\":2,\"column\":8}]}]}\n");
  EXPECT_THAT(Get("/v1/blame/payments").body, HasSubstr("\"path\":\"db.port\""));
  EXPECT_EQ(Get("/v1/blame/nope").status, 404);
  EXPECT_EQ(Get("/v1/blame/..").status, 400);
  EXPECT_EQ(Get("/v1/blame/payments?format=yaml").status, 400);
}

TEST_F(ConfigRoutesTest, ServesItsOpenApiDocument) {
  HttpResponse r = Get("/v1/openapi.json");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  std::ifstream in(std::string(HEARTH_SOURCE_DIR) + "/server/http/openapi.json");
  const std::string file((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(r.body, file) << "compiled in from server/http/openapi.json";
  EXPECT_THAT(r.body, HasSubstr("\"openapi\": \"3.0.3\""));
}

TEST_F(ConfigRoutesTest, HeadCarriesWhatGetWould) {
  ConfigRoutes::Outcome head = Handle("/v1/configs/payments", "", "HEAD");
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(head));
  EXPECT_EQ(std::get<HttpResponse>(head).body, Get("/v1/configs/payments").body)
      << "the session sends only its length";
}

}  // namespace
}  // namespace hearth::http
