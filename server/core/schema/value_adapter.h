#pragma once

// A valijson adapter over hearth::Value, modelled on valijson's json11 adapter (json11 also keeps
// arrays in a std::vector and objects in a std::map). valijson is header-heavy: include this file
// only from the .cc files that run valijson (schema_validator.cc), never from a header.
//
// The method names (getBool, isInteger, ...) are the ones valijson's BasicAdapter requires, so
// they do not follow the house naming.
//
// Every wrapper holds a reference to a Value owned elsewhere: the Value must outlive the adapter.
// ValueFrozen is the exception; it owns a copy (valijson freezes enum / const values).
//
// Budget: an adapter made with a BuildBudget passes it to every adapter it hands out, and each
// step into an array item or object member checks the budget's clock; once it has run out the
// step throws BudgetExhausted, which unwinds valijson (it is exception-safe) back to the caller.
// That is how a validation that would take too long (a recursive schema over a large document)
// stops cooperatively. Adapters made without a budget (frozen schema values) never throw it.

#include <cmath>
#include <cstdint>
#include <exception>
#include <iterator>
#include <string>
#include <utility>

#include "server/core/model/build_budget.h"
#include "server/core/model/value.h"
#include "valijson/exceptions.hpp"
#include "valijson/internal/adapter.hpp"
#include "valijson/internal/basic_adapter.hpp"
#include "valijson/internal/frozen_value.hpp"

namespace hearth {

class ValueAdapter;
class ValueArrayIterator;
class ValueObjectIterator;

using ValueObjectMember = std::pair<std::string, ValueAdapter>;

namespace value_adapter_internal {

inline const Value& EmptyArray() {
  static const Value* const kEmpty = new Value(Value::EmptyArray());
  return *kEmpty;
}

inline const Value& EmptyObject() {
  static const Value* const kEmpty = new Value(Value::EmptyObject());
  return *kEmpty;
}

// Draft 7 counts a number with a zero fractional part as an integer ("1.0 is an integer"). A
// double is an integer here only if it also fits int64_t, so getInteger can return it exactly.
inline bool DoubleIsInt64(double d) {
  return std::isfinite(d) && std::trunc(d) == d && d >= -9223372036854775808.0 &&
         d < 9223372036854775808.0;
}

}  // namespace value_adapter_internal

// Thrown out of valijson when the build's budget runs out; see the file comment.
struct BudgetExhausted : std::exception {
  const char* what() const noexcept override { return "build budget exhausted"; }
};

// One step of a validation walk: checks `budget`'s clock (amortised), throws when it has run out.
inline void Step(BuildBudget* budget) {
  if (budget != nullptr && !budget->Check()) throw BudgetExhausted();
}

// Iterable view of an array Value.
class ValueArray {
 public:
  using const_iterator = ValueArrayIterator;
  using iterator = ValueArrayIterator;

  ValueArray() : value_(value_adapter_internal::EmptyArray()) {}
  explicit ValueArray(const Value& value, BuildBudget* budget = nullptr)
      : value_(value), budget_(budget) {
    if (!value.is_array()) valijson::throwRuntimeError("Value is not an array.");
  }

  ValueArrayIterator begin() const;
  ValueArrayIterator end() const;
  size_t size() const { return value_.AsArray().size(); }

 private:
  const Value& value_;
  BuildBudget* budget_ = nullptr;
};

// Iterable view of an object Value.
class ValueObject {
 public:
  using const_iterator = ValueObjectIterator;
  using iterator = ValueObjectIterator;

  ValueObject() : value_(value_adapter_internal::EmptyObject()) {}
  explicit ValueObject(const Value& value, BuildBudget* budget = nullptr)
      : value_(value), budget_(budget) {
    if (!value.is_object()) valijson::throwRuntimeError("Value is not an object.");
  }

  ValueObjectIterator begin() const;
  ValueObjectIterator end() const;
  ValueObjectIterator find(const std::string& property_name) const;
  size_t size() const { return value_.AsObject().size(); }

 private:
  const Value& value_;
  BuildBudget* budget_ = nullptr;
};

// An owned copy of a Value, for the enum / const values valijson keeps in compiled schemas.
class ValueFrozen : public valijson::adapters::FrozenValue {
 public:
  explicit ValueFrozen(Value source) : value_(std::move(source)) {}
  FrozenValue* clone() const override { return new ValueFrozen(value_); }
  bool equalTo(const valijson::adapters::Adapter& other, bool strict) const override;

 private:
  Value value_;
};

// The raw accessors BasicAdapter builds its semantics on.
class ValueWrapper {
 public:
  ValueWrapper() : value_(value_adapter_internal::EmptyObject()) {}
  explicit ValueWrapper(const Value& value, BuildBudget* budget = nullptr)
      : value_(value), budget_(budget) {}

  valijson::adapters::FrozenValue* freeze() const { return new ValueFrozen(value_); }

  opt::optional<ValueArray> getArrayOptional() const {
    if (value_.is_array()) return opt::make_optional(ValueArray(value_, budget_));
    return {};
  }
  bool getArraySize(size_t& result) const {
    if (!value_.is_array()) return false;
    result = value_.AsArray().size();
    return true;
  }
  bool getBool(bool& result) const {
    if (!value_.is_bool()) return false;
    result = value_.AsBool();
    return true;
  }
  bool getDouble(double& result) const {
    if (!value_.is_double()) return false;
    result = value_.AsDouble();
    return true;
  }
  bool getInteger(int64_t& result) const {
    if (value_.is_int()) {
      result = value_.AsInt();
      return true;
    }
    if (isInteger()) {
      result = static_cast<int64_t>(value_.AsDouble());
      return true;
    }
    return false;
  }
  opt::optional<ValueObject> getObjectOptional() const {
    if (value_.is_object()) return opt::make_optional(ValueObject(value_, budget_));
    return {};
  }
  bool getObjectSize(size_t& result) const {
    if (!value_.is_object()) return false;
    result = value_.AsObject().size();
    return true;
  }
  bool getString(std::string& result) const {
    if (!value_.is_string()) return false;
    result = value_.AsString();
    return true;
  }

