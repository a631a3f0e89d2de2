#include "server/core/store/config_store.h"

#include <algorithm>

#include "absl/hash/hash.h"
#include "server/core/model/absl_compat.h"

namespace hearth {

ConfigStore::ConfigStore(Options options)
    : options_([&] {
        if (options.shards == 0) options.shards = 1;
        return options;
      }()),
      clock_(options_.clock != nullptr ? options_.clock : SystemClock()),
      shards_(new Shard[options_.shards]) {}

ConfigStore::Shard& ConfigStore::ShardFor(std::string_view name) const {
  size_t h = absl::HashOf(Sv(name));
  return shards_[h % options_.shards];
}

std::shared_ptr<const ConfigEntry> ConfigStore::GetAny(std::string_view name) const {
  Shard& shard = ShardFor(name);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.entries.find(name);
  return it == shard.entries.end() ? nullptr : it->second;
}

std::shared_ptr<const ConfigEntry> ConfigStore::Get(std::string_view name) const {
  auto entry = GetAny(name);
  if (entry && entry->deleted) return nullptr;
  return entry;
}

void ConfigStore::Swap(std::shared_ptr<const ConfigEntry> entry) {
  Shard& shard = ShardFor(entry->name);
  std::shared_ptr<const ConfigEntry> old;  // released outside the lock
  absl::MutexLock lock(&shard.mu);
  auto it = shard.entries.find(entry->name);
  if (it == shard.entries.end()) {
    shard.entries.emplace(entry->name, std::move(entry));
  } else {
    old = std::move(it->second);
    it->second = std::move(entry);
  }
}

void ConfigStore::Notify(const Change& change) {
  absl::MutexLock lock(&listeners_mu_);
  for (const auto& [id, listener] : listeners_) listener(change);
}

uint64_t ConfigStore::Commit(ChangeKind kind, std::shared_ptr<ConfigEntry> entry,
                             const ConfigEntry* current) {
  const uint64_t rev = revision_.load() + 1;
  entry->mod_revision = rev;
  if (kind == ChangeKind::kUpdated) entry->version_revision = rev;
  if (current != nullptr && current->deleted) tombstones_.erase(current->mod_revision);
  if (entry->deleted) tombstones_.emplace(rev, entry->name);
  const std::string name = entry->name;
  Swap(std::move(entry));
  revision_.store(rev, std::memory_order_release);
  if (kind == ChangeKind::kDeleted) DropOldTombstones();
  Notify({kind, name, rev});
  return rev;
}

uint64_t ConfigStore::Publish(std::shared_ptr<const ConfigVersion> version) {
  absl::MutexLock writer(&writer_mu_);
  auto current = GetAny(version->name);
  if (current && !current->deleted && current->errors.empty() && current->version &&
      current->version->content_hash == version->content_hash) {
    return 0;
  }
  auto entry = std::make_shared<ConfigEntry>();
  entry->name = version->name;
  entry->last_attempt = version->built_at;
  entry->last_success = version->built_at;
  entry->version = std::move(version);
  return Commit(ChangeKind::kUpdated, std::move(entry), current.get());
}

uint64_t ConfigStore::RecordError(std::string_view name, std::vector<std::string> errors) {
  absl::MutexLock writer(&writer_mu_);
  auto current = GetAny(name);
  if (current && !current->deleted && current->errors == errors) return 0;
  auto entry = std::make_shared<ConfigEntry>();
  entry->name = std::string(name);
  if (current && !current->deleted) {
    entry->version = current->version;
    entry->version_revision = current->version_revision;
    entry->last_success = current->last_success;
  }
  entry->errors = std::move(errors);
  entry->last_attempt = clock_->Now();
  return Commit(ChangeKind::kError, std::move(entry), current.get());
}

uint64_t ConfigStore::Remove(std::string_view name) {
  absl::MutexLock writer(&writer_mu_);
  auto current = GetAny(name);
  if (!current || current->deleted) return 0;
  auto entry = std::make_shared<ConfigEntry>();
  entry->name = std::string(name);
  entry->deleted = true;
  entry->last_attempt = clock_->Now();
  return Commit(ChangeKind::kDeleted, std::move(entry), current.get());
}

void ConfigStore::DropOldTombstones() {
  while (tombstones_.size() > options_.tombstone_limit) {
    auto oldest = tombstones_.begin();
    Shard& shard = ShardFor(oldest->second);
    {
      absl::MutexLock lock(&shard.mu);
      auto it = shard.entries.find(oldest->second);
      if (it != shard.entries.end() && it->second->deleted &&
          it->second->mod_revision == oldest->first) {
        shard.entries.erase(it);
      }
    }
    compacted_revision_.store(std::max(compacted_revision_.load(), oldest->first));
    tombstones_.erase(oldest);
  }
}

std::vector<std::shared_ptr<const ConfigEntry>> ConfigStore::List(std::string_view prefix) const {
  std::vector<std::shared_ptr<const ConfigEntry>> out;
  for (size_t i = 0; i < options_.shards; ++i) {
    absl::MutexLock lock(&shards_[i].mu);
    for (auto it = shards_[i].entries.lower_bound(prefix); it != shards_[i].entries.end(); ++it) {
      if (it->first.compare(0, prefix.size(), prefix) != 0) break;
      if (!it->second->deleted) out.push_back(it->second);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a->name < b->name; });
  return out;
}

std::vector<std::shared_ptr<const ConfigEntry>> ConfigStore::ChangedSince(uint64_t revision) const {
  std::vector<std::shared_ptr<const ConfigEntry>> out;
  for (size_t i = 0; i < options_.shards; ++i) {
    absl::MutexLock lock(&shards_[i].mu);
    for (const auto& [name, entry] : shards_[i].entries) {
      if (entry->mod_revision > revision) out.push_back(entry);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a->mod_revision < b->mod_revision; });
  return out;
}

int64_t ConfigStore::AddListener(Listener listener) {
  absl::MutexLock lock(&listeners_mu_);
  int64_t id = next_listener_id_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void ConfigStore::RemoveListener(int64_t id) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_.erase(id);
}

ConfigStore::Counts ConfigStore::counts() const {
  Counts c;
  for (size_t i = 0; i < options_.shards; ++i) {
    absl::MutexLock lock(&shards_[i].mu);
    for (const auto& [name, entry] : shards_[i].entries) {
      if (entry->deleted) continue;
      if (!entry->version) {
        ++c.no_version;
      } else if (!entry->errors.empty()) {
        ++c.error;
      } else {
        ++c.ok;
      }
    }
  }
  return c;
}

}  // namespace hearth
