#pragma once

#include "google/protobuf/struct.pb.h"
#include "server/core/model/value.h"

namespace hearth::rpc {

// Converts a document to google.protobuf.Value (for grpcurl-friendly responses). Integers become
// doubles, so integers beyond 2^53 lose precision: the canonical JSON stays the exact form.
void ToProtoValue(const Value& value, google::protobuf::Value* out);

}  // namespace hearth::rpc