  static bool hasStrictTypes() { return true; }

  bool isArray() const { return value_.is_array(); }
  bool isBool() const { return value_.is_bool(); }
  bool isDouble() const { return value_.is_double(); }
  bool isInteger() const {
    return value_.is_int() ||
           (value_.is_double() && value_adapter_internal::DoubleIsInt64(value_.AsDouble()));
  }
  bool isNull() const { return value_.is_null(); }
  bool isNumber() const { return value_.is_number(); }
  bool isObject() const { return value_.is_object(); }
  bool isString() const { return value_.is_string(); }

 private:
  const Value& value_;
  BuildBudget* budget_ = nullptr;
};

// The adapter valijson's SchemaParser and Validator are instantiated with.
class ValueAdapter
    : public valijson::adapters::BasicAdapter<ValueAdapter, ValueArray, ValueObjectMember,
                                              ValueObject, ValueWrapper> {
 public:
  ValueAdapter() : BasicAdapter() {}
  // Implicit on purpose: valijson constructs adapters from DocumentType references.
  ValueAdapter(const Value& value) : BasicAdapter(ValueWrapper(value)) {}  // NOLINT
  ValueAdapter(const Value& value, BuildBudget* budget)
      : BasicAdapter(ValueWrapper(value, budget)) {}
};

class ValueArrayIterator {
 public:
  using iterator_category = std::bidirectional_iterator_tag;
  using value_type = ValueAdapter;
  using difference_type = ValueAdapter;
  using pointer = ValueAdapter*;
  using reference = ValueAdapter&;

  explicit ValueArrayIterator(Value::Array::const_iterator it, BuildBudget* budget = nullptr)
      : it_(it), budget_(budget) {}

  ValueAdapter operator*() const {
    Step(budget_);
    return ValueAdapter(*it_, budget_);
  }
  valijson::adapters::DerefProxy<ValueAdapter> operator->() const {
    return valijson::adapters::DerefProxy<ValueAdapter>(**this);
  }
  bool operator==(const ValueArrayIterator& other) const { return it_ == other.it_; }
  bool operator!=(const ValueArrayIterator& other) const { return it_ != other.it_; }
  const ValueArrayIterator& operator++() {
    ++it_;
    return *this;
  }
  ValueArrayIterator operator++(int) {
    ValueArrayIterator pre(it_, budget_);
    ++it_;
    return pre;
  }
  const ValueArrayIterator& operator--() {
    --it_;
    return *this;
  }
  void advance(std::ptrdiff_t n) { it_ += n; }

 private:
  Value::Array::const_iterator it_;
  BuildBudget* budget_;
};

class ValueObjectIterator {
 public:
  using iterator_category = std::bidirectional_iterator_tag;
  using value_type = ValueObjectMember;
  using difference_type = ValueObjectMember;
  using pointer = ValueObjectMember*;
  using reference = ValueObjectMember&;

  explicit ValueObjectIterator(Value::Object::const_iterator it, BuildBudget* budget = nullptr)
      : it_(it), budget_(budget) {}

  ValueObjectMember operator*() const {
    Step(budget_);
    return ValueObjectMember(it_->first, ValueAdapter(it_->second, budget_));
  }
  valijson::adapters::DerefProxy<ValueObjectMember> operator->() const {
    return valijson::adapters::DerefProxy<ValueObjectMember>(**this);
  }
  bool operator==(const ValueObjectIterator& other) const { return it_ == other.it_; }
  bool operator!=(const ValueObjectIterator& other) const { return it_ != other.it_; }
  const ValueObjectIterator& operator++() {
    ++it_;
    return *this;
  }
  ValueObjectIterator operator++(int) {
    ValueObjectIterator pre(it_, budget_);
    ++it_;
    return pre;
  }
  const ValueObjectIterator& operator--() {
    --it_;
    return *this;
  }

 private:
  Value::Object::const_iterator it_;
  BuildBudget* budget_;
};

inline bool ValueFrozen::equalTo(const valijson::adapters::Adapter& other, bool strict) const {
  return ValueAdapter(value_).equalTo(other, strict);
}

inline ValueArrayIterator ValueArray::begin() const {
  return ValueArrayIterator(value_.AsArray().begin(), budget_);
}
inline ValueArrayIterator ValueArray::end() const {
  return ValueArrayIterator(value_.AsArray().end(), budget_);
}
inline ValueObjectIterator ValueObject::begin() const {
  return ValueObjectIterator(value_.AsObject().begin(), budget_);
}
inline ValueObjectIterator ValueObject::end() const {
  return ValueObjectIterator(value_.AsObject().end(), budget_);
}
inline ValueObjectIterator ValueObject::find(const std::string& property_name) const {
  return ValueObjectIterator(value_.AsObject().find(property_name), budget_);
}

}  // namespace hearth

namespace valijson::adapters {

template <>
struct AdapterTraits<hearth::ValueAdapter> {
  using DocumentType = hearth::Value;
  static std::string adapterName() { return "HearthValueAdapter"; }
};

}  // namespace valijson::adapters
