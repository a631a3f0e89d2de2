#pragma once

// Test helper: builds a hearth::Value from a JSON literal with simdjson directly, so the core
// tests do not depend on the project's own parsers. Integers stay integers, numbers with a '.' or
// exponent become doubles. Origins are left default (tests set the ones they check).

#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "server/core/model/value.h"
#include "simdjson.h"

namespace hearth::testutil {

inline Value FromDom(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object obj;
      if (e.get(obj) != simdjson::SUCCESS) break;
      Value v = Value::EmptyObject();
      for (simdjson::dom::key_value_pair field : obj) {
        v.MutableObject().emplace(std::string(field.key), FromDom(field.value));
      }
      return v;
    }
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array arr;
      if (e.get(arr) != simdjson::SUCCESS) break;
      Value v = Value::EmptyArray();
      for (simdjson::dom::element child : arr) v.MutableArray().push_back(FromDom(child));
      return v;
    }
    case simdjson::dom::element_type::INT64: {
      int64_t i = 0;
      if (e.get(i) != simdjson::SUCCESS) break;
      return Value::Int(i);
    }
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: {
      double d = 0;
      if (e.get(d) != simdjson::SUCCESS) break;
      return Value::Double(d);
    }
    case simdjson::dom::element_type::STRING: {
      std::string_view s;
      if (e.get(s) != simdjson::SUCCESS) break;
      return Value::String(std::string(s));
    }
    case simdjson::dom::element_type::BOOL: {
      bool b = false;
      if (e.get(b) != simdjson::SUCCESS) break;
      return Value::Bool(b);
    }
    case simdjson::dom::element_type::NULL_VALUE:
      return Value::Null();
  }
  ADD_FAILURE() << "unreadable JSON element in test literal";
  return Value::Null();
}

// J(R"({"a": 1})"). A malformed literal fails the test and returns null.
inline Value J(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::padded_string padded(json);
  if (auto error = parser.parse(padded).get(root); error) {
    ADD_FAILURE() << "bad JSON literal in test: " << simdjson::error_message(error) << ": " << json;
    return Value::Null();
  }
  return FromDom(root);
}

// The node at dotted `path` (must exist), for setting origins in tests.
inline Value& At(Value& doc, std::string_view path) {
  const Value* v = doc.FindPath(path);
  if (v == nullptr) {
    ADD_FAILURE() << "no path " << path;
    static Value dummy;
    return dummy;
  }
  return *const_cast<Value*>(v);
}

}  // namespace hearth::testutil
