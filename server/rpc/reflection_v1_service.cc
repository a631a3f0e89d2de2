#include "server/rpc/reflection_v1_service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"

namespace hearth::rpc {
namespace {

namespace v1 = grpc::reflection::v1;
using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;

void SetError(grpc::StatusCode code, const char* message, v1::ServerReflectionResponse* response) {
  v1::ErrorResponse* error = response->mutable_error_response();
  error->set_error_code(static_cast<int32_t>(code));
  error->set_error_message(message);
}

// `file` and every file it imports, transitively, each once, `file` first.
void AddFileWithDependencies(const FileDescriptor* file, v1::ServerReflectionResponse* response) {
  absl::flat_hash_set<const FileDescriptor*> seen;
  std::vector<const FileDescriptor*> pending = {file};
  v1::FileDescriptorResponse* out = response->mutable_file_descriptor_response();
  while (!pending.empty()) {
    const FileDescriptor* next = pending.back();
    pending.pop_back();
    if (!seen.insert(next).second) continue;
    google::protobuf::FileDescriptorProto proto;
    next->CopyTo(&proto);
    proto.SerializeToString(out->add_file_descriptor_proto());
    for (int i = next->dependency_count() - 1; i >= 0; --i) pending.push_back(next->dependency(i));
  }
}

}  // namespace

class ReflectionV1Service::Reactor
    : public grpc::ServerBidiReactor<v1::ServerReflectionRequest, v1::ServerReflectionResponse> {
 public:
  explicit Reactor(const ReflectionV1Service* service) : service_(service) { StartRead(&request_); }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client half-closed (or the call is gone)
      Finish(grpc::Status::OK);
      return;
    }
    if (++requests_ > kMaxRequestsPerStream) {
      Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          "too many reflection requests on one stream"));
      return;
    }
    response_.Clear();
    service_->Answer(request_, &response_);
    StartWrite(&response_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "reflection stream write failed"));
      return;
    }
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  const ReflectionV1Service* const service_;
  v1::ServerReflectionRequest request_;
  v1::ServerReflectionResponse response_;
  int requests_ = 0;
};

ReflectionV1Service::ReflectionV1Service(std::vector<std::string> services)
    : services_(std::move(services)) {}

grpc::ServerBidiReactor<v1::ServerReflectionRequest, v1::ServerReflectionResponse>*
ReflectionV1Service::ServerReflectionInfo(grpc::CallbackServerContext* /*context*/) {
  return new Reactor(this);
}

void ReflectionV1Service::Answer(const v1::ServerReflectionRequest& request,
                                 v1::ServerReflectionResponse* response) const {
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  response->set_valid_host(request.host().size() <= kMaxNameBytes ? request.host() : "");
  *response->mutable_original_request() = request;
  auto too_long = [](const std::string& name) { return name.size() > kMaxNameBytes; };
  switch (request.message_request_case()) {
    case v1::ServerReflectionRequest::kListServices: {
      v1::ListServiceResponse* list = response->mutable_list_services_response();
      for (const std::string& name : services_) list->add_service()->set_name(name);
      return;
    }
    case v1::ServerReflectionRequest::kFileByFilename: {
      if (too_long(request.file_by_filename())) break;
      const FileDescriptor* file = pool->FindFileByName(request.file_by_filename());
      if (file == nullptr)
        return SetError(grpc::StatusCode::NOT_FOUND, "File not found.", response);
      return AddFileWithDependencies(file, response);
    }
    case v1::ServerReflectionRequest::kFileContainingSymbol: {
      if (too_long(request.file_containing_symbol())) break;
      const FileDescriptor* file = pool->FindFileContainingSymbol(request.file_containing_symbol());
      if (file == nullptr) {
        return SetError(grpc::StatusCode::NOT_FOUND, "Symbol not found.", response);
      }
      return AddFileWithDependencies(file, response);
    }
    case v1::ServerReflectionRequest::kFileContainingExtension: {
      const v1::ExtensionRequest& ext = request.file_containing_extension();
      if (too_long(ext.containing_type())) break;
      const google::protobuf::Descriptor* type = pool->FindMessageTypeByName(ext.containing_type());
      if (type == nullptr)
        return SetError(grpc::StatusCode::NOT_FOUND, "Type not found.", response);
      const google::protobuf::FieldDescriptor* field =
          pool->FindExtensionByNumber(type, ext.extension_number());
      if (field == nullptr) {
        return SetError(grpc::StatusCode::NOT_FOUND, "Extension not found.", response);
      }
      return AddFileWithDependencies(field->file(), response);
    }
    case v1::ServerReflectionRequest::kAllExtensionNumbersOfType: {
      if (too_long(request.all_extension_numbers_of_type())) break;
      const google::protobuf::Descriptor* type =
          pool->FindMessageTypeByName(request.all_extension_numbers_of_type());
      if (type == nullptr)
        return SetError(grpc::StatusCode::NOT_FOUND, "Type not found.", response);
      std::vector<const google::protobuf::FieldDescriptor*> extensions;
      pool->FindAllExtensions(type, &extensions);
      v1::ExtensionNumberResponse* numbers = response->mutable_all_extension_numbers_response();
      numbers->set_base_type_name(type->full_name());
      for (const auto* field : extensions) numbers->add_extension_number(field->number());
      return;
    }
    case v1::ServerReflectionRequest::MESSAGE_REQUEST_NOT_SET:
      return SetError(grpc::StatusCode::INVALID_ARGUMENT, "no request kind set", response);
  }
  // A name over kMaxNameBytes: no descriptor has one, and the echo would only cost bandwidth.
  response->clear_original_request();
  SetError(grpc::StatusCode::INVALID_ARGUMENT, "name too long", response);
}

}  // namespace hearth::rpc
