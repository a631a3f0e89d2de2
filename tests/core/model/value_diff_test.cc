#include "server/core/model/value_diff.h"

#include "gtest/gtest.h"

namespace hearth {
namespace {

using Op = ValueDiffEntry::Op;

Value Obj(std::initializer_list<std::pair<const char*, Value>> members) {
  Value v = Value::EmptyObject();
  for (const auto& [k, m] : members) v.MutableObject().emplace(k, m);
  return v;
}

Value Arr(std::initializer_list<Value> items) {
  Value v = Value::EmptyArray();
  for (const Value& i : items) v.MutableArray().push_back(i);
  return v;
}

TEST(ValueDiffTest, EqualDocumentsHaveNoDiff) {
  Value a = Obj({{"x", Value::Int(1)}, {"y", Arr({Value::String("a")})}});
  ValueDiff diff = DiffValues(&a, &a);
  EXPECT_TRUE(diff.entries.empty());
  EXPECT_FALSE(diff.truncated);
}

TEST(ValueDiffTest, ObjectsAddRemoveChangeNested) {
  Value a = Obj({{"db", Obj({{"host", Value::String("a")}, {"port", Value::Int(1)}})},
                 {"gone", Value::Bool(true)}});
  Value b = Obj({{"db", Obj({{"host", Value::String("b")}, {"port", Value::Int(1)}})},
                 {"new", Value::Null()}});
  ValueDiff diff = DiffValues(&a, &b);
  ASSERT_EQ(diff.entries.size(), 3u);
  EXPECT_EQ(diff.entries[0].path, "db.host");
  EXPECT_EQ(diff.entries[0].op, Op::kChanged);
  EXPECT_EQ(diff.entries[0].old_json, "\"a\"");
  EXPECT_EQ(diff.entries[0].new_json, "\"b\"");
  EXPECT_EQ(diff.entries[1].path, "gone");
  EXPECT_EQ(diff.entries[1].op, Op::kRemoved);
  EXPECT_EQ(diff.entries[1].old_json, "true");
  EXPECT_EQ(diff.entries[1].new_json, "");
  EXPECT_EQ(diff.entries[2].path, "new");
  EXPECT_EQ(diff.entries[2].op, Op::kAdded);
  EXPECT_EQ(diff.entries[2].new_json, "null");
}

TEST(ValueDiffTest, ArraysByIndexWithTail) {
  Value a = Obj({{"s", Arr({Value::Int(1), Value::Int(2), Value::Int(3)})}});
  Value b = Obj({{"s", Arr({Value::Int(1), Value::Int(5)})}});
  ValueDiff diff = DiffValues(&a, &b);
  ASSERT_EQ(diff.entries.size(), 2u);
  EXPECT_EQ(diff.entries[0].path, "s.1");
  EXPECT_EQ(diff.entries[0].op, Op::kChanged);
  EXPECT_EQ(diff.entries[1].path, "s.2");
  EXPECT_EQ(diff.entries[1].op, Op::kRemoved);
}

TEST(ValueDiffTest, TypeChangeIsOneChange) {
  Value a = Obj({{"v", Value::Int(1)}});
  Value b = Obj({{"v", Value::Double(1.0)}});
  ValueDiff diff = DiffValues(&a, &b);
  ASSERT_EQ(diff.entries.size(), 1u);
  EXPECT_EQ(diff.entries[0].op, Op::kChanged);
  EXPECT_EQ(diff.entries[0].old_json, "1");
  EXPECT_EQ(diff.entries[0].new_json, "1.0");
}

TEST(ValueDiffTest, NothingServedIsOneAddedRoot) {
  Value b = Obj({{"v", Value::Int(1)}});
  ValueDiff diff = DiffValues(nullptr, &b);
  ASSERT_EQ(diff.entries.size(), 1u);
  EXPECT_EQ(diff.entries[0].path, "");
  EXPECT_EQ(diff.entries[0].op, Op::kAdded);
  EXPECT_EQ(diff.entries[0].new_json, "{\"v\":1}");
}

TEST(ValueDiffTest, Truncates) {
  Value a = Value::EmptyObject();
  Value b = Value::EmptyObject();
  for (int i = 0; i < 20; ++i)
    b.MutableObject().emplace("k" + std::to_string(100 + i), Value::Int(i));
  ValueDiff diff = DiffValues(&a, &b, 5);
  EXPECT_EQ(diff.entries.size(), 5u);
  EXPECT_TRUE(diff.truncated);
}

}  // namespace
}  // namespace hearth
