// The audit log verifies offline, and names an entry altered directly in the database.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "audit/merkle.h"
#include "integration/test_server.h"

namespace custody::testing {
namespace {

// Runs SQL as an attacker with write access to the database file would: the append-only
// triggers are dropped first (they stop mistakes, not someone who owns the file).
void Exec(const std::filesystem::path& db, const std::string& sql_in) {
  std::string sql =
      "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete; "
      "DROP TRIGGER IF EXISTS checkpoints_no_update; DROP TRIGGER IF EXISTS checkpoints_no_delete; "
      "DROP TRIGGER IF EXISTS audit_refs_no_update; DROP TRIGGER IF EXISTS audit_refs_no_delete; " +
      sql_in;
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_close(h);
}

TEST(AuditTamperTest, VerifyPassesThenNamesTheAlteredEntry) {
  TestServer server;
  std::string admin = server.Login("admin", TestServer::kAdminPassword);
  for (int i = 0; i < 5; ++i) server.CreateProject(admin, "p" + std::to_string(i));
  // Proofs for a leaf are served and verifiable shapes.
  Reply proof = server.Get("/v1/audit/proof?index=2", admin);
  ASSERT_EQ(proof.status, 200) << proof.raw;
  EXPECT_FALSE(proof.body["proof"].as_array().empty());
  Reply cons = server.Get("/v1/audit/proof?from=2", admin);
  ASSERT_EQ(cons.status, 200) << cons.raw;
  Reply cp = server.Get("/v1/audit/checkpoint", admin);
  ASSERT_EQ(cp.status, 200);
  EXPECT_NE(cp.raw.find("custody.local/audit\n"), std::string::npos);
  EXPECT_NE(cp.raw.find("\xE2\x80\x94 custody.local/audit "), std::string::npos);  // em dash
  server.Stop();

  auto clean = app::VerifyAuditOffline(server.data_dir());
  ASSERT_TRUE(clean.ok()) << clean.error().ToString();
  EXPECT_TRUE((*clean)["ok"].as_bool()) << json::serialize(*clean);

  // Alter one row's content: the verifier names that entry.
  Exec(server.data_dir() / "custody.db",
       "UPDATE audit SET entry_json = replace(entry_json, 'project.create', 'project.delete') "
       "WHERE seq = 4");
  auto tampered = app::VerifyAuditOffline(server.data_dir());
  ASSERT_TRUE(tampered.ok()) << tampered.error().ToString();
  EXPECT_FALSE((*tampered)["ok"].as_bool());
  EXPECT_EQ((*tampered)["first_bad_entry"].to_number<uint64_t>(), 4u) << json::serialize(*tampered);
}

TEST(AuditTamperTest, DeletedTailIsDetectedByTheCheckpointFile) {
  TestServer server;
  std::string admin = server.Login("admin", TestServer::kAdminPassword);
  for (int i = 0; i < 3; ++i) server.CreateProject(admin, "p" + std::to_string(i));
  server.Stop();
  Exec(server.data_dir() / "custody.db",
       "DELETE FROM audit_refs WHERE seq >= 3; DELETE FROM audit WHERE seq >= 3; "
       "DELETE FROM checkpoints WHERE size > 3;");
  auto r = app::VerifyAuditOffline(server.data_dir());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)["ok"].as_bool()) << json::serialize(*r);
  EXPECT_EQ((*r)["first_bad_entry"].to_number<uint64_t>(), 3u);
}

TEST(AuditTamperTest, RewrittenLeafHashIsCaughtBySignedCheckpoints) {
  TestServer server;
  std::string admin = server.Login("admin", TestServer::kAdminPassword);
  for (int i = 0; i < 3; ++i) server.CreateProject(admin, "p" + std::to_string(i));
  server.Stop();
  // A careful attacker rewrites the entry and its stored leaf hash together, so the row is
  // self-consistent; only the signed checkpoints can tell.
  std::string entry;
  int64_t seq = 0;
  {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open((server.data_dir() / "custody.db").c_str(), &h), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(h,
                                 "SELECT seq, entry_json FROM audit WHERE entry_json LIKE "
                                 "'%project.create%' ORDER BY seq LIMIT 1",
                                 -1, &st, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    seq = sqlite3_column_int64(st, 0);
    entry = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    sqlite3_close(h);
  }
  size_t at = entry.find("project.create");
  ASSERT_NE(at, std::string::npos);
  entry.replace(at, 14, "project.delete");
  audit::Hash leaf = audit::LeafHash(AsBytes(entry));
  std::string quoted;
  for (char c : entry) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  Exec(server.data_dir() / "custody.db", "UPDATE audit SET entry_json = '" + quoted +
                                             "', leaf_hash = X'" + HexEncode(leaf) +
                                             "' WHERE seq = " + std::to_string(seq));
  auto r = app::VerifyAuditOffline(server.data_dir());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)["ok"].as_bool()) << json::serialize(*r);
  // Checkpoints are signed per commit, so the damage is pinned to that entry.
  EXPECT_EQ((*r)["first_bad_entry"].to_number<int64_t>(), seq) << json::serialize(*r);
}

}  // namespace
}  // namespace custody::testing

namespace custody::testing {
namespace {

TEST(BootstrapTest, ShortAdminPasswordIsRefusedAndCreatesNothing) {
  auto dir =
      std::filesystem::temp_directory_path() / ("custody-boot-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  app::Config config;
  config.data_dir = dir;
  config.listen_port = 0;
  ::setenv("CUSTODY_ADMIN_PASSWORD", "too-short", 1);
  SystemClock clock;
  SystemRandom random;
  std::ostringstream out;
  auto s = app::Server::Create(config, out, clock, random);
  ::setenv("CUSTODY_ADMIN_PASSWORD", TestServer::kAdminPassword, 1);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("12 characters"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(BootstrapTest, GeneratedPasswordIsPrintedOnceAndKeysAreOwnerOnly) {
  auto dir =
      std::filesystem::temp_directory_path() / ("custody-boot2-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  app::Config config;
  config.data_dir = dir;
  config.listen_port = 0;
  config.fast_password_hashing = true;
  ::unsetenv("CUSTODY_ADMIN_PASSWORD");
  SystemClock clock;
  SystemRandom random;
  std::ostringstream first, second;
  {
    auto s = app::Server::Create(config, first, clock, random);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
  }
  {
    auto s = app::Server::Create(config, second, clock, random);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
  }
  ::setenv("CUSTODY_ADMIN_PASSWORD", TestServer::kAdminPassword, 1);
  EXPECT_NE(first.str().find("password: "), std::string::npos);
  EXPECT_EQ(second.str().find("password"), std::string::npos);  // shown once
  auto perms = std::filesystem::status(dir / "keys" / "master.key").permissions();
  EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace custody::testing
