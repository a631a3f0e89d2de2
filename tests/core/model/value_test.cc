#include "server/core/model/value.h"

#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "tests/core/json_literal.h"

namespace hearth {
namespace {

using testutil::J;

TEST(ValueTest, FactoriesAndTypes) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_TRUE(Value::Bool(true).is_bool());
  EXPECT_TRUE(Value::Int(1).is_int());
  EXPECT_TRUE(Value::Int(1).is_number());
  EXPECT_TRUE(Value::Double(1).is_double());
  EXPECT_TRUE(Value::Double(1).is_number());
  EXPECT_TRUE(Value::String("s").is_string());
  EXPECT_TRUE(Value::EmptyArray().is_array());
  EXPECT_TRUE(Value::EmptyObject().is_object());
  EXPECT_EQ(Value::Int(3).AsNumber(), 3.0);
  EXPECT_EQ(Value::TypeName(Value::Type::kInt), "integer");
  EXPECT_EQ(Value::Double(1).type_name(), "number");
  EXPECT_EQ(Value::EmptyObject().type_name(), "object");
}

TEST(ValueTest, FindPath) {
  Value doc = J(R"({"db":{"pool":{"max":10}},"servers":[{"host":"a"},{"host":"b"}],
                    "matrix":[[1,2],[3,4]],"":{"empty":1}})");
  EXPECT_EQ(doc.FindPath(""), &doc);
  ASSERT_NE(doc.FindPath("db.pool.max"), nullptr);
  EXPECT_EQ(*doc.FindPath("db.pool.max"), Value::Int(10));
  EXPECT_EQ(*doc.FindPath("servers.0.host"), Value::String("a"));
  EXPECT_EQ(*doc.FindPath("servers.1.host"), Value::String("b"));
  EXPECT_EQ(*doc.FindPath("matrix.1.0"), Value::Int(3));
  EXPECT_EQ(doc.FindPath("servers"), doc.Find("servers"));
  EXPECT_EQ(doc.FindPath("servers.2"), nullptr);   // out of range
  EXPECT_EQ(doc.FindPath("servers.-1"), nullptr);  // not an index
  EXPECT_EQ(doc.FindPath("servers.+1"), nullptr);
  EXPECT_EQ(doc.FindPath("servers.0x"), nullptr);
  EXPECT_EQ(doc.FindPath("servers.host"), nullptr);
  EXPECT_EQ(doc.FindPath("servers.99999999999999999999999"), nullptr);  // overflow
  EXPECT_EQ(doc.FindPath("db.pool.max.deeper"), nullptr);               // through a scalar
  EXPECT_EQ(doc.FindPath("db.nope"), nullptr);
  EXPECT_EQ(doc.FindPath("nope.x"), nullptr);
  // Every segment counts, including empty ones: "db." is not "db".
  EXPECT_EQ(doc.FindPath("db."), nullptr);
  EXPECT_EQ(doc.FindPath(".empty"), doc.Find("")->Find("empty"));
}

TEST(ValueTest, FindChildIsOneStepOfAPath) {
  Value doc = J(R"({"a.b":1,"list":[10,20],"0":"key"})");
  EXPECT_EQ(*doc.FindChild("a.b"), Value::Int(1));  // a key with a dot, taken whole
  EXPECT_EQ(doc.FindChild("0"), doc.Find("0"));     // objects are looked up by key
  const Value* list = doc.FindChild("list");
  ASSERT_NE(list, nullptr);
  EXPECT_EQ(*list->FindChild("1"), Value::Int(20));
  for (std::string_view bad : {"2", "-1", "+0", " 0", "0 ", "", "x", "99999999999999999999999"}) {
    EXPECT_EQ(list->FindChild(bad), nullptr) << bad;
  }
  EXPECT_EQ(Value::Int(1).FindChild("0"), nullptr);  // a scalar has no children
  Value* mutable_item = doc.MutableFind("list")->MutableFindChild("0");
  ASSERT_NE(mutable_item, nullptr);
  *mutable_item = Value::Int(11);
  EXPECT_EQ(*doc.FindPath("list.0"), Value::Int(11));
}

