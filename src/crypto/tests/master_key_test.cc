#include "crypto/master_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <thread>
#include <vector>

#include "crypto/tests/test_dir.h"

namespace custody::crypto {
namespace {

Bytes ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const std::filesystem::path& p, const Bytes& b, mode_t mode) {
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }
  ASSERT_EQ(::chmod(p.c_str(), mode), 0);
}

mode_t ModeOf(const std::filesystem::path& p) {
  struct stat st;
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 07777;
}

class MasterKeyTest : public ::testing::Test {
 protected:
  SeededRandom random_{42};
  MasterKey key_ = MasterKey::Generate(random_);
  const Bytes data_key_ = Bytes(32, 0x5a);
};

TEST_F(MasterKeyTest, WrapUnwrapRoundTrip) {
  Result<Bytes> wrapped = key_.Wrap(data_key_, "custody.blob:blb_x", random_);
  ASSERT_TRUE(wrapped.ok()) << wrapped.error().ToString();
  EXPECT_EQ(wrapped->size(), data_key_.size() + MasterKey::kWrapOverhead);
  EXPECT_EQ((*wrapped)[0], MasterKey::kWrapVersion);
  Result<Bytes> back = key_.Unwrap(*wrapped, "custody.blob:blb_x");
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, data_key_);
}

TEST_F(MasterKeyTest, WrapUsesAFreshNonceEachTime) {
  Bytes a = *key_.Wrap(data_key_, "ctx", random_);
  Bytes b = *key_.Wrap(data_key_, "ctx", random_);
  EXPECT_NE(a, b);
}

TEST_F(MasterKeyTest, EveryModifiedByteIsDataLoss) {
  Bytes wrapped = *key_.Wrap(data_key_, "ctx", random_);
  for (size_t i = 0; i < wrapped.size(); ++i) {
    Bytes bad = wrapped;
    bad[i] ^= 0x01;
    Result<Bytes> r = key_.Unwrap(bad, "ctx");
    ASSERT_FALSE(r.ok()) << "byte " << i;
    EXPECT_EQ(r.error().code(), ErrorCode::kDataLoss) << "byte " << i;
  }
}

TEST_F(MasterKeyTest, WrongContextIsDataLoss) {
  Bytes wrapped = *key_.Wrap(data_key_, "custody.blob:blb_a", random_);
  Result<Bytes> r = key_.Unwrap(wrapped, "custody.blob:blb_b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDataLoss);
}

TEST_F(MasterKeyTest, AnotherMasterKeyIsDataLoss) {
  Bytes wrapped = *key_.Wrap(data_key_, "ctx", random_);
  MasterKey other = MasterKey::Generate(random_);
  Result<Bytes> r = other.Unwrap(wrapped, "ctx");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDataLoss);
}

TEST_F(MasterKeyTest, TruncatedIsDataLoss) {
  Bytes wrapped = *key_.Wrap(data_key_, "ctx", random_);
  for (size_t n : {size_t{0}, size_t{1}, MasterKey::kWrapOverhead, wrapped.size() - 1}) {
    Result<Bytes> r = key_.Unwrap(std::span<const uint8_t>(wrapped).first(n), "ctx");
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error().code(), ErrorCode::kDataLoss) << n;
  }
}

