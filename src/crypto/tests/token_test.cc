#include "crypto/token.h"

#include <gtest/gtest.h>

#include <set>

#include "crypto/sha256.h"

namespace custody::crypto {
namespace {

TEST(TokenTest, HasKindPrefixAnd256BitsOfBase32) {
  SeededRandom random(5);
  std::string t = NewSecretToken("rt", random);
  EXPECT_EQ(t.rfind("cst_rt_", 0), 0u) << t;
  EXPECT_EQ(t.size(), 7u + 52u) << t;
  EXPECT_TRUE(LooksLikeSecretToken(t, "rt"));
  EXPECT_FALSE(LooksLikeSecretToken(t, "at"));
}

TEST(TokenTest, TokensAreDistinct) {
  SystemRandom random;
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(NewSecretToken("ak", random)).second);
}

TEST(TokenTest, SeededRandomIsReproducible) {
  SeededRandom a(9), b(9);
  EXPECT_EQ(NewSecretToken("at", a), NewSecretToken("at", b));
}

TEST(TokenTest, LooksLikeRejectsJunk) {
  SeededRandom random(5);
  std::string t = NewSecretToken("at", random);
  EXPECT_FALSE(LooksLikeSecretToken("", "at"));
  EXPECT_FALSE(LooksLikeSecretToken(t.substr(1), "at"));
  EXPECT_FALSE(LooksLikeSecretToken(t + "a", "at"));
  std::string upper = t;
  upper.back() = 'A';
  EXPECT_FALSE(LooksLikeSecretToken(upper, "at"));
  std::string digit = t;
  digit.back() = '1';  // not in the base32 alphabet
  EXPECT_FALSE(LooksLikeSecretToken(digit, "at"));
  std::string prefix = t;
  prefix[0] = 'x';
  EXPECT_FALSE(LooksLikeSecretToken(prefix, "at"));
}

TEST(TokenTest, HashIsHexSha256OfTheToken) {
  SeededRandom random(5);
  std::string t = NewSecretToken("at", random);
  EXPECT_EQ(TokenHash(t), Sha256Hex(std::string_view(t)));
  EXPECT_EQ(TokenHash(t).size(), 64u);
  EXPECT_NE(TokenHash(t), TokenHash(NewSecretToken("at", random)));
}

}  // namespace
}  // namespace custody::crypto
