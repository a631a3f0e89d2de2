#include "server/core/model/blame.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/core/model/merge_patch.h"
#include "tests/core/json_literal.h"

namespace hearth {
namespace {

using testutil::J;

const std::vector<std::string> kSources = {"00-base.toml", "10-db.json", "20-prod.yaml"};

// Gives every node of `v` origin {file, line = n, n+1, ... in depth-first order, column 1}.
void Stamp(Value& v, uint32_t file, uint32_t* line) {
  v.set_origin(Origin{file, (*line)++, 1, false});
  if (v.is_object()) {
    for (auto& [k, m] : v.MutableObject()) Stamp(m, file, line);
  } else if (v.is_array()) {
    for (Value& m : v.MutableArray()) Stamp(m, file, line);
  }
}

Value Layer(const char* json, uint32_t file) {
  Value v = J(json);
  uint32_t line = 0;  // the root gets line 0, its first member line 1
  Stamp(v, file, &line);
  return v;
}

std::string Loc(const Origin& o) {
  if (o.file == Origin::kNoFile) return "-";
  return kSources[o.file] + ":" + std::to_string(o.line);
}

// "path @ loc [overrode loc, loc]" for compact comparisons.
std::vector<std::string> Summary(const std::vector<BlameEntry>& entries) {
  std::vector<std::string> out;
  for (const BlameEntry& e : entries) {
    std::string s = e.path + " @ " + Loc(e.origin);
    for (const Origin& o : e.overrode) s += " < " + Loc(o);
    out.push_back(s);
  }
  return out;
}

class BlameTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Depth-first line numbers: keys are visited in sorted order.
    layers_.push_back(Layer(R"({"db":{"host":"a","pool":{"max":5},"port":1},
                               "gone":1,"list":[1,2],"only0":"x","readd":1})",
                            0));
    // 00-base: db=1 host=2 pool=3 max=4 port=5 gone=6 list=7 (8,9) only0=10 readd=11
    layers_.push_back(Layer(R"({"db":{"host":"b","pool":{"max":10}},
                               "gone":null,"only1":true,"readd":null})",
                            1));
    // 10-db: db=1 host=2 pool=3 max=4 gone=5 only1=6 readd=7
    layers_.push_back(
        Layer(R"({"db":{"host":"c"},"interp":"${db.host}","list":[3],"readd":2})", 2));
    // 20-prod: db=1 host=2 interp=3 list=4 (5) readd=6
    merged_ = Value::EmptyObject();
    for (const Value& layer : layers_) MergePatch(merged_, layer);
    // What the interpolator would leave: a synthesised value.
    merged_.MutableFind("interp")->set_origin(Origin{});
  }

  std::vector<BlameEntry> Blame() {
    std::vector<const Value*> ptrs;
    for (const Value& l : layers_) ptrs.push_back(&l);
    return ComputeBlame(merged_, ptrs);
  }

  std::vector<Value> layers_;
  Value merged_;
};

TEST_F(BlameTest, EveryLeafWithItsHistory) {
  EXPECT_EQ(Summary(Blame()), (std::vector<std::string>{
                                  "db.host @ 20-prod.yaml:2 < 00-base.toml:2 < 10-db.json:2",
                                  "db.pool.max @ 10-db.json:4 < 00-base.toml:4",
                                  "db.port @ 00-base.toml:5",
                                  "interp @ -",
                                  "list @ 20-prod.yaml:4 < 00-base.toml:7",
                                  "only0 @ 00-base.toml:10",
                                  "only1 @ 10-db.json:6",
                                  // deleted by null in 10-db, re-added in 20-prod
                                  "readd @ 20-prod.yaml:6 < 00-base.toml:11 < 10-db.json:7",
                              }));
}

