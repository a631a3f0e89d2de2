#include "server/core/build/interpolator.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/model/json_writer.h"
#include "tests/core/json_literal.h"

namespace hearth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testutil::At;
using testutil::J;

const std::vector<std::string> kSources = {"base.toml", "prod.yaml"};

class InterpolatorTest : public ::testing::Test {
 protected:
  // Runs the interpolator over `doc` with the fake environment; returns the errors.
  std::vector<std::string> Run(Value& doc, std::vector<std::string> prefixes = {"APP_"}) {
    Interpolator::Options options;
    options.env_allow_prefixes = std::move(prefixes);
    options.getenv = [this](std::string_view name) -> std::optional<std::string> {
      ++getenv_calls_;
      auto it = env_.find(std::string(name));
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    options.max_expansion_bytes = max_expansion_bytes_;
    options.budget = budget_;
    options.max_depth = max_depth_;
    Interpolator interpolator(std::move(options));
    std::vector<std::string> errors;
    bool ok = interpolator.Run(doc, kSources, &errors);
    EXPECT_EQ(ok, errors.empty()) << ::testing::PrintToString(errors);
    return errors;
  }

  // Stamps the node at `path` with origin file:line:col.
  static void Place(Value& doc, std::string_view path, uint32_t file, uint32_t line, uint32_t col) {
    At(doc, path).set_origin(Origin{file, line, col, false});
  }

  std::map<std::string, std::string> env_;
  int getenv_calls_ = 0;
  size_t max_expansion_bytes_ = size_t{64} << 20;
  BuildBudget* budget_ = nullptr;
  int max_depth_ = 0;
};

// {"l0": "x" * 100, "l1": "${l0}${l0}", ..., "l<levels>": "${l<levels-1>}${l<levels-1>}"}: the
// last string is 100 * 2^levels bytes (issue 7's 757-byte request uses 18 levels).
Value DoublingChain(int levels) {
  Value doc = Value::EmptyObject();
  doc.MutableObject().emplace("l00", Value::String(std::string(100, 'x')));
  for (int i = 1; i <= levels; ++i) {
    const std::string prev = absl::StrCat("${l", absl::Dec(i - 1, absl::kZeroPad2), "}");
    doc.MutableObject().emplace(absl::StrCat("l", absl::Dec(i, absl::kZeroPad2)),
                                Value::String(prev + prev));
  }
  return doc;
}

TEST_F(InterpolatorTest, NoReferencesLeavesDocumentAlone) {
  Value doc = J(R"({"a":"plain $ text","b":[1,2,{"c":"{x}"}],"d":{"e":true},"f":"$"})");
  Value before = doc;
  const char* data_before = At(doc, "a").AsString().data();
  EXPECT_THAT(Run(doc), IsEmpty());
  EXPECT_EQ(doc, before);
  EXPECT_EQ(At(doc, "a").AsString().data(), data_before);  // not even reassigned
  EXPECT_EQ(getenv_calls_, 0);
}

TEST_F(InterpolatorTest, WholeStringReferenceKeepsType) {
  Value doc = J(R"({"db":{"port":5432,"ratio":0.5,"tls":true,"name":"main","nothing":null},
                    "port":"${db.port}","ratio":"${db.ratio}","tls":"${db.tls}",
                    "name":"${db.name}","nothing":"${db.nothing}"})");
  Place(doc, "port", 0, 7, 8);
  EXPECT_THAT(Run(doc), IsEmpty());
  ASSERT_TRUE(At(doc, "port").is_int());
  EXPECT_EQ(At(doc, "port").AsInt(), 5432);
  ASSERT_TRUE(At(doc, "ratio").is_double());
  EXPECT_EQ(At(doc, "ratio").AsDouble(), 0.5);
  ASSERT_TRUE(At(doc, "tls").is_bool());
  EXPECT_TRUE(At(doc, "tls").AsBool());
  EXPECT_EQ(At(doc, "name"), Value::String("main"));
  EXPECT_TRUE(At(doc, "nothing").is_null());
  // The rewritten value remembers where the reference was written.
  EXPECT_EQ(At(doc, "port").origin().file, 0u);
  EXPECT_EQ(At(doc, "port").origin().line, 7u);
  EXPECT_EQ(At(doc, "port").origin().column, 8u);
}

