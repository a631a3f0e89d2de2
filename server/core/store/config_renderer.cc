#include "server/core/store/config_renderer.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/canonical_json_reader.h"
#include "server/core/model/content_hash.h"
#include "server/core/model/json_writer.h"

namespace hearth {
namespace {

bool HasControlChar(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

}  // namespace

ConfigRenderer::ConfigRenderer(const ConfigStore* store, Options options)
    : store_(store), cache_(options.cache_bytes) {}

absl::StatusOr<ConfigRenderer::Result> ConfigRenderer::Render(std::string_view name,
                                                              std::string_view profile,
                                                              std::string_view path,
                                                              OutputFormat format) const {
  std::shared_ptr<const ConfigEntry> entry = store_->Get(name);
  if (!entry) return absl::NotFoundError(absl::StrCat("config '", Sv(name), "' not found"));
  return RenderEntry(std::move(entry), profile, path, format);
}

absl::StatusOr<ConfigRenderer::Result> ConfigRenderer::RenderEntry(
    std::shared_ptr<const ConfigEntry> entry, std::string_view profile, std::string_view path,
    OutputFormat format) const {
  const std::string& name = entry->name;
  if (!entry->version) {
    return absl::FailedPreconditionError(absl::StrCat(
        "config '", name, "' has no valid version yet: ", absl::StrJoin(entry->errors, "; ")));
  }
  const ConfigVersion& version = *entry->version;
  const RenderedDocument& variant = version.Variant(profile);
  if (path.empty() && format == OutputFormat::kJson) {
    cache_.CountHit();
    // Aliasing constructor: shares ownership of the version, allocates nothing.
    std::shared_ptr<const RenderedDocument> doc(entry->version, &variant);
    return Result{std::move(entry), std::move(doc)};
  }
  if (HasControlChar(profile) || HasControlChar(path)) {
    return absl::InvalidArgumentError("profile and path must not contain control characters");
  }
  std::string key = RenderCache::Key(name, entry->version_revision, variant.profile, path,
                                     OutputFormatName(format));
  if (auto hit = cache_.Lookup(key)) return Result{std::move(entry), std::move(hit)};
  // Canonical JSON of a sub-tree is a slice of the whole document's: found by a scan, no tree.
  const std::optional<std::string_view> sub = FindCanonicalJsonPath(*variant.json, path);
  if (!sub.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("path '", Sv(path), "' not found in config '", name, "'"));
  }
  auto rendered = std::make_shared<RenderedDocument>();
  rendered->profile = variant.profile;
  rendered->path = std::string(path);
  if (format == OutputFormat::kJson) {
    rendered->json = std::make_shared<const std::string>(*sub);
    rendered->etag = ContentHash(*rendered->json);
  } else {
    absl::StatusOr<Value> tree = ReadCanonicalJson(*sub);
    if (!tree.ok()) return tree.status();
    absl::StatusOr<std::string> text = RenderDocument(*tree, format);
    if (!text.ok()) {
      return absl::Status(text.status().code(),
                          absl::StrCat("config '", name, "': ", text.status().message()));
    }
    rendered->content = std::make_shared<const std::string>(*std::move(text));
    rendered->etag = ContentHash(*rendered->content);
  }
  cache_.Insert(std::move(key), rendered);
  return Result{std::move(entry), std::move(rendered)};
}

absl::StatusOr<Value> ConfigRenderer::Tree(const Result& result) {
  const ConfigVersion& version = *result.entry->version;
  const RenderedDocument& variant = version.Variant(result.doc->profile);
  const std::optional<std::string_view> sub =
      FindCanonicalJsonPath(*variant.json, result.doc->path);
  if (!sub.has_value()) return absl::InternalError("a rendered path vanished from its version");
  return ReadCanonicalJson(*sub);
}

}  // namespace hearth
