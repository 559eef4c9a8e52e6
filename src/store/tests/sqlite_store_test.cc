// The conformance suite on SQLite, plus what only the SQLite store has: pragmas, migrations,
// batching limits, commit-failure injection and the audit-id extractor.
#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <array>
#include <atomic>
#include <filesystem>
#include <latch>
#include <thread>

#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_tx.h"
#include "store/sqlite/statement.h"
#include "store/tests/store_conformance.h"

namespace custody::store_test {
namespace {

using sqlite::Connection;

// A fresh directory under the test temp dir, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "custody-store-XXXXXX";
    char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class SqliteHarness final : public StoreHarness {
 public:
  explicit SqliteHarness(SqliteOptions options = {}) : options_(std::move(options)) {
    options_.path = dir_.path() + "/custody.db";
  }

  Result<std::unique_ptr<Store>> Open() override { return OpenSqliteStore(options_); }

  Status MakeSchemaNewer() override {
    ASSIGN_OR_RETURN(auto conn,
                     Connection::Open(options_.path, Connection::Mode::kReadWrite, 1000));
    return conn->Exec("PRAGMA user_version = " + std::to_string(sqlite::LatestSchemaVersion() + 1));
  }

  Status CheckIntegrity() override {
    ASSIGN_OR_RETURN(auto conn,
                     Connection::Open(options_.path, Connection::Mode::kReadWrite, 1000));
    ASSIGN_OR_RETURN(std::string verdict, conn->QueryText("PRAGMA integrity_check"));
    if (verdict != "ok") return Error(ErrorCode::kDataLoss, "integrity_check: " + verdict);
    ASSIGN_OR_RETURN(auto fk, conn->Prepare("PRAGMA foreign_key_check"));
    ASSIGN_OR_RETURN(bool violation, fk.Step());
    if (violation) return Error(ErrorCode::kDataLoss, "foreign_key_check found a violation");
    return OkStatus();
  }

  Status ExecuteSql(const std::string& sql) override {
    ASSIGN_OR_RETURN(auto conn,
                     Connection::Open(options_.path, Connection::Mode::kReadWrite, 1000));
    RETURN_IF_ERROR(conn->Exec("PRAGMA foreign_keys = ON"));
    return conn->Exec(sql);
  }

  const SqliteOptions& options() const { return options_; }

 private:
  TempDir dir_;
  SqliteOptions options_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
                         ::testing::Values(StoreImplementation{
                             "Sqlite", [] { return std::make_unique<SqliteHarness>(); }}),
                         StoreImplementationName);

// A batch-size probe: closures count themselves, BeforeCommit records and resets the count.
class BatchProbe : public CommitObserver {
 public:
  Status BeforeCommit(WriteTx&) override {
    batch_sizes.push_back(in_batch.exchange(0));
    return OkStatus();
  }
  void AfterCommit(bool committed) override { outcomes.push_back(committed); }