TEST_F(InterpolatorTest, SplicesScalarsIntoText) {
  Value doc = J(R"({"host":"db","port":5432,"ratio":0.25,"whole":2.0,"on":false,
                    "url":"pg://${host}:${port}/x?r=${ratio}&w=${whole}&on=${on}"})");
  EXPECT_THAT(Run(doc), IsEmpty());
  EXPECT_EQ(At(doc, "url"), Value::String("pg://db:5432/x?r=0.25&w=2.0&on=false"));
}

TEST_F(InterpolatorTest, NestedReferencesResolveInAnyOrder) {
  // "a" sorts first, so it is met before the values it depends on.
  Value doc = J(R"({"a":"${b}!","b":"${c}-${c}","c":"${d}","d":7})");
  EXPECT_THAT(Run(doc), IsEmpty());
  EXPECT_EQ(At(doc, "a"), Value::String("7-7!"));
  EXPECT_EQ(At(doc, "b"), Value::String("7-7"));
  EXPECT_EQ(At(doc, "c"), Value::Int(7));
}

TEST_F(InterpolatorTest, ReferenceThroughAReference) {
  Value doc = J(R"({"a":"${alias.host}","alias":"${servers.1}",
                    "servers":[{"host":"h0"},{"host":"h1"}]})");
  EXPECT_THAT(Run(doc), IsEmpty());
  EXPECT_EQ(At(doc, "a"), Value::String("h1"));
  EXPECT_EQ(At(doc, "alias"), J(R"({"host":"h1"})"));
}

TEST_F(InterpolatorTest, TwoValueCycleNamesEveryValue) {
  Value doc = J(R"({"a":"${b}","b":"x${a}","c":1})");
  Place(doc, "a", 0, 1, 5);
  Place(doc, "b", 1, 2, 9);
  std::vector<std::string> errors = Run(doc);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_EQ(errors[0],
            "base.toml:1:5: reference cycle: a (base.toml:1:5) -> b (prod.yaml:2:9) -> a");
}

TEST_F(InterpolatorTest, SelfReference) {
  Value doc = J(R"({"x":{"y":"${x.y}"}})");
  Place(doc, "x.y", 0, 3, 1);
  std::vector<std::string> errors = Run(doc);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "base.toml:3:1: reference cycle: x.y (base.toml:3:1) -> x.y");
}

TEST_F(InterpolatorTest, CycleThroughAnObjectCopy) {
  Value doc = J(R"({"o":{"k":"${o}"}})");
  Place(doc, "o", 0, 1, 1);
  Place(doc, "o.k", 0, 2, 3);
  std::vector<std::string> errors = Run(doc);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0],
            "base.toml:2:3: reference cycle: o.k (base.toml:2:3) -> o (base.toml:1:1) -> o.k");
}

TEST_F(InterpolatorTest, ValuesDependingOnACycleFailWithoutExtraNoise) {
  Value doc = J(R"({"a":"${b}","b":"${a}","z":"${a}","ok":"${n}","n":1})");
  std::vector<std::string> errors = Run(doc);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("reference cycle: a"));
  EXPECT_EQ(At(doc, "ok"), Value::Int(1));  // unrelated references still resolve
}

