#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/source/clock.h"

namespace hearth {

// The fleet view: what each client reported it applied or rejected, per config and profile.
// Clients identify themselves with an id and a few labels (pod, node, app) and report after each
// check and swap; a report renews the client's lease. A client with no report for a whole lease
// is forgotten. Everything is bounded: clients, configs per client, label count and sizes, and
// reason length; a report over a bound is refused whole (INVALID_ARGUMENT) and a new client over
// the client limit is refused (RESOURCE_EXHAUSTED), so a flood of ids cannot grow memory.
//
// The tracker keeps reports only; which etag is current is the caller's (the store's) business:
// Rollout() classifies clients against the etag it is given.
//
// Thread-safety: thread-safe. One mutex; reports and queries are short.
class RolloutTracker {
 public:
  struct Options {
    absl::Duration lease = absl::Seconds(60);
    size_t max_clients = 100000;
    size_t max_configs_per_client = 256;
    size_t max_labels = 16;
    size_t max_id_bytes = 253;       // a client id, a label key, a config name or profile
    size_t max_value_bytes = 256;    // a label value, an etag
    size_t max_reason_bytes = 1024;  // longer reasons are cut at a UTF-8 boundary, not refused
  };

  enum class Outcome { kApplied, kRejected };

  // One config's result at one client.
  struct Report {
    std::string name;
    std::string profile;
    uint64_t revision = 0;
    std::string etag;
    Outcome outcome = Outcome::kApplied;
    std::string reason;  // why it was rejected (the check's first lines); empty when applied
  };

  using Labels = std::vector<std::pair<std::string, std::string>>;

  // A client as seen in one config's rollout.
  enum class ClientState {
    kCurrent,   // applied the served etag
    kBehind,    // applied (or rejected) an older etag and has not reported the served one
    kRejected,  // rejected the served etag
  };
  struct ClientView {
    std::string client_id;
    Labels labels;
    uint64_t revision = 0;
    std::string etag;
    Outcome outcome = Outcome::kApplied;
    std::string reason;
    ClientState state = ClientState::kBehind;
    absl::Time reported_at;
    bool stale = false;  // no report for more than half a lease: it may be gone
  };
  struct Rollout {
    // At most max_listed: rejected, then behind, then current; by client id within each.
    std::vector<ClientView> clients;
    bool truncated = false;  // more clients reported than are listed
    size_t current = 0;
    size_t behind = 0;
    size_t rejected = 0;
    size_t stale = 0;
  };

  // Clients per state, over every config (for metrics).
  struct Totals {
    size_t clients = 0;
    size_t current = 0;
    size_t behind = 0;
    size_t rejected = 0;
    // Clients rejecting the served etag, per config name (profiles together); only names with
    // at least one.
    absl::flat_hash_map<std::string, size_t> rejected_by_config;
    uint64_t applied_reports = 0;  // since start, per config reported
    uint64_t rejected_reports = 0;
  };

  explicit RolloutTracker(Options options, const Clock* clock = SystemClock());
  RolloutTracker(const RolloutTracker&) = delete;
  RolloutTracker& operator=(const RolloutTracker&) = delete;

  // Records `reports` for `client_id` (replacing its labels) and renews its lease. Reports for
  // configs not named keep their last state. INVALID_ARGUMENT names the field that is over a
  // bound or not UTF-8 (never its value).
  absl::Status Record(std::string_view client_id, Labels labels, std::vector<Report> reports)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Drops a client (it is shutting down). False when it was not known.
  bool Forget(std::string_view client_id) ABSL_LOCKS_EXCLUDED(mu_);

  // The clients that reported on (name, profile), classified against `served_etag`: all of them
  // counted, at most `max_listed` listed (the ones to look at first).
  Rollout RolloutOf(std::string_view name, std::string_view profile, std::string_view served_etag,
                    size_t max_listed = SIZE_MAX) const ABSL_LOCKS_EXCLUDED(mu_);

  // True when `client_id` rejected exactly `etag` of (name, profile) as its last report.
  bool Rejected(std::string_view client_id, std::string_view name, std::string_view profile,
                std::string_view etag) const ABSL_LOCKS_EXCLUDED(mu_);

  // `served_etag(name, profile)` gives the etag served now ("" when none).
  template <typename ServedEtag>
  Totals TotalsAgainst(const ServedEtag& served_etag) const ABSL_LOCKS_EXCLUDED(mu_);

  size_t client_count() const ABSL_LOCKS_EXCLUDED(mu_);
  const Options& options() const { return options_; }

 private:
  struct Applied {
    uint64_t revision = 0;
    std::string etag;
    Outcome outcome = Outcome::kApplied;
    std::string reason;
    absl::Time reported_at;
  };
  struct Client {
    Labels labels;
    absl::Time last_report;
    // Key: name + '\0' + profile.
    absl::flat_hash_map<std::string, Applied> configs;
  };

  static std::string Key(std::string_view name, std::string_view profile);
  absl::Status CheckReport(std::string_view client_id, const Labels& labels,
                           const std::vector<Report>& reports) const;
  // Forgets clients whose lease ran out. At most once per lease/8 of clock time.
  void ExpireLocked(absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Expired(const Client& client, absl::Time now) const {
    return now - client.last_report > options_.lease;
  }

  const Options options_;
  const Clock* const clock_;
  mutable absl::Mutex mu_;
  // Expiry only removes entries that are invisible already, so const queries may do it.
  mutable absl::flat_hash_map<std::string, Client> clients_ ABSL_GUARDED_BY(mu_);
  mutable absl::Time last_expiry_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  uint64_t applied_reports_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t rejected_reports_ ABSL_GUARDED_BY(mu_) = 0;
};

template <typename ServedEtag>
RolloutTracker::Totals RolloutTracker::TotalsAgainst(const ServedEtag& served_etag) const {
  Totals totals;
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  ExpireLocked(now);
  totals.applied_reports = applied_reports_;
  totals.rejected_reports = rejected_reports_;
  for (const auto& [id, client] : clients_) {
    if (Expired(client, now)) continue;
    ++totals.clients;
    for (const auto& [key, applied] : client.configs) {
      const size_t nul = key.find('\0');
      const std::string served =
          served_etag(std::string_view(key).substr(0, nul), std::string_view(key).substr(nul + 1));
      if (applied.etag != served) {
        ++totals.behind;
      } else if (applied.outcome == Outcome::kRejected) {
        ++totals.rejected;
        ++totals.rejected_by_config[key.substr(0, nul)];
      } else {
        ++totals.current;
      }
    }
  }
  return totals;
}

}  // namespace hearth
