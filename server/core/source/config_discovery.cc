#include "server/core/source/config_discovery.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/config_name.h"
#include "server/core/model/diagnostic.h"

namespace hearth {
namespace {

// Gone for good (ENOENT / ENOTDIR), or refused as outside the root: the config is not there.
// Anything else (EACCES, EIO, ...) means it may well be there, only unreadable now.
bool IsAbsent(const absl::Status& status) {
  return absl::IsNotFound(status) || absl::IsFailedPrecondition(status);
}

bool IsInside(std::string_view path, std::string_view root) {
  return path == root || (path.size() > root.size() && path.substr(0, root.size()) == root &&
                          (root == "/" || path[root.size()] == '/'));
}

}  // namespace

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  return absl::StrCat(Sv(a), "/", Sv(b));
}

ConfigDiscovery::ConfigDiscovery(Options options, const FileSystem* fs)
    : options_(std::move(options)), fs_(fs) {
  for (const std::string& root : options_.roots) {
    std::string r = root;
    while (r.size() > 1 && r.back() == '/') r.pop_back();
    roots_.push_back(std::move(r));
  }
}

const std::string* ConfigDiscovery::UnreadableFor(const Unreadable& unreadable,
                                                  std::string_view name) {
  for (const auto& [dir, error] : unreadable) {
    if (name == dir || (name.size() > dir.size() && name.substr(0, dir.size()) == dir &&
                        name[dir.size()] == '/')) {
      return &error;
    }
  }
  return nullptr;
}

ConfigDiscovery::Scan ConfigDiscovery::ScanAll() const {
  Scan scan;
  for (size_t r = 0; r < roots_.size(); ++r) Walk(r, &scan);
  return scan;
}

void ConfigDiscovery::Walk(size_t root_index, Scan* scan) const {
  const std::string& root = roots_[root_index];
  struct Pending {
    std::string dir;
    std::string rel;
    int depth;
  };
  std::vector<Pending> stack{{root, "", 0}};
  // Symlinked directories followed (device, inode), against loops.
  std::vector<std::pair<uint64_t, uint64_t>> visited;
  while (!stack.empty()) {
    Pending cur = std::move(stack.back());
    stack.pop_back();
    absl::StatusOr<std::vector<FileSystem::DirEntry>> entries =
        fs_->ListDir(root, cur.rel, options_.allow_external_symlinks);
    if (!entries.ok()) {
      if (cur.rel.empty()) {
        scan->root_errors.push_back(absl::StrCat("root ", root, ": ", entries.status().message()));
      } else if (!IsAbsent(entries.status())) {
        scan->unreadable[cur.rel] = FormatDiagnostic(cur.rel, 0, 0, Sv(entries.status().message()));
      }  // else: vanished since its parent was listed
      continue;
    }
    Found found;
    for (FileSystem::DirEntry& e : *entries) {
      if (e.kind == FileSystem::Kind::kDirectory) {
        // "..data" / "..2024_..." are Kubernetes' volume internals; dot-dirs are hidden.
        if (e.name[0] == '.') continue;
        if (cur.depth >= options_.max_depth) continue;
        // One name rule for discovery and lookup: a directory GetConfig could not serve is
        // reported (with its subtree) instead of being half-published.
        if (absl::Status bad = ValidateConfigName(JoinPath(cur.rel, e.name)); !bad.ok()) {
          scan->skipped_dirs.push_back(std::string(bad.message()));
          continue;
        }
        if (e.is_symlink) {
          // ListDir resolved it beneath the root (kDirectory only if it stays inside, unless
          // --allow-external-symlinks).
          const std::pair<uint64_t, uint64_t> id{e.dev, e.ino};
          if (std::find(visited.begin(), visited.end(), id) != visited.end()) continue;
          visited.push_back(id);
        }
        stack.push_back({JoinPath(cur.dir, e.name), JoinPath(cur.rel, e.name), cur.depth + 1});
      } else if (options_.is_config_file(e.name)) {
        // Not only regular files: a FIFO or a dangling link named like a config file is an
        // error on its config (the reader says so), never a reason to drop the config.
        found.files.push_back(std::move(e));
      }
    }
    if (found.files.empty() || cur.rel.empty()) continue;
    found.name = cur.rel;
    found.root = root_index;
    found.dir = std::move(cur.dir);
    scan->configs[found.name] = std::move(found);
  }
}

