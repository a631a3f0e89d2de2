#include "client/command_suggestion.h"

#include <algorithm>
#include <numeric>

namespace hearthctl {
namespace {

// Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a substring).
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string SuggestCommand(std::string_view typed, const std::vector<std::string>& known) {
  if (typed.empty() || typed.size() > 64) return "";
  std::vector<const std::string*> prefixed;
  for (const std::string& k : known) {
    if (k.compare(0, typed.size(), typed) == 0) prefixed.push_back(&k);
  }
  if (prefixed.size() == 1) return *prefixed[0];
  const size_t limit = std::max<size_t>(1, typed.size() / 3);
  std::string best;
  size_t best_distance = limit + 1;
  for (const std::string& k : known) {
    const size_t distance = EditDistance(typed, k);
    if (distance < best_distance) {
      best_distance = distance;
      best = k;
    }
  }
  return best;
}

}  // namespace hearthctl
