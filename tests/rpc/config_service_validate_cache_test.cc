// ValidateConfig over gRPC with the engine's validation cache (server/core/build/
// validation_cache.h): a repeated dry run answers exactly as a fresh one would, and whatever the
// build reads (candidates, files on disk, schema) changing is a miss. The diff against the served
// version and the profile are applied per call, after the cache.

#include <string>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/rpc/rpc_fixture.h"

namespace hearth::rpc {
namespace {

class ValidateCacheTest : public testing_util::RpcFixture {
 protected:
  void SetUp() override {
    RpcFixture::SetUp();
    Write("payments/00-base.toml", "[db]\nhost = \"a\"\nport = 5432\n");
    Write("payments/10-db.production.toml", "[db]\nhost = \"prod\"\n");
    Write("payments/_schema.json",
          R"({"type":"object","properties":{"db":{"type":"object","properties":)"
          R"({"port":{"type":"integer","maximum":9000}}}}})");
  }

  v1::ValidateConfigResponse Validate(const std::string& content, const std::string& profile = "",
                                      const std::string& file_name = "20-port.toml") {
    v1::ValidateConfigRequest request;
    request.set_name("payments");
    request.set_profile(profile);
    v1::CandidateFile* file = request.add_files();
    file->set_file_name(file_name);
    file->set_content(content);
    grpc::ClientContext context;
    Bound(&context);
    v1::ValidateConfigResponse response;
    grpc::Status status = stub_->ValidateConfig(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }
  ValidationCache::Stats Stats() const { return engine_->validation_cache().stats(); }
  static bool Same(const v1::ValidateConfigResponse& a, const v1::ValidateConfigResponse& b) {
    return google::protobuf::util::MessageDifferencer::Equals(a, b);
  }
};

TEST_F(ValidateCacheTest, AHitReturnsTheIdenticalResponse) {
  Start();
  const v1::ValidateConfigResponse first = Validate("[db]\nport = 6000\n");
  EXPECT_TRUE(first.valid());
  EXPECT_EQ(first.json(), R"({"db":{"host":"a","port":6000}})");
  EXPECT_EQ(Stats().misses, 1u);
  const v1::ValidateConfigResponse second = Validate("[db]\nport = 6000\n");
  EXPECT_EQ(Stats().hits, 1u);
  EXPECT_TRUE(Same(first, second)) << first.DebugString() << "\n" << second.DebugString();

  // A failed validation is cached too and answers the same errors.
  const v1::ValidateConfigResponse bad = Validate("[db]\nport = 10000\n");
  EXPECT_FALSE(bad.valid());
  ASSERT_GT(bad.errors_size(), 0);
  EXPECT_TRUE(Same(bad, Validate("[db]\nport = 10000\n")));
  EXPECT_EQ(Stats().hits, 2u);
}

TEST_F(ValidateCacheTest, TheProfileIsAppliedAfterTheCache) {
  Start();
  const v1::ValidateConfigResponse base = Validate("[db]\nport = 6000\n");
  const v1::ValidateConfigResponse production = Validate("[db]\nport = 6000\n", "production");
  EXPECT_EQ(Stats().hits, 1u);  // one build covers every profile
  EXPECT_EQ(base.json(), R"({"db":{"host":"a","port":6000}})");
  EXPECT_EQ(production.json(), R"({"db":{"host":"prod","port":6000}})");
  EXPECT_NE(base.etag(), production.etag());
}

TEST_F(ValidateCacheTest, ChangesToCandidatesFilesOrSchemaAreMisses) {
  Start();
  const v1::ValidateConfigResponse first = Validate("[db]\nport = 6000\n");
  ASSERT_TRUE(first.valid());

  // Another candidate content, or the same content under another name.
  EXPECT_EQ(Validate("[db]\nport = 6001\n").json(), R"({"db":{"host":"a","port":6001}})");
  EXPECT_TRUE(Validate("[db]\nport = 6000\n", "", "30-port.toml").valid());
  EXPECT_EQ(Stats().hits, 0u);

  // A config file's bytes change (same length, no rebuild): the dry run reads the new bytes.
  Write("payments/00-base.toml", "[db]\nhost = \"b\"\nport = 5432\n");
  EXPECT_EQ(Validate("[db]\nport = 6000\n").json(), R"({"db":{"host":"b","port":6000}})");

  // The schema changes: the same candidate is now invalid.
  Write("payments/_schema.json",
        R"({"type":"object","properties":{"db":{"type":"object","properties":)"
        R"({"port":{"type":"integer","maximum":5999}}}}})");
  const v1::ValidateConfigResponse refused = Validate("[db]\nport = 6000\n");
  EXPECT_FALSE(refused.valid());
  EXPECT_GT(refused.errors_size(), 0);
  EXPECT_EQ(Stats().hits, 0u);
  EXPECT_EQ(Stats().misses, 5u);
}

// The cached build does not depend on what is served: a hit still diffs against the version
// served now, and names its revision.
TEST_F(ValidateCacheTest, AHitDiffsAgainstTheVersionServedNow) {
  Start();
  const v1::ValidateConfigResponse first = Validate("[db]\nport = 6000\n");
  ASSERT_EQ(first.diff_size(), 1);
  EXPECT_EQ(first.diff(0).path(), "db.port");

  // Serve another version, then put the files back as they were (no rebuild): the build's
  // inputs are those of the first call again, but what is served has changed.
  Write("payments/00-base.toml", "[db]\nhost = \"z\"\nport = 5432\n");
  engine_->Rebuild("payments");
  Write("payments/00-base.toml", "[db]\nhost = \"a\"\nport = 5432\n");
  const v1::ValidateConfigResponse again = Validate("[db]\nport = 6000\n");
  EXPECT_EQ(Stats().hits, 1u);
  EXPECT_EQ(again.json(), first.json());
  EXPECT_GT(again.served_revision(), first.served_revision());
  ASSERT_EQ(again.diff_size(), 2);
  EXPECT_EQ(again.diff(0).path(), "db.host");
  EXPECT_EQ(again.diff(0).old_json(), R"("z")");
  EXPECT_EQ(again.diff(1).path(), "db.port");
}

TEST_F(ValidateCacheTest, DisabledByZeroBytes) {
  ConfigEngine::Options options = EngineOptions();
  options.validation_cache_bytes = 0;
  Start(std::move(options), ServerOptions());
  const v1::ValidateConfigResponse first = Validate("[db]\nport = 6000\n");
  EXPECT_TRUE(Same(first, Validate("[db]\nport = 6000\n")));
  EXPECT_EQ(Stats().hits, 0u);
  EXPECT_EQ(Stats().entries, 0u);
}

}  // namespace
}  // namespace hearth::rpc