TEST_F(InterpolatorTest, MissingKeys) {
  Value doc = J(R"({"db":{"host":"h","port":1},"a":"${db.hots}","b":"x${nope}",
                    "c":"${db.port.x}","d":"${list.3}","list":[1]})");
  Place(doc, "a", 1, 4, 2);
  std::vector<std::string> errors = Run(doc);
  EXPECT_THAT(
      errors,
      ElementsAre(
          "prod.yaml:4:2: a: reference \"${db.hots}\" not found (no \"hots\" in \"db\")",
          "<generated>: b: reference \"${nope}\" not found (no \"nope\" at the top level)",
          "<generated>: c: reference \"${db.port.x}\" not found (\"db.port\" is of type integer)",
          "<generated>: d: reference \"${list.3}\" not found (no \"3\" in \"list\")"));
}

TEST_F(InterpolatorTest, EnvironmentWithAllowedPrefix) {
  env_ = {{"APP_HOST", "example.org"}, {"APP_PORT", "8080"}, {"SECRET", "hunter2"}};
  Value doc = J(R"({"host":"${env:APP_HOST}","url":"http://${env:APP_HOST}:${env:APP_PORT}/",
                    "port":"${env:APP_PORT}"})");
  EXPECT_THAT(Run(doc), IsEmpty());
  EXPECT_EQ(At(doc, "host"), Value::String("example.org"));
  EXPECT_EQ(At(doc, "url"), Value::String("http://example.org:8080/"));
  EXPECT_EQ(At(doc, "port"), Value::String("8080"));
  EXPECT_TRUE(At(doc, "port").origin().untyped);  // a schema may coerce it to an integer
  EXPECT_FALSE(At(doc, "url").origin().untyped);
}

TEST_F(InterpolatorTest, EnvironmentDisallowedName) {
  env_ = {{"SECRET", "hunter2"}};
  Value doc = J(R"({"s":"${env:SECRET}","t":"${env:SECRET:-fallback}"})");
  Place(doc, "s", 0, 2, 3);
  std::vector<std::string> errors = Run(doc, {"APP_", "HEARTH_"});
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0],
            "base.toml:2:3: s: \"${env:SECRET}\": environment variable SECRET is not allowed "
            "(allowed prefixes: APP_, HEARTH_)");
  EXPECT_THAT(errors[1], HasSubstr("not allowed"));  // a default does not bypass the allow list
  for (const std::string& e : errors) EXPECT_THAT(e, ::testing::Not(HasSubstr("hunter2")));
  EXPECT_EQ(getenv_calls_, 0);
}

TEST_F(InterpolatorTest, EnvironmentDisabledByDefault) {
  env_ = {{"APP_X", "1"}};
  Value doc = J(R"({"x":"${env:APP_X}"})");
  std::vector<std::string> errors = Run(doc, {});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("environment references are disabled"));
}

TEST_F(InterpolatorTest, EmptyPrefixAllowsEverything) {
  env_ = {{"ANY", "v"}};
  Value doc = J(R"({"x":"${env:ANY}"})");
  EXPECT_THAT(Run(doc, {""}), IsEmpty());
  EXPECT_EQ(At(doc, "x"), Value::String("v"));
}

TEST_F(InterpolatorTest, EnvironmentDefaults) {
  env_ = {{"APP_SET", "real"}, {"APP_EMPTY", ""}};
  Value doc = J(R"({"a":"${env:APP_SET:-dflt}","b":"${env:APP_UNSET:-dflt}",
                    "c":"<${env:APP_UNSET:-}>","d":"${env:APP_EMPTY:-dflt}",
                    "e":"<${env:APP_EMPTY}>","f":"${env:APP_UNSET:-a:-b}"})");
  EXPECT_THAT(Run(doc), IsEmpty());
  EXPECT_EQ(At(doc, "a"), Value::String("real"));
  EXPECT_EQ(At(doc, "b"), Value::String("dflt"));
  EXPECT_EQ(At(doc, "c"), Value::String("<>"));
  EXPECT_EQ(At(doc, "d"), Value::String("dflt"));  // as in the shell, ":-" covers empty
  EXPECT_EQ(At(doc, "e"), Value::String("<>"));
  EXPECT_EQ(At(doc, "f"), Value::String("a:-b"));
}

