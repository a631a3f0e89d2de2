#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "grpcpp/support/byte_buffer.h"

namespace hearth::rpc {

// Writes a protobuf message's wire bytes straight into a grpc::ByteBuffer, for responses served
// without building and serializing a generated message per call. Scalar and short fields are
// encoded into one small buffer, copied once into one slice; a shared string (a version's
// document) becomes a slice that references its bytes and holds a reference to its owner until
// gRPC has sent them: no copy of the document and no serialization.
//
// Callers write fields in field-number order, so that the bytes equal what the generated
// SerializeToString() produces (parsers accept any order; equal bytes keep it testable).
//
// Not thread-safe: one writer per message.
class WireWriter {
 public:
  WireWriter() { small_.reserve(256); }

  // A length-delimited field (string, bytes), copied.
  void String(int field, std::string_view value);
  void Uint64(int field, uint64_t value);
  void Bool(int field, bool value);
  // A length-delimited field whose bytes are referenced, not copied; `value` must not be null.
  void SharedString(int field, std::shared_ptr<const std::string> value);

  // Bytes written so far.
  size_t size() const { return small_.size() + shared_bytes_; }

  // Replaces `out` with everything written.
  void Finish(grpc::ByteBuffer* out) const;

 private:
  void Tag(int field, int wire_type);
  void Varint(uint64_t value);

  // Small bytes [previous piece's end, end) of small_, then `shared` (when set).
  struct Piece {
    size_t end = 0;
    std::shared_ptr<const std::string> shared;
  };

  std::string small_;
  absl::InlinedVector<Piece, 2> pieces_;
  size_t shared_bytes_ = 0;
};

}  // namespace hearth::rpc
