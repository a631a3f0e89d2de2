#include "server/core/store/rollout_tracker.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/utf8.h"

namespace hearth {
namespace {

// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence.
void TruncateUtf8(std::string& text, size_t max) {
  if (text.size() <= max) return;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
}

absl::Status CheckField(std::string_view what, std::string_view text, size_t max, bool required) {
  if (required && text.empty())
    return absl::InvalidArgumentError(absl::StrCat(Sv(what), " is required"));
  if (text.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(what), " is ", text.size(), " bytes; at most ", max));
  }
  if (!IsValidUtf8(text))
    return absl::InvalidArgumentError(absl::StrCat(Sv(what), " is not UTF-8"));
  if (text.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(what), " contains NUL"));
  }
  return absl::OkStatus();
}

}  // namespace

RolloutTracker::RolloutTracker(Options options, const Clock* clock)
    : options_(options), clock_(clock) {}

std::string RolloutTracker::Key(std::string_view name, std::string_view profile) {
  return absl::StrCat(Sv(name), absl::string_view("\0", 1), Sv(profile));
}

absl::Status RolloutTracker::CheckReport(std::string_view client_id, const Labels& labels,
                                         const std::vector<Report>& reports) const {
  if (absl::Status s = CheckField("client id", client_id, options_.max_id_bytes, true); !s.ok()) {
    return s;
  }
  if (labels.size() > options_.max_labels) {
    return absl::InvalidArgumentError(
        absl::StrCat(labels.size(), " labels; at most ", options_.max_labels));
  }
  for (const auto& [key, value] : labels) {
    if (absl::Status s = CheckField("label key", key, options_.max_id_bytes, true); !s.ok())
      return s;
    if (absl::Status s =
            CheckField(absl::StrCat("label ", key), value, options_.max_value_bytes, false);
        !s.ok()) {
      return s;
    }
  }
  if (reports.size() > options_.max_configs_per_client) {
    return absl::InvalidArgumentError(absl::StrCat(
        reports.size(), " configs in one report; at most ", options_.max_configs_per_client));
  }
  for (size_t i = 0; i < reports.size(); ++i) {
    const Report& report = reports[i];
    const std::string where = absl::StrCat("report ", i, ": ");
    if (absl::Status s = CheckField(absl::StrCat(where, "config name"), report.name,
                                    options_.max_id_bytes, true);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckField(absl::StrCat(where, "profile"), report.profile,
                                    options_.max_id_bytes, false);
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            CheckField(absl::StrCat(where, "etag"), report.etag, options_.max_value_bytes, true);
        !s.ok()) {
      return s;
    }
    if (!IsValidUtf8(report.reason)) {
      return absl::InvalidArgumentError(absl::StrCat(where, "reason is not UTF-8"));
    }
  }
  return absl::OkStatus();
}

absl::Status RolloutTracker::Record(std::string_view client_id, Labels labels,
                                    std::vector<Report> reports) {
  if (absl::Status s = CheckReport(client_id, labels, reports); !s.ok()) return s;
  std::sort(labels.begin(), labels.end());
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  auto it = clients_.find(Sv(client_id));
  if (it == clients_.end() || Expired(it->second, now)) {
    if (it == clients_.end() && clients_.size() >= options_.max_clients) {
      last_expiry_ = absl::InfinitePast();  // a full table is worth a sweep now
      ExpireLocked(now);
      if (clients_.size() >= options_.max_clients) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "the rollout tracker holds ", clients_.size(), " clients (--max-report-clients)"));
      }
    }
    it = clients_.try_emplace(std::string(client_id)).first;
    it->second.configs.clear();  // an expired client starts over
  }
  Client& client = it->second;
  size_t new_configs = 0;
  for (const Report& report : reports) {
    new_configs += client.configs.contains(Key(report.name, report.profile)) ? 0 : 1;
  }
  if (client.configs.size() + new_configs > options_.max_configs_per_client) {
    return absl::InvalidArgumentError(
        absl::StrCat("the client would report on ", client.configs.size() + new_configs,
                     " configs; at most ", options_.max_configs_per_client));
  }
  client.labels = std::move(labels);
  client.last_report = now;
  for (Report& report : reports) {
    Applied& applied = client.configs[Key(report.name, report.profile)];
    applied.revision = report.revision;
    applied.etag = std::move(report.etag);
    applied.outcome = report.outcome;
    applied.reason = report.outcome == Outcome::kRejected ? std::move(report.reason) : "";
    TruncateUtf8(applied.reason, options_.max_reason_bytes);
    applied.reported_at = now;
    ++(report.outcome == Outcome::kRejected ? rejected_reports_ : applied_reports_);
  }
  ExpireLocked(now);
  return absl::OkStatus();
}

