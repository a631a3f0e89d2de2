// ToEnv (server/core/render/env_writer.cc): NAME__PATH=value lines that a shell and Hearth's .env
// parser read back the same, and errors for what a .env file cannot say.

#include "server/core/render/env_writer.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/json_literal.h"

namespace hearth {
namespace {

using testutil::J;

std::string Env(const Value& v) {
  absl::StatusOr<std::string> out = ToEnv(v);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::string();
}

std::string EnvError(const std::string& json) {
  absl::StatusOr<std::string> out = ToEnv(J(json));
  if (out.ok()) return "ok: " + *out;
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(out.status().message());
}

TEST(EnvWriterTest, FlattensPathsIntoUpperCaseNames) {
  EXPECT_EQ(Env(J(R"({"db":{"host":"db.internal","port":5432,"tls":true,"ratio":0.5},)"
                  R"("servers":[{"host":"a"}],"log-level":"info"})")),
            "DB__HOST=db.internal\n"
            "DB__PORT=5432\n"
            "DB__RATIO=0.5\n"
            "DB__TLS=true\n"
            "LOG_LEVEL=info\n"
            "SERVERS__0__HOST=a\n");
  EXPECT_EQ(Env(J("{}")), "");
}

TEST(EnvWriterTest, QuotesWhatTheShellWouldChange) {
  EXPECT_EQ(Env(J(R"({"a":"two words","b":"","c":"$HOME and `x`","d":"it's \"$x\" \\ ok",)"
                  R"("e":"line1\nline2","f":"#not a comment"})")),
            "A='two words'\n"
            "B=''\n"
            "C='$HOME and `x`'\n"
            "D=\"it's \\\"\\$x\\\" \\\\ ok\"\n"
            "E='line1\nline2'\n"
            "F='#not a comment'\n");
}

TEST(EnvWriterTest, WhatEnvCannotExpressIsAnError) {
  EXPECT_THAT(EnvError("[1]"), testing::HasSubstr("env needs a table at the top"));
  EXPECT_THAT(EnvError(R"({"a":{"b":null}})"),
              testing::HasSubstr("cannot express null (at 'a.b')"));
  EXPECT_THAT(EnvError(R"({"a":[]})"), testing::HasSubstr("an empty list (at 'a')"));
  EXPECT_THAT(EnvError(R"({"a":{}})"), testing::HasSubstr("an empty table (at 'a')"));
  EXPECT_THAT(EnvError(R"({"1a":"x"})"), testing::HasSubstr("cannot start with a digit"));
  EXPECT_THAT(EnvError(R"({"a-b":"x","a_b":"y"})"),
              testing::HasSubstr("'a_b': it and 'a-b' both become A_B"));
  EXPECT_THAT(EnvError(R"({"Port":"1","port":"2"})"), testing::HasSubstr("both become PORT"));
  EXPECT_THAT(EnvError(R"({"a_":{"b":"x"}})"), testing::HasSubstr("would read back as another"));
  EXPECT_THAT(EnvError(R"({"a__b":"x"})"), testing::HasSubstr("would read back as another"));
  EXPECT_THAT(EnvError(R"({"a":"x","A":{"b":"y"}})"),
              testing::HasSubstr("would be both a variable and a group"));
  EXPECT_THAT(EnvError(R"({"a":"x\r\ny"})"), testing::HasSubstr("CR LF"));
  EXPECT_THAT(EnvError(R"({"a":"x\u0000y"})"), testing::HasSubstr("NUL"));
  // Messages name paths, never values.
  EXPECT_THAT(EnvError(R"({"a":"topsecret\r\n"})"), testing::Not(testing::HasSubstr("topsecret")));
  EXPECT_THAT(EnvError(R"({"a":"topsecret","A":{"b":"y"}})"),
              testing::Not(testing::HasSubstr("topsecret")));
}

}  // namespace
}  // namespace hearth
