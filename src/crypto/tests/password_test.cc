#include "crypto/password.h"

#include <gtest/gtest.h>

namespace custody::crypto {
namespace {

TEST(PasswordTest, VerifiesTheRightPasswordOnly) {
  Result<std::string> h = HashPassword("correct horse", PasswordParams::ForTests());
  ASSERT_TRUE(h.ok()) << h.error().ToString();
  EXPECT_EQ(h->rfind("$argon2id$v=19$", 0), 0u) << *h;
  EXPECT_TRUE(VerifyPassword(*h, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*h, "correct horse "));
  EXPECT_FALSE(VerifyPassword(*h, ""));
}

TEST(PasswordTest, SaltsEveryHash) {
  PasswordParams p = PasswordParams::ForTests();
  EXPECT_NE(*HashPassword("pw", p), *HashPassword("pw", p));
}

TEST(PasswordTest, MalformedStoredHashNeverVerifies) {
  EXPECT_FALSE(VerifyPassword("", "pw"));
  EXPECT_FALSE(VerifyPassword("pw", "pw"));
  EXPECT_FALSE(VerifyPassword("$argon2id$v=19$m=8,t=1,p=1$xx$yy", "pw"));
  std::string h = *HashPassword("pw", PasswordParams::ForTests());
  EXPECT_FALSE(VerifyPassword(h.substr(0, h.size() - 2), "pw"));
  EXPECT_FALSE(VerifyPassword(std::string(200, 'a'), "pw"));
}

TEST(PasswordTest, EmptyPasswordIsHashable) {
  std::string h = *HashPassword("", PasswordParams::ForTests());
  EXPECT_TRUE(VerifyPassword(h, ""));
  EXPECT_FALSE(VerifyPassword(h, "x"));
}

TEST(PasswordTest, RejectsParametersOutOfRange) {
  EXPECT_EQ(HashPassword("pw", {0, PasswordParams::ForTests().memlimit}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(HashPassword("pw", {1, 1024}).error().code(), ErrorCode::kInvalidArgument);
}

TEST(PasswordTest, NeedsRehashWhenParametersChange) {
  PasswordParams tests = PasswordParams::ForTests();
  std::string h = *HashPassword("pw", tests);
  EXPECT_FALSE(PasswordNeedsRehash(h, tests));
  EXPECT_TRUE(PasswordNeedsRehash(h, PasswordParams::Interactive()));
  EXPECT_TRUE(PasswordNeedsRehash("junk", tests));
}

TEST(PasswordTest, InteractiveParamsAreLibsodiumInteractive) {
  PasswordParams p = PasswordParams::Interactive();
  EXPECT_EQ(p.opslimit, 2u);
  EXPECT_EQ(p.memlimit, size_t{64} << 20);
}

}  // namespace
}  // namespace custody::crypto
