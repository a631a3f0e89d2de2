#include "server/core/schema/schema_cache.h"

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/diagnostic.h"
#include "server/core/parse/parse_document.h"

namespace hearth {
namespace {
constexpr std::string_view kSchemaFile = "_schema.json";
}  // namespace

SchemaCache::SchemaCache(const FileSystem* fs, uint64_t max_file_bytes, bool allow_external)
    : fs_(fs), max_file_bytes_(max_file_bytes), allow_external_(allow_external) {}

SchemaCache::Lookup SchemaCache::Find(const std::string& root, std::string_view name) {
  std::string rel(name);
  while (true) {
    std::optional<Lookup> found = Load(root, rel);
    if (found) return *found;
    if (rel.empty()) return {};
    size_t slash = rel.rfind('/');
    rel = slash == std::string::npos ? "" : rel.substr(0, slash);
  }
}

SchemaCache::Source SchemaCache::Read(const std::string& root, std::string_view name) const {
  std::string rel(name);
  while (true) {
    std::optional<Source> found = ReadOne(root, rel);
    if (found) return *std::move(found);
    if (rel.empty()) return {};
    size_t slash = rel.rfind('/');
    rel = slash == std::string::npos ? "" : rel.substr(0, slash);
  }
}

std::optional<SchemaCache::Source> SchemaCache::ReadOne(const std::string& root,
                                                        const std::string& rel_dir) const {
  std::string display =
      rel_dir.empty() ? std::string(kSchemaFile) : absl::StrCat(rel_dir, "/", Sv(kSchemaFile));
  // Opened beneath the root like every config file: no FIFO, no symlink out of the root.
  absl::StatusOr<FileSystem::FileData> data =
      fs_->ReadFile(root, display, max_file_bytes_, allow_external_);
  if (data.ok()) {
    return Source{.found = true,
                  .name = std::move(display),
                  .content = std::move(data->content),
                  .error = {}};
  }
  if (absl::IsNotFound(data.status())) return std::nullopt;
  std::string error = FormatDiagnostic(display, 0, 0, Sv(data.status().message()));
  return Source{
      .found = true, .name = std::move(display), .content = {}, .error = std::move(error)};
}

SchemaCache::Lookup SchemaCache::Compile(const Source& source) {
  Lookup lookup;
  if (!source.found) return lookup;
  lookup.name = source.name;
  if (!source.error.empty()) {
    lookup.error = source.error;
    return lookup;
  }
  absl::StatusOr<Value> doc = ParseJson(source.content, SourceRef{source.name, 0});
  if (!doc.ok()) {
    lookup.error = std::string(doc.status().message());
    return lookup;
  }
  auto validator = SchemaValidator::Create(*doc, source.name);
  if (validator.ok()) {
    lookup.validator = *std::move(validator);
  } else {
    lookup.error = std::string(validator.status().message());
  }
  return lookup;
}

std::optional<SchemaCache::Lookup> SchemaCache::Load(const std::string& root,
                                                     const std::string& rel_dir) {
  std::string display =
      rel_dir.empty() ? std::string(kSchemaFile) : absl::StrCat(rel_dir, "/", Sv(kSchemaFile));
  std::string path = absl::StrCat(root, "/", display);
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(path);
    if (it != cache_.end()) return it->second;
  }
  // Compiled outside the lock; two threads may race to compile the same schema, which is only
  // wasted work (the first insert wins).
  std::optional<Lookup> result;
  if (std::optional<Source> source = ReadOne(root, rel_dir)) result = Compile(*source);
  absl::MutexLock lock(&mu_);
  return cache_.emplace(path, std::move(result)).first->second;
}

}  // namespace hearth