TEST_F(BlameTest, Format) {
  std::string text = FormatBlame(Blame(), kSources);
  EXPECT_EQ(text,
            "db.host  20-prod.yaml:2:1  (overrode 00-base.toml:2:1, 10-db.json:2:1)\n"
            "db.pool.max  10-db.json:4:1  (overrode 00-base.toml:4:1)\n"
            "db.port  00-base.toml:5:1\n"
            "interp  <generated>\n"
            "list  20-prod.yaml:4:1  (overrode 00-base.toml:7:1)\n"
            "only0  00-base.toml:10:1\n"
            "only1  10-db.json:6:1\n"
            "readd  20-prod.yaml:6:1  (overrode 00-base.toml:11:1, 10-db.json:7:1)\n");
}

TEST(BlameFormatTest, LocationForms) {
  std::vector<BlameEntry> entries(3);
  entries[0].path = "a";
  entries[0].origin = Origin{0, 4, 3, false};
  entries[1].path = "b";
  entries[1].origin = Origin{1, 7, 0, false};      // no column
  entries[1].overrode = {Origin{9, 1, 1, false}};  // file index out of range
  entries[2].path = "c";
  entries[2].origin = Origin{Origin::kNoFile, 2, 5, false};
  EXPECT_EQ(FormatBlame(entries, kSources),
            "a  00-base.toml:4:3\n"
            "b  10-db.json:7  (overrode <generated>:1:1)\n"
            "c  <generated>:2:5\n");
  EXPECT_EQ(FormatBlame({}, kSources), "");
}

TEST(BlameEdgeTest, ScalarReplacedByObjectAndBack) {
  std::vector<Value> layers;
  layers.push_back(Layer(R"({"a":"str","b":{"x":1}})", 0));
  layers.push_back(Layer(R"({"a":{"k":1},"b":"str"})", 1));
  Value merged = Value::EmptyObject();
  for (const Value& l : layers) MergePatch(merged, l);
  std::vector<const Value*> ptrs = {&layers[0], &layers[1]};
  // a.k is new in layer 1 (layer 0 had no a.k); b was an object in layer 0 and was replaced.
  EXPECT_EQ(Summary(ComputeBlame(merged, ptrs)),
            (std::vector<std::string>{"a.k @ 10-db.json:2", "b @ 10-db.json:3 < 00-base.toml:2"}));
}

TEST(BlameEdgeTest, EmptyObjectsAndEmptyDocument) {
  Value layer = Layer(R"({"a":{},"b":[]})", 0);
  Value merged = Value::EmptyObject();
  MergePatch(merged, layer);
  std::vector<const Value*> ptrs = {&layer};
  EXPECT_EQ(Summary(ComputeBlame(merged, ptrs)),
            (std::vector<std::string>{"a @ 00-base.toml:1", "b @ 00-base.toml:2"}));
  EXPECT_TRUE(ComputeBlame(Value::EmptyObject(), ptrs).empty());
  EXPECT_TRUE(ComputeBlame(Value::EmptyObject(), {}).empty());
}

TEST(BlameEdgeTest, ValuesFromNoLayer) {
  // A subtree copied by interpolation has paths no layer holds.
  Value merged = J(R"({"copy":{"x":1}})");
  Value layer = Layer(R"({"copy":"${src}"})", 0);
  std::vector<const Value*> ptrs = {&layer, nullptr};
  std::vector<BlameEntry> entries = ComputeBlame(merged, ptrs);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].path, "copy.x");
  EXPECT_TRUE(entries[0].overrode.empty());
}

TEST(BlameEdgeTest, SortedByJoinedPath) {
  // Key order "a" < "a-b" < "a.b"? Objects sort "a" before "a-b", but the joined path "a.x"
  // sorts after "a-b" ('-' < '.'), so entries must be sorted on the joined path.
  Value merged = J(R"({"a":{"x":1},"a-b":2})");
  std::vector<BlameEntry> entries = ComputeBlame(merged, {});
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].path, "a-b");
  EXPECT_EQ(entries[1].path, "a.x");
}

}  // namespace
}  // namespace hearth
