#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hearthctl {

// The closest of `known` to `typed` by edit distance (insertions, deletions, substitutions and
// swaps of neighbours each cost 1), or "" when none is within max(1, typed.size() / 3) edits, or
// when `typed` is a prefix of exactly one of them (then that one). Used for "did you mean".
std::string SuggestCommand(std::string_view typed, const std::vector<std::string>& known);

}  // namespace hearthctl
