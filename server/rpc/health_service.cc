#include "server/rpc/health_service.h"

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "grpcpp/server_context.h"

namespace hearth::rpc {
namespace {

using google::protobuf::internal::WireFormatLite;

constexpr char kCheckMethod[] = "/grpc.health.v1.Health/Check";
constexpr char kWatchMethod[] = "/grpc.health.v1.Health/Watch";

// HealthCheckRequest { string service = 1; } -> service; nullopt when malformed.
std::optional<std::string> DecodeRequest(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return std::nullopt;
  std::string bytes;
  for (const grpc::Slice& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  std::string service;
  while (uint32_t tag = in.ReadTag()) {
    if (tag == WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
      if (!WireFormatLite::ReadString(&in, &service)) return std::nullopt;
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return std::nullopt;
    }
  }
  if (!in.ConsumedEntireMessage()) return std::nullopt;
  return service;
}

// HealthCheckResponse { ServingStatus status = 1; }
void EncodeResponse(HealthService::ServingStatus status, grpc::ByteBuffer* out) {
  const char bytes[2] = {
      static_cast<char>(WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_VARINT)),
      static_cast<char>(status)};
  grpc::Slice slice(bytes, status == HealthService::kUnknown ? 0 : 2);
  *out = grpc::ByteBuffer(&slice, 1);
}

// Registers grpc/health/v1/health.proto in protobuf's generated pool so that server reflection can
// describe the service (buf curl --list-methods, grpcurl describe). Built from the upstream
// definition; no generated classes are needed since the messages are coded by hand above.
void RegisterHealthDescriptor() {
  using google::protobuf::FieldDescriptorProto;
  google::protobuf::FileDescriptorProto file;
  file.set_name("grpc/health/v1/health.proto");
  file.set_package("grpc.health.v1");
  file.set_syntax("proto3");
  auto* request = file.add_message_type();
  request->set_name("HealthCheckRequest");
  auto* service_field = request->add_field();
  service_field->set_name("service");
  service_field->set_json_name("service");
  service_field->set_number(1);
  service_field->set_label(FieldDescriptorProto::LABEL_OPTIONAL);
  service_field->set_type(FieldDescriptorProto::TYPE_STRING);
  auto* response = file.add_message_type();
  response->set_name("HealthCheckResponse");
  auto* status_enum = response->add_enum_type();
  status_enum->set_name("ServingStatus");
  for (const auto& [name, number] : {std::pair<const char*, int>{"UNKNOWN", 0},
                                     {"SERVING", 1},
                                     {"NOT_SERVING", 2},
                                     {"SERVICE_UNKNOWN", 3}}) {
    auto* value = status_enum->add_value();
    value->set_name(name);
    value->set_number(number);
  }
  auto* status_field = response->add_field();
  status_field->set_name("status");
  status_field->set_json_name("status");
  status_field->set_number(1);
  status_field->set_label(FieldDescriptorProto::LABEL_OPTIONAL);
  status_field->set_type(FieldDescriptorProto::TYPE_ENUM);
  status_field->set_type_name(".grpc.health.v1.HealthCheckResponse.ServingStatus");
  auto* service = file.add_service();
  service->set_name("Health");
  for (const char* method_name : {"Check", "Watch"}) {
    auto* method = service->add_method();
    method->set_name(method_name);
    method->set_input_type(".grpc.health.v1.HealthCheckRequest");
    method->set_output_type(".grpc.health.v1.HealthCheckResponse");
    method->set_server_streaming(std::string_view(method_name) == "Watch");
  }
  // The pool keeps a pointer to the bytes: they live for the whole process.
  static const std::string* const kEncoded = new std::string(file.SerializeAsString());
  google::protobuf::DescriptorPool::InternalAddGeneratedFile(kEncoded->data(),
                                                             static_cast<int>(kEncoded->size()));
}

}  // namespace

// One Watch stream. All state is guarded by the service's mu_; gRPC calls (StartWrite, Finish)
// are made with no lock held. The reactor is alive until OnDone, which cannot come before Finish,
// and Finish is only called when no write is in flight.
class HealthService::WatchReactor : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  WatchReactor(HealthService* service, std::string name)
      : service_(service), name_(std::move(name)) {}