  std::atomic<int> in_batch{0};
  std::vector<int> batch_sizes;  // writer thread only until the store is quiet
  std::vector<bool> outcomes;
};

class Gate {
 public:
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

PrincipalRecord Principal(const std::string& name, Random& random) {
  PrincipalRecord p;
  p.id = NewId<PrincipalId>(random);
  p.name = name;
  p.created_at = FromUnixMicros(1'795'000'000'000'000);
  return p;
}

// Runs `n` writers that queue up behind a closure held at a gate, so they meet in batches.
// Each writer inserts a principal "w-<i>" and bumps probe.in_batch. Returns the writers' statuses
// followed by the holder's.
std::vector<Status> RunQueuedWriters(Store& store, BatchProbe& probe, int n) {
  SeededRandom random(7);
  std::vector<PrincipalRecord> principals;
  for (int i = 0; i < n; ++i) principals.push_back(Principal("w-" + std::to_string(i), random));
  Gate gate;
  std::vector<Status> results(n + 1);
  std::thread holder([&] {
    results[n] = store.WriteTransaction([&](WriteTx&) {
      probe.in_batch++;
      gate.Wait();
      return OkStatus();
    });
  });
  std::vector<std::thread> writers;
  std::latch started(n);
  for (int i = 0; i < n; ++i) {
    writers.emplace_back([&, i] {
      started.count_down();
      results[i] = store.WriteTransaction([&](WriteTx& tx) {
        probe.in_batch++;
        return tx.InsertPrincipal(principals[i]);
      });
    });
  }
  started.wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let them reach the queue
  gate.Open();
  for (auto& t : writers) t.join();
  holder.join();
  return results;
}

TEST(SqliteStoreTest, OpenRejectsUnusableOptions) {
  TempDir dir;
  for (const char* path : {"", ":memory:", "file::memory:?cache=shared"}) {
    SqliteOptions o;
    o.path = path;
    auto s = OpenSqliteStore(o);
    ASSERT_FALSE(s.ok()) << path;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  }
  SqliteOptions o;
  o.path = dir.path() + "/x.db";
  o.reader_connections = 0;
  EXPECT_FALSE(OpenSqliteStore(o).ok());
  o.reader_connections = 1;
  o.max_batch = 0;
  EXPECT_FALSE(OpenSqliteStore(o).ok());
  o.path = dir.path() + "/missing-dir/x.db";
  o.max_batch = 1;
  auto missing = OpenSqliteStore(o);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("missing-dir"), std::string::npos);
}

TEST(SqliteStoreTest, OpenCreatesAWalDatabaseAtTheLatestSchemaVersion) {
  SqliteHarness harness;
  auto store = harness.Open();
  ASSERT_OK(store);
  auto conn = Connection::Open(harness.options().path, Connection::Mode::kReadOnly, 1000);
  ASSERT_OK(conn);
  auto mode = (*conn)->QueryText("PRAGMA journal_mode");
  ASSERT_OK(mode);
  EXPECT_EQ(*mode, "wal");
  auto version = (*conn)->QueryInt("PRAGMA user_version");
  ASSERT_OK(version);
  EXPECT_EQ(*version, sqlite::LatestSchemaVersion());
}

TEST(SqliteStoreTest, MigrationsApplyOnceInOrderAndRefuseNewerDatabases) {
  TempDir dir;
  auto conn = Connection::Open(dir.path() + "/m.db", Connection::Mode::kReadWrite, 1000);
  ASSERT_OK(conn);
  Connection& c = **conn;
  // Re-running a step would fail ("table already exists"), so success means "applied once".
  std::array<sqlite::Migration, 3> steps{{
      {1, "one", "CREATE TABLE t1 (x INTEGER)"},
      {2, "two", "CREATE TABLE t2 (x INTEGER); INSERT INTO t2 VALUES (2)"},
      {3, "three", "CREATE TABLE t3 (x INTEGER)"},
  }};
  ASSERT_OK(sqlite::MigrateWith(c, std::span(steps).first(2)));
  EXPECT_EQ(*c.QueryInt("PRAGMA user_version"), 2);
  ASSERT_OK(sqlite::MigrateWith(c, std::span(steps).first(2)));
  ASSERT_OK(sqlite::MigrateWith(c, steps));
  EXPECT_EQ(*c.QueryInt("PRAGMA user_version"), 3);
  EXPECT_EQ(*c.QueryInt("SELECT count(*) FROM t2"), 1);

  Status older_binary = sqlite::MigrateWith(c, std::span(steps).first(1));
  ASSERT_FALSE(older_binary.ok());
  EXPECT_EQ(older_binary.error().code(), ErrorCode::kConflict);
  EXPECT_NE(older_binary.error().message().find("schema version 3"), std::string::npos);
}

TEST(SqliteStoreTest, AFailedMigrationStepLeavesThePreviousVersion) {
  TempDir dir;
  auto conn = Connection::Open(dir.path() + "/m.db", Connection::Mode::kReadWrite, 1000);
  ASSERT_OK(conn);
  Connection& c = **conn;
  std::array<sqlite::Migration, 2> steps{{
      {1, "one", "CREATE TABLE t1 (x INTEGER)"},
      {2, "broken", "CREATE TABLE t2 (x INTEGER); INSERT INTO no_such_table VALUES (1)"},
  }};
  Status s = sqlite::MigrateWith(c, steps);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("migration 2 (broken)"), std::string::npos)
      << s.error().message();
  EXPECT_EQ(*c.QueryInt("PRAGMA user_version"), 1);
  EXPECT_EQ(*c.QueryInt("SELECT count(*) FROM sqlite_schema WHERE name = 't2'"), 0);
}

// Every table, index and trigger, as SQLite stores their definitions.
std::vector<std::string> SchemaOf(const std::string& path) {
  std::vector<std::string> out;
  auto conn = Connection::Open(path, Connection::Mode::kReadOnly, 1000);
  EXPECT_OK(conn);
  if (!conn.ok()) return out;
  auto st = (*conn)->Prepare(
      "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_schema ORDER BY name");
  EXPECT_OK(st);
  if (!st.ok()) return out;
  while (true) {
    auto row = st->Step();
    EXPECT_OK(row);
    if (!row.ok() || !*row) return out;
    out.push_back(st->Text(0));
  }
}

TEST(SqliteStoreTest, AVersionOneDatabaseMigratesInPlace) {
  // A database as the release before policy sets left it: migration 1 only, with a job in it.
  SqliteHarness harness;
  SeededRandom random(11);
  PrincipalRecord alice = Principal("alice", random);
  ProjectRecord studio{NewId<ProjectId>(random), "studio", "", alice.created_at, alice.id};
  JobRecord job;
  job.id = NewId<JobId>(random);
  job.project = studio.id;
  job.actor = alice.id;
  job.parameters_json = "{}";
  job.created_at = alice.created_at + std::chrono::seconds(5);
  {
    auto conn = Connection::Open(harness.options().path, Connection::Mode::kReadWrite, 1000);
    ASSERT_OK(conn);
    Connection& c = **conn;
    ASSERT_OK(sqlite::MigrateWith(c, sqlite::Migrations().first(1)));
    ASSERT_EQ(*c.QueryInt("PRAGMA user_version"), 1);
    ASSERT_EQ(*c.QueryInt("SELECT count(*) FROM sqlite_schema WHERE name = 'policy_sets'"), 0);
    ASSERT_OK(c.Exec("PRAGMA foreign_keys = ON; BEGIN"));
    sqlite::SqliteTx tx(c);
    ASSERT_OK(tx.InsertPrincipal(alice));
    ASSERT_OK(tx.InsertProject(studio));
    ASSERT_OK(tx.InsertJob(job));
    ASSERT_OK(c.Exec("COMMIT"));
  }

  {
    auto opened = harness.Open();
    ASSERT_OK(opened);
    Store& store = **opened;
    auto kept = store.Read([&](ReadTx& tx) { return tx.GetJob(job.id); });
    ASSERT_OK(kept);
    EXPECT_EQ(kept->actor, alice.id);
    auto recent =
        store.Read([&](ReadTx& tx) { return tx.CountJobsSince(alice.id, job.created_at); });
    ASSERT_OK(recent);
    EXPECT_EQ(*recent, 1);
    PolicySetRecord first;
    first.version = 1;
    first.files_json = "{}";
    first.sha256 = std::string(64, '0');
    first.created_at = job.created_at;
    ASSERT_OK(store.Write([&](WriteTx& tx) { return tx.InsertPolicySet(first); }));
  }
  auto conn = Connection::Open(harness.options().path, Connection::Mode::kReadOnly, 1000);
  ASSERT_OK(conn);
  EXPECT_EQ(*(*conn)->QueryInt("PRAGMA user_version"), sqlite::LatestSchemaVersion());
  conn->reset();
  ASSERT_OK(harness.CheckIntegrity());

  // Migrated in place, the schema is exactly what a new database gets.
  SqliteHarness fresh;
  ASSERT_OK(fresh.Open());
  EXPECT_EQ(SchemaOf(harness.options().path), SchemaOf(fresh.options().path));
}

TEST(SqliteStoreTest, ConcurrentWritersShareGroupCommits) {
  SqliteHarness harness;
  auto store = harness.Open();
  ASSERT_OK(store);
  BatchProbe probe;
  (*store)->SetCommitObserver(&probe);
  std::vector<Status> results = RunQueuedWriters(**store, probe, 40);
  (*store)->SetCommitObserver(nullptr);
  for (const auto& r : results) EXPECT_OK(r);
  int total = 0;
  for (int n : probe.batch_sizes) total += n;
  EXPECT_EQ(total, 41);
  // The 40 writers queued while the holder ran; they need far fewer commits than writers (the
  // bound leaves room for stragglers on a loaded machine).
  EXPECT_LE(probe.batch_sizes.size(), 10u) << "batches: " << probe.batch_sizes.size();
}

TEST(SqliteStoreTest, MaxBatchBoundsClosuresPerCommit) {
  SqliteOptions options;
  options.max_batch = 4;
  SqliteHarness harness(options);
  auto store = harness.Open();
  ASSERT_OK(store);
  BatchProbe probe;
  (*store)->SetCommitObserver(&probe);
  std::vector<Status> results = RunQueuedWriters(**store, probe, 20);
  (*store)->SetCommitObserver(nullptr);
  for (const auto& r : results) EXPECT_OK(r);
  ASSERT_GE(probe.batch_sizes.size(), 6u);  // 21 closures, at most 4 per commit
  for (int n : probe.batch_sizes) EXPECT_LE(n, 4);
}

TEST(SqliteStoreTest, CommitFailureFailsEveryCallerInTheBatch) {
  TempDir dir;
  std::atomic<bool> fail{false};
  SqliteOptions options;
  options.path = dir.path() + "/c.db";
  sqlite::SqliteTestHooks hooks;
  hooks.fail_commit = [&] { return fail.load(); };
  auto store = sqlite::SqliteStore::Open(options, hooks);
  ASSERT_OK(store);
  BatchProbe probe;
  (*store)->SetCommitObserver(&probe);
  fail = true;
  std::vector<Status> results = RunQueuedWriters(**store, probe, 10);
  for (const auto& r : results) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  }
  ASSERT_FALSE(probe.outcomes.empty());
  for (bool committed : probe.outcomes) EXPECT_FALSE(committed);
  fail = false;
  auto none = (*store)->Read([](ReadTx& tx) { return tx.ListPrincipals(); });
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());

