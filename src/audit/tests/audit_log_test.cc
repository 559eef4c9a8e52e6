#include "audit/audit_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "audit/verifier.h"

namespace custody::audit {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("custody-auditlog-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Open();
  }
  void TearDown() override {
    log_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    log_.reset();
    store_.reset();
    SqliteOptions o;
    o.path = (dir_ / "db").string();
    o.synchronous_full = false;
    store_ = std::move(*OpenSqliteStore(o));
    uint8_t seed[32] = {7};
    AuditLog::Options opts;
    opts.origin = "test.example/audit";
    opts.checkpoint_file = dir_ / "checkpoint";
    auto log = AuditLog::Open(*store_, std::move(*NoteSigner::Create("test.example/audit", seed)),
                              opts, clock_);
    ASSERT_TRUE(log.ok()) << log.error().ToString();
    log_ = std::move(*log);
  }
  static AuditEvent Ev(const std::string& action) {
    AuditEvent e;
    e.principal = "prn_x";
    e.action = action;
    e.resource = "ast_y";
    e.outcome = "succeeded";
    e.details["sha256"] = std::string(64, 'a');
    return e;
  }
  Status AppendOne(const std::string& action) {
    return store_->Write([&](WriteTx& tx) -> Status {
      RETURN_IF_ERROR(log_->Append(tx, Ev(action)));
      return OkStatus();
    });
  }
  std::vector<NoteVerifier> Verifiers() { return {*NoteVerifier::Parse(log_->VerifierKey())}; }

  std::filesystem::path dir_;
  ManualClock clock_{FromUnixMicros(1'800'000'000'000'000)};
  std::unique_ptr<Store> store_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditLogTest, EntriesAreCanonicalAndHashedIntoTheTree) {
  ASSERT_TRUE(AppendOne("asset.upload").ok());
  auto rows = *log_->List(AuditQuery{});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].entry_json, AuditLog::EntryJson(0, clock_.Now(), Ev("asset.upload")));
  Hash leaf = LeafHash(AsBytes(rows[0].entry_json));
  EXPECT_EQ(*log_->Root(1), leaf);
}

TEST_F(AuditLogTest, EveryCommitIsCoveredByASignedCheckpoint) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(AppendOne("a" + std::to_string(i)).ok());
  EXPECT_EQ(log_->size(), 5u);
  auto note = log_->SignedCheckpoint();
  ASSERT_TRUE(note.ok());
  auto cp = OpenCheckpoint(*note, "test.example/audit", Verifiers());
  ASSERT_TRUE(cp.ok()) << cp.error().ToString();
  EXPECT_EQ(cp->size, 5u);
  EXPECT_EQ(cp->root, *log_->Root(5));
  EXPECT_EQ(AuditLog::ReadCheckpointFile(dir_ / "checkpoint"), *note);
}

TEST_F(AuditLogTest, ProofsVerify) {
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(AppendOne("a").ok());
  auto rows = *log_->List(AuditQuery{0, 100, {}});
  Hash leaf = LeafHash(AsBytes(rows[3].entry_json));
  auto path = *log_->InclusionProof(3, 9);
  EXPECT_TRUE(VerifyInclusion(leaf, 3, 9, path, *log_->Root(9)).ok());
  auto cons = *log_->ConsistencyProof(4, 9);
  EXPECT_TRUE(VerifyConsistency(4, 9, *log_->Root(4), *log_->Root(9), cons).ok());
  EXPECT_FALSE(log_->InclusionProof(3, 10).ok());
}

TEST_F(AuditLogTest, RolledBackWorkLeavesNoLeaf) {
  ASSERT_TRUE(AppendOne("kept").ok());
  Status s = store_->Write([&](WriteTx& tx) -> Status {
    RETURN_IF_ERROR(log_->Append(tx, Ev("doomed")));
    return Internal("the use case failed after auditing");
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(log_->size(), 1u);
  ASSERT_TRUE(AppendOne("next").ok());
  EXPECT_EQ(log_->size(), 2u);
  auto report = VerifyAuditLog(*store_, "test.example/audit", Verifiers(),
                               AuditLog::ReadCheckpointFile(dir_ / "checkpoint"));
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << json::serialize(report->ToJson());
}

TEST_F(AuditLogTest, ConcurrentAppendsAndAsyncAppendsAllLand) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        EXPECT_TRUE(AppendOne("c").ok());
        log_->AppendAsync(Ev("read"));
      }
    });
  for (auto& t : threads) t.join();
  ASSERT_TRUE(log_->Flush().ok());
  EXPECT_EQ(log_->size(), 320u);
  auto report = log_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << json::serialize(report->ToJson());
  EXPECT_EQ(report->entries, 320u);
}

TEST_F(AuditLogTest, ReopenRebuildsTheTree) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(AppendOne("a").ok());
  Hash root = *log_->Root(4);
  Open();
  EXPECT_EQ(log_->size(), 4u);
  EXPECT_EQ(*log_->Root(4), root);
}

}  // namespace
}  // namespace custody::audit
