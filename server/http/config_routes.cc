#include "server/http/config_routes.h"

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/core/build/config_blame.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/config_name.h"
#include "server/core/render/output_format.h"
#include "server/core/store/page_token.h"
#include "server/http/http_status.h"
#include "server/http/openapi_document.h"
#include "server/http/url_codec.h"

namespace hearth::http {
namespace {

constexpr std::string_view kConfigsPrefix = "/v1/configs/";
constexpr std::string_view kBlamePrefix = "/v1/blame/";
constexpr size_t kDefaultPageSize = 100;
constexpr size_t kMaxPageSize = 1000;
constexpr size_t kMaxWatchFilters = 1000;

std::string Quoted(std::string_view etag) { return absl::StrCat("\"", Sv(etag), "\""); }

// Whether an If-None-Match header names `etag`: a list of "strong", W/"weak" or *, compared
// weakly as RFC 9110 says for If-None-Match.
bool IfNoneMatchHits(std::string_view header, std::string_view etag) {
  if (header.empty() || etag.empty()) return false;
  for (absl::string_view part : absl::StrSplit(Sv(header), ',')) {
    std::string_view tag = Sv(absl::StripAsciiWhitespace(part));
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') {
      tag = tag.substr(1, tag.size() - 2);
    }
    if (tag == etag) return true;
  }
  return false;
}

absl::StatusOr<absl::Duration> ParseWait(const std::string& text, absl::Duration max) {
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d < absl::ZeroDuration()) {
    int64_t seconds = 0;  // a bare number is seconds, as Consul's ?wait=
    if (!absl::SimpleAtoi(text, &seconds) || seconds < 0) {
      return absl::InvalidArgumentError("wait must be a duration such as 30s or 5m, or seconds");
    }
    d = absl::Seconds(seconds);
  }
  return std::min(d, max);
}

HttpResponse Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

// The errors' count, and as many of them as fit kMaxErrorHeaderBytes as a JSON list: proxies
// and clients refuse headers of many kilobytes (nginx's default buffer is 4 or 8 KiB).
constexpr size_t kMaxErrorHeaderBytes = 2048;
void AddErrorHeaders(const std::vector<std::string>& errors, HttpResponse* response) {
  std::vector<std::string> shown;
  size_t bytes = 2;
  for (const std::string& e : errors) {
    const size_t quoted = JsonQuoteAscii(e).size() + 1;
    if (bytes + quoted > kMaxErrorHeaderBytes) break;
    bytes += quoted;
    shown.push_back(e);
  }
  response->AddHeader("X-Hearth-Error-Count", absl::StrCat(errors.size()));
  response->AddHeader("X-Hearth-Errors", JsonStringListAscii(shown));
}

const char* HealthName(const ConfigEntry& entry) {
  if (entry.version == nullptr) return "NO_VERSION";
  return entry.errors.empty() ? "OK" : "ERROR";
}

}  // namespace

ConfigRoutes::ConfigRoutes(const ConfigRenderer* renderer, Options options)
    : renderer_(renderer), options_(std::move(options)) {}

