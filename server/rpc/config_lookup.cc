#include "server/rpc/config_lookup.h"

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/config_name.h"
#include "server/rpc/document_format.h"
#include "server/rpc/status_util.h"
#include "server/rpc/value_proto.h"

namespace hearth::rpc {

grpc::Status LookupConfig(const ConfigRenderer& renderer, const v1::GetConfigRequest& request,
                          v1::GetConfigResponse* out, const RolloutTracker* rollout) {
  if (request.name().empty()) {
    return GrpcError(grpc::StatusCode::INVALID_ARGUMENT, "config name is required");
  }
  if (absl::Status valid = ValidateConfigName(request.name()); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  if (rollout != nullptr && request.client_id().size() > rollout->options().max_id_bytes) {
    return GrpcError(grpc::StatusCode::INVALID_ARGUMENT,
                     absl::StrCat("client_id is ", request.client_id().size(), " bytes; at most ",
                                  rollout->options().max_id_bytes));
  }
  absl::StatusOr<OutputFormat> format = FromProtoFormat(request.format());
  if (!format.ok()) return ToGrpcStatus(format.status());
  absl::StatusOr<ConfigRenderer::Result> rendered =
      renderer.Render(request.name(), request.profile(), request.path(), *format);
  if (!rendered.ok()) return ToGrpcStatus(rendered.status());
  const ConfigEntry& entry = *rendered->entry;
  const RenderedDocument& doc = *rendered->doc;

  // GetConfigResponse is proto2 (documents.proto): a field is set only when it is not its
  // default, so that the message is sent and printed as it was in proto3.
  out->set_name(entry.name);
  if (entry.version != nullptr) {
    const ConfigVersion& version = *entry.version;
    if (entry.version_revision != 0) out->set_revision(entry.version_revision);
    if (!version.schema.empty()) out->set_schema(version.schema);
    bool profile_used = request.profile().empty();
    for (const SourceFile& file : version.files) {
      if (file.profile.empty() || file.profile == request.profile()) out->add_sources(file.name);
      profile_used |= file.profile == request.profile();
    }
    if (!profile_used) out->set_profile_unknown(true);
  }
  if (!doc.etag.empty()) out->set_etag(doc.etag);
  // Reports name the whole variant's etag (as the watch compares it), also for a path request
  // or another format.
  const std::string version_etag =
      entry.version != nullptr ? entry.version->Variant(request.profile()).etag : std::string();
  if (!version_etag.empty()) out->set_document_etag(version_etag);
  if (!request.profile().empty()) out->set_profile(request.profile());
  if (!request.path().empty()) out->set_path(request.path());
  for (const std::string& error : entry.errors) out->add_errors(error);
  if (!request.if_none_match().empty() && request.if_none_match() == doc.etag) {
    out->set_not_modified(true);
    return grpc::Status::OK;
  }
  if (rollout != nullptr && !request.client_id().empty() && !version_etag.empty() &&
      rollout->Rejected(request.client_id(), request.name(), request.profile(), version_etag)) {
    // This client's check refused the served version: it keeps what it has until the next one.
    out->set_not_modified(true);
    out->set_withheld(true);
    return grpc::Status::OK;
  }
  // The one copy of the document.
  if (doc.json != nullptr && !doc.json->empty()) out->set_json(*doc.json);
  if (doc.content != nullptr && !doc.content->empty()) out->set_content(*doc.content);
  if (request.include_value()) {
    absl::StatusOr<Value> tree = ConfigRenderer::Tree(*rendered);
    if (!tree.ok()) return ToGrpcStatus(tree.status());
    ToProtoValue(*tree, out->mutable_value());
  }
  return grpc::Status::OK;
}

void FillConfigInfo(const ConfigEntry& entry, v1::ConfigInfo* out) {
  out->set_name(entry.name);
  out->set_mod_revision(entry.mod_revision);
  if (entry.version == nullptr) {
    out->set_health(v1::CONFIG_HEALTH_NO_VERSION);
  } else {
    const ConfigVersion& version = *entry.version;
    out->set_health(entry.errors.empty() ? v1::CONFIG_HEALTH_OK : v1::CONFIG_HEALTH_ERROR);
    out->set_revision(entry.version_revision);
    if (!version.variants.empty()) out->set_etag(version.variants.front().etag);
    for (std::string& profile : version.Profiles()) out->add_profiles(std::move(profile));
    for (const SourceFile& file : version.files) out->add_sources(file.name);
    out->set_schema(version.schema);
  }
  for (const std::string& error : entry.errors) out->add_errors(error);
}

}  // namespace hearth::rpc
