#include "client/agent/template_renderer.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hearth_agent {
namespace {

using ::testing::HasSubstr;

std::string Render(const std::string& tmpl, const std::string& json) {
  absl::StatusOr<std::string> out = RenderTemplate(tmpl, "t.mustache", json);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : "<error>";
}

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(TemplateRendererTest, RendersAConfigFile) {
  const std::string tmpl =
      "upstream app {\n"
      "{{#server.backends}}\n"
      "  server {{host}}:{{port}} weight={{weight}};\n"
      "{{/server.backends}}\n"
      "}\n"
      "# {{server.name}}\n";
  const std::string json =
      R"({"server":{"name":"web","backends":[{"host":"10.0.0.1","port":8080,"weight":1.50},)"
      R"({"host":"10.0.0.2","port":8081,"weight":2}]}})";
  EXPECT_EQ(Render(tmpl, json),
            "upstream app {\n"
            "  server 10.0.0.1:8080 weight=1.50;\n"
            "  server 10.0.0.2:8081 weight=2;\n"
            "}\n"
            "# web\n");
}

TEST(TemplateRendererTest, ScalarsPrintAsTheirJsonText) {
  EXPECT_EQ(
      Render("{{big}} {{neg}} {{exp}}", R"({"big":18446744073709551616,"neg":-0.5,"exp":1e3})"),
      "18446744073709551616 -0.5 1e3");
  EXPECT_EQ(Render("{{t}}/{{f}}/[{{n}}]", R"({"t":true,"f":false,"n":null})"), "true/false/[]");
  EXPECT_EQ(Render("{{s}}", R"({"s":"caf\u00e9 \"quoted\""})"), "café \"quoted\"");
}

