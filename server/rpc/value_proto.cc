#include "server/rpc/value_proto.h"

namespace hearth::rpc {

void ToProtoValue(const Value& value, google::protobuf::Value* out) {
  switch (value.type()) {
    case Value::Type::kNull:
      out->set_null_value(google::protobuf::NULL_VALUE);
      return;
    case Value::Type::kBool:
      out->set_bool_value(value.AsBool());
      return;
    case Value::Type::kInt:
    case Value::Type::kDouble:
      out->set_number_value(value.AsNumber());
      return;
    case Value::Type::kString:
      out->set_string_value(value.AsString());
      return;
    case Value::Type::kArray: {
      auto* list = out->mutable_list_value();
      list->mutable_values()->Reserve(static_cast<int>(value.AsArray().size()));
      for (const Value& item : value.AsArray()) ToProtoValue(item, list->add_values());
      return;
    }
    case Value::Type::kObject: {
      auto* fields = out->mutable_struct_value()->mutable_fields();
      for (const auto& [key, item] : value.AsObject()) ToProtoValue(item, &(*fields)[key]);
      return;
    }
  }
}

}  // namespace hearth::rpc
