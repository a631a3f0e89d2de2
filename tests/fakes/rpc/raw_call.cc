#include "tests/fakes/rpc/raw_call.h"

#include <vector>

#include "absl/synchronization/notification.h"

namespace hearth::testing {
namespace {

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes;
}

}  // namespace

grpc::Status RawUnaryCall(grpc::Channel* channel, const std::string& method,
                          const std::string& request, std::string* response,
                          grpc::ClientContext* context) {
  grpc::GenericStub stub(channel->shared_from_this());
  const grpc::ByteBuffer request_buffer = ToBuffer(request);
  grpc::ByteBuffer response_buffer;
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(context, method, grpc::StubOptions(), &request_buffer, &response_buffer,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (response != nullptr) *response = status.ok() ? FromBuffer(response_buffer) : "";
  return status;
}

RawStream::RawStream(grpc::Channel* channel, const std::string& method,
                     grpc::ClientContext* context)
    : stub_(channel->shared_from_this()) {
  call_ = stub_.PrepareCall(context, method, &cq_);
  call_->StartCall(this);
  started_ = Await();
}

RawStream::~RawStream() {
  cq_.Shutdown();
  void* tag;
  bool ok;
  while (cq_.Next(&tag, &ok)) {
  }
}

bool RawStream::Await() {
  void* tag;
  bool ok = false;
  if (!cq_.Next(&tag, &ok)) return false;
  return ok;
}

bool RawStream::Write(const std::string& message) {
  if (!started_) return false;
  call_->Write(ToBuffer(message), this);
  return Await();
}

bool RawStream::WritesDone() {
  if (!started_) return false;
  call_->WritesDone(this);
  return Await();
}

bool RawStream::Read(std::string* message) {
  if (!started_) return false;
  grpc::ByteBuffer buffer;
  call_->Read(&buffer, this);
  if (!Await()) return false;
  *message = FromBuffer(buffer);
  return true;
}

grpc::Status RawStream::Finish() {
  grpc::Status status;
  call_->Finish(&status, this);
  Await();
  return status;
}

}  // namespace hearth::testing
