#include "client/command_suggestion.h"

#include "gtest/gtest.h"

namespace hearthctl {
namespace {

const std::vector<std::string> kCommands = {"get",    "list", "watch",     "validate",
                                            "health", "help", "completion"};

TEST(CommandSuggestionTest, NearMissesAreSuggested) {
  EXPECT_EQ(SuggestCommand("lst", kCommands), "list");
  EXPECT_EQ(SuggestCommand("gett", kCommands), "get");
  EXPECT_EQ(SuggestCommand("wacth", kCommands), "watch");  // swapped neighbours cost one edit
  EXPECT_EQ(SuggestCommand("valdate", kCommands), "validate");
  EXPECT_EQ(SuggestCommand("healht", kCommands), "health");
}

TEST(CommandSuggestionTest, AUniquePrefixIsSuggested) {
  EXPECT_EQ(SuggestCommand("val", kCommands), "validate");
  EXPECT_EQ(SuggestCommand("comp", kCommands), "completion");
}

TEST(CommandSuggestionTest, NothingCloseMeansNoSuggestion) {
  EXPECT_EQ(SuggestCommand("deploy", kCommands), "");
  EXPECT_EQ(SuggestCommand("", kCommands), "");
  EXPECT_EQ(SuggestCommand(std::string(1000, 'x'), kCommands), "");
  EXPECT_EQ(SuggestCommand("lst", {}), "");
}

}  // namespace
}  // namespace hearthctl