TEST_F(InterpolatorTest, EnvironmentUnsetWithoutDefault) {
  Value doc = J(R"({"x":"${env:APP_MISSING}"})");
  Place(doc, "x", 1, 9, 4);
  EXPECT_THAT(Run(doc), ElementsAre("prod.yaml:9:4: x: \"${env:APP_MISSING}\": environment "
                                    "variable APP_MISSING is not set"));
}

TEST_F(InterpolatorTest, EscapedDollarBrace) {
  Value doc = J(R"({"a":"$${not.a.ref}","b":"cost: $5, $${x} and ${v}","c":"$$","v":1,
                    "d":"${a}","e":"$$${v}"})");
  EXPECT_THAT(Run(doc), IsEmpty());
  EXPECT_EQ(At(doc, "a"), Value::String("${not.a.ref}"));
  EXPECT_EQ(At(doc, "b"), Value::String("cost: $5, ${x} and 1"));
  EXPECT_EQ(At(doc, "c"), Value::String("$$"));
  // A reference to an escaped string takes its final text; it is not expanded a second time.
  EXPECT_EQ(At(doc, "d"), Value::String("${not.a.ref}"));
  EXPECT_EQ(At(doc, "e"), Value::String("$${v}"));  // left to right: '$' then "$${"
}

TEST_F(InterpolatorTest, ReferencesIntoArrays) {
  Value doc = J(R"({"servers":[{"host":"a","port":1},{"host":"b","port":2}],
                    "first":"${servers.0.host}","second":"${servers.1.port}",
                    "list":["${servers.1.host}", "x"]})");
  EXPECT_THAT(Run(doc), IsEmpty());
  EXPECT_EQ(At(doc, "first"), Value::String("a"));
  EXPECT_EQ(At(doc, "second"), Value::Int(2));
  EXPECT_EQ(At(doc, "list.0"), Value::String("b"));
}

TEST_F(InterpolatorTest, WholeObjectReferenceCopiesResolvedSubtree) {
  env_ = {{"APP_PW", "pw"}};
  Value doc = J(R"({"defaults":{"host":"${host}","pool":{"max":"${max}"},"pw":"${env:APP_PW}",
                                "lit":"$${keep}","tags":["${host}"]},
                    "host":"db","max":10,
                    "primary":"${defaults}","replica":{"cfg":"${defaults}"}})");
  Place(doc, "defaults.pool", 0, 3, 1);
  Place(doc, "primary", 1, 1, 1);
  EXPECT_THAT(Run(doc), IsEmpty());
  Value want = J(R"({"host":"db","pool":{"max":10},"pw":"pw","lit":"${keep}","tags":["db"]})");
  EXPECT_EQ(At(doc, "primary"), want) << ToCanonicalJson(doc);
  EXPECT_EQ(At(doc, "replica.cfg"), want);
  EXPECT_EQ(At(doc, "defaults"), want);
  // The copy's root sits where the reference was written; its members keep their own origins.
  EXPECT_EQ(At(doc, "primary").origin().file, 1u);
  EXPECT_EQ(At(doc, "primary.pool").origin().line, 3u);
  // A reference into a copied subtree.
  Value doc2 = J(R"({"a":"${b.pool.max}","b":"${defaults}","defaults":{"pool":{"max":3}}})");
  EXPECT_THAT(Run(doc2), IsEmpty());
  EXPECT_EQ(At(doc2, "a"), Value::Int(3));
}

TEST_F(InterpolatorTest, WholeArrayReference) {
  Value doc = J(R"({"a":[1,"${b}"],"b":"x","c":"${a}"})");
  EXPECT_THAT(Run(doc), IsEmpty());
  EXPECT_EQ(At(doc, "c"), J(R"([1,"x"])"));
}