ConfigRoutes::Outcome ConfigRoutes::Handle(const HttpRequest& request, absl::Time now,
                                           bool expired) const {
  const bool read = request.method == "GET" || request.method == "HEAD";
  if (request.path == "/healthz") {
    if (!read) return ErrorResponse(absl::UnimplementedError("use GET"));
    return Text(200, "ok\n");
  }
  if (request.path == "/readyz") {
    if (!read) return ErrorResponse(absl::UnimplementedError("use GET"));
    const std::string reason = options_.not_ready_reason ? options_.not_ready_reason() : "";
    return reason.empty() ? Text(200, "ready\n")
                          : Text(503, absl::StrCat("not ready: ", reason, "\n"));
  }
  if (options_.health_only) {
    return ErrorResponse(absl::NotFoundError("this listener serves only /healthz and /readyz"));
  }
  if (request.path == "/v1/openapi.json") {
    if (!read) return ErrorResponse(absl::UnimplementedError("use GET"));
    HttpResponse r;
    r.body = std::string(OpenApiDocument());
    return r;
  }
  if (request.path == "/v1/configs") {
    if (!read) return ErrorResponse(absl::UnimplementedError("use GET"));
    return ListConfigs(request);
  }
  if (request.path == "/v1/validate") {
    if (request.method != "POST") return ErrorResponse(absl::UnimplementedError("use POST"));
    absl::StatusOr<ValidateRequest> validate = ParseValidateRequest(request.body);
    if (!validate.ok()) return ErrorResponse(validate.status());
    return *std::move(validate);
  }
  if (request.path == "/v1/watch") {
    if (!read) return ErrorResponse(absl::UnimplementedError("use GET"));
    return WatchConfigs(request);
  }
  if (request.path.starts_with(kBlamePrefix)) {
    if (!read) return ErrorResponse(absl::UnimplementedError("use GET"));
    return Blame(request, std::string_view(request.path).substr(kBlamePrefix.size()));
  }
  if (request.path.starts_with(kConfigsPrefix)) {
    if (!read) return ErrorResponse(absl::UnimplementedError("use GET or HEAD"));
    return GetConfig(request, std::string_view(request.path).substr(kConfigsPrefix.size()), now,
                     expired);
  }
  return ErrorResponse(absl::NotFoundError(
      "no such endpoint; see /v1/configs/{name}, /v1/configs, /v1/watch, /v1/blame/{name}, "
      "/v1/validate, /v1/openapi.json, /healthz, /readyz"));
}

ConfigRoutes::Outcome ConfigRoutes::GetConfig(const HttpRequest& request,
                                              std::string_view encoded_name, absl::Time now,
                                              bool expired) const {
  absl::StatusOr<std::map<std::string, std::string>> query = ParseQuery(request.query);
  if (!query.ok()) return ErrorResponse(query.status());
  for (const auto& [key, value] : *query) {
    if (key != "profile" && key != "path" && key != "format" && key != "wait") {
      return ErrorResponse(absl::InvalidArgumentError(
          "unknown query parameter; one of profile, path, format, wait"));
    }
  }
  // The name keeps its slashes (/v1/configs/team-a/billing); each byte is decoded, so %2e%2e is
  // "..", which the name rules refuse like a literal one.
  absl::StatusOr<std::string> name = PercentDecode(encoded_name, false);
  if (!name.ok()) return ErrorResponse(name.status());
  if (name->empty()) return ErrorResponse(absl::InvalidArgumentError("config name is required"));
  if (absl::Status s = ValidateConfigName(*name); !s.ok()) return ErrorResponse(s);
  absl::StatusOr<OutputFormat> format = ParseOutputFormat((*query)["format"]);
  if (!format.ok()) return ErrorResponse(format.status());
  absl::Duration wait = absl::ZeroDuration();
  if (const auto it = query->find("wait"); it != query->end() && !expired) {
    absl::StatusOr<absl::Duration> parsed = ParseWait(it->second, options_.max_wait);
    if (!parsed.ok()) return ErrorResponse(parsed.status());
    wait = *parsed;
  }

  absl::StatusOr<ConfigRenderer::Result> rendered =
      renderer_->Render(*name, (*query)["profile"], (*query)["path"], *format);
  if (!rendered.ok()) return ErrorResponse(rendered.status());
  const ConfigEntry& entry = *rendered->entry;
  const RenderedDocument& doc = *rendered->doc;

  HttpResponse response;
  response.content_type = std::string(OutputFormatContentType(*format));
  if (!doc.etag.empty()) response.AddHeader("ETag", Quoted(doc.etag));
  response.AddHeader("Cache-Control", "no-cache");
  if (entry.version_revision != 0) {
    response.AddHeader("X-Hearth-Revision", absl::StrCat(entry.version_revision));
  }
  if (!entry.errors.empty()) {
    // The last rebuild failed: this is the last-known-good. ASCII JSON, safe in a header; the
    // engine's messages name file:line:col and never quote config values.
    AddErrorHeaders(entry.errors, &response);
  }
  if (IfNoneMatchHits(request.if_none_match, doc.etag)) {
    if (wait > absl::ZeroDuration()) return Wait{*name, now + wait};
    response.status = 304;
    response.content_type.clear();
    return response;
  }
  const std::string* bytes = *format == OutputFormat::kJson ? doc.json.get() : doc.content.get();
  if (bytes != nullptr) {  // HEAD too: the session sends only its length
    response.body = *bytes;
    if (*format == OutputFormat::kJson) response.body.push_back('\n');
  }
  return response;
}

