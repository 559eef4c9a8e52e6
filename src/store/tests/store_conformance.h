// The Store conformance suite: behaviour every Store implementation must show, written against
// store.h only.
//
// An implementation's test binary compiles store_conformance.cc and instantiates the suite with a
// harness factory:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//                            ::testing::Values(StoreImplementation{"sqlite", MakeSqliteHarness}),
//                            StoreImplementationName);
//
// Each test gets a fresh harness (an empty database of its own) and owns the store it opens.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "base/clock.h"
#include "store/store.h"

#ifndef ASSERT_OK
#define ASSERT_OK(expr)                                            \
  do {                                                             \
    const auto& _custody_s = (expr);                               \
    ASSERT_TRUE(_custody_s.ok()) << _custody_s.error().ToString(); \
  } while (0)
#endif
#ifndef EXPECT_OK
#define EXPECT_OK(expr)                                            \
  do {                                                             \
    const auto& _custody_s = (expr);                               \
    EXPECT_TRUE(_custody_s.ok()) << _custody_s.error().ToString(); \
  } while (0)
#endif

namespace custody::store_test {

// One database for one test, and the implementation-specific operations the suite needs.
// Lifecycle: created per test; destroyed after the store it opened is closed.
class StoreHarness {
 public:
  virtual ~StoreHarness() = default;
  // Opens a store over this harness's database (the same database every time).
  virtual Result<std::unique_ptr<Store>> Open() = 0;
  // With no store open: marks the database as written by a newer release (a schema version beyond
  // what this binary knows), so the next Open must refuse it.
  virtual Status MakeSchemaNewer() = 0;
  // With no store open: the database's own consistency check (SQLite: PRAGMA integrity_check).
  virtual Status CheckIntegrity() = 0;
  // With no store open: runs one SQL statement on the database directly, bypassing the Store, to
  // check what the schema itself refuses ("whatever SQL reaches the database"). The suite only
  // uses plain UPDATE/DELETE on the tables named in README.md, which mean the same everywhere.
  virtual Status ExecuteSql(const std::string& sql) = 0;
  // Whether a forked child may open the store (false for stores behind a server connection pool
  // that cannot be re-created after fork).
  virtual bool SupportsForkedChild() const { return true; }
};

struct StoreImplementation {
  std::string name;
  std::function<std::unique_ptr<StoreHarness>()> make_harness;
};

// Test names and failure messages show the implementation's name, not its bytes.
inline void PrintTo(const StoreImplementation& impl, std::ostream* os) { *os << impl.name; }

std::string StoreImplementationName(const ::testing::TestParamInfo<StoreImplementation>& info);

// Fixture: owns the harness and the open store, a deterministic id source and a manual time line.
class StoreConformanceTest : public ::testing::TestWithParam<StoreImplementation> {
 protected:
  void SetUp() override;
  void TearDown() override;

  Store& store() { return *store_; }
  StoreHarness& harness() { return *harness_; }
  // Closes the store and opens it again over the same database.
  void Reopen();
  void Close() { store_.reset(); }

  // A strictly increasing time line (1 s + 7 µs per tick, so sub-second precision is exercised).
  TimePoint Tick();

  template <typename Id>
  Id NewTestId() {
    return NewId<Id>(random_);
  }

  // Record builders (not inserted) and Add* helpers (inserted, asserting success).
  PrincipalRecord MakePrincipal(const std::string& name, PrincipalKind kind = PrincipalKind::kHuman,
                                std::optional<PrincipalId> owner = std::nullopt);
  PrincipalRecord AddPrincipal(const std::string& name, PrincipalKind kind = PrincipalKind::kHuman,
                               std::optional<PrincipalId> owner = std::nullopt);
  ProjectRecord MakeProject(const std::string& name, const PrincipalId& creator);
  ProjectRecord AddProject(const std::string& name, const PrincipalId& creator);
  BlobRecord MakeBlob();
  BlobRecord AddBlob();
  // An asset in `project` owned by `owner`, backed by a fresh blob inserted on the spot.
  AssetRecord MakeAsset(const ProjectId& project, const PrincipalId& owner,
                        const std::string& title = "asset");
  AssetRecord AddAsset(const ProjectId& project, const PrincipalId& owner,
                       const std::string& title = "asset");
  JobRecord MakeJob(const ProjectId& project, const PrincipalId& actor);
  // Policy set `version`: two files, one mentioning the version, one empty (sha256 is a
  // placeholder of the right shape: the store does not hash).
  PolicySetRecord MakePolicySet(int64_t version, std::optional<PrincipalId> created_by,
                                std::optional<int64_t> rolled_back_from = std::nullopt);
  TokenRecord MakeToken(const PrincipalId& principal, TokenKind kind,
                        std::optional<TokenId> parent = std::nullopt);

  // A small world most tests start from: a human, an agent acting for her, one project.
  void SeedWorld();
  PrincipalRecord alice_;
  PrincipalRecord agent_;
  ProjectRecord studio_;

  Status Insert(const std::function<Status(WriteTx&)>& fn) { return store_->WriteTransaction(fn); }

 private:
  std::unique_ptr<StoreHarness> harness_;
  std::unique_ptr<Store> store_;
  SeededRandom random_{20261122};
  TimePoint now_;
};

}  // namespace custody::store_test
