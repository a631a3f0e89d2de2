#include "server/core/model/canonical_json_reader.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "server/core/model/json_writer.h"

namespace hearth {
namespace {

Value Doc() {
  Value doc = Value::EmptyObject();
  Value::Object& o = doc.MutableObject();
  o["int"] = Value::Int(std::numeric_limits<int64_t>::min());
  o["big"] = Value::Int(std::numeric_limits<int64_t>::max());
  o["whole"] = Value::Double(1.0);
  o["tiny"] = Value::Double(5e-324);
  o["huge"] = Value::Double(1e300);
  o["neg"] = Value::Double(-0.25);
  o["t"] = Value::Bool(true);
  o["f"] = Value::Bool(false);
  o["nil"] = Value::Null();
  o["text"] = Value::String("quote\" back\\ nl\n tab\t ctl\x01 caf\xc3\xa9 \xf0\x9f\x94\xa5 }],:");
  o["a.b"] = Value::String("dotted key");
  o["esc\"key"] = Value::Int(7);
  o[""] = Value::String("empty key");
  Value list = Value::EmptyArray();
  list.MutableArray().push_back(Value::Int(1));
  list.MutableArray().push_back(Value::EmptyObject());
  list.MutableArray().push_back(Value::EmptyArray());
  Value inner = Value::EmptyObject();
  inner.MutableObject()["x"] = Value::String("[{\"");
  list.MutableArray().push_back(inner);
  o["list"] = list;
  Value nested = Value::EmptyObject();
  nested.MutableObject()["pool"] = Value::EmptyObject();
  nested.MutableFind("pool")->MutableObject()["max"] = Value::Int(20);
  o["db"] = nested;
  return doc;
}

TEST(CanonicalJsonReaderTest, RoundTripsEveryTypeExactly) {
  const Value doc = Doc();
  const std::string json = ToCanonicalJson(doc);
  absl::StatusOr<Value> back = ReadCanonicalJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, doc);  // ints stay ints, doubles stay doubles
  EXPECT_EQ(ToCanonicalJson(*back), json);
  EXPECT_TRUE(back->Find("whole")->is_double());
  EXPECT_TRUE(back->Find("big")->is_int());
}

TEST(CanonicalJsonReaderTest, ScalarsAtTheTop) {
  for (const Value& v : {Value::Int(3), Value::Double(0.5), Value::String("s"), Value::Null(),
                         Value::Bool(true), Value::EmptyArray(), Value::EmptyObject()}) {
    absl::StatusOr<Value> back = ReadCanonicalJson(ToCanonicalJson(v));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, v);
  }
}

TEST(CanonicalJsonReaderTest, DecodesEscapesTheWriterDoesNotUse) {
  absl::StatusOr<Value> v = ReadCanonicalJson(R"(["\/\u00e9\ud83d\udd25\u0041"])");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->AsArray()[0].AsString(),
            "/\xc3\xa9\xf0\x9f\x94\xa5"
            "A");
}

TEST(CanonicalJsonReaderTest, MalformedInputIsAnErrorNeverACrash) {
  for (const char* bad : {"",
                          "{",
                          "}",
                          "[",
                          "[1,",
                          "[1 ,2]",
                          "{\"a\"}",
                          "{\"a\":}",
                          "{\"a\":1,}",
                          "{a:1}",
                          "\"abc",
                          "\"\\",
                          "\"\\x\"",
                          "\"\\u12\"",
                          "\"\\ud800\"",
                          "\"\\udc00\"",
                          "nul",
                          "tru",
                          "1.2.3",
                          "99999999999999999999",
                          "-",
                          "1 ",
                          " 1",
                          "[1]x",
                          "{\"a\":1,\"a\":2}",
                          "+1",
                          "--1",
                          "[\"a\":1]",
                          "{\"a\",1}",
                          "1e999"}) {
    EXPECT_FALSE(ReadCanonicalJson(bad).ok()) << bad;
  }
}

TEST(CanonicalJsonReaderTest, DepthIsBoundedWithoutRecursingPastIt) {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  absl::StatusOr<Value> v = ReadCanonicalJson(deep);
  EXPECT_FALSE(v.ok());
  EXPECT_TRUE(ReadCanonicalJson("[[[1]]]", 3).ok());
  EXPECT_FALSE(ReadCanonicalJson("[[[1]]]", 2).ok());
  // The error names a byte offset, never the text.
  EXPECT_EQ(std::string(v.status().message()).find("[["), std::string::npos);
}

TEST(CanonicalJsonPathTest, SlicesAreTheSubTreesCanonicalJson) {
  const Value doc = Doc();
  const std::string json = ToCanonicalJson(doc);
  for (const char* path : {"", "int", "db", "db.pool", "db.pool.max", "list", "list.0", "list.3",
                           "list.3.x", "text", "esc\"key", "nil", "whole", "list.1", "list.2"}) {
    std::optional<std::string_view> slice = FindCanonicalJsonPath(json, path);
    const Value* expected = doc.FindPath(path);
    ASSERT_NE(expected, nullptr) << path;
    ASSERT_TRUE(slice.has_value()) << path;
    EXPECT_EQ(*slice, ToCanonicalJson(*expected)) << path;
  }
}

TEST(CanonicalJsonPathTest, FollowsFindPathForWhatIsAbsent) {
  const Value doc = Doc();
  const std::string json = ToCanonicalJson(doc);
  // "a.b" is a key with a dot: a dotted path cannot name it (FindPath splits at every dot).
  for (const char* path :
       {"missing", "db.nope", "db.pool.max.deeper", "list.4", "list.-1", "list.+1", "list. 1",
        "list.1x", "int.0", "a.b", "db.", ".db", "list.99999999999999999999999", "text.0"}) {
    EXPECT_EQ(doc.FindPath(path), nullptr) << path;
    EXPECT_FALSE(FindCanonicalJsonPath(json, path).has_value()) << path;
  }
  // The empty key is a key like any other.
  EXPECT_TRUE(FindCanonicalJsonPath(json, "").has_value());
}

TEST(CanonicalJsonPathTest, TruncatedOrGarbageTextFindsNothing) {
  const std::string json = ToCanonicalJson(Doc());
  for (size_t cut = 0; cut < json.size(); cut += 7) {
    const std::string part = json.substr(0, cut);
    // Whatever it finds lies inside the text; mostly it finds nothing.
    std::optional<std::string_view> s = FindCanonicalJsonPath(part, "list.3.x");
    if (s.has_value()) {
      EXPECT_GE(s->data(), part.data());
      EXPECT_LE(s->data() + s->size(), part.data() + part.size());
    }
  }
  EXPECT_FALSE(FindCanonicalJsonPath("{\"a\":\"unterminated", "a").has_value());
  EXPECT_FALSE(FindCanonicalJsonPath("[1,2", "5").has_value());
  EXPECT_FALSE(FindCanonicalJsonPath("{\"a\":[[[", "a").has_value());
  EXPECT_FALSE(FindCanonicalJsonPath("17", "a").has_value());
}

}  // namespace
}  // namespace hearth