HttpResponse ConfigRoutes::ListConfigs(const HttpRequest& request) const {
  absl::StatusOr<std::map<std::string, std::string>> query = ParseQuery(request.query);
  if (!query.ok()) return ErrorResponse(query.status());
  for (const auto& [key, value] : *query) {
    if (key != "prefix" && key != "page_size" && key != "page_token") {
      return ErrorResponse(absl::InvalidArgumentError(
          "unknown query parameter; one of prefix, page_size, page_token"));
    }
  }
  const std::string& prefix = (*query)["prefix"];
  if (!prefix.empty()) {
    if (absl::Status s = ValidateConfigNamePrefix(prefix); !s.ok()) return ErrorResponse(s);
  }
  size_t page_size = kDefaultPageSize;
  if (const std::string& text = (*query)["page_size"]; !text.empty()) {
    uint64_t n = 0;
    if (!absl::SimpleAtoi(text, &n)) {
      return ErrorResponse(absl::InvalidArgumentError("page_size must be a number"));
    }
    page_size = n == 0 ? kDefaultPageSize : std::min<uint64_t>(n, kMaxPageSize);
  }
  std::string after;
  if (const std::string& token = (*query)["page_token"];
      !token.empty() && !DecodePageToken(token, prefix, &after)) {
    return ErrorResponse(absl::InvalidArgumentError(
        "invalid page_token: pass next_page_token from the previous response, with the same "
        "prefix"));
  }
  const ConfigStore& store = renderer_->store();
  const auto entries = store.List(prefix);
  auto it = entries.begin();
  if (!after.empty()) {
    it = std::upper_bound(entries.begin(), entries.end(), after,
                          [](const std::string& n, const auto& e) { return n < e->name; });
  }
  HttpResponse response;
  std::string body = absl::StrCat("{\"revision\":", store.revision(), ",\"configs\":[");
  size_t listed = 0;
  std::string last;
  for (; it != entries.end() && listed < page_size; ++it, ++listed) {
    const ConfigEntry& e = **it;
    std::string etag;
    std::string profiles = "[";
    if (e.version != nullptr) {
      etag = e.version->Variant("").etag;
      bool first = true;
      for (const std::string& profile : e.version->Profiles()) {
        absl::StrAppend(&profiles, first ? "" : ",", JsonQuoteAscii(profile));
        first = false;
      }
    }
    profiles += "]";
    absl::StrAppend(&body, listed == 0 ? "" : ",", "{\"name\":", JsonQuoteAscii(e.name),
                    ",\"revision\":", e.version_revision, ",\"etag\":\"", etag, "\",\"health\":\"",
                    HealthName(e), "\",\"errors\":", JsonStringListAscii(e.errors),
                    ",\"profiles\":", profiles, "}");
    last = e.name;
  }
  body += "]";
  if (it != entries.end() && listed > 0) {
    absl::StrAppend(&body, ",\"next_page_token\":\"", EncodePageToken(prefix, last), "\"");
  }
  body += "}\n";
  response.body = std::move(body);
  return response;
}

