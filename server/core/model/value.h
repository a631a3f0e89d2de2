#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hearth {

// Where a value came from. `file` indexes the source-file table of the document being built
// (ConfigVersion::sources); kNoFile means "synthesised" (e.g. produced by interpolation).
struct Origin {
  static constexpr uint32_t kNoFile = 0xffffffffu;
  uint32_t file = kNoFile;
  uint32_t line = 0;    // 1-based; 0 = unknown
  uint32_t column = 0;  // 1-based; 0 = unknown
  // True for values that come from an untyped source (.env): they are strings that a schema may
  // coerce to integer / number / boolean.
  bool untyped = false;
};

// A config document node: null, bool, int64, double, string, array or object. Keeps integers and
// floats apart, and remembers its Origin. Objects are kept sorted by key, which is the canonical
// output order. Values are plain data: copyable, movable, not thread-safe while being mutated, and
// safe to share read-only once built (published versions hold them as shared_ptr<const>).
class Value {
 public:
  enum class Type : uint8_t { kNull, kBool, kInt, kDouble, kString, kArray, kObject };
  using Array = std::vector<Value>;
  using Object = std::map<std::string, Value, std::less<>>;

  Value() = default;  // null
  static Value Null(Origin o = {});
  static Value Bool(bool b, Origin o = {});
  static Value Int(int64_t i, Origin o = {});
  static Value Double(double d, Origin o = {});
  static Value String(std::string s, Origin o = {});
  static Value EmptyArray(Origin o = {});
  static Value EmptyObject(Origin o = {});

  Type type() const { return static_cast<Type>(data_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_int() const { return type() == Type::kInt; }
  bool is_double() const { return type() == Type::kDouble; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  // Accessors CHECK-free: calling the wrong one is a programming error (std::get throws
  // std::bad_variant_access, which we never catch). Test the type first.
  bool AsBool() const { return std::get<bool>(data_); }
  int64_t AsInt() const { return std::get<int64_t>(data_); }
  double AsDouble() const { return std::get<double>(data_); }
  // Int or double as a double.
  double AsNumber() const { return is_int() ? static_cast<double>(AsInt()) : AsDouble(); }
  const std::string& AsString() const { return std::get<std::string>(data_); }
  const Array& AsArray() const { return std::get<Array>(data_); }
  const Object& AsObject() const { return std::get<Object>(data_); }
  Array& MutableArray() { return std::get<Array>(data_); }
  Object& MutableObject() { return std::get<Object>(data_); }
  std::string& MutableString() { return std::get<std::string>(data_); }

  // Object member lookup; nullptr when this is not an object or has no such key.
  const Value* Find(std::string_view key) const;
  Value* MutableFind(std::string_view key);
  // One step of a dotted path: an object's member `part`, or an array's element at decimal index
  // `part` ("0", "12"; no sign, no blanks). nullptr for a scalar, a missing key, or an index that
  // is malformed or out of range.
  const Value* FindChild(std::string_view part) const;
  Value* MutableFindChild(std::string_view part);
  // Dotted-path lookup ("db.pool.max"; array elements by decimal index, "servers.0.host"), one
  // FindChild per segment. The empty path is this value. nullptr when absent.
  const Value* FindPath(std::string_view dotted) const;

  const Origin& origin() const { return origin_; }
  Origin& mutable_origin() { return origin_; }
  void set_origin(const Origin& o) { origin_ = o; }

  // Deep equality of data; origins are ignored. Int 1 != Double 1.0 (types are kept apart).
  bool operator==(const Value& other) const { return data_ == other.data_; }

  static std::string_view TypeName(Type t);
  std::string_view type_name() const { return TypeName(type()); }

  // Rough heap + inline footprint, for memory reports and cache budgets.
  size_t ApproximateBytes() const;

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, Array, Object> data_;
  Origin origin_;
};

}  // namespace hearth