  SeededRandom random(3);
  ASSERT_OK((*store)->WriteTransaction(
      [&](WriteTx& tx) { return tx.InsertPrincipal(Principal("survivor", random)); }));
  EXPECT_TRUE(probe.outcomes.back());
  (*store)->SetCommitObserver(nullptr);
}

TEST(SqliteStoreTest, NestedTransactionsAreRefusedInsteadOfDeadlocking) {
  SqliteHarness harness;
  auto opened = harness.Open();
  ASSERT_OK(opened);
  Store& store = **opened;
  Status inner_write, inner_read;
  ASSERT_OK(store.WriteTransaction([&](WriteTx&) {
    inner_write = store.WriteTransaction([](WriteTx&) { return OkStatus(); });
    inner_read = store.ReadTransaction([](ReadTx&) { return OkStatus(); });
    return OkStatus();
  }));
  ASSERT_FALSE(inner_write.ok());
  EXPECT_EQ(inner_write.error().code(), ErrorCode::kInternal);
  ASSERT_FALSE(inner_read.ok());
  EXPECT_EQ(inner_read.error().code(), ErrorCode::kInternal);

  Status nested_read;
  ASSERT_OK(store.ReadTransaction([&](ReadTx&) {
    nested_read = store.ReadTransaction([](ReadTx&) { return OkStatus(); });
    return OkStatus();
  }));
  ASSERT_FALSE(nested_read.ok());
  EXPECT_EQ(nested_read.error().code(), ErrorCode::kInternal);
}

