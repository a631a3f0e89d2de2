#include "server/rpc/validate_response.h"

#include "gtest/gtest.h"

namespace hearth::rpc {
namespace {

TEST(ParseDiagnosticTest, FileLineColumn) {
  v1::Diagnostic d;
  ParseDiagnostic("payments/10-db.yaml:3:7: expected a mapping", &d);
  EXPECT_EQ(d.file(), "payments/10-db.yaml");
  EXPECT_EQ(d.line(), 3u);
  EXPECT_EQ(d.column(), 7u);
  EXPECT_EQ(d.message(), "expected a mapping");
}

TEST(ParseDiagnosticTest, FileWithColonAndLineOnly) {
  v1::Diagnostic d;
  ParseDiagnostic("c:weird/a.toml:12: bad", &d);
  EXPECT_EQ(d.file(), "c:weird/a.toml");
  EXPECT_EQ(d.line(), 12u);
  EXPECT_EQ(d.column(), 0u);
  EXPECT_EQ(d.message(), "bad");
}

TEST(ParseDiagnosticTest, FileOnly) {
  v1::Diagnostic d;
  ParseDiagnostic("payments/x.json: dangling symlink: gone", &d);
  EXPECT_EQ(d.file(), "payments/x.json");
  EXPECT_EQ(d.line(), 0u);
  EXPECT_EQ(d.message(), "dangling symlink: gone");
}

TEST(ParseDiagnosticTest, NoLocation) {
  v1::Diagnostic d;
  ParseDiagnostic("something went wrong", &d);
  EXPECT_EQ(d.file(), "");
  EXPECT_EQ(d.message(), "something went wrong");
}

}  // namespace
}  // namespace hearth::rpc