TEST_F(InterpolatorTest, SplicingContainersOrNullIsAnError) {
  Value doc = J(R"({"o":{"k":1},"l":[1],"n":null,"a":"x${o}","b":"${l}y","c":"-${n}"})");
  Place(doc, "a", 0, 5, 6);
  std::vector<std::string> errors = Run(doc);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_THAT(errors[0], ::testing::StartsWith("base.toml:5:6: a: cannot splice object \"${o}\""));
  EXPECT_THAT(errors[1], HasSubstr("b: cannot splice array \"${l}\""));
  EXPECT_THAT(errors[2], HasSubstr("c: cannot splice null \"${n}\""));
}

TEST_F(InterpolatorTest, MalformedReferences) {
  Value doc = J(R"({"a":"abc ${unclosed","b":"${}","c":"${env:}","d":"${env:BAD-NAME}",
                    "e":"ok ${ x} ${"})");
  Place(doc, "a", 0, 1, 3);
  std::vector<std::string> errors = Run(doc);
  ASSERT_EQ(errors.size(), 5u) << ::testing::PrintToString(errors);
  // The text after "${" is never quoted: it may be a secret that happens to contain "${".
  EXPECT_EQ(errors[0],
            "base.toml:1:3: a: unterminated reference: \"${\" without a closing '}' (write "
            "\"$${\" for a literal \"${\")");
  EXPECT_THAT(errors[1], HasSubstr("b: empty reference"));
  EXPECT_THAT(errors[2], HasSubstr("c: invalid environment variable name \"\""));
  EXPECT_THAT(errors[3], HasSubstr("d: invalid environment variable name \"BAD-NAME\""));
  EXPECT_THAT(errors[4], HasSubstr("e: unterminated reference"));
}

TEST_F(InterpolatorTest, DeepChainIsBounded) {
  // k0 -> k1 -> ... -> k99: deeper than the limit, must fail cleanly rather than recurse on.
  Value doc = Value::EmptyObject();
  for (int i = 0; i < 100; ++i) {
    doc.MutableObject().emplace("k" + std::to_string(i),
                                Value::String("${k" + std::to_string(i + 1) + "}"));
  }
  doc.MutableObject().emplace("k100", Value::Int(1));
  std::vector<std::string> errors = Run(doc);
  ASSERT_FALSE(errors.empty());
  EXPECT_THAT(errors[0], HasSubstr("references nest deeper than 32 levels"));
  // A chain within the limit works.
  Value ok = Value::EmptyObject();
  for (int i = 0; i < 20; ++i) {
    ok.MutableObject().emplace("k" + std::to_string(i),
                               Value::String("${k" + std::to_string(i + 1) + "}"));
  }
  ok.MutableObject().emplace("k20", Value::Int(5));
  EXPECT_THAT(Run(ok), IsEmpty());
  EXPECT_EQ(At(ok, "k0"), Value::Int(5));
}

TEST_F(InterpolatorTest, ExponentialExpansionIsBounded) {
  max_expansion_bytes_ = 1 << 20;
  // Each level doubles ten times over: 10^8 copies of "xxxxxxxxxx" without the budget.
  Value doc = J(R"({"l0":"xxxxxxxxxx"})");
  for (int i = 1; i <= 8; ++i) {
    std::string ref = "${l" + std::to_string(i - 1) + "}";
    std::string s;
    for (int j = 0; j < 10; ++j) s += ref;
    doc.MutableObject().emplace("l" + std::to_string(i), Value::String(s));
  }
  std::vector<std::string> errors = Run(doc);
  ASSERT_FALSE(errors.empty());
  EXPECT_THAT(errors[0], HasSubstr("references expand to more than 1048576 bytes"));
}

TEST_F(InterpolatorTest, ExpansionIsChargedToTheBuildBudgetAcrossRuns) {
  // One budget for the whole build: each run (one per profile variant) spends from it, so a
  // document that fits max_expansion_bytes once cannot be expanded once per profile.
  BuildLimits limits;
  limits.max_bytes = 8 << 20;
  BuildBudget budget(limits);
  budget_ = &budget;
  int runs_ok = 0;
  std::vector<std::string> errors;
  for (int variant = 0; variant < 50 && errors.empty(); ++variant) {
    Value doc = DoublingChain(14);  // ~3.2 MB of text per run
    errors = Run(doc);
    if (errors.empty()) ++runs_ok;
  }
  EXPECT_EQ(runs_ok, 2);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("--max-build-bytes"));
  EXPECT_EQ(budget.exhausted(), BuildBudget::Reason::kBytes);
  EXPECT_LE(budget.used(), limits.max_bytes);
}