TEST(SqliteStoreTest, DestructionAnswersEveryQueuedWriter) {
  SqliteHarness harness;
  auto opened = harness.Open();
  ASSERT_OK(opened);
  std::unique_ptr<Store> store = std::move(opened).value();
  SeededRandom random(11);
  std::vector<PrincipalRecord> principals;
  for (int i = 0; i < 10; ++i) principals.push_back(Principal("q-" + std::to_string(i), random));
  Gate gate;
  std::atomic<int> ok{0};
  // Threads use the raw pointer: the unique_ptr itself is reset by the closer thread.
  Store* raw = store.get();
  std::thread holder([&] {
    if (raw->WriteTransaction([&](WriteTx&) {
             gate.Wait();
             return OkStatus();
           })
            .ok())
      ok++;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::vector<std::thread> writers;
  for (int i = 0; i < 10; ++i) {
    writers.emplace_back([&, i] {
      if (raw->WriteTransaction([&](WriteTx& tx) { return tx.InsertPrincipal(principals[i]); })
              .ok())
        ok++;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // all ten are queued
  std::thread closer([&] { store.reset(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  gate.Open();
  closer.join();
  for (auto& t : writers) t.join();
  holder.join();
  EXPECT_EQ(ok.load(), 11);

  auto reopened = harness.Open();
  ASSERT_OK(reopened);
  auto all = (*reopened)->Read([](ReadTx& tx) { return tx.ListPrincipals(); });
  ASSERT_OK(all);
  EXPECT_EQ(all->size(), 10u);
}

TEST(SqliteStoreTest, AuditTablesRejectUpdatesAndDeletes) {
  SqliteHarness harness;
  {
    auto store = harness.Open();
    ASSERT_OK(store);
    ASSERT_OK((*store)->WriteTransaction([](WriteTx& tx) {
      return tx.InsertAuditRow(AuditRow{0, "{}", Bytes(32, 1), FromUnixMicros(1)});
    }));
  }
  auto conn = Connection::Open(harness.options().path, Connection::Mode::kReadWrite, 1000);
  ASSERT_OK(conn);
  for (const char* sql : {"UPDATE audit SET entry_json = '{\"forged\":1}'", "DELETE FROM audit",
                          "DELETE FROM checkpoints"}) {
    Status s = (*conn)->Exec(sql);
    if (std::string(sql) == "DELETE FROM checkpoints") {
      // An empty table has no row to fire the trigger on; insert one first.
      ASSERT_OK((*conn)->Exec("INSERT INTO checkpoints VALUES (1, 'n', 1)"));
      s = (*conn)->Exec(sql);
    }
    ASSERT_FALSE(s.ok()) << sql;
    EXPECT_NE(s.error().message().find("append-only"), std::string::npos) << s.error().message();
  }
}

TEST(SqliteStoreTest, ExtractObjectIdsFindsEveryIdShapedToken) {
  std::string a = "ast_abcdefghijklmnopqrstuvwxyz";
  std::string p = "prn_234567abcdefghijklmnopqrst";
  ASSERT_EQ(a.size(), 30u);
  ASSERT_EQ(p.size(), 30u);
  std::string entry = R"({"resource":")" + a + R"(","principal":")" + p +
                      R"(","cedar":"Asset::\")" + a +
                      R"(\"","not":"xast_abcdefghijklmnopqrstuvwxyz",)" + R"("too_long":")" + a +
                      R"(z","upper":"AST_ABCDEFGHIJKLMNOPQRSTUVWXYZ"})";
  EXPECT_EQ(sqlite::ExtractObjectIds(entry), (std::vector<std::string>{a, p}));
  EXPECT_EQ(sqlite::ExtractObjectIds(a), (std::vector<std::string>{a}));
  EXPECT_TRUE(sqlite::ExtractObjectIds("").empty());
  EXPECT_TRUE(sqlite::ExtractObjectIds("ast_1bcdefghijklmnopqrstuvwxyz").empty());  // '1' ∉ base32
}

TEST(SqliteStoreTest, ContinuousWritesKeepTheWalBounded) {
  // Background checkpoints alone would let the WAL grow for as long as commits keep coming; the
  // inline backstop must let it restart. 48 MB through 240 commits, with readers pinning
  // snapshots now and then.
  SqliteHarness harness;
  auto opened = harness.Open();
  ASSERT_OK(opened);
  Store& store = **opened;
  SeededRandom random(5);
  uintmax_t max_wal = 0;
  for (int i = 0; i < 240; ++i) {
    ASSERT_OK(store.WriteTransaction([&](WriteTx& tx) -> Status {
      for (int j = 0; j < 25; ++j) {
        PrincipalRecord p = Principal("p-" + std::to_string(i) + "-" + std::to_string(j), random);
        p.display_name = std::string(8000, 'x');
        RETURN_IF_ERROR(tx.InsertPrincipal(p));
      }
      return OkStatus();
    }));
    if (i % 10 == 0) {
      ASSERT_OK(store.ReadTransaction(
          [](ReadTx& tx) { return tx.ListProjects().ok() ? OkStatus() : OkStatus(); }));
    }
    std::error_code ec;
    uintmax_t wal = std::filesystem::file_size(harness.options().path + "-wal", ec);
    if (!ec) max_wal = std::max(max_wal, wal);
  }
  auto count = store.Read([](ReadTx& tx) { return tx.ListPrincipals(); });
  ASSERT_OK(count);
  EXPECT_EQ(count->size(), 6000u);
  // kInlineCheckpointPages pages of 4 KiB, plus one commit's worth of frames, plus slack.
  EXPECT_LT(max_wal, 32u * 1024 * 1024) << "WAL grew to " << max_wal << " bytes";
  EXPECT_GT(max_wal, 0u);
}

TEST(SqliteStoreTest, AuditRefsAreTheResourceFieldAndEveryMentionedId) {
  std::string a = "ast_abcdefghijklmnopqrstuvwxyz";
  std::string p = "prn_234567abcdefghijklmnopqrst";
  EXPECT_EQ(sqlite::ExtractAuditRefs(R"({"action":"auth.login","resource":"name-sha256:ab12",)"
                                     R"("principal":")" +
                                     p + R"("})"),
            (std::vector<std::string>{"name-sha256:ab12", p}));
  // A resource that is itself an id is listed once; nested "resource" keys are only ids.
  EXPECT_EQ(
      sqlite::ExtractAuditRefs(R"({"decision":{"resource":"other"},"resource":")" + a + R"("})"),
      (std::vector<std::string>{a}));
  // Not JSON (or no resource field): just the ids.
  EXPECT_EQ(sqlite::ExtractAuditRefs("not json " + p), (std::vector<std::string>{p}));
  EXPECT_EQ(sqlite::ExtractAuditRefs(R"({"resource":""})"), (std::vector<std::string>{}));
  EXPECT_EQ(sqlite::ExtractAuditRefs(R"({"resource":")" + std::string(300, 'x') + R"("})"),
            (std::vector<std::string>{}));
}

TEST(SqliteStoreTest, ReadersAreReadOnlyConnections) {
  SqliteHarness harness;
  auto store = harness.Open();
  ASSERT_OK(store);
  // A read-only connection opened the way the pool opens them cannot write, whatever SQL reaches
  // it.
  auto conn = Connection::Open(harness.options().path, Connection::Mode::kReadOnly, 1000);
  ASSERT_OK(conn);
  Status s = (*conn)->Exec("INSERT INTO checkpoints VALUES (1, 'n', 1)");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(sqlite3_db_readonly((*conn)->handle(), "main"), 1);
}

}  // namespace
}  // namespace custody::store_test
