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
#include "server/core/model/absl_compat.h"
#include "server/core/model/config_name.h"
#include "server/core/model/content_hash.h"
#include "server/core/model/diagnostic.h"
#include "server/core/schema/schema_cache.h"

namespace hearth {
namespace {

constexpr std::string_view kSchemaFile = "_schema.json";
constexpr size_t kRebuildStripes = 64;

// A config directory found on disk.
struct FoundConfig {
  std::string name;
  size_t root = 0;
  std::string dir;                          // absolute
  std::vector<FileSystem::DirEntry> files;  // config files in it
};

// Directories below a root that exist but could not be listed (EACCES, EIO, ...): relative name
// -> error. Their configs keep their last-known-good instead of being deleted.
using UnreadableDirs = std::map<std::string, std::string, std::less<>>;

// The unreadable directory that holds config `name` (itself or an ancestor), or null.
const std::string* UnreadableFor(const UnreadableDirs& unreadable, std::string_view name) {
  for (const auto& [dir, error] : unreadable) {
    if (name == dir || (name.size() > dir.size() && name.substr(0, dir.size()) == dir &&
                        name[dir.size()] == '/')) {
      return &error;
    }
  }
  return nullptr;
}

// Gone for good (ENOENT / ENOTDIR), or refused as outside the root: the config is not there.
// Anything else (EACCES, EIO, ...) means it may well be there, only unreadable now.
bool IsAbsent(const absl::Status& status) {
  return absl::IsNotFound(status) || absl::IsFailedPrecondition(status);
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  return absl::StrCat(Sv(a), "/", Sv(b));
}

bool IsInside(std::string_view path, std::string_view root) {
  return path == root || (path.size() > root.size() && path.substr(0, root.size()) == root &&
                          (root == "/" || path[root.size()] == '/'));
}

}  // namespace

class ConfigEngine::Impl {
 public:
  Impl(const Options& options, FileSystemPtr fs, ConfigStore* store)
      : options_(options), fs_(std::move(fs)), store_(store) {
    for (const std::string& root : options_.roots) {
      std::string r = root;
      while (r.size() > 1 && r.back() == '/') r.pop_back();
      roots_.push_back({r});
    }
  }

  // Only the path a root was named by is kept: every access opens it afresh (a root that is a
  // symlink swapped to a new tree is followed), and its real path is resolved when needed.
  struct Root {
    std::string given;  // as passed (trailing '/' removed)
  };

  Report ScanAll();
  Report Rebuild(std::string_view name);
  std::vector<std::string> ConfigsUnder(std::string_view dir) const;
  std::string NameForDirectory(std::string_view dir) const;
  absl::Time last_progress() const {
    return absl::FromUnixNanos(last_progress_ns_.load(std::memory_order_relaxed));
  }
  absl::StatusOr<BuildResult> Validate(std::string_view name, std::vector<Candidate> candidates,
                                       bool replace_on_disk) const;
  void CancelBuilds() { cancel_.store(true); }

 private:
  // Walks `root_index` collecting configs into `out`; a root that cannot be listed into
  // `errors`, directories below it that cannot be listed into `unreadable`.
  void Walk(size_t root_index, std::map<std::string, FoundConfig>* out,
            std::vector<std::string>* errors, UnreadableDirs* unreadable,
            std::vector<std::string>* skipped) const;
  // Looks for the config directory `name` in the roots, last root first. When a root holds the
  // directory but it cannot be listed, returns nullopt with the error in *unreadable.
  std::optional<FoundConfig> Find(std::string_view name, std::string* unreadable) const;
  // A known config whose directory is unreadable: keeps its last-known-good, with `error`.
  void KeepUnreadable(std::string_view name, const std::string& error, Report* report);
  // Reads the files of `found` and builds it (not published).
  BuildResult BuildFound(const FoundConfig& found, SchemaCache* schemas,
                         const std::vector<Candidate>* candidates, bool replace) const;
  // Builds and publishes (or records the error) under the config's stripe lock.
  void BuildAndPublish(const FoundConfig& found, SchemaCache* schemas, Report* report);
  absl::Mutex& StripeFor(std::string_view name) const {
    return stripes_[std::hash<std::string_view>()(name) % kRebuildStripes];
  }
  // Relative name of `dir` under a root, or nullopt.
  std::optional<std::string> RelativeName(std::string_view dir) const;

  const Options& options_;
  FileSystemPtr fs_;
  ConfigStore* store_;
  std::vector<Root> roots_;  // Constant after construction.
  mutable absl::Mutex stripes_[kRebuildStripes];
  std::atomic<int64_t> last_progress_ns_{absl::ToUnixNanos(absl::InfinitePast())};
  std::atomic<bool> cancel_{false};  // every build's budget watches it

