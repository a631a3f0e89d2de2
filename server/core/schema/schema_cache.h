#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/core/schema/schema_validator.h"
#include "server/core/source/file_system.h"

namespace hearth {

// Finds and compiles the _schema.json that applies to a config: the nearest one in the config's
// directory or an ancestor, up to its root. Each schema file is read and compiled once per cache
// instance (one instance lives for one scan or one rebuild, so edits are always seen).
// Thread-safe.
class SchemaCache {
 public:
  struct Lookup {
    std::shared_ptr<const SchemaValidator> validator;  // null: no schema applies (or error)
    std::string name;                                  // display name, "team/_schema.json"
    std::string error;                                 // a schema that exists but is broken
  };

  // `allow_external`: --allow-external-symlinks (a schema symlink leading outside the root is
  // otherwise an error on the config, and not one byte of its target is read).
  SchemaCache(const FileSystem* fs, uint64_t max_file_bytes, bool allow_external = false);

  // The bytes of the schema that applies, read but not compiled (what a dry-run cache keys on).
  struct Source {
    bool found = false;   // false: no schema applies (name, content and error empty)
    std::string name;     // display name, "team/_schema.json"
    std::string content;  // the file's bytes, when it could be read
    std::string error;    // it exists but could not be read (the Lookup's error)
  };

  // `root` is the root directory, `name` the config's relative name.
  Lookup Find(const std::string& root, std::string_view name);
  // The nearest _schema.json as Find walks to it, read but not compiled; not cached.
  Source Read(const std::string& root, std::string_view name) const;
  // Compiles what Read returned: the Lookup Find would give for the same bytes.
  static Lookup Compile(const Source& source);

 private:
  // Reads `root/rel_dir/_schema.json`; nullopt when there is no such file.
  std::optional<Source> ReadOne(const std::string& root, const std::string& rel_dir) const;
  // Loads `root/rel_dir/_schema.json` through the cache; nullopt when there is no such file.
  std::optional<Lookup> Load(const std::string& root, const std::string& rel_dir);

  const FileSystem* fs_;
  const uint64_t max_file_bytes_;
  const bool allow_external_;
  absl::Mutex mu_;
  // Keyed by absolute schema path; nullopt caches "no file here".
  std::map<std::string, std::optional<Lookup>> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hearth