TEST_F(MasterKeyTest, EmptyOrHugeKeyIsInvalid) {
  EXPECT_EQ(key_.Wrap({}, "ctx", random_).error().code(), ErrorCode::kInvalidArgument);
  Bytes huge(MasterKey::kMaxWrappedKeySize + 1);
  EXPECT_EQ(key_.Wrap(huge, "ctx", random_).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(MasterKeyTest, FromBytesChecksSize) {
  EXPECT_FALSE(MasterKey::FromBytes(Bytes(31)).ok());
  Result<MasterKey> k = MasterKey::FromBytes(Bytes(32, 7));
  ASSERT_TRUE(k.ok());
  Result<MasterKey> same = MasterKey::FromBytes(Bytes(32, 7));
  EXPECT_EQ(*same->Unwrap(*k->Wrap(data_key_, "c", random_), "c"), data_key_);
}

TEST_F(MasterKeyTest, MovedKeyStillWorks) {
  Bytes wrapped = *key_.Wrap(data_key_, "ctx", random_);
  MasterKey moved = std::move(key_);
  EXPECT_EQ(*moved.Unwrap(wrapped, "ctx"), data_key_);
}

class MasterKeyFileTest : public ::testing::Test {
 protected:
  ~MasterKeyFileTest() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_ = MakeTestDir();
  std::filesystem::path file_ = dir_ / "master.key";
  SeededRandom random_{7};
};

TEST_F(MasterKeyFileTest, CreatesA0600FileThenLoadsTheSameKey) {
  bool created = false;
  Result<MasterKey> first = MasterKey::LoadOrCreate(file_, random_, &created);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_TRUE(created);
  EXPECT_EQ(ModeOf(file_), 0600u);
  EXPECT_EQ(std::filesystem::file_size(file_), MasterKey::kSize);

  Result<MasterKey> second = MasterKey::LoadOrCreate(file_, random_, &created);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_FALSE(created);
  Bytes data_key(32, 1);
  EXPECT_EQ(*second->Unwrap(*first->Wrap(data_key, "c", random_), "c"), data_key);
}

TEST_F(MasterKeyFileTest, CreatedFileIs0600WhateverTheUmask) {
  mode_t old = ::umask(0);
  Result<MasterKey> k = MasterKey::LoadOrCreate(file_, random_, nullptr);
  ::umask(old);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(ModeOf(file_), 0600u);
}

TEST_F(MasterKeyFileTest, LeavesNoTemporaryFiles) {
  ASSERT_TRUE(MasterKey::LoadOrCreate(file_, random_, nullptr).ok());
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST_F(MasterKeyFileTest, RefusesAGroupOrWorldReadableFile) {
  WriteAll(file_, Bytes(32, 9), 0644);
  Result<MasterKey> k = MasterKey::LoadOrCreate(file_, random_, nullptr);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(k.error().message().find("0644"), std::string::npos) << k.error().message();
  EXPECT_NE(k.error().message().find("chmod 600"), std::string::npos) << k.error().message();
  EXPECT_EQ(ReadAll(file_), Bytes(32, 9));  // untouched

  ASSERT_EQ(::chmod(file_.c_str(), 0640), 0);
  EXPECT_EQ(MasterKey::LoadOrCreate(file_, random_, nullptr).error().code(),
            ErrorCode::kPermissionDenied);
}

TEST_F(MasterKeyFileTest, RefusesAFileOfTheWrongSize) {
  for (size_t n : {size_t{0}, size_t{31}, size_t{33}}) {
    WriteAll(file_, Bytes(n, 9), 0600);
    Result<MasterKey> k = MasterKey::LoadOrCreate(file_, random_, nullptr);
    ASSERT_FALSE(k.ok()) << n;
    EXPECT_EQ(k.error().code(), ErrorCode::kDataLoss) << n;
    EXPECT_EQ(std::filesystem::file_size(file_), n);  // never replaced
  }
}

TEST_F(MasterKeyFileTest, LoadsAKeyWrittenByTheOperator) {
  WriteAll(file_, Bytes(32, 3), 0600);
  bool created = true;
  Result<MasterKey> k = MasterKey::LoadOrCreate(file_, random_, &created);
  ASSERT_TRUE(k.ok());
  EXPECT_FALSE(created);
  Bytes data_key(32, 1);
  EXPECT_EQ(*MasterKey::FromBytes(Bytes(32, 3))->Unwrap(*k->Wrap(data_key, "c", random_), "c"),
            data_key);
}

TEST_F(MasterKeyFileTest, ConcurrentCreatorsAgreeOnOneKey) {
  constexpr int kThreads = 8;
  std::vector<std::optional<MasterKey>> keys(kThreads);
  std::vector<int> created(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      SystemRandom random;
      bool c = false;
      Result<MasterKey> k = MasterKey::LoadOrCreate(file_, random, &c);
      if (k.ok()) keys[i].emplace(std::move(k).value());
      created[i] = c;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(created.begin(), created.end(), 1), 1);
  Bytes data_key(32, 1);
  ASSERT_TRUE(keys[0].has_value());
  Bytes wrapped = *keys[0]->Wrap(data_key, "c", random_);
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(keys[i].has_value()) << i;
    EXPECT_EQ(*keys[i]->Unwrap(wrapped, "c"), data_key) << i;
  }
}

TEST_F(MasterKeyFileTest, MissingDirectoryIsNotFound) {
  Result<MasterKey> k = MasterKey::LoadOrCreate(dir_ / "nope" / "master.key", random_, nullptr);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace custody::crypto