TEST_F(InterpolatorTest, ExpiredBudgetStopsTheWalk) {
  BuildLimits limits;
  limits.timeout = -absl::Seconds(1);
  BuildBudget budget(limits);
  budget_ = &budget;
  Value doc = Value::EmptyObject();
  for (int i = 0; i < 5000; ++i) {
    doc.MutableObject().emplace(absl::StrCat("k", i), Value::String("${x}"));
  }
  doc.MutableObject().emplace("x", Value::Int(1));
  std::vector<std::string> errors = Run(doc);
  ASSERT_EQ(errors.size(), 1u) << errors.size() << " errors";  // reported once, then stopped
  EXPECT_THAT(errors[0], HasSubstr("--build-timeout"));
}

TEST_F(InterpolatorTest, CopiesCannotNestDeeperThanTheLimit) {
  // a00 = [1]; a01 = ["${a00}"]; ... each copy one level deeper than the last.
  max_depth_ = 8;
  auto chain = [](int links) {
    Value doc = Value::EmptyObject();
    Value first = Value::EmptyArray();
    first.MutableArray().push_back(Value::Int(1));
    doc.MutableObject().emplace("a00", std::move(first));
    for (int i = 1; i <= links; ++i) {
      Value array = Value::EmptyArray();
      array.MutableArray().push_back(
          Value::String(absl::StrCat("${a", absl::Dec(i - 1, absl::kZeroPad2), "}")));
      doc.MutableObject().emplace(absl::StrCat("a", absl::Dec(i, absl::kZeroPad2)),
                                  std::move(array));
    }
    return doc;
  };
  // a06 = [[[[[[[1]]]]]]] is 7 levels inside the top-level object: level 8, the limit.
  Value fits = chain(6);
  EXPECT_THAT(Run(fits), IsEmpty());
  Value deep = chain(7);
  Place(deep, "a07.0", 1, 9, 3);
  std::vector<std::string> errors = Run(deep);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("prod.yaml:9:3: a07.0: copying \"${a06}\" here nests the "
                                   "document deeper than 8 levels"));
  // Through an object member reached by a dotted lookup too.
  Value via_lookup = J(R"({"x":{"y":{"z":"${deep}"}},"deep":[[[[[[1]]]]]],"w":"${x.y}"})");
  errors = Run(via_lookup);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("deeper than 8 levels"));
}

TEST_F(InterpolatorTest, NullErrorsVectorIsAllowed) {
  Interpolator interpolator({});
  Value doc = J(R"({"a":"${b}"})");
  EXPECT_FALSE(interpolator.Run(doc, kSources, nullptr));
  Value ok = J(R"({"a":"${b}","b":1})");
  EXPECT_TRUE(interpolator.Run(ok, kSources, nullptr));
}

TEST_F(InterpolatorTest, DefaultGetenvReadsProcessEnvironment) {
  ::setenv("HEARTH_TEST_INTERP", "from-env", 1);
  Interpolator::Options options;
  options.env_allow_prefixes = {"HEARTH_TEST_"};
  Interpolator interpolator(std::move(options));
  Value doc = J(R"({"a":"${env:HEARTH_TEST_INTERP}"})");
  std::vector<std::string> errors;
  EXPECT_TRUE(interpolator.Run(doc, kSources, &errors));
  EXPECT_EQ(At(doc, "a"), Value::String("from-env"));
  ::unsetenv("HEARTH_TEST_INTERP");
}

}  // namespace
}  // namespace hearth