  // Configs known from scans and rebuilds: name -> schema display name used ("" if none).
  mutable absl::Mutex known_mu_;
  std::map<std::string, std::string, std::less<>> known_ ABSL_GUARDED_BY(known_mu_);
};

void ConfigEngine::Impl::Walk(size_t root_index, std::map<std::string, FoundConfig>* out,
                              std::vector<std::string>* errors, UnreadableDirs* unreadable,
                              std::vector<std::string>* skipped) const {
  const Root& root = roots_[root_index];
  struct Pending {
    std::string dir;
    std::string rel;
    int depth;
  };
  std::vector<Pending> stack{{root.given, "", 0}};
  // Symlinked directories followed (device, inode), against loops.
  std::vector<std::pair<uint64_t, uint64_t>> visited;
  while (!stack.empty()) {
    Pending cur = std::move(stack.back());
    stack.pop_back();
    absl::StatusOr<std::vector<FileSystem::DirEntry>> entries =
        fs_->ListDir(root.given, cur.rel, options_.allow_external_symlinks);
    if (!entries.ok()) {
      if (cur.rel.empty()) {
        errors->push_back(absl::StrCat("root ", root.given, ": ", entries.status().message()));
      } else if (!IsAbsent(entries.status())) {
        (*unreadable)[cur.rel] = FormatDiagnostic(cur.rel, 0, 0, Sv(entries.status().message()));
      }  // else: vanished since its parent was listed
      continue;
    }
    FoundConfig found;
    for (FileSystem::DirEntry& e : *entries) {
      if (e.kind == FileSystem::Kind::kDirectory) {
        // "..data" / "..2024_..." are Kubernetes' volume internals; dot-dirs are hidden.
        if (e.name[0] == '.') continue;
        if (cur.depth >= 32) continue;
        // One name rule for discovery and lookup: a directory GetConfig could not serve is
        // reported (with its subtree) instead of being half-published.
        if (absl::Status bad = ValidateConfigName(JoinPath(cur.rel, e.name)); !bad.ok()) {
          skipped->push_back(std::string(bad.message()));
          continue;
        }
        std::string path = JoinPath(cur.dir, e.name);
        if (e.is_symlink) {
          // ListDir resolved it beneath the root (kDirectory only if it stays inside, unless
          // --allow-external-symlinks).
          const std::pair<uint64_t, uint64_t> id{e.dev, e.ino};
          if (std::find(visited.begin(), visited.end(), id) != visited.end()) continue;
          visited.push_back(id);
        }
        stack.push_back({std::move(path), JoinPath(cur.rel, e.name), cur.depth + 1});
      } else if (ConfigBuilder::IsConfigFile(e.name)) {
        // Not only regular files: a FIFO or a dangling link named like a config file is an
        // error on its config (BuildFound), never a reason to drop the config.
        found.files.push_back(std::move(e));
      }
    }
    if (found.files.empty() || cur.rel.empty()) continue;
    found.name = cur.rel;
    found.root = root_index;
    found.dir = cur.dir;
    (*out)[found.name] = std::move(found);
  }
}

std::optional<FoundConfig> ConfigEngine::Impl::Find(std::string_view name,
                                                    std::string* unreadable) const {
  if (!ValidateConfigName(name).ok()) return std::nullopt;
  for (size_t r = roots_.size(); r-- > 0;) {
    std::string dir = JoinPath(roots_[r].given, name);
    absl::StatusOr<std::vector<FileSystem::DirEntry>> entries =
        fs_->ListDir(roots_[r].given, name, options_.allow_external_symlinks);
    if (!entries.ok()) {
      if (IsAbsent(entries.status()) && fs_->RealPath(roots_[r].given).ok()) continue;
      if (IsAbsent(entries.status())) {
        // The root itself is gone (a missing mount, a dangling root symlink): as in ScanAll,
        // its configs keep their last-known-good rather than vanish with it.
        *unreadable = absl::StrCat("root ", roots_[r].given, " is missing");
        return std::nullopt;
      }
      // There (perhaps), but unreadable: this root may hold the config, so no earlier root's
      // version may stand in for it, and it must not be deleted either.
      *unreadable = FormatDiagnostic(name, 0, 0, Sv(entries.status().message()));
      return std::nullopt;
    }
    FoundConfig found;
    for (FileSystem::DirEntry& e : *entries) {
      if (e.kind != FileSystem::Kind::kDirectory && ConfigBuilder::IsConfigFile(e.name)) {
        found.files.push_back(std::move(e));
      }
    }
    if (found.files.empty()) continue;
    found.name = std::string(name);
    found.root = r;
    found.dir = std::move(dir);
    return found;
  }
  return std::nullopt;
}

BuildResult ConfigEngine::Impl::BuildFound(const FoundConfig& found, SchemaCache* schemas,
                                           const std::vector<Candidate>* candidates,
                                           bool replace) const {
  // The budget's clock starts before the files are read.
  BuildBudget budget(options_.build.budget, &cancel_);
  const Root& root = roots_[found.root];
  BuildInput input;
  input.name = found.name;
  input.root = root.given;
  std::vector<std::string> read_errors;
  if (!replace) {
    for (const FileSystem::DirEntry& e : found.files) {
      std::string display = JoinPath(found.name, e.name);
      std::string path = JoinPath(found.dir, e.name);
      if (e.kind != FileSystem::Kind::kFile) {
        read_errors.push_back(
            FormatDiagnostic(display, 0, 0,
                             e.outside_root ? "symlink resolves outside the root; refused (see "
                                              "--allow-external-symlinks)"
                             : e.is_symlink ? "dangling symlink or not a file"
                                            : "not a regular file"));
        continue;
      }
      // Resolved and opened beneath the root in one step (the listing above is only a hint: a
      // symlink or a FIFO swapped in since is refused here).
      absl::StatusOr<FileSystem::FileData> data = fs_->ReadFile(
          root.given, display, options_.max_file_bytes, options_.allow_external_symlinks);
      if (!data.ok()) {
        read_errors.push_back(FormatDiagnostic(display, 0, 0, Sv(data.status().message())));
        continue;
      }
      BuildFile file;
      file.meta.name = std::move(display);
      file.meta.path = std::move(path);
      file.meta.size = data->size;
      file.content = std::move(data->content);
      input.files.push_back(std::move(file));
    }
  }
  if (candidates != nullptr) {
    for (const Candidate& c : *candidates) {
      std::string display = JoinPath(found.name, c.file_name);
      input.files.erase(std::remove_if(input.files.begin(), input.files.end(),
                                       [&](const BuildFile& f) { return f.meta.name == display; }),
                        input.files.end());
      BuildFile file;
      file.meta.name = std::move(display);
      file.meta.path = "<candidate>";
      file.meta.size = c.content.size();
      file.content = c.content;
      input.files.push_back(std::move(file));
    }
  }
  SchemaCache::Lookup schema = schemas->Find(root.given, found.name);
  input.schema = schema.validator;
  input.schema_name = schema.name;
  input.schema_error = schema.error;
  BuildResult result = ConfigBuilder::Build(std::move(input), options_.build, &budget);
  result.errors.insert(result.errors.begin(), read_errors.begin(), read_errors.end());
  if (!read_errors.empty()) result.version.reset();
  return result;
}

void ConfigEngine::Impl::BuildAndPublish(const FoundConfig& found, SchemaCache* schemas,
                                         Report* report) {
  absl::MutexLock stripe(&StripeFor(found.name));
  BuildResult result = BuildFound(found, schemas, nullptr, false);
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
  std::map<std::string, FoundConfig> found;
  UnreadableDirs unreadable;
  for (size_t r = 0; r < roots_.size(); ++r) {
    Walk(r, &found, &report.root_errors, &unreadable, &report.skipped_dirs);
  }
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
      const std::string* error = UnreadableFor(unreadable, name);
      if (error != nullptr) kept.emplace_back(name, error);
    }
  }
  for (const auto& e : store_->List()) {
    if (found.count(e->name) > 0) continue;
    const std::string* error = UnreadableFor(unreadable, e->name);
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
          UnreadableFor(unreadable, it->first) == nullptr) {
        gone.push_back(it->first);
        it = known_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& e : store_->List()) {
    if (found.count(e->name) == 0 && report.root_errors.empty() &&
        UnreadableFor(unreadable, e->name) == nullptr &&
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
  std::string unreadable;
  std::optional<FoundConfig> found = Find(name, &unreadable);
  if (!found && !unreadable.empty()) {
    report.dir_errors.push_back(unreadable);
    KeepUnreadable(name, unreadable, &report);
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

std::optional<std::string> ConfigEngine::Impl::RelativeName(std::string_view dir) const {
  std::string d(dir);
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  for (const Root& root : roots_) {
    // The real path is resolved now, not at start-up: the root may be a re-pointed symlink.
    absl::StatusOr<std::string> real = fs_->RealPath(root.given);
    for (const std::string* base : {&root.given, real.ok() ? &*real : &root.given}) {
      if (!IsInside(d, *base)) continue;
      if (d.size() == base->size()) return std::string();
      return d.substr(base->size() + (*base == "/" ? 0 : 1));
    }
  }
  return std::nullopt;
}

std::string ConfigEngine::Impl::NameForDirectory(std::string_view dir) const {
  return RelativeName(dir).value_or("");
}

std::vector<std::string> ConfigEngine::Impl::ConfigsUnder(std::string_view dir) const {
  std::optional<std::string> rel = RelativeName(dir);
  if (!rel) return {};
  // Kubernetes volume internals ("..data", "..2024_...") belong to the directory above them.
  std::vector<std::string> parts = absl::StrSplit(*rel, '/', absl::SkipEmpty());
  while (!parts.empty() && absl::StartsWith(parts.back(), "..")) parts.pop_back();
  for (const std::string& p : parts) {
    if (p.empty() || p[0] == '.') return {};
  }
  std::string name = absl::StrJoin(parts, "/");
  std::vector<std::string> out;
  if (!name.empty()) out.push_back(name);
  const std::string schema_here = JoinPath(name, kSchemaFile);
  const std::string prefix = name.empty() ? "" : name + "/";
  bool has_schema_here = false;
  for (const Root& root : roots_) {
    absl::StatusOr<std::vector<FileSystem::DirEntry>> entries =
        fs_->ListDir(root.given, name, options_.allow_external_symlinks);
    if (!entries.ok()) continue;
    for (const FileSystem::DirEntry& e : *entries) has_schema_here |= e.name == kSchemaFile;
  }
  absl::MutexLock lock(&known_mu_);
  for (auto it = known_.lower_bound(prefix); it != known_.end(); ++it) {
    if (!absl::StartsWith(it->first, prefix)) break;
    if (it->first == name) continue;
    bool affected = has_schema_here || it->second == schema_here;
    if (!affected) {
      // Gone (moved or deleted along with a parent)?
      affected = true;
      for (const Root& root : roots_) {
        if (fs_->ListDir(root.given, it->first, options_.allow_external_symlinks).ok()) {
          affected = false;
        }
      }
    }
    if (affected) out.push_back(it->first);
  }
  return out;
}

absl::StatusOr<BuildResult> ConfigEngine::Impl::Validate(std::string_view name,
                                                         std::vector<Candidate> candidates,
                                                         bool replace_on_disk) const {
  for (const Candidate& c : candidates) {
    if (c.file_name.empty() || c.file_name.find('/') != std::string::npos ||
        !ConfigBuilder::IsConfigFile(c.file_name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "candidate file name '", KeyForMessage(c.file_name),
          "' must be a plain file name with a .toml, .json, .yaml, .yml or .env extension"));
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
  std::string unreadable;
  std::optional<FoundConfig> found = Find(name, &unreadable);
  if (!unreadable.empty()) return absl::FailedPreconditionError(unreadable);
  if (!found) {
    found.emplace();
    found->name = std::string(name);
    found->root = roots_.empty() ? 0 : roots_.size() - 1;
    found->dir = roots_.empty() ? std::string() : JoinPath(roots_.back().given, name);
  }
  if (roots_.empty()) return absl::FailedPreconditionError("no roots configured");
  SchemaCache schemas(fs_.get(), options_.max_file_bytes, options_.allow_external_symlinks);
  return BuildFound(*found, &schemas, &candidates, replace_on_disk);
}

ConfigEngine::ConfigEngine(Options options, FileSystemPtr fs)
    : options_(std::move(options)),
      store_(std::make_unique<ConfigStore>(options_.store)),
      impl_(std::make_unique<Impl>(options_, fs ? std::move(fs) : NewPosixFileSystem(),
                                   store_.get())) {}

ConfigEngine::~ConfigEngine() = default;

ConfigEngine::Report ConfigEngine::ScanAll() { return impl_->ScanAll(); }
absl::Time ConfigEngine::last_progress() const { return impl_->last_progress(); }
ConfigEngine::Report ConfigEngine::Rebuild(std::string_view name) { return impl_->Rebuild(name); }
std::vector<std::string> ConfigEngine::ConfigsUnder(std::string_view dir) const {
  return impl_->ConfigsUnder(dir);
}
std::string ConfigEngine::NameForDirectory(std::string_view dir) const {
  return impl_->NameForDirectory(dir);
}

absl::StatusOr<BuildResult> ConfigEngine::Validate(std::string_view name,
                                                   std::vector<Candidate> candidates,
                                                   bool replace_on_disk) const {
  absl::Status valid = ValidateName(name);
  if (!valid.ok()) return valid;
  return impl_->Validate(name, std::move(candidates), replace_on_disk);
}

void ConfigEngine::CancelBuilds() { impl_->CancelBuilds(); }

absl::Status ConfigEngine::ValidateName(std::string_view name) { return ValidateConfigName(name); }

}  // namespace hearth
