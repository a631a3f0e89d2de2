#include "client/server_address.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hearthctl {
namespace {

using ::testing::HasSubstr;

std::string Target(std::string_view text) {
  absl::StatusOr<ServerAddress> a = ParseServerAddress(text);
  return a.ok() ? a->target : "error: " + std::string(a.status().message());
}

TEST(ServerAddressTest, AcceptsWhatPeoplePaste) {
  EXPECT_EQ(Target("127.0.0.1:7070"), "127.0.0.1:7070");
  EXPECT_EQ(Target("localhost"), "localhost:7070");
  EXPECT_EQ(Target("hearth.svc:9000"), "hearth.svc:9000");
  EXPECT_EQ(Target("http://localhost:8080"), "localhost:8080");
  EXPECT_EQ(Target("http://localhost:8080/"), "localhost:8080");
  EXPECT_EQ(Target("http://localhost"), "localhost:7070");
  EXPECT_EQ(Target("[::1]"), "[::1]:7070");
  EXPECT_EQ(Target("[::1]:7071"), "[::1]:7071");
}

TEST(ServerAddressTest, GrpcUrisPassThrough) {
  EXPECT_EQ(Target("unix:///run/hearth/hearth.sock"), "unix:///run/hearth/hearth.sock");
  EXPECT_EQ(Target("unix:relative.sock"), "unix:relative.sock");
  EXPECT_EQ(Target("dns:///hearth:7070"), "dns:///hearth:7070");
  EXPECT_EQ(Target("ipv4:127.0.0.1:1"), "ipv4:127.0.0.1:1");
}

TEST(ServerAddressTest, HttpsTurnsTlsOn) {
  absl::StatusOr<ServerAddress> a = ParseServerAddress("https://hearth.example:7443");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->tls);
  EXPECT_EQ(a->target, "hearth.example:7443");
  EXPECT_FALSE(ParseServerAddress("http://hearth.example:7443")->tls);
  EXPECT_FALSE(ParseServerAddress("hearth.example")->tls);
}

TEST(ServerAddressTest, RejectsWithTheReason) {
  EXPECT_THAT(Target("localhost:"), HasSubstr("empty port"));
  EXPECT_THAT(Target("localhost:http"), HasSubstr("port is not a number"));
  EXPECT_THAT(Target("localhost:70000"), HasSubstr("out of range"));
  EXPECT_THAT(Target("localhost:0"), HasSubstr("out of range"));
  EXPECT_THAT(Target("http://localhost:7070/v1/configs"), HasSubstr("a path is not allowed"));
  EXPECT_THAT(Target("grpc://localhost"), HasSubstr("unknown scheme"));
  EXPECT_THAT(Target("::1"), HasSubstr("needs brackets"));
  EXPECT_THAT(Target("[::1"), HasSubstr("unterminated"));
  EXPECT_THAT(Target(":7070"), HasSubstr("empty host"));
  EXPECT_THAT(Target(""), HasSubstr("empty host"));
  EXPECT_THAT(Target("[::1]x"), HasSubstr("expected ':'"));
}

}  // namespace
}  // namespace hearthctl
