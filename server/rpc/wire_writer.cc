#include "server/rpc/wire_writer.h"

#include <utility>

#include "grpcpp/support/slice.h"

namespace hearth::rpc {
namespace {

constexpr int kVarint = 0;
constexpr int kLengthDelimited = 2;

// grpc_slice destroy callback: drops the slice's reference to the string it points into.
void ReleaseShared(void* owner) { delete static_cast<std::shared_ptr<const std::string>*>(owner); }

}  // namespace

void WireWriter::Varint(uint64_t value) {
  while (value >= 0x80) {
    small_.push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  small_.push_back(static_cast<char>(value));
}

void WireWriter::Tag(int field, int wire_type) {
  Varint((static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(wire_type));
}

void WireWriter::String(int field, std::string_view value) {
  Tag(field, kLengthDelimited);
  Varint(value.size());
  small_.append(value);
}

void WireWriter::Uint64(int field, uint64_t value) {
  Tag(field, kVarint);
  Varint(value);
}

void WireWriter::Bool(int field, bool value) {
  Tag(field, kVarint);
  Varint(value ? 1 : 0);
}

void WireWriter::SharedString(int field, std::shared_ptr<const std::string> value) {
  Tag(field, kLengthDelimited);
  Varint(value->size());
  shared_bytes_ += value->size();
  pieces_.push_back(Piece{small_.size(), std::move(value)});
}

void WireWriter::Finish(grpc::ByteBuffer* out) const {
  absl::InlinedVector<grpc::Slice, 5> slices;
  // One copy of the small bytes; the slices below share it (grpc_slice_sub takes a reference).
  const grpc::Slice small(small_.data(), small_.size());
  size_t begin = 0;
  for (const Piece& piece : pieces_) {
    if (piece.end > begin) slices.push_back(small.sub(begin, piece.end));
    begin = piece.end;
    if (piece.shared->empty()) continue;
    auto* owner = new std::shared_ptr<const std::string>(piece.shared);
    slices.emplace_back(const_cast<char*>((*owner)->data()), (*owner)->size(), &ReleaseShared,
                        owner);
  }
  if (small_.size() > begin) slices.push_back(small.sub(begin, small_.size()));
  grpc::ByteBuffer buffer(slices.data(), slices.size());
  out->Swap(&buffer);
}

}  // namespace hearth::rpc
