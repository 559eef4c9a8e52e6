#include "crypto/signing_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "base/encoding.h"
#include "crypto/tests/test_dir.h"

namespace custody::crypto {
namespace {

TEST(SigningKeyTest, SeededRandomGivesTheSameKey) {
  SeededRandom a(1), b(1), c(2);
  SigningKey ka = SigningKey::Generate(a);
  SigningKey kb = SigningKey::Generate(b);
  SigningKey kc = SigningKey::Generate(c);
  EXPECT_EQ(ka.public_key(), kb.public_key());
  EXPECT_NE(ka.public_key(), kc.public_key());
  EXPECT_EQ(ka.Sign(AsBytes("note")), kb.Sign(AsBytes("note")));
}

TEST(SigningKeyTest, Rfc8032Test1) {
  Bytes seed = *HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  Result<SigningKey> key = SigningKey::FromSeed(seed);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(HexEncode(key->public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(
      HexEncode(key->Sign({})),
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
      "1cf9b46bd25bf5f0595bbe24655141438e7a100b");
}

TEST(SigningKeyTest, VerifyAcceptsGoodAndRejectsBadSignatures) {
  SeededRandom random(3);
  SigningKey key = SigningKey::Generate(random);
  Ed25519Signature sig = key.Sign(AsBytes("checkpoint 7"));
  EXPECT_TRUE(VerifyEd25519(key.public_key(), AsBytes("checkpoint 7"), sig));
  EXPECT_FALSE(VerifyEd25519(key.public_key(), AsBytes("checkpoint 8"), sig));
  Ed25519Signature bad = sig;
  bad[10] ^= 1;
  EXPECT_FALSE(VerifyEd25519(key.public_key(), AsBytes("checkpoint 7"), bad));
  SigningKey other = SigningKey::Generate(random);
  EXPECT_FALSE(VerifyEd25519(other.public_key(), AsBytes("checkpoint 7"), sig));
  EXPECT_FALSE(VerifyEd25519(std::span(key.public_key()).first(31), AsBytes("checkpoint 7"), sig));
  EXPECT_FALSE(VerifyEd25519(key.public_key(), AsBytes("checkpoint 7"), std::span(sig).first(63)));
}

TEST(SigningKeyTest, SecretKeyIsSeedThenPublicKey) {
  Bytes seed(kEd25519SeedSize, 9);
  SigningKey key = *SigningKey::FromSeed(seed);
  ASSERT_EQ(key.secret_key().size(), 64u);
  EXPECT_EQ(Bytes(key.secret_key().begin(), key.secret_key().begin() + 32), seed);
  EXPECT_EQ(Bytes(key.secret_key().begin() + 32, key.secret_key().end()),
            Bytes(key.public_key().begin(), key.public_key().end()));
}

TEST(SigningKeyTest, FromSeedChecksSize) {
  EXPECT_EQ(SigningKey::FromSeed(Bytes(31)).error().code(), ErrorCode::kInvalidArgument);
}

class SigningKeyFileTest : public ::testing::Test {
 protected:
  ~SigningKeyFileTest() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_ = MakeTestDir();
  std::filesystem::path file_ = dir_ / "signing.key";
  SeededRandom random_{11};
  MasterKey master_ = MasterKey::Generate(random_);
};

TEST_F(SigningKeyFileTest, CreatesWrapped0600FileThenLoadsTheSameKey) {
  bool created = false;
  Result<SigningKey> first = SigningKey::LoadOrCreate(file_, master_, random_, &created);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_TRUE(created);
  struct stat st;
  ASSERT_EQ(::stat(file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(std::filesystem::file_size(file_), kEd25519SeedSize + MasterKey::kWrapOverhead);

  Result<SigningKey> second = SigningKey::LoadOrCreate(file_, master_, random_, &created);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_FALSE(created);
  EXPECT_EQ(first->public_key(), second->public_key());
}

TEST_F(SigningKeyFileTest, AnotherMasterKeyIsDataLoss) {
  ASSERT_TRUE(SigningKey::LoadOrCreate(file_, master_, random_, nullptr).ok());
  MasterKey other = MasterKey::Generate(random_);
  Result<SigningKey> k = SigningKey::LoadOrCreate(file_, other, random_, nullptr);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().code(), ErrorCode::kDataLoss);
}

TEST_F(SigningKeyFileTest, RenamedFileIsDataLoss) {
  ASSERT_TRUE(SigningKey::LoadOrCreate(file_, master_, random_, nullptr).ok());
  std::filesystem::rename(file_, dir_ / "other.key");
  Result<SigningKey> k = SigningKey::LoadOrCreate(dir_ / "other.key", master_, random_, nullptr);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().code(), ErrorCode::kDataLoss);
}

TEST_F(SigningKeyFileTest, RefusesAWorldReadableFile) {
  ASSERT_TRUE(SigningKey::LoadOrCreate(file_, master_, random_, nullptr).ok());
  ASSERT_EQ(::chmod(file_.c_str(), 0604), 0);
  EXPECT_EQ(SigningKey::LoadOrCreate(file_, master_, random_, nullptr).error().code(),
            ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace custody::crypto