  // Under service_->mu_: records the status to send; returns true when the caller must call
  // Flush() after unlocking.
  bool SetWanted(ServingStatus status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(service_->mu_) {
    wanted_ = status;
    return Claim();
  }
  // Under service_->mu_: asks the stream to end after its current write.
  bool RequestEnd() ABSL_EXCLUSIVE_LOCKS_REQUIRED(service_->mu_) {
    ending_ = true;
    return Claim();
  }
  // With no lock held, after SetWanted/RequestEnd/Claim returned true: performs the claimed
  // action (a write of the wanted status, or Finish).
  void Flush() {
    if (finish_claimed_) {
      Finish(finish_status_);
      return;
    }
    StartWrite(&buffer_);
  }

  void OnWriteDone(bool ok) override {
    bool act;
    {
      absl::MutexLock lock(&service_->mu_);
      writing_ = false;
      if (!ok) cancelled_ = true;
      act = Claim();
    }
    if (act) Flush();
  }
  void OnCancel() override {
    bool act;
    {
      absl::MutexLock lock(&service_->mu_);
      cancelled_ = true;
      act = Claim();
    }
    if (act) Flush();
  }
  void OnDone() override {
    {
      absl::MutexLock lock(&service_->mu_);
      service_->watchers_.erase(this);
    }
    delete this;
  }

 private:
  // Decides the next action when idle: finish (cancelled / ending and nothing left to send) or
  // write the wanted status if it differs from the last one sent.
  bool Claim() ABSL_EXCLUSIVE_LOCKS_REQUIRED(service_->mu_) {
    if (writing_ || finish_claimed_) return false;
    if (cancelled_ || (ending_ && sent_ == wanted_)) {
      finish_claimed_ = true;
      finish_status_ = cancelled_
                           ? grpc::Status::CANCELLED
                           : grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down");
      return true;
    }
    if (sent_ == wanted_) return false;
    EncodeResponse(wanted_, &buffer_);
    sent_ = wanted_;
    writing_ = true;
    return true;
  }

  HealthService* const service_;
  const std::string name_;
  grpc::ByteBuffer buffer_;  // the message in flight; touched only by the writer role
  std::optional<ServingStatus> sent_;
  ServingStatus wanted_ = kUnknown;
  bool writing_ = false;
  bool ending_ = false;
  bool cancelled_ = false;
  bool finish_claimed_ = false;
  grpc::Status finish_status_;  // written once, when finish_claimed_ is set

  friend class HealthService;
};

HealthService::HealthService(std::vector<std::string> services, Provider provider)
    : services_(services.begin(), services.end()), provider_(std::move(provider)) {
  // Once per process, and before any server using this service starts (reflection looks it up).
  static std::once_flag registered;
  std::call_once(registered, RegisterHealthDescriptor);
  AddMethod(new grpc::internal::RpcServiceMethod(kCheckMethod,
                                                 grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
  MarkMethodCallback(
      0, new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
             [this](grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                    grpc::ByteBuffer* response) { return Check(context, request, response); }));
  AddMethod(new grpc::internal::RpcServiceMethod(
      kWatchMethod, grpc::internal::RpcMethod::SERVER_STREAMING, nullptr));
  MarkMethodCallback(
      1, new grpc::internal::CallbackServerStreamingHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
             [this](grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
               return Watch(context, request);
             }));
}

HealthService::~HealthService() = default;

HealthService::ServingStatus HealthService::StatusFor(const std::string& service) const {
  if (!services_.contains(service)) return kServiceUnknown;
  {
    absl::MutexLock lock(&mu_);
    if (shutdown_) return kNotServing;
  }
  return provider_() ? kServing : kNotServing;
}

void HealthService::Refresh() {
  // Evaluate outside the lock (the provider may take its own locks).
  const ServingStatus overall = StatusFor("");
  std::vector<WatchReactor*> to_flush;
  {
    absl::MutexLock lock(&mu_);
    for (WatchReactor* w : watchers_) {
      const ServingStatus status = services_.contains(w->name_) ? overall : kServiceUnknown;
      if (w->SetWanted(status)) to_flush.push_back(w);
    }
  }
  for (WatchReactor* w : to_flush) w->Flush();
}

void HealthService::Shutdown() {
  std::vector<WatchReactor*> to_flush;
  {
    absl::MutexLock lock(&mu_);
    shutdown_ = true;
    for (WatchReactor* w : watchers_) {
      if (services_.contains(w->name_)) w->wanted_ = kNotServing;
      if (w->RequestEnd()) to_flush.push_back(w);
    }
  }
  for (WatchReactor* w : to_flush) w->Flush();
}

grpc::ServerUnaryReactor* HealthService::Check(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request,
                                               grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const std::optional<std::string> service = DecodeRequest(*request);
  if (!service) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "malformed grpc.health.v1.HealthCheckRequest"));
    return reactor;
  }
  const ServingStatus status = StatusFor(*service);
  if (status == kServiceUnknown) {
    reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                 "unknown service \"" + *service + "\" (try \"\")"));
    return reactor;
  }
  EncodeResponse(status, response);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* HealthService::Watch(
    grpc::CallbackServerContext* /*context*/, const grpc::ByteBuffer* request) {
  const std::optional<std::string> service = DecodeRequest(*request);
  auto* reactor = new WatchReactor(this, service.value_or(""));
  if (!service) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "malformed grpc.health.v1.HealthCheckRequest"));
    return reactor;
  }
  const ServingStatus status = StatusFor(*service);
  bool act;
  {
    absl::MutexLock lock(&mu_);
    watchers_.insert(reactor);
    act = reactor->SetWanted(status);
    if (!act && shutdown_) act = reactor->RequestEnd();
    if (shutdown_) reactor->ending_ = true;
  }
  if (act) reactor->Flush();
  return reactor;
}

}  // namespace hearth::rpc
