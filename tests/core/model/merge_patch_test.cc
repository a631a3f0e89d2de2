#include "server/core/model/merge_patch.h"

#include <string>

#include "gtest/gtest.h"
#include "server/core/model/json_writer.h"
#include "tests/core/json_literal.h"

namespace hearth {
namespace {

using testutil::At;
using testutil::J;

struct RfcCase {
  const char* original;
  const char* patch;
  const char* result;
};

// RFC 7386 Appendix A, every row.
const RfcCase kRfcCases[] = {
    {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
    {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
    {R"({"a":"b"})", R"({"a":null})", R"({})"},
    {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
    {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
    {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
    {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
    {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
    {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
    {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
    {R"({"a":"foo"})", R"(null)", R"(null)"},
    {R"({"a":"foo"})", R"("bar")", R"("bar")"},
    {R"({"e":null})", R"({"a":1})", R"({"a":1,"e":null})"},
    {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
    {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
};

class RfcAppendixA : public ::testing::TestWithParam<RfcCase> {};

TEST_P(RfcAppendixA, MatchesRfc) {
  const RfcCase& c = GetParam();
  Value target = J(c.original);
  MergePatch(target, J(c.patch));
  Value want = J(c.result);
  EXPECT_EQ(target, want) << "original " << c.original << " patch " << c.patch << "\n got "
                          << ToCanonicalJson(target) << "\nwant " << ToCanonicalJson(want);
}

INSTANTIATE_TEST_SUITE_P(MergePatch, RfcAppendixA, ::testing::ValuesIn(kRfcCases));

TEST(MergePatchTest, NullsInsideArraysAreKept) {
  Value target = J(R"({"a":1})");
  MergePatch(target, J(R"({"list":[null,{"x":null}]})"));
  EXPECT_EQ(target, J(R"({"a":1,"list":[null,{"x":null}]})"));
}

TEST(MergePatchTest, DeepMergeKeepsUntouchedSiblings) {
  Value target = J(R"({"db":{"host":"a","pool":{"min":1,"max":5}},"log":"info"})");
  MergePatch(target, J(R"({"db":{"pool":{"max":10}}})"));
  EXPECT_EQ(target, J(R"({"db":{"host":"a","pool":{"min":1,"max":10}},"log":"info"})"));
}

TEST(MergePatchTest, IntAndDoubleStayDistinct) {
  Value target = J(R"({"x":1})");
  MergePatch(target, J(R"({"x":1.0})"));
  ASSERT_TRUE(target.Find("x")->is_double());
}

Value WithFile(Value v, uint32_t file) {
  // Stamps every node with origin {file, line = depth-first index}.
  uint32_t line = 1;
  struct Stamper {
    uint32_t file;
    uint32_t* line;
    void operator()(Value& n) const {
      n.set_origin(Origin{file, (*line)++, 1, false});
      if (n.is_object()) {
        for (auto& [k, m] : n.MutableObject()) (*this)(m);
      } else if (n.is_array()) {
        for (Value& m : n.MutableArray()) (*this)(m);
      }
    }
  };
  Stamper{file, &line}(v);
  return v;
}

TEST(MergePatchTest, OriginsTravelWithValues) {
  Value target = WithFile(J(R"({"db":{"host":"a","port":1},"list":[1,2],"s":"x"})"), 0);
  Origin host_before = At(target, "db.host").origin();
  Origin db_before = At(target, "db").origin();
  Value patch = WithFile(J(R"({"db":{"port":2,"user":{"name":"u"}},"list":[3],"s":{"t":1}})"), 1);
  Origin port_patch = At(patch, "db.port").origin();
  Origin user_patch = At(patch, "db.user").origin();
  Origin name_patch = At(patch, "db.user.name").origin();
  Origin list_patch = At(patch, "list").origin();
  Origin list0_patch = At(patch, "list.0").origin();
  Origin s_patch = At(patch, "s").origin();

  MergePatch(target, std::move(patch));

  auto same = [](const Origin& a, const Origin& b) {
    return a.file == b.file && a.line == b.line && a.column == b.column;
  };
  EXPECT_TRUE(same(At(target, "db.host").origin(), host_before));  // untouched: layer 0
  EXPECT_TRUE(same(At(target, "db").origin(), db_before));  // merged object keeps where it began
  EXPECT_TRUE(same(At(target, "db.port").origin(), port_patch));
  EXPECT_TRUE(same(At(target, "db.user").origin(), user_patch));
  EXPECT_TRUE(same(At(target, "db.user.name").origin(), name_patch));
  EXPECT_TRUE(same(At(target, "list").origin(), list_patch));
  EXPECT_TRUE(same(At(target, "list.0").origin(), list0_patch));
  EXPECT_TRUE(same(At(target, "s").origin(), s_patch));  // scalar replaced by an object
  EXPECT_EQ(At(target, "db.port").origin().file, 1u);
  EXPECT_EQ(At(target, "db.host").origin().file, 0u);
}

TEST(MergePatchTest, UntypedFlagTravels) {
  Value target = J(R"({"port":"1"})");
  Value patch = J(R"({"port":"2"})");
  At(patch, "port").mutable_origin().untyped = true;
  MergePatch(target, std::move(patch));
  EXPECT_TRUE(At(target, "port").origin().untyped);
}

TEST(MergePatchTest, ManyLayersInOrder) {
  Value target = Value::EmptyObject();
  MergePatch(target, J(R"({"a":1,"b":{"c":1}})"));
  MergePatch(target, J(R"({"a":null,"b":{"d":2}})"));
  MergePatch(target, J(R"({"a":3,"b":{"c":null}})"));
  EXPECT_EQ(target, J(R"({"a":3,"b":{"d":2}})"));
}

}  // namespace
}  // namespace hearth
