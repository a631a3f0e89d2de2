#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/core/source/file_system.h"

namespace hearth {

// Which configs the roots hold: the directory walk, the lookup of one config by name, and the
// mapping of a changed directory back to config names, all under one symlink and naming policy.
// A config is a directory below a root (never a root itself) holding at least one file the
// caller's filter accepts; its name is its path relative to the root ("team-a/billing"). When
// several roots hold the same name, the last root wins.
//
// Policy, the same for the walk and for Find:
//   - every listing goes through FileSystem (resolved beneath the root; symlinks leading outside
//     it are refused unless allow_external_symlinks);
//   - dot-directories are skipped (".." + anything is Kubernetes' ConfigMap internals, the rest
//     is hidden); directories deeper than max_depth are not walked;
//   - a directory whose relative name breaks the config-name rule (config_name.h) is reported in
//     skipped_dirs with its subtree, so whatever is listed can also be fetched;
//   - a symlinked directory is followed once per (device, inode), against loops.
//
// Thread-safety: const methods are thread-safe (the FileSystem is). No state besides the options.
class ConfigDiscovery {
 public:
  struct Options {
    std::vector<std::string> roots;  // as given; a trailing '/' is ignored
    bool allow_external_symlinks = false;
    int max_depth = 32;
    // Which directory entries are config files (by name). Required.
    std::function<bool(std::string_view file_name)> is_config_file;
  };

  // A config directory found on disk.
  struct Found {
    std::string name;                         // relative to its root
    size_t root = 0;                          // index into roots()
    std::string dir;                          // the root's path joined with `name`
    std::vector<FileSystem::DirEntry> files;  // the entries is_config_file accepted, sorted
  };

  // Directories below a root that exist but cannot be listed (EACCES, EIO, ...): relative name ->
  // diagnostic. The configs in them keep their last-known-good instead of being deleted.
  using Unreadable = std::map<std::string, std::string, std::less<>>;

  struct Scan {
    std::map<std::string, Found, std::less<>> configs;  // by name
    std::vector<std::string> root_errors;               // a root that cannot be listed at all
    Unreadable unreadable;
    std::vector<std::string> skipped_dirs;  // names breaking the rule, one message each
  };

  struct Lookup {
    std::optional<Found> config;
    // Non-empty when a root may hold the config but cannot be read now (the root is missing, or
    // the directory exists and cannot be listed): then `config` is empty, and no earlier root may
    // stand in for it.
    std::string unreadable;
  };

  ConfigDiscovery(Options options, const FileSystem* fs);

  // Walks every root.
  Scan ScanAll() const;
  // Looks for config `name` in the roots, last root first. An invalid name is not found.
  Lookup Find(std::string_view name) const;

  // The config name that absolute directory `dir` stands for: its path relative to the root that
  // holds it (the path as given or the root's real path now, since the root may be a re-pointed
  // symlink), with trailing Kubernetes volume internals ("..data", "..2024_...") dropped. "" for a
  // root itself; nullopt outside every root or inside a hidden directory.
  std::optional<std::string> NameForDirectory(std::string_view dir) const;
  // Whether some root holds `file` directly in directory `name` ("" is the root).
  bool HasFile(std::string_view name, std::string_view file) const;
  // Whether some root can list directory `name`.
  bool DirectoryExists(std::string_view name) const;

  const std::vector<std::string>& roots() const { return roots_; }
  bool allow_external_symlinks() const { return options_.allow_external_symlinks; }

  // The unreadable directory in `unreadable` that holds config `name` (itself or an ancestor),
  // or null.
  static const std::string* UnreadableFor(const Unreadable& unreadable, std::string_view name);

 private:
  void Walk(size_t root_index, Scan* scan) const;
  std::optional<std::string> RelativeName(std::string_view dir) const;

  const Options options_;
  const FileSystem* const fs_;      // not owned
  std::vector<std::string> roots_;  // trailing '/' removed
};

// "a" + "/" + "b", or whichever is non-empty.
std::string JoinPath(std::string_view a, std::string_view b);

}  // namespace hearth