TEST(ValueTest, FindOnNonObject) {
  EXPECT_EQ(Value::Int(1).Find("a"), nullptr);
  Value arr = J("[1]");
  EXPECT_EQ(arr.MutableFind("0"), nullptr);
  Value obj = J(R"({"a":1})");
  ASSERT_NE(obj.MutableFind("a"), nullptr);
  *obj.MutableFind("a") = Value::Int(2);
  EXPECT_EQ(*obj.Find("a"), Value::Int(2));
}

TEST(ValueTest, EqualityIgnoresOrigin) {
  Value a = J(R"({"x":[1,"s",{"y":true}]})");
  Value b = a;
  b.set_origin(Origin{1, 2, 3, true});
  b.MutableObject().begin()->second.MutableArray()[1].set_origin(Origin{4, 5, 6, false});
  EXPECT_EQ(a, b);
  EXPECT_EQ(Value::String("s", Origin{0, 1, 1, false}), Value::String("s", Origin{}));
}

TEST(ValueTest, IntAndDoubleAreDistinct) {
  EXPECT_FALSE(Value::Int(1) == Value::Double(1.0));
  EXPECT_FALSE(J(R"({"a":1})") == J(R"({"a":1.0})"));
  EXPECT_EQ(Value::Double(1.0), Value::Double(1.0));
  EXPECT_FALSE(Value::Int(0) == Value::Bool(false));
  EXPECT_FALSE(Value::Null() == Value::EmptyObject());
  EXPECT_FALSE(Value::EmptyArray() == Value::EmptyObject());
  EXPECT_FALSE(J(R"({"a":1})") == J(R"({"b":1})"));
  EXPECT_FALSE(J("[1,2]") == J("[2,1]"));
}

TEST(ValueTest, ObjectsAreSortedByKey) {
  Value v = Value::EmptyObject();
  v.MutableObject().emplace("b", Value::Int(1));
  v.MutableObject().emplace("B", Value::Int(2));
  v.MutableObject().emplace("a", Value::Int(3));
  std::string order;
  for (const auto& [k, m] : v.AsObject()) order += k;
  EXPECT_EQ(order, "Bab");
}

TEST(ValueTest, ApproximateBytesGrowsWithContent) {
  Value empty = Value::EmptyObject();
  size_t base = empty.ApproximateBytes();
  EXPECT_GE(base, sizeof(Value));

  Value small = J(R"({"a":1})");
  EXPECT_GT(small.ApproximateBytes(), base);

  std::string long_text(1000, 'x');
  Value big = small;
  big.MutableObject().emplace("text", Value::String(long_text));
  EXPECT_GE(big.ApproximateBytes(), small.ApproximateBytes() + 1000);

  Value arr = Value::EmptyArray();
  size_t prev = arr.ApproximateBytes();
  for (int i = 0; i < 10; ++i) {
    arr.MutableArray().push_back(Value::Int(i));
    size_t now = arr.ApproximateBytes();
    EXPECT_GT(now, prev);
    prev = now;
  }
  // Long keys count too.
  Value long_key = Value::EmptyObject();
  long_key.MutableObject().emplace(std::string(500, 'k'), Value::Int(1));
  Value short_key = Value::EmptyObject();
  short_key.MutableObject().emplace("k", Value::Int(1));
  EXPECT_GE(long_key.ApproximateBytes(), short_key.ApproximateBytes() + 500);
}

TEST(ValueTest, OriginAccessors) {
  Value v = Value::Int(1, Origin{2, 3, 4, true});
  EXPECT_EQ(v.origin().file, 2u);
  EXPECT_EQ(v.origin().line, 3u);
  EXPECT_EQ(v.origin().column, 4u);
  EXPECT_TRUE(v.origin().untyped);
  v.mutable_origin().line = 9;
  EXPECT_EQ(v.origin().line, 9u);
  EXPECT_EQ(Value().origin().file, Origin::kNoFile);
}

}  // namespace
}  // namespace hearth
