#include "server/rpc/config_lookup.h"

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/config_name.h"
#include "server/rpc/document_format.h"
#include "server/rpc/status_util.h"
#include "server/rpc/value_proto.h"

namespace hearth::rpc {

bool ServedSource(const SourceFile& file, std::string_view profile) {
  return file.profile.empty() || file.profile == profile;
}

grpc::Status ResolveConfig(const ConfigRenderer& renderer, const v1::GetConfigRequest& request,
                           const RolloutTracker* rollout, ConfigAnswer* out) {
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
  out->rendered = *std::move(rendered);
  const ConfigEntry& entry = *out->rendered.entry;
  const RenderedDocument& doc = *out->rendered.doc;
  // Reports name the whole variant's etag (as the watch compares it), also for a path request
  // or another format.
  out->version_etag = entry.version != nullptr
                          ? std::string_view(entry.version->Variant(request.profile()).etag)
                          : std::string_view();
  out->not_modified = false;
  out->withheld = false;
  if (!request.if_none_match().empty() && request.if_none_match() == doc.etag) {
    out->not_modified = true;
  } else if (rollout != nullptr && !request.client_id().empty() && !out->version_etag.empty() &&
             rollout->Rejected(request.client_id(), request.name(), request.profile(),
                               out->version_etag)) {
    // This client's check refused the served version: it keeps what it has until the next one.
    out->not_modified = true;
    out->withheld = true;
  }
  return grpc::Status::OK;
}

grpc::Status LookupConfig(const ConfigRenderer& renderer, const v1::GetConfigRequest& request,
                          v1::GetConfigResponse* out, const RolloutTracker* rollout) {
  ConfigAnswer answer;
  if (grpc::Status status = ResolveConfig(renderer, request, rollout, &answer); !status.ok()) {
    return status;
  }
  const ConfigEntry& entry = *answer.rendered.entry;
  const RenderedDocument& doc = *answer.rendered.doc;

  // GetConfigResponse is proto2 (documents.proto): a field is set only when it is not its
  // default, so that the message is sent and printed as it was in proto3.
  out->set_name(entry.name);
  if (entry.version != nullptr) {
    const ConfigVersion& version = *entry.version;
    if (entry.version_revision != 0) out->set_revision(entry.version_revision);
    if (!version.schema.empty()) out->set_schema(version.schema);
    bool profile_used = request.profile().empty();
    for (const SourceFile& file : version.files) {
      if (ServedSource(file, request.profile())) out->add_sources(file.name);
      profile_used |= file.profile == request.profile();
    }
    if (!profile_used) out->set_profile_unknown(true);
  }
  if (!doc.etag.empty()) out->set_etag(doc.etag);
  if (!answer.version_etag.empty()) out->set_document_etag(std::string(answer.version_etag));
  if (!request.profile().empty()) out->set_profile(request.profile());
  if (!request.path().empty()) out->set_path(request.path());
  for (const std::string& error : entry.errors) out->add_errors(error);
  if (answer.not_modified) {
    out->set_not_modified(true);
    if (answer.withheld) out->set_withheld(true);
    return grpc::Status::OK;
  }
  // The one copy of the document.
  if (doc.json != nullptr && !doc.json->empty()) out->set_json(*doc.json);
  if (doc.content != nullptr && !doc.content->empty()) out->set_content(*doc.content);
  if (request.include_value()) {
    absl::StatusOr<Value> tree = ConfigRenderer::Tree(answer.rendered);
    if (!tree.ok()) return ToGrpcStatus(tree.status());
    ToProtoValue(*tree, out->mutable_value());
  }
  return grpc::Status::OK;
}

void EncodeGetConfigResponse(const ConfigAnswer& answer, const v1::GetConfigRequest& request,
                             WireWriter* out) {
  // Field numbers of GetConfigResponse (documents.proto), written in this order.
  enum Field {
    kName = 1,
    kRevision = 2,
    kEtag = 3,
    kJson = 4,
    kSources = 6,
    kNotModified = 7,
    kErrors = 8,
    kSchema = 9,
    kProfile = 10,
    kPath = 11,
    kProfileUnknown = 12,
    kWithheld = 13,
    kContent = 14,
    kDocumentEtag = 15,
  };
  const ConfigEntry& entry = *answer.rendered.entry;
  const RenderedDocument& doc = *answer.rendered.doc;
  const ConfigVersion* version = entry.version.get();
  const bool document = !answer.not_modified;
  // As LookupConfig: a field is written only when it is not its default.
  out->String(kName, entry.name);
  if (version != nullptr && entry.version_revision != 0) {
    out->Uint64(kRevision, entry.version_revision);
  }
  if (!doc.etag.empty()) out->String(kEtag, doc.etag);
  if (document && doc.json != nullptr && !doc.json->empty()) out->SharedString(kJson, doc.json);
  bool profile_used = request.profile().empty();
  if (version != nullptr) {
    for (const SourceFile& file : version->files) {
      if (ServedSource(file, request.profile())) out->String(kSources, file.name);
      profile_used |= file.profile == request.profile();
    }
  }
  if (answer.not_modified) out->Bool(kNotModified, true);
  for (const std::string& error : entry.errors) out->String(kErrors, error);
  if (version != nullptr && !version->schema.empty()) out->String(kSchema, version->schema);
  if (!request.profile().empty()) out->String(kProfile, request.profile());
  if (!request.path().empty()) out->String(kPath, request.path());
  if (version != nullptr && !profile_used) out->Bool(kProfileUnknown, true);
  if (answer.withheld) out->Bool(kWithheld, true);
  if (document && doc.content != nullptr && !doc.content->empty()) {
    out->SharedString(kContent, doc.content);
  }
  if (!answer.version_etag.empty()) out->String(kDocumentEtag, answer.version_etag);
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