ConfigDiscovery::Lookup ConfigDiscovery::Find(std::string_view name) const {
  Lookup lookup;
  if (!ValidateConfigName(name).ok()) return lookup;
  for (size_t r = roots_.size(); r-- > 0;) {
    absl::StatusOr<std::vector<FileSystem::DirEntry>> entries =
        fs_->ListDir(roots_[r], name, options_.allow_external_symlinks);
    if (!entries.ok()) {
      if (IsAbsent(entries.status()) && fs_->RealPath(roots_[r]).ok()) continue;
      if (IsAbsent(entries.status())) {
        // The root itself is gone (a missing mount, a dangling root symlink): as in ScanAll,
        // its configs keep their last-known-good rather than vanish with it.
        lookup.unreadable = absl::StrCat("root ", roots_[r], " is missing");
        return lookup;
      }
      // There (perhaps), but unreadable: this root may hold the config, so no earlier root's
      // version may stand in for it, and it must not be deleted either.
      lookup.unreadable = FormatDiagnostic(name, 0, 0, Sv(entries.status().message()));
      return lookup;
    }
    Found found;
    for (FileSystem::DirEntry& e : *entries) {
      // The walk's filter: entries that are not directories, named like config files.
      if (e.kind != FileSystem::Kind::kDirectory && options_.is_config_file(e.name)) {
        found.files.push_back(std::move(e));
      }
    }
    if (found.files.empty()) continue;
    found.name = std::string(name);
    found.root = r;
    found.dir = JoinPath(roots_[r], name);
    lookup.config = std::move(found);
    return lookup;
  }
  return lookup;
}

std::optional<std::string> ConfigDiscovery::RelativeName(std::string_view dir) const {
  std::string d(dir);
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  for (const std::string& root : roots_) {
    // The real path is resolved now, not at start-up: the root may be a re-pointed symlink.
    absl::StatusOr<std::string> real = fs_->RealPath(root);
    for (const std::string* base : {&root, real.ok() ? &*real : &root}) {
      if (!IsInside(d, *base)) continue;
      if (d.size() == base->size()) return std::string();
      return d.substr(base->size() + (*base == "/" ? 0 : 1));
    }
  }
  return std::nullopt;
}

std::optional<std::string> ConfigDiscovery::NameForDirectory(std::string_view dir) const {
  std::optional<std::string> rel = RelativeName(dir);
  if (!rel) return std::nullopt;
  // Kubernetes volume internals ("..data", "..2024_...") belong to the directory above them.
  std::vector<std::string> parts = absl::StrSplit(*rel, '/', absl::SkipEmpty());
  while (!parts.empty() && absl::StartsWith(parts.back(), "..")) parts.pop_back();
  for (const std::string& p : parts) {
    if (p.empty() || p[0] == '.') return std::nullopt;
  }
  return absl::StrJoin(parts, "/");
}

bool ConfigDiscovery::HasFile(std::string_view name, std::string_view file) const {
  for (const std::string& root : roots_) {
    absl::StatusOr<std::vector<FileSystem::DirEntry>> entries =
        fs_->ListDir(root, name, options_.allow_external_symlinks);
    if (!entries.ok()) continue;
    for (const FileSystem::DirEntry& e : *entries) {
      if (e.name == file) return true;
    }
  }
  return false;
}

bool ConfigDiscovery::DirectoryExists(std::string_view name) const {
  for (const std::string& root : roots_) {
    if (fs_->ListDir(root, name, options_.allow_external_symlinks).ok()) return true;
  }
  return false;
}

}  // namespace hearth
