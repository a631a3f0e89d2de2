#include "server/core/config_engine.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "server/core/build/interpolator.h"
#include "server/core/build/validation_cache.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/config_name.h"
#include "server/core/model/content_hash.h"
#include "server/core/model/diagnostic.h"
#include "server/core/schema/schema_cache.h"
#include "server/core/source/config_discovery.h"

namespace hearth {
namespace {

constexpr std::string_view kSchemaFile = "_schema.json";
constexpr size_t kRebuildStripes = 64;
// SourceFile::path of a ValidateConfig candidate (files read from disk have absolute paths).
constexpr std::string_view kCandidatePath = "<candidate>";

using FoundConfig = ConfigDiscovery::Found;

}  // namespace

class ConfigEngine::Impl {
 public:
  Impl(const Options& options, FileSystemPtr fs, ConfigStore* store)
      : options_(options),
        fs_(std::move(fs)),
        store_(store),
        discovery_(
            ConfigDiscovery::Options{
                .roots = options.roots,
                .allow_external_symlinks = options.allow_external_symlinks,
                .is_config_file = &ConfigBuilder::IsConfigFile,
            },
            fs_.get()),
        validation_cache_(ValidationCache::Options{
            .max_bytes = options.validation_cache_bytes,
            .max_entries = options.validation_cache_entries,
        }) {}

  Report ScanAll();
  Report Rebuild(std::string_view name);
  std::vector<std::string> ConfigsUnder(std::string_view dir) const;
  absl::Time last_progress() const {
    return absl::FromUnixNanos(last_progress_ns_.load(std::memory_order_relaxed));
  }
  absl::StatusOr<BuildResult> Validate(std::string_view name, std::vector<Candidate> candidates,
                                       bool replace_on_disk) const;
  void CancelBuilds() { cancel_.store(true); }
  const ValidationCache& validation_cache() const { return validation_cache_; }

 private:
  // A known config whose directory is unreadable: keeps its last-known-good, with `error`.
  void KeepUnreadable(std::string_view name, const std::string& error, Report* report);
  // Reads the files of `found` and builds it (not published).
  BuildResult BuildFound(const FoundConfig& found, SchemaCache* schemas) const;
  // The files of `found` read from disk (none when `replace`), then `candidates` over them (a
  // candidate replaces the disk file of its name), in that order; refused entries go to
  // `read_errors`.
  void ReadInput(const FoundConfig& found, const std::vector<Candidate>* candidates, bool replace,
                 BuildInput* input, std::vector<std::string>* read_errors) const;
  // Builds what ReadInput read, with `schema`.
  static BuildResult BuildRead(BuildInput input, std::vector<std::string> read_errors,
                               const SchemaCache::Lookup& schema, const BuildOptions& build,
                               BuildBudget* budget);
  // The validation cache's key for a dry run of `found` over `input` (as ReadInput read it,
  // candidates included) with `schema`.
  static std::string ValidationKey(const FoundConfig& found, const std::string& root, bool replace,
                                   const BuildInput& input,
                                   const std::vector<std::string>& read_errors,
                                   const SchemaCache::Source& schema);
  // Builds and publishes (or records the error) under the config's stripe lock.
  void BuildAndPublish(const FoundConfig& found, SchemaCache* schemas, Report* report);
  absl::Mutex& StripeFor(std::string_view name) const {
    return stripes_[std::hash<std::string_view>()(name) % kRebuildStripes];
  }
  const Options& options_;
  FileSystemPtr fs_;
  ConfigStore* store_;
  const ConfigDiscovery discovery_;
  mutable absl::Mutex stripes_[kRebuildStripes];
  std::atomic<int64_t> last_progress_ns_{absl::ToUnixNanos(absl::InfinitePast())};
  std::atomic<bool> cancel_{false};           // every build's budget watches it
  mutable ValidationCache validation_cache_;  // dry-run results; thread-safe