ConfigRoutes::Outcome ConfigRoutes::WatchConfigs(const HttpRequest& request) const {
  absl::StatusOr<std::map<std::string, std::string>> query = ParseQuery(request.query);
  if (!query.ok()) return ErrorResponse(query.status());
  for (const auto& [key, value] : *query) {
    if (key != "names" && key != "prefixes" && key != "profile" && key != "since_revision") {
      return ErrorResponse(absl::InvalidArgumentError(
          "unknown query parameter; one of names, prefixes, profile, since_revision"));
    }
  }
  Watch watch;
  for (absl::string_view name : absl::StrSplit((*query)["names"], ',', absl::SkipEmpty())) {
    if (absl::Status s = ValidateConfigName(Sv(name)); !s.ok()) return ErrorResponse(s);
    watch.names.emplace_back(name);
  }
  for (absl::string_view prefix : absl::StrSplit((*query)["prefixes"], ',', absl::SkipEmpty())) {
    if (absl::Status s = ValidateConfigNamePrefix(Sv(prefix)); !s.ok()) return ErrorResponse(s);
    watch.prefixes.emplace_back(prefix);
  }
  if (watch.names.size() + watch.prefixes.size() > kMaxWatchFilters) {
    return ErrorResponse(absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxWatchFilters, " names and prefixes in all")));
  }
  watch.profile = (*query)["profile"];
  // Last-Event-ID (an EventSource reconnecting) wins over since_revision: REVISION@INSTANCE.
  if (!request.last_event_id.empty()) {
    const std::string& id = request.last_event_id;
    const size_t at = id.find('@');
    uint64_t revision = 0;
    if (at == std::string::npos ||
        !absl::SimpleAtoi(Sv(std::string_view(id).substr(0, at)), &revision)) {
      watch.reset = true;  // not one of ours: start over, and say so
    } else if (std::string_view(id).substr(at + 1) != options_.instance_id) {
      watch.reset = true;  // another daemon's revisions
    } else {
      watch.resume = true;
      watch.since_revision = revision;
    }
  } else if (const std::string& since = (*query)["since_revision"]; !since.empty()) {
    if (!absl::SimpleAtoi(since, &watch.since_revision)) {
      return ErrorResponse(absl::InvalidArgumentError("since_revision must be a number"));
    }
    watch.resume = watch.since_revision > 0;
  }
  return watch;
}

HttpResponse ConfigRoutes::Blame(const HttpRequest& request, std::string_view encoded_name) const {
  absl::StatusOr<std::map<std::string, std::string>> query = ParseQuery(request.query);
  if (!query.ok()) return ErrorResponse(query.status());
  for (const auto& [key, value] : *query) {
    if (key != "profile" && key != "path") {
      return ErrorResponse(
          absl::InvalidArgumentError("unknown query parameter; one of profile, path"));
    }
  }
  absl::StatusOr<std::string> name = PercentDecode(encoded_name, false);
  if (!name.ok()) return ErrorResponse(name.status());
  if (absl::Status s = ValidateConfigName(*name); !s.ok()) return ErrorResponse(s);
  std::shared_ptr<const ConfigEntry> entry = renderer_->store().Get(*name);
  if (entry == nullptr) {
    return ErrorResponse(absl::NotFoundError(absl::StrCat("config '", *name, "' not found")));
  }
  if (entry->version == nullptr) {
    return ErrorResponse(absl::FailedPreconditionError(
        absl::StrCat("config '", *name, "' has never built successfully: nothing to blame")));
  }
  const ConfigVersion& version = *entry->version;
  const std::string& profile = (*query)["profile"];
  absl::StatusOr<std::vector<BlameEntry>> blamed = BlameConfig(version, profile);
  if (!blamed.ok()) return ErrorResponse(blamed.status());
  const std::string& path = (*query)["path"];
  const std::vector<std::string> sources = version.Sources();
  auto source = [&](const Origin& o) {
    std::string file = o.file < sources.size() ? sources[o.file] : "";
    return absl::StrCat("{\"file\":", JsonQuoteAscii(file), ",\"line\":", o.line,
                        ",\"column\":", o.column, "}");
  };
  std::string body =
      absl::StrCat("{\"name\":", JsonQuoteAscii(*name), ",\"revision\":", entry->version_revision,
                   ",\"profile\":", JsonQuoteAscii(profile), ",\"entries\":[");
  bool first = true;
  for (const BlameEntry& b : *blamed) {
    if (!path.empty() && b.path != path && !b.path.starts_with(path + ".")) continue;
    absl::StrAppend(&body, first ? "" : ",", "{\"path\":", JsonQuoteAscii(b.path),
                    ",\"set_by\":", source(b.origin), ",\"overrode\":[");
    for (size_t i = 0; i < b.overrode.size(); ++i) {
      absl::StrAppend(&body, i == 0 ? "" : ",", source(b.overrode[i]));
    }
    body += "]}";
    first = false;
  }
  body += "]}\n";
  HttpResponse response;
  if (!entry->errors.empty()) AddErrorHeaders(entry->errors, &response);
  response.body = std::move(body);
  return response;
}

}  // namespace hearth::http
