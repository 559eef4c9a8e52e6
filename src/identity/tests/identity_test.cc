#include "identity/identity.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "crypto/token.h"

namespace custody::identity {
namespace {

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("custody-identity-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    SqliteOptions o;
    o.path = (dir_ / "db").string();
    o.synchronous_full = false;
    store_ = std::move(*OpenSqliteStore(o));
    IdentityOptions io;
    io.password = crypto::PasswordParams::ForTests();
    ids_ = std::make_unique<IdentityService>(*store_, clock_, random_, io);
    alice_ = MakeHuman("alice", "correct horse battery");
  }
  void TearDown() override {
    ids_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  PrincipalRecord MakeHuman(const std::string& name, const std::string& password) {
    std::string hash = *ids_->HashPassword(password);
    return *store_->Write([&](WriteTx& tx) {
      return ids_->CreatePrincipal(tx, NewPrincipal{name, PrincipalKind::kHuman, {}, "", hash},
                                   std::nullopt);
    });
  }

  TokenPair Login(const PrincipalRecord& p) {
    return *store_->Write([&](WriteTx& tx) { return ids_->IssueTokens(tx, p); });
  }

  std::filesystem::path dir_;
  ManualClock clock_{FromUnixMicros(1'800'000'000'000'000)};
  SeededRandom random_{1};
  std::unique_ptr<Store> store_;
  std::unique_ptr<IdentityService> ids_;
  PrincipalRecord alice_;
};

TEST_F(IdentityTest, PasswordCheckGivesOneErrorForUnknownNameAndWrongPassword) {
  EXPECT_TRUE(ids_->CheckPassword("alice", "correct horse battery").ok());
  auto wrong = ids_->CheckPassword("alice", "wrong password!!");
  auto unknown = ids_->CheckPassword("mallory", "correct horse battery");
  ASSERT_FALSE(wrong.ok());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(wrong.error().message(), unknown.error().message());
}

TEST_F(IdentityTest, ShortPasswordsAreRefused) {
  EXPECT_EQ(ids_->HashPassword("short").error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(IdentityTest, TokensAreStoredOnlyAsHashes) {
  TokenPair t = Login(alice_);
  auto tokens = *store_->Read([&](ReadTx& tx) { return tx.TokensOf(alice_.id); });
  ASSERT_EQ(tokens.size(), 2u);
  for (const TokenRecord& r : tokens) {
    EXPECT_NE(r.hash, t.access_token);
    EXPECT_NE(r.hash, t.refresh_token);
  }
  EXPECT_EQ(tokens[0].hash.size(), 64u);
}

TEST_F(IdentityTest, AccessTokenAuthenticatesUntilItExpires) {
  TokenPair t = Login(alice_);
  auto who = ids_->Authenticate(t.access_token);
  ASSERT_TRUE(who.ok()) << who.error().ToString();
  EXPECT_EQ(who->principal.id, alice_.id);
  clock_.Advance(std::chrono::minutes(16));
  EXPECT_EQ(ids_->Authenticate(t.access_token).error().code(), ErrorCode::kUnauthenticated);
}

TEST_F(IdentityTest, RefreshTokenIsNotAnAccessToken) {
  TokenPair t = Login(alice_);
  EXPECT_FALSE(ids_->Authenticate(t.refresh_token).ok());
}

TEST_F(IdentityTest, ForgedTokenIsRejected) {
  EXPECT_FALSE(ids_->Authenticate("cst_at_" + std::string(52, 'a')).ok());
  EXPECT_FALSE(ids_->Authenticate("").ok());
  EXPECT_FALSE(ids_->Authenticate(std::string(5000, 'x')).ok());
}

TEST_F(IdentityTest, RefreshRotatesAndReuseRevokesTheFamily) {
  TokenPair first = Login(alice_);
  auto second = store_->Write([&](WriteTx& tx) { return ids_->Refresh(tx, first.refresh_token); });
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_FALSE(ids_->Authenticate(first.access_token).ok());  // old family revoked
  EXPECT_TRUE(ids_->Authenticate(second->first.access_token).ok());
  // Replaying the used refresh token fails (the revocation it causes is committed by the
  // caller's transaction only when the caller records the failure; here it is rolled back).
  auto replay = store_->Write([&](WriteTx& tx) -> Status {
    // Commit the revocation the failed refresh makes (as workflow does, with its audit entry).
    EXPECT_FALSE(ids_->Refresh(tx, first.refresh_token).ok());
    return OkStatus();
  });
  EXPECT_TRUE(replay.ok());
  EXPECT_FALSE(ids_->Authenticate(second->first.access_token).ok());
}

TEST_F(IdentityTest, LogoutRevokesAccessAndRefresh) {
  TokenPair t = Login(alice_);
  Caller c = *ids_->Authenticate(t.access_token);
  ASSERT_TRUE(store_->Write([&](WriteTx& tx) { return ids_->Logout(tx, c.token); }).ok());
  EXPECT_FALSE(ids_->Authenticate(t.access_token).ok());
  EXPECT_FALSE(store_->Write([&](WriteTx& tx) { return ids_->Refresh(tx, t.refresh_token); }).ok());
}

TEST_F(IdentityTest, DisablingRevokesAtOnce) {
  TokenPair t = Login(alice_);
  auto n = store_->Write([&](WriteTx& tx) { return ids_->SetDisabled(tx, alice_.id, true); });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  EXPECT_FALSE(ids_->Authenticate(t.access_token).ok());
  EXPECT_FALSE(ids_->CheckPassword("alice", "correct horse battery").ok());
}

TEST_F(IdentityTest, NonHumanPrincipalsNeedAHumanOwner) {
  auto orphan = store_->Write([&](WriteTx& tx) {
    return ids_->CreatePrincipal(tx, NewPrincipal{"bot", PrincipalKind::kAgent, {}, "", ""},
                                 std::nullopt);
  });
  EXPECT_EQ(orphan.error().code(), ErrorCode::kInvalidArgument);
  auto bot = store_->Write([&](WriteTx& tx) {
    return ids_->CreatePrincipal(tx, NewPrincipal{"bot", PrincipalKind::kAgent, alice_.id, "", ""},
                                 std::nullopt);
  });
  ASSERT_TRUE(bot.ok());
  auto owned_by_bot = store_->Write([&](WriteTx& tx) {
    return ids_->CreatePrincipal(tx, NewPrincipal{"bot2", PrincipalKind::kService, bot->id, "", ""},
                                 std::nullopt);
  });
  EXPECT_FALSE(owned_by_bot.ok());
}

TEST_F(IdentityTest, ApiKeysAreForNonHumansAndExpire) {
  auto svc = *store_->Write([&](WriteTx& tx) {
    return ids_->CreatePrincipal(
        tx, NewPrincipal{"publisher-bot", PrincipalKind::kService, alice_.id, "", ""},
        std::nullopt);
  });
  EXPECT_FALSE(store_
                   ->Write([&](WriteTx& tx) {
                     return ids_->CreateApiKey(tx, alice_.id, std::chrono::hours(24), "x");
                   })
                   .ok());
  auto key = store_->Write(
      [&](WriteTx& tx) { return ids_->CreateApiKey(tx, svc.id, std::chrono::hours(24), "ci"); });
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(ids_->Authenticate(key->first).ok());
  clock_.Advance(std::chrono::hours(25));
  EXPECT_FALSE(ids_->Authenticate(key->first).ok());
  EXPECT_FALSE(store_
                   ->Write([&](WriteTx& tx) {
                     return ids_->CreateApiKey(tx, svc.id, std::chrono::hours(24 * 5000), "long");
                   })
                   .ok());
}

TEST_F(IdentityTest, BootstrapOnlyOnAnEmptyDatabase) {
  auto again = store_->Write([&](WriteTx& tx) { return ids_->Bootstrap(tx, "x"); });
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
}

}  // namespace
}  // namespace custody::identity