  // Configs known from scans and rebuilds: name -> schema display name used ("" if none).
  mutable absl::Mutex known_mu_;
  std::map<std::string, std::string, std::less<>> known_ ABSL_GUARDED_BY(known_mu_);
};

void ConfigEngine::Impl::ReadInput(const FoundConfig& found,
                                   const std::vector<Candidate>* candidates, bool replace,
                                   BuildInput* input, std::vector<std::string>* read_errors) const {
  const std::string& root = discovery_.roots()[found.root];
  input->name = found.name;
  input->root = root;
  if (!replace) {
    for (const FileSystem::DirEntry& e : found.files) {
      std::string display = JoinPath(found.name, e.name);
      std::string path = JoinPath(found.dir, e.name);
      if (e.kind != FileSystem::Kind::kFile) {
        read_errors->push_back(
            FormatDiagnostic(display, 0, 0,
                             e.outside_root ? "symlink resolves outside the root; refused (see "
                                              "--allow-external-symlinks)"
                             : e.is_symlink ? "dangling symlink or not a file"
                                            : "not a regular file"));
        continue;
      }
      // Resolved and opened beneath the root in one step (the listing above is only a hint: a
      // symlink or a FIFO swapped in since is refused here).
      absl::StatusOr<FileSystem::FileData> data =
          fs_->ReadFile(root, display, options_.max_file_bytes, options_.allow_external_symlinks);
      if (!data.ok()) {
        read_errors->push_back(FormatDiagnostic(display, 0, 0, Sv(data.status().message())));
        continue;
      }
      BuildFile file;
      file.meta.name = std::move(display);
      file.path = std::move(path);
      file.meta.size = data->size;
      file.content = std::move(data->content);
      input->files.push_back(std::move(file));
    }
  }
  if (candidates != nullptr) {
    for (const Candidate& c : *candidates) {
      std::string display = JoinPath(found.name, c.file_name);
      input->files.erase(std::remove_if(input->files.begin(), input->files.end(),
                                        [&](const BuildFile& f) { return f.meta.name == display; }),
                         input->files.end());
      BuildFile file;
      file.meta.name = std::move(display);
      file.path = std::string(kCandidatePath);
      file.meta.size = c.content.size();
      file.content = c.content;
      input->files.push_back(std::move(file));
    }
  }
}

BuildResult ConfigEngine::Impl::BuildRead(BuildInput input, std::vector<std::string> read_errors,
                                          const SchemaCache::Lookup& schema,
                                          const BuildOptions& build, BuildBudget* budget) {
  input.schema = schema.validator;
  input.schema_name = schema.name;
  input.schema_error = schema.error;
  BuildResult result = ConfigBuilder::Build(std::move(input), build, budget);
  result.errors.insert(result.errors.begin(), read_errors.begin(), read_errors.end());
  if (!read_errors.empty()) result.version.reset();
  return result;
}

BuildResult ConfigEngine::Impl::BuildFound(const FoundConfig& found, SchemaCache* schemas) const {
  // The budget's clock starts before the files are read.
  BuildBudget budget(options_.build.budget, &cancel_);
  BuildInput input;
  std::vector<std::string> read_errors;
  ReadInput(found, nullptr, false, &input, &read_errors);
  SchemaCache::Lookup schema = schemas->Find(input.root, found.name);
  return BuildRead(std::move(input), std::move(read_errors), schema, options_.build, &budget);
}

std::string ConfigEngine::Impl::ValidationKey(const FoundConfig& found, const std::string& root,
                                              bool replace, const BuildInput& input,
                                              const std::vector<std::string>& read_errors,
                                              const SchemaCache::Source& schema) {
  // Disk files by content hash (the operator's files, and what keeps keys small); candidates
  // verbatim, so that a client cannot aim a hash collision at another client's answer.
  std::string key;
  auto add = [&key](std::string_view field) { ValidationCache::AppendKeyField(&key, field); };
  add(found.name);
  add(root);
  add(found.dir);
  add(replace ? "replace" : "layer");
  add(absl::StrCat(read_errors.size()));
  for (const std::string& error : read_errors) add(error);
  add(absl::StrCat(input.files.size()));
  for (const BuildFile& f : input.files) {
    const bool candidate = f.path == kCandidatePath;
    add(f.meta.name);
    add(f.path);
    add(candidate ? f.content : ContentHash(f.content));
  }
  add(schema.found ? "schema" : "no-schema");
  add(schema.name);
  add(schema.error);
  add(schema.found && schema.error.empty() ? ContentHash(schema.content) : "");
  return key;
}

void ConfigEngine::Impl::BuildAndPublish(const FoundConfig& found, SchemaCache* schemas,
                                         Report* report) {
  absl::MutexLock stripe(&StripeFor(found.name));
  BuildResult result = BuildFound(found, schemas);
  last_progress_ns_.store(absl::ToUnixNanos(absl::Now()), std::memory_order_relaxed);
  if (result.cancelled) return;  // shutting down: leave the store as it was
  {
    absl::MutexLock lock(&known_mu_);
    known_[found.name] = result.version ? result.version->schema : std::string();
  }
  if (result.ok()) {
    if (store_->Publish(std::move(result.version)) != 0) {
      ++report->published;
    } else {
      ++report->unchanged;
    }
  } else {
    store_->RecordError(found.name, std::move(result.errors));
    ++report->failed;
  }
}

ConfigEngine::Report ConfigEngine::Impl::ScanAll() {
  Report report;
  ConfigDiscovery::Scan scan = discovery_.ScanAll();
  const auto& found = scan.configs;
  const ConfigDiscovery::Unreadable& unreadable = scan.unreadable;
  report.root_errors = std::move(scan.root_errors);
  report.skipped_dirs = std::move(scan.skipped_dirs);
  for (const auto& [dir, error] : unreadable) report.dir_errors.push_back(error);
  std::vector<const FoundConfig*> work;
  work.reserve(found.size());
  for (const auto& [name, f] : found) work.push_back(&f);
  report.configs = work.size();

  SchemaCache schemas(fs_.get(), options_.max_file_bytes, options_.allow_external_symlinks);
  int threads = options_.load_threads > 0 ? options_.load_threads
                                          : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::clamp(threads, 1, 64);
  threads = std::min<int>(threads, std::max<size_t>(1, work.size() / 16));
  std::atomic<size_t> next{0};
  std::vector<Report> partial(threads);
  auto worker = [&](int t) {
    for (size_t i = next.fetch_add(1); i < work.size(); i = next.fetch_add(1)) {
      BuildAndPublish(*work[i], &schemas, &partial[t]);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (std::thread& th : pool) th.join();
  for (const Report& p : partial) {
    report.published += p.published;
    report.unchanged += p.unchanged;
    report.failed += p.failed;
  }

  // Configs that vanished. A root that could not be read at all keeps its configs (serving the
  // last-known-good beats serving nothing); the root error is reported instead. So does a config
  // below a directory that exists but cannot be listed, with an error naming that directory.
  std::vector<std::pair<std::string, const std::string*>> kept;
  {
    absl::MutexLock lock(&known_mu_);
    for (const auto& [name, schema] : known_) {
      if (found.count(name) > 0) continue;
      const std::string* error = ConfigDiscovery::UnreadableFor(unreadable, name);
      if (error != nullptr) kept.emplace_back(name, error);
    }
  }
  for (const auto& e : store_->List()) {
    if (found.count(e->name) > 0) continue;
    const std::string* error = ConfigDiscovery::UnreadableFor(unreadable, e->name);
    if (error != nullptr && std::find_if(kept.begin(), kept.end(), [&](const auto& k) {
                              return k.first == e->name;
                            }) == kept.end()) {
      kept.emplace_back(e->name, error);
    }
  }
  for (const auto& [name, error] : kept) KeepUnreadable(name, *error, &report);
  std::vector<std::string> gone;
  {
    absl::MutexLock lock(&known_mu_);
    for (auto it = known_.begin(); it != known_.end();) {
      if (found.count(it->first) == 0 && report.root_errors.empty() &&
          ConfigDiscovery::UnreadableFor(unreadable, it->first) == nullptr) {
        gone.push_back(it->first);
        it = known_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& e : store_->List()) {
    if (found.count(e->name) == 0 && report.root_errors.empty() &&
        ConfigDiscovery::UnreadableFor(unreadable, e->name) == nullptr &&
        std::find(gone.begin(), gone.end(), e->name) == gone.end()) {
      gone.push_back(e->name);
    }
  }
  for (const std::string& name : gone) {
    absl::MutexLock stripe(&StripeFor(name));
    if (store_->Remove(name) != 0) ++report.removed;
  }
  return report;
}

ConfigEngine::Report ConfigEngine::Impl::Rebuild(std::string_view name) {
  Report report;
  ConfigDiscovery::Lookup lookup = discovery_.Find(name);
  std::optional<FoundConfig>& found = lookup.config;
  if (!found && !lookup.unreadable.empty()) {
    report.dir_errors.push_back(lookup.unreadable);
    KeepUnreadable(name, lookup.unreadable, &report);
    return report;
  }
  if (!found) {
    absl::MutexLock stripe(&StripeFor(name));
    {
      absl::MutexLock lock(&known_mu_);
      auto it = known_.find(name);
      if (it != known_.end()) known_.erase(it);
    }
    if (store_->Remove(name) != 0) ++report.removed;
    return report;
  }
  report.configs = 1;
  SchemaCache schemas(fs_.get(), options_.max_file_bytes, options_.allow_external_symlinks);
  BuildAndPublish(*found, &schemas, &report);
  return report;
}

void ConfigEngine::Impl::KeepUnreadable(std::string_view name, const std::string& error,
                                        Report* report) {
  absl::MutexLock stripe(&StripeFor(name));
  {
    absl::MutexLock lock(&known_mu_);
    if (known_.find(name) == known_.end() && store_->Get(name) == nullptr) return;  // never seen
  }
  ++report->failed;
  store_->RecordError(name, {absl::StrCat(error, " (the last-known-good keeps serving)")});
}

std::vector<std::string> ConfigEngine::Impl::ConfigsUnder(std::string_view dir) const {
  const std::optional<std::string> dir_name = discovery_.NameForDirectory(dir);
  if (!dir_name) return {};
  const std::string& name = *dir_name;
  std::vector<std::string> out;
  if (!name.empty()) out.push_back(name);
  const std::string schema_here = JoinPath(name, kSchemaFile);
  const std::string prefix = name.empty() ? "" : name + "/";
  const bool has_schema_here = discovery_.HasFile(name, kSchemaFile);
  absl::MutexLock lock(&known_mu_);
  for (auto it = known_.lower_bound(prefix); it != known_.end(); ++it) {
    if (!absl::StartsWith(it->first, prefix)) break;
    if (it->first == name) continue;
    bool affected = has_schema_here || it->second == schema_here;
    if (!affected) {
      // Gone (moved or deleted along with a parent)?
      affected = !discovery_.DirectoryExists(it->first);
    }
    if (affected) out.push_back(it->first);
  }
  return out;
}

absl::StatusOr<BuildResult> ConfigEngine::Impl::Validate(std::string_view name,
                                                         std::vector<Candidate> candidates,
                                                         bool replace_on_disk) const {
  for (const Candidate& c : candidates) {
    if (absl::Status bad = ValidateSourceFileName(c.file_name); !bad.ok()) return bad;
    if (!ConfigBuilder::IsConfigFile(c.file_name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("candidate file name '", KeyForMessage(c.file_name),
                       "' must have a .toml, .json, .yaml, .yml or .env extension"));
    }
  }
  uint64_t total = 0;
  for (const Candidate& c : candidates) {
    if (c.content.size() > options_.max_file_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "candidate ", c.file_name, " is ", c.content.size(), " bytes, more than the ",
          options_.max_file_bytes, "-byte limit on config files (--max-file-bytes)"));
    }
    total += c.content.size();
  }
  if (total > options_.max_candidate_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the candidates are ", total, " bytes together, more than the ",
                     options_.max_candidate_bytes, "-byte limit of one request"));
  }
  ConfigDiscovery::Lookup lookup = discovery_.Find(name);
  if (!lookup.unreadable.empty()) return absl::FailedPreconditionError(lookup.unreadable);
  const std::vector<std::string>& roots = discovery_.roots();
  if (roots.empty()) return absl::FailedPreconditionError("no roots configured");
  std::optional<FoundConfig>& found = lookup.config;
  if (!found) {
    // A new config: its candidates alone, as if in the last root.
    // Aggregate initialization: clang decides whether a nested struct with default member
    // initializers is default-constructible while its enclosing class is still incomplete.
    found = FoundConfig{.name = std::string(name),
                        .root = roots.size() - 1,
                        .dir = JoinPath(roots.back(), name),
                        .files = {}};
  }
  // The budget's clock starts before the files are read. The files and the schema are read
  // once: the key is computed from the very bytes the build would parse, so a file changing
  // meanwhile cannot put a result under a key it does not belong to.
  BuildBudget budget(options_.build.budget, &cancel_);
  BuildInput input;
  std::vector<std::string> read_errors;
  ReadInput(*found, &candidates, replace_on_disk, &input, &read_errors);
  const SchemaCache schemas(fs_.get(), options_.max_file_bytes, options_.allow_external_symlinks);
  SchemaCache::Source schema = schemas.Read(input.root, found->name);
  std::string key;
  // After CancelBuilds every dry run answers cancelled, cached or not.
  const bool use_cache = validation_cache_.enabled() && !cancel_.load();
  if (use_cache) {
    key = ValidationKey(*found, input.root, replace_on_disk, input, read_errors, schema);
    if (std::shared_ptr<const BuildResult> hit = validation_cache_.Lookup(key)) return *hit;
  }
  // ${env:...} reads the daemon's environment, which is not in the key: such a build is not
  // cached. The reads are noticed through the lookup itself, so nothing is missed by a scan of
  // the text (escapes may spell "${env:" in a file).
  BuildOptions build = options_.build;
  std::atomic<bool> read_env{false};  // a build may hand its work to helper threads
  build.getenv = [&read_env, &inner = options_.build.getenv](std::string_view env_name) {
    read_env.store(true);
    return inner ? inner(env_name) : Interpolator::SystemGetenv(env_name);
  };
  BuildResult result = BuildRead(std::move(input), std::move(read_errors),
                                 SchemaCache::Compile(schema), build, &budget);
  // A build stopped by its budget depends on the clock (and a cancelled one on shutdown): not
  // cached. One over the byte budget would be deterministic, but is rare enough not to matter.
  if (use_cache && !read_env.load() && !result.cancelled &&
      budget.exhausted() == BuildBudget::Reason::kNone) {
    validation_cache_.Insert(std::move(key), std::make_shared<const BuildResult>(result));
  }
  return result;
}

ConfigEngine::ConfigEngine(Options options, FileSystemPtr fs)
    : options_(std::move(options)),
      owned_store_(options_.store == nullptr ? std::make_unique<ConfigStore>(options_.store_options)
                                             : nullptr),
      store_(options_.store != nullptr ? options_.store : owned_store_.get()),
      impl_(std::make_unique<Impl>(options_, fs ? std::move(fs) : NewPosixFileSystem(), store_)) {}

ConfigEngine::~ConfigEngine() = default;

ConfigEngine::Report ConfigEngine::ScanAll() { return impl_->ScanAll(); }
absl::Time ConfigEngine::last_progress() const { return impl_->last_progress(); }
ConfigEngine::Report ConfigEngine::Rebuild(std::string_view name) { return impl_->Rebuild(name); }
std::vector<std::string> ConfigEngine::ConfigsUnder(std::string_view dir) const {
  return impl_->ConfigsUnder(dir);
}

absl::StatusOr<BuildResult> ConfigEngine::Validate(std::string_view name,
                                                   std::vector<Candidate> candidates,
                                                   bool replace_on_disk) const {
  absl::Status valid = ValidateConfigName(name);
  if (!valid.ok()) return valid;
  return impl_->Validate(name, std::move(candidates), replace_on_disk);
}

void ConfigEngine::CancelBuilds() { impl_->CancelBuilds(); }
const ValidationCache& ConfigEngine::validation_cache() const { return impl_->validation_cache(); }

}  // namespace hearth