TEST(TemplateRendererTest, DoesNotHtmlEscape) {
  EXPECT_EQ(Render("{{u}} {{{u}}} {{&u}}", R"({"u":"http://x/?a=1&b=<2>'"})"),
            "http://x/?a=1&b=<2>' http://x/?a=1&b=<2>' http://x/?a=1&b=<2>'");
}

TEST(TemplateRendererTest, BooleansAndNullInSections) {
  const std::string json = R"({"on":true,"off":false,"none":null,"empty":[],"list":["a","b"]})";
  EXPECT_EQ(Render("{{#on}}A{{/on}}{{#off}}B{{/off}}{{^off}}C{{/off}}", json), "AC");
  EXPECT_EQ(Render("{{#none}}D{{/none}}{{^none}}E{{/none}}", json), "E");
  EXPECT_EQ(Render("{{#empty}}F{{/empty}}{{^empty}}G{{/empty}}", json), "G");
  EXPECT_EQ(Render("{{#list}}[{{.}}]{{/list}}", json), "[a][b]");
  EXPECT_EQ(Render("{{^missing}}H{{/missing}}{{missing}}", json), "H");
  // kainjow's limit: a name that a section also uses keeps its boolean, which prints nothing.
  EXPECT_EQ(Render("{{#on}}on={{on}}{{/on}}", json), "on=");
}

TEST(TemplateRendererTest, SetDelimiters) {
  EXPECT_EQ(Render("{{=<% %>=}}<%#l%><%.%>,<%/l%> {{x}}", R"({"l":[1,2]})"), "1,2, {{x}}");
}

TEST(TemplateRendererTest, PartialsAreDisabled) {
  // A document string is data, never a template.
  EXPECT_EQ(Render("[{{>p}}]", R"({"p":"{{#a}}{{/a}}","a":[1]})"), "[]");
}

TEST(TemplateRendererTest, TemplateThatDoesNotParseNamesWhere) {
  struct Case {
    std::string tmpl;
    std::string where;
    std::string what;
  };
  for (const Case& c : std::vector<Case>{{"ok\n  {{#a}}x", "t.mustache:2:3", "Unclosed section"},
                                         {"{{x", "t.mustache:1:1", "Unclosed tag"},
                                         {"a\nb{{/a}}", "t.mustache:2:2", "Unopened section"},
                                         {"{{#a}}{{/b}}", "t.mustache", "Unclosed section"},
                                         {"{{=<%=}}", "t.mustache:1:1", "Invalid set delimiter"}}) {
    const absl::StatusOr<std::string> out = RenderTemplate(c.tmpl, "t.mustache", "{}");
    EXPECT_TRUE(absl::IsInvalidArgument(out.status())) << c.tmpl << ": " << out.status();
    EXPECT_THAT(out.status().message(), HasSubstr(c.where)) << c.tmpl;
    EXPECT_THAT(out.status().message(), HasSubstr(c.what)) << c.tmpl;
  }
}

TEST(TemplateRendererTest, DocumentThatIsNotJson) {
  const absl::StatusOr<std::string> out = RenderTemplate("{{a}}", "t.mustache", "{\"a\":");
  EXPECT_TRUE(absl::IsInvalidArgument(out.status())) << out.status();
  EXPECT_THAT(out.status().message(), HasSubstr("t.mustache"));
}

TEST(TemplateRendererTest, DocumentDepthIsBounded) {
  const std::string ok = Repeat("{\"a\":", 63) + "1" + Repeat("}", 63);
  EXPECT_TRUE(RenderTemplate("x", "t", ok).ok());
  const std::string deep = Repeat("[", 100) + Repeat("]", 100);
  const absl::StatusOr<std::string> out = RenderTemplate("x", "t", deep);
  EXPECT_TRUE(absl::IsInvalidArgument(out.status())) << out.status();
  EXPECT_THAT(out.status().message(), HasSubstr("nested deeper than 64"));
}

TEST(TemplateRendererTest, SectionDepthIsBounded) {
  EXPECT_TRUE(RenderTemplate(Repeat("{{#a}}", 32) + Repeat("{{/a}}", 32), "t", "{}").ok());
  const absl::StatusOr<std::string> out =
      RenderTemplate(Repeat("{{#a}}", 33) + Repeat("{{/a}}", 33), "t", "{}");
  EXPECT_TRUE(absl::IsInvalidArgument(out.status())) << out.status();
  EXPECT_THAT(out.status().message(), HasSubstr("t:1:193: sections nested deeper than 32"));
  // The same through changed delimiters, and a huge nesting that kainjow never sees.
  EXPECT_TRUE(absl::IsInvalidArgument(
      RenderTemplate("{{=<% %>=}}" + Repeat("<%^a%>", 33) + Repeat("<%/a%>", 33), "t", "{}")
          .status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      RenderTemplate(Repeat("{{#a}}", 100000) + Repeat("{{/a}}", 100000), "t", "{}").status()));
}

TEST(TemplateRendererTest, OutputUpToTheLimitRenders) {
  const std::string value(kMaxRenderedBytes, 'v');
  const std::string json = absl::StrCat("{\"s\":\"", value, "\"}");
  absl::StatusOr<std::string> out = RenderTemplate("{{s}}", "t", json);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->size(), kMaxRenderedBytes);
  const absl::StatusOr<std::string> over = RenderTemplate("{{s}}!", "t", json);
  EXPECT_TRUE(absl::IsResourceExhausted(over.status())) << over.status();
  EXPECT_THAT(over.status().message(), HasSubstr("16777216"));
}

TEST(TemplateRendererTest, OutputBudgetStopsManyLines) {
  const std::string json = absl::StrCat("{\"s\":\"", std::string(1 << 20, 'v'), "\"}");
  const absl::StatusOr<std::string> out = RenderTemplate(Repeat("{{s}}\n", 17), "t", json);
  EXPECT_TRUE(absl::IsResourceExhausted(out.status())) << out.status();
}

// Nested sections over one list multiply: 100^6 passes. The budget stops it at the lookup
// that would exceed it, long before that much work is done.
TEST(TemplateRendererTest, ExponentialExpansionIsStopped) {
  std::string list = "[";
  for (int i = 0; i < 100; ++i) absl::StrAppend(&list, i == 0 ? "" : ",", i);
  const std::string json = absl::StrCat("{\"l\":", list, "]}");
  const std::string tmpl = Repeat("{{#l}}", 6) + "x" + Repeat("{{/l}}", 6);
  const absl::StatusOr<std::string> out = RenderTemplate(tmpl, "t", json);
  EXPECT_TRUE(absl::IsResourceExhausted(out.status())) << out.status();
  // Empty bodies cost their passes too.
  const absl::StatusOr<std::string> empty =
      RenderTemplate(Repeat("{{#l}}", 6) + Repeat("{{/l}}", 6), "t", json);
  EXPECT_TRUE(absl::IsResourceExhausted(empty.status())) << empty.status();
}

// kainjow buffers a line until its newline; a section that repeats a big text on one line is
// charged before it runs.
TEST(TemplateRendererTest, OneLineExpansionIsStopped) {
  std::string list = "[";
  for (int i = 0; i < 1000; ++i) absl::StrAppend(&list, i == 0 ? "" : ",", i);
  const std::string json = absl::StrCat("{\"l\":", list, "]}");
  const std::string tmpl = "{{#l}}" + std::string(100 * 1024, 'x') + "{{/l}}";
  const absl::StatusOr<std::string> out = RenderTemplate(tmpl, "t", json);
  EXPECT_TRUE(absl::IsResourceExhausted(out.status())) << out.status();
}

TEST(TemplateRendererTest, ALargeButReasonableListRenders) {
  std::string list = "[";
  for (int i = 0; i < 20000; ++i) {
    absl::StrAppend(&list, i == 0 ? "" : ",", "{\"host\":\"10.0.", i / 256, ".", i % 256,
                    "\",\"port\":", 8000 + i % 1000, "}");
  }
  const std::string json = absl::StrCat("{\"wrap\":{\"l\":", list, "]}}");
  const std::string tmpl = "{{#wrap}}\n" + std::string(4096, '#') +
                           "\n{{#l}}\nserver {{host}}:{{port}};\n{{/l}}\n{{/wrap}}\n";
  absl::StatusOr<std::string> out = RenderTemplate(tmpl, "t", json);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(*out, HasSubstr("server 10.0.78.31:8999;\n"));
}

TEST(TemplateRendererTest, OversizeTemplateIsRejected) {
  const absl::StatusOr<std::string> out =
      RenderTemplate(std::string((1 << 20) + 1, 'x'), "t", "{}");
  EXPECT_TRUE(absl::IsInvalidArgument(out.status())) << out.status();
}

}  // namespace
}  // namespace hearth_agent
