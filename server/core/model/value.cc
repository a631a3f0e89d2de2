#include "server/core/model/value.h"

#include <charconv>

namespace hearth {

Value Value::Null(Origin o) {
  Value v;
  v.origin_ = o;
  return v;
}

Value Value::Bool(bool b, Origin o) {
  Value v;
  v.data_ = b;
  v.origin_ = o;
  return v;
}

Value Value::Int(int64_t i, Origin o) {
  Value v;
  v.data_ = i;
  v.origin_ = o;
  return v;
}

Value Value::Double(double d, Origin o) {
  Value v;
  v.data_ = d;
  v.origin_ = o;
  return v;
}

Value Value::String(std::string s, Origin o) {
  Value v;
  v.data_ = std::move(s);
  v.origin_ = o;
  return v;
}

Value Value::EmptyArray(Origin o) {
  Value v;
  v.data_ = Array{};
  v.origin_ = o;
  return v;
}

Value Value::EmptyObject(Origin o) {
  Value v;
  v.data_ = Object{};
  v.origin_ = o;
  return v;
}

const Value* Value::Find(std::string_view key) const {
  if (!is_object()) return nullptr;
  const Object& obj = AsObject();
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &it->second;
}

Value* Value::MutableFind(std::string_view key) {
  if (!is_object()) return nullptr;
  Object& obj = MutableObject();
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &it->second;
}

const Value* Value::FindChild(std::string_view part) const {
  if (is_object()) return Find(part);
  if (!is_array()) return nullptr;
  size_t index = 0;
  auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
  if (ec != std::errc() || ptr != part.data() + part.size() || index >= AsArray().size()) {
    return nullptr;
  }
  return &AsArray()[index];
}

Value* Value::MutableFindChild(std::string_view part) {
  return const_cast<Value*>(static_cast<const Value*>(this)->FindChild(part));
}

const Value* Value::FindPath(std::string_view dotted) const {
  if (dotted.empty()) return this;
  const Value* cur = this;
  size_t pos = 0;
  while (true) {
    // Every segment is looked up, including an empty one ("a." looks up key "" in a).
    size_t dot = dotted.find('.', pos);
    std::string_view part =
        dotted.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
    cur = cur->FindChild(part);
    if (cur == nullptr || dot == std::string_view::npos) return cur;
    pos = dot + 1;
  }
}

std::string_view Value::TypeName(Type t) {
  switch (t) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "boolean";
    case Type::kInt:
      return "integer";
    case Type::kDouble:
      return "number";
    case Type::kString:
      return "string";
    case Type::kArray:
      return "array";
    case Type::kObject:
      return "object";
  }
  return "unknown";
}

size_t Value::ApproximateBytes() const {
  size_t bytes = sizeof(Value);
  switch (type()) {
    case Type::kString: {
      const std::string& s = AsString();
      if (s.capacity() > 15) bytes += s.capacity();
      break;
    }
    case Type::kArray:
      for (const Value& v : AsArray()) bytes += v.ApproximateBytes();
      break;
    case Type::kObject:
      // std::map node: three pointers + color + key + value.
      for (const auto& [k, v] : AsObject()) {
        bytes += 32 + sizeof(std::string) + (k.capacity() > 15 ? k.capacity() : 0);
        bytes += v.ApproximateBytes();
      }
      break;
    default:
      break;
  }
  return bytes;
}

}  // namespace hearth
