// The output formats read back (server/core/render/output_format.cc): every document rendered as
// YAML, TOML or .env and parsed again by Hearth's own front ends is the same document (for .env,
// with its leaves as strings, since .env is untyped). Real readers of each format (PyYAML,
// tomllib, a shell, java.util.Properties) read the same renderings in
// tests/integration/output_formats_test.py.

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/model/json_writer.h"
#include "server/core/parse/parse_document.h"
#include "server/core/render/flat_leaves.h"
#include "server/core/render/output_format.h"
#include "tests/core/json_literal.h"

namespace hearth {
namespace {

using testutil::J;

const std::vector<std::string>& Corpus() {
  static const std::vector<std::string> corpus = {
      R"({})",
      R"({"name":"billing","replicas":3,"ratio":0.25,"big":1e300,"tiny":-2.5e-7,"on":true})",
      R"({"db":{"host":"db.internal","port":5432,"pool":{"min":1,"max":10}}})",
      R"({"servers":[{"host":"a","port":1},{"host":"b","tags":["x","y"]}],"ports":[80,443]})",
      R"({"quotes":"it's \"quoted\"","dollar":"$HOME `cmd` \\back","multi":"l1\nl2\n",)"
      R"("tab":"a\tb","unicode":"h\u00e9 \u4e2d \ud83d\udd25","hash":"a #b","colon":"a: b",)"
      R"("looks_bool":"true","looks_num":"1.5","empty":"","space":" x ","yes":"no"})",
      R"({"nested":{"deeper":{"deepest":{"leaf":"v","list":[1,[2,3]]}}}})",
      R"({"long":")" + std::string(5000, 'x') + R"("})",
  };
  return corpus;
}

Value Parse(Format format, const std::string& text) {
  absl::StatusOr<Value> v = ParseDocument(format, text, SourceRef{"rendered", 0});
  EXPECT_TRUE(v.ok()) << v.status() << "\n" << text;
  return v.ok() ? *std::move(v) : Value();
}

// What an untyped, case-folding .env read gives back: keys lower-cased, leaves as text.
Value AsEnvReadsIt(const Value& v) {
  if (v.is_object()) {
    Value out = Value::EmptyObject();
    for (const auto& [key, child] : v.AsObject()) {
      std::string lower = key;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.MutableObject().emplace(lower, AsEnvReadsIt(child));
    }
    return out;
  }
  if (v.is_array()) {
    Value out = Value::EmptyObject();
    for (size_t i = 0; i < v.AsArray().size(); ++i) {
      out.MutableObject().emplace(std::to_string(i), AsEnvReadsIt(v.AsArray()[i]));
    }
    return out;
  }
  return Value::String(FlatScalarText(v));
}

TEST(OutputFormatRoundTripTest, YamlAndTomlReadBackAsTheSameDocument) {
  for (const std::string& json : Corpus()) {
    const Value doc = J(json);
    for (auto [format, parser] : {std::pair{OutputFormat::kYaml, Format::kYaml},
                                  std::pair{OutputFormat::kToml, Format::kToml},
                                  std::pair{OutputFormat::kJson, Format::kJson}}) {
      absl::StatusOr<std::string> text = RenderDocument(doc, format);
      ASSERT_TRUE(text.ok()) << text.status();
      EXPECT_EQ(ToCanonicalJson(Parse(parser, *text)), ToCanonicalJson(doc))
          << OutputFormatName(format) << ":\n"
          << *text;
    }
  }
}

TEST(OutputFormatRoundTripTest, EnvReadsBackAsTheSameStrings) {
  for (const std::string& json : Corpus()) {
    const Value doc = J(json);
    absl::StatusOr<std::string> text = RenderDocument(doc, OutputFormat::kEnv);
    ASSERT_TRUE(text.ok()) << text.status() << " for " << json.substr(0, 80);
    EXPECT_EQ(ToCanonicalJson(Parse(Format::kEnv, *text)), ToCanonicalJson(AsEnvReadsIt(doc)))
        << *text;
  }
}

TEST(OutputFormatRoundTripTest, YamlCarriesWhatTomlAndEnvCannot) {
  const Value doc = J(R"([null,{"a":null,"b":[]},"x"])");
  absl::StatusOr<std::string> yaml = RenderDocument(doc, OutputFormat::kYaml);
  ASSERT_TRUE(yaml.ok());
  EXPECT_EQ(ToCanonicalJson(Parse(Format::kYaml, *yaml)), ToCanonicalJson(doc));
  EXPECT_FALSE(RenderDocument(doc, OutputFormat::kToml).ok());
  EXPECT_FALSE(RenderDocument(doc, OutputFormat::kEnv).ok());
  EXPECT_FALSE(RenderDocument(doc, OutputFormat::kProperties).ok());
}

TEST(OutputFormatRoundTripTest, NamesAndContentTypes) {
  for (OutputFormat f : {OutputFormat::kJson, OutputFormat::kYaml, OutputFormat::kToml,
                         OutputFormat::kEnv, OutputFormat::kProperties}) {
    absl::StatusOr<OutputFormat> parsed = ParseOutputFormat(OutputFormatName(f));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, f);
    EXPECT_FALSE(OutputFormatContentType(f).empty());
  }
  EXPECT_EQ(*ParseOutputFormat(""), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("YAML"), OutputFormat::kYaml);
  absl::StatusOr<OutputFormat> bad = ParseOutputFormat("xml-secret-value");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), testing::Not(testing::HasSubstr("secret")));
}

}  // namespace
}  // namespace hearth
