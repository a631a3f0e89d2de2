#include "server/core/model/packed_texts.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hearth {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(PackedTextsTest, EmptyList) {
  PackedTexts packed = PackedTexts::Pack({});
  EXPECT_EQ(packed.count(), 0u);
  absl::StatusOr<std::vector<std::string>> texts = packed.Unpack();
  ASSERT_TRUE(texts.ok());
  EXPECT_THAT(*texts, IsEmpty());
  EXPECT_TRUE(PackedTexts().Unpack().ok());
}

TEST(PackedTextsTest, RoundTripsAndCompressesConfigText) {
  std::string toml;
  for (int i = 0; i < 60; ++i) {
    toml += "[section_" + std::to_string(i) + "]\nhost = \"db-" + std::to_string(i) +
            ".internal\"\nport = " + std::to_string(5000 + i) + "\n";
  }
  const std::vector<std::string> in = {toml, "", "A=1\nB=2\n", std::string(1, '\0')};
  PackedTexts packed = PackedTexts::Pack(in);
  EXPECT_EQ(packed.count(), 4u);
  EXPECT_EQ(packed.original_bytes(), toml.size() + 8 + 1);
  EXPECT_LT(packed.packed_bytes(), toml.size() / 2);
  absl::StatusOr<std::vector<std::string>> out = packed.Unpack();
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, in);
}

TEST(PackedTextsTest, IncompressibleTextIsStoredAsIs) {
  std::string noise;
  uint32_t x = 12345;
  for (int i = 0; i < 300; ++i) {
    x = x * 1103515245u + 12345u;
    noise.push_back(static_cast<char>(x >> 24));
  }
  PackedTexts packed = PackedTexts::Pack({noise, "ab"});
  EXPECT_LE(packed.packed_bytes(), noise.size() + 2 + 8);
  absl::StatusOr<std::vector<std::string>> out = packed.Unpack();
  ASSERT_TRUE(out.ok());
  EXPECT_THAT(*out, ElementsAre(noise, "ab"));
}

}  // namespace
}  // namespace hearth