bool RolloutTracker::Forget(std::string_view client_id) {
  absl::MutexLock lock(&mu_);
  return clients_.erase(Sv(client_id)) > 0;
}

void RolloutTracker::ExpireLocked(absl::Time now) const {
  if (now - last_expiry_ < options_.lease / 8) return;
  last_expiry_ = now;
  absl::erase_if(clients_, [&](const auto& item) { return Expired(item.second, now); });
}

RolloutTracker::Rollout RolloutTracker::RolloutOf(std::string_view name, std::string_view profile,
                                                  std::string_view served_etag,
                                                  size_t max_listed) const {
  Rollout rollout;
  const std::string key = Key(name, profile);
  // Count every client, but build views only for those listed: one pass, then a partial sort
  // of pointers by (state, id).
  struct Match {
    ClientState state;
    const std::string* id;
    const Client* client;
    const Applied* applied;
  };
  std::vector<Match> matches;
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  ExpireLocked(now);
  for (const auto& [id, client] : clients_) {
    if (Expired(client, now)) continue;
    auto found = client.configs.find(key);
    if (found == client.configs.end()) continue;
    const Applied& applied = found->second;
    ClientState state;
    if (applied.etag != served_etag) {
      state = ClientState::kBehind;
      ++rollout.behind;
    } else if (applied.outcome == Outcome::kRejected) {
      state = ClientState::kRejected;
      ++rollout.rejected;
    } else {
      state = ClientState::kCurrent;
      ++rollout.current;
    }
    rollout.stale += now - client.last_report > options_.lease / 2 ? 1 : 0;
    matches.push_back({state, &id, &client, &applied});
  }
  // Rejected first, then behind, then current.
  auto rank = [](ClientState s) {
    return s == ClientState::kRejected ? 0 : s == ClientState::kBehind ? 1 : 2;
  };
  auto before = [&](const Match& a, const Match& b) {
    const int ra = rank(a.state), rb = rank(b.state);
    return ra != rb ? ra < rb : *a.id < *b.id;
  };
  const size_t listed = std::min(max_listed, matches.size());
  rollout.truncated = listed < matches.size();
  std::partial_sort(matches.begin(), matches.begin() + listed, matches.end(), before);
  rollout.clients.reserve(listed);
  for (size_t i = 0; i < listed; ++i) {
    const Match& m = matches[i];
    ClientView view;
    view.client_id = *m.id;
    view.labels = m.client->labels;
    view.revision = m.applied->revision;
    view.etag = m.applied->etag;
    view.outcome = m.applied->outcome;
    view.reason = m.applied->reason;
    view.state = m.state;
    view.reported_at = m.client->last_report;
    view.stale = now - m.client->last_report > options_.lease / 2;
    rollout.clients.push_back(std::move(view));
  }
  return rollout;
}

bool RolloutTracker::Rejected(std::string_view client_id, std::string_view name,
                              std::string_view profile, std::string_view etag) const {
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(Sv(client_id));
  if (it == clients_.end() || Expired(it->second, clock_->Now())) return false;
  auto found = it->second.configs.find(Key(name, profile));
  return found != it->second.configs.end() && found->second.outcome == Outcome::kRejected &&
         found->second.etag == etag;
}

size_t RolloutTracker::client_count() const {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  return std::count_if(clients_.begin(), clients_.end(),
                       [&](const auto& item) { return !Expired(item.second, now); });
}

}  // namespace hearth
