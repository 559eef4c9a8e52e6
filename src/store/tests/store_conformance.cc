#include "store/tests/store_conformance.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <latch>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>
#include <tuple>

namespace custody::store_test {

std::string StoreImplementationName(const ::testing::TestParamInfo<StoreImplementation>& info) {
  return info.param.name;
}

// ---- Fixture ------------------------------------------------------------------------------------

void StoreConformanceTest::SetUp() {
  now_ = FromUnixMicros(1'795'000'000'000'000);  // 2026-11-18, an arbitrary fixed origin
  harness_ = GetParam().make_harness();
  auto opened = harness_->Open();
  ASSERT_OK(opened);
  store_ = std::move(opened).value();
}

void StoreConformanceTest::TearDown() {
  store_.reset();
  harness_.reset();
}

void StoreConformanceTest::Reopen() {
  store_.reset();
  auto opened = harness_->Open();
  ASSERT_OK(opened);
  store_ = std::move(opened).value();
}

TimePoint StoreConformanceTest::Tick() {
  now_ += std::chrono::seconds(1) + std::chrono::microseconds(7);
  return now_;
}

PrincipalRecord StoreConformanceTest::MakePrincipal(const std::string& name, PrincipalKind kind,
                                                    std::optional<PrincipalId> owner) {
  PrincipalRecord p;
  p.id = NewTestId<PrincipalId>();
  p.name = name;
  p.kind = kind;
  p.owner = owner;
  p.display_name = "Display " + name;
  p.password_hash =
      kind == PrincipalKind::kHuman ? "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA" : "";
  p.created_at = Tick();
  p.created_by = owner;
  return p;
}

PrincipalRecord StoreConformanceTest::AddPrincipal(const std::string& name, PrincipalKind kind,
                                                   std::optional<PrincipalId> owner) {
  PrincipalRecord p = MakePrincipal(name, kind, owner);
  EXPECT_OK(Insert([&](WriteTx& tx) { return tx.InsertPrincipal(p); }));
  return p;
}

ProjectRecord StoreConformanceTest::MakeProject(const std::string& name,
                                                const PrincipalId& creator) {
  ProjectRecord p;
  p.id = NewTestId<ProjectId>();
  p.name = name;
  p.description = "Project " + name;
  p.created_at = Tick();
  p.created_by = creator;
  return p;
}

ProjectRecord StoreConformanceTest::AddProject(const std::string& name,
                                               const PrincipalId& creator) {
  ProjectRecord p = MakeProject(name, creator);
  EXPECT_OK(Insert([&](WriteTx& tx) { return tx.InsertProject(p); }));
  return p;
}

BlobRecord StoreConformanceTest::MakeBlob() {
  BlobRecord b;
  b.id = NewTestId<BlobId>();
  b.sha256 = std::string(64, 'a');
  b.size = 4096;
  b.wrapped_key = Bytes{0x00, 0x01, 0xfe, 0xff, 0x10, 0x20};
  b.created_at = Tick();
  return b;
}

BlobRecord StoreConformanceTest::AddBlob() {
  BlobRecord b = MakeBlob();
  EXPECT_OK(Insert([&](WriteTx& tx) { return tx.InsertBlob(b); }));
  return b;
}

AssetRecord StoreConformanceTest::MakeAsset(const ProjectId& project, const PrincipalId& owner,
                                            const std::string& title) {
  BlobRecord blob = AddBlob();
  AssetRecord a;
  a.id = NewTestId<AssetId>();
  a.kind = AssetKind::kUpload;
  a.project = project;
  a.owner = owner;
  a.title = title;
  a.media_type = "image/png";
  a.size = blob.size;
  a.sha256 = blob.sha256;
  a.blob = blob.id;
  a.classification = Classification::kInternal;
  a.created_at = Tick();
  a.stage_changed_at = a.created_at;
  return a;
}

AssetRecord StoreConformanceTest::AddAsset(const ProjectId& project, const PrincipalId& owner,
                                           const std::string& title) {
  AssetRecord a = MakeAsset(project, owner, title);
  EXPECT_OK(Insert([&](WriteTx& tx) { return tx.InsertAsset(a); }));
  return a;
}

JobRecord StoreConformanceTest::MakeJob(const ProjectId& project, const PrincipalId& actor) {
  JobRecord j;
  j.id = NewTestId<JobId>();
  j.kind = JobKind::kGenerate;
  j.project = project;
  j.actor = actor;
  j.engine = "procedural";
  j.model = "noise";
  j.model_version = "1.0";
  j.parameters_json = R"({"height":64,"width":64})";
  j.seed = 42;
  j.output_title = "generated";
  j.created_at = Tick();
  return j;
}

PolicySetRecord StoreConformanceTest::MakePolicySet(int64_t version,
                                                    std::optional<PrincipalId> created_by,
                                                    std::optional<int64_t> rolled_back_from) {
  std::string v = std::to_string(version);
  PolicySetRecord p;
  p.version = version;
  // Escapes, a newline and a non-ASCII character: the stored bytes must come back unchanged.
  p.files_json = R"({"base.cedar":"// v)" + v +
                 R"(\npermit(principal, action, resource) when { context.tag == \"é)" + v +
                 R"(\" };","extra.cedar":""})";
  p.sha256 = std::string(64 - v.size(), '0') + v;
  p.created_at = Tick();
  p.created_by = created_by;
  p.comment = "version " + v;
  p.rolled_back_from = rolled_back_from;
  return p;
}

TokenRecord StoreConformanceTest::MakeToken(const PrincipalId& principal, TokenKind kind,
                                            std::optional<TokenId> parent) {
  TokenRecord t;
  t.id = NewTestId<TokenId>();
  t.hash = t.id.str() + "-hash";
  t.kind = kind;
  t.principal = principal;
  t.issued_at = Tick();
  t.expires_at = t.issued_at + std::chrono::hours(1);
  t.parent = parent;
  t.label = kind == TokenKind::kApiKey ? "ci uploads" : "";
  return t;
}

void StoreConformanceTest::SeedWorld() {
  alice_ = AddPrincipal("alice");
  agent_ = AddPrincipal("alice-agent", PrincipalKind::kAgent, alice_.id);
  studio_ = AddProject("studio", alice_.id);
}

namespace {

// Field-by-field views of the records, so EXPECT_EQ compares (and prints) every field.
auto Tie(const PrincipalRecord& p) {
  return std::tie(p.id, p.name, p.kind, p.owner, p.display_name, p.password_hash, p.disabled,
                  p.created_at, p.created_by);
}
auto Tie(const ProjectRecord& p) {
  return std::tie(p.id, p.name, p.description, p.created_at, p.created_by);
}
auto Tie(const TokenRecord& t) {
  return std::tie(t.id, t.hash, t.kind, t.principal, t.issued_at, t.expires_at, t.parent, t.revoked,
                  t.label);
}
auto Tie(const BlobRecord& b) {
  return std::tie(b.id, b.sha256, b.size, b.wrapped_key, b.created_at, b.disposed_at);
}
auto Tie(const AssetRecord& a) {
  return std::tie(a.id, a.kind, a.project, a.owner, a.on_behalf_of, a.title, a.media_type, a.size,
                  a.sha256, a.blob, a.classification, a.labels, a.licence, a.stage, a.status,
                  a.previous_version, a.version, a.generated_by, a.created_at, a.stage_changed_at);
}
auto Tie(const JobRecord& j) {
  return std::make_tuple(
      j.id, j.kind, j.project, j.actor, j.on_behalf_of, j.engine, j.model, j.model_version,
      j.parameters_json, j.seed, j.output_title, j.output_classification, j.output_labels, j.status,
      j.attempts, j.max_attempts, j.lease_until, j.progress, j.output, j.error, j.cancel_requested,
      j.created_at, j.started_at, j.finished_at, j.inputs.size());
}
auto Tie(const ReviewRecord& r) {
  return std::tie(r.id, r.asset, r.sha256, r.reviewer, r.verdict, r.comment, r.at, r.expires_at,
                  r.lapsed);
}
auto Tie(const GrantRecord& g) {
  return std::tie(g.id, g.asset, g.sha256, g.destination, g.file_name, g.requester, g.issued_at,
                  g.expires_at, g.used_at);
}
auto Tie(const PublicationRecord& p) {
  return std::tie(p.id, p.source_asset, p.export_asset, p.grant, p.destination, p.path, p.sha256,
                  p.published_by, p.published_at, p.status, p.rollback_method, p.rolled_back_at,
                  p.rolled_back_by);
}
auto Tie(const AuditRow& r) { return std::tie(r.seq, r.entry_json, r.leaf_hash, r.at); }
auto Tie(const CheckpointRow& c) { return std::tie(c.size, c.note, c.at); }
auto Tie(const PolicySetRecord& p) {
  return std::tie(p.version, p.files_json, p.sha256, p.created_at, p.created_by, p.comment,
                  p.rolled_back_from);
}

std::vector<int64_t> Versions(const std::vector<PolicySetRecord>& sets) {
  std::vector<int64_t> out;
  for (const auto& p : sets) out.push_back(p.version);
  return out;
}

template <typename T>
std::vector<std::string> Ids(const std::vector<T>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.id.str());
  return out;
}

template <typename Id>
std::vector<std::string> IdStrings(const std::vector<Id>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids) out.push_back(id.str());
  return out;
}

template <typename T>
ErrorCode CodeOf(const T& result_or_status) {
  return result_or_status.error().code();
}

// A one-shot gate a closure can wait on while the test looks at the store from outside.
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

AuditRow MakeAuditRow(uint64_t seq, const std::string& entry_json, TimePoint at) {
  AuditRow row;
  row.seq = seq;
  row.entry_json = entry_json;
  row.leaf_hash = Bytes(32, static_cast<uint8_t>(seq & 0xff));
  row.at = at;
  return row;
}

}  // namespace

// ---- Principals and roles -----------------------------------------------------------------------

TEST_P(StoreConformanceTest, PrincipalRoundTripsEveryField) {
  PrincipalRecord human = AddPrincipal("alice");
  PrincipalRecord agent = MakePrincipal("alice-bot", PrincipalKind::kAgent, human.id);
  agent.disabled = true;
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertPrincipal(agent); }));

  auto got = store().Read([&](ReadTx& tx) { return tx.GetPrincipal(agent.id); });
  ASSERT_OK(got);
  EXPECT_EQ(Tie(*got), Tie(agent));
  auto by_name = store().Read([&](ReadTx& tx) { return tx.FindPrincipalByName("alice"); });
  ASSERT_OK(by_name);
  ASSERT_TRUE(by_name->has_value());
  EXPECT_EQ(Tie(**by_name), Tie(human));
  auto missing = store().Read([&](ReadTx& tx) { return tx.FindPrincipalByName("nobody"); });
  ASSERT_OK(missing);
  EXPECT_FALSE(missing->has_value());
}

TEST_P(StoreConformanceTest, ListPrincipalsIsOrderedByName) {
  AddPrincipal("carol");
  AddPrincipal("alice");
  AddPrincipal("bob");
  auto all = store().Read([&](ReadTx& tx) { return tx.ListPrincipals(); });
  ASSERT_OK(all);
  std::vector<std::string> names;
  for (const auto& p : *all) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"alice", "bob", "carol"}));
}

TEST_P(StoreConformanceTest, GetUnknownObjectsIsNotFoundNamingTheId) {
  PrincipalId principal = NewTestId<PrincipalId>();
  ProjectId project = NewTestId<ProjectId>();
  TokenId token = NewTestId<TokenId>();
  BlobId blob = NewTestId<BlobId>();
  AssetId asset = NewTestId<AssetId>();
  JobId job = NewTestId<JobId>();
  GrantId grant = NewTestId<GrantId>();
  PublicationId publication = NewTestId<PublicationId>();
  auto expect_not_found = [&](const auto& result, const std::string& id) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code(), ErrorCode::kNotFound);
    EXPECT_NE(result.error().message().find(id), std::string::npos) << result.error().message();
  };
  expect_not_found(store().Read([&](ReadTx& tx) { return tx.GetPrincipal(principal); }),
                   principal.str());
  expect_not_found(store().Read([&](ReadTx& tx) { return tx.GetProject(project); }), project.str());
  expect_not_found(store().Read([&](ReadTx& tx) { return tx.GetToken(token); }), token.str());
  expect_not_found(store().Read([&](ReadTx& tx) { return tx.GetBlob(blob); }), blob.str());
  expect_not_found(store().Read([&](ReadTx& tx) { return tx.GetAsset(asset); }), asset.str());
  expect_not_found(store().Read([&](ReadTx& tx) { return tx.GetJob(job); }), job.str());
  expect_not_found(store().Read([&](ReadTx& tx) { return tx.GetGrant(grant); }), grant.str());
  expect_not_found(store().Read([&](ReadTx& tx) { return tx.GetPublication(publication); }),
                   publication.str());
}

TEST_P(StoreConformanceTest, DuplicatePrincipalNameOrIdIsAlreadyExists) {
  PrincipalRecord alice = AddPrincipal("alice");
  PrincipalRecord clash = MakePrincipal("alice");
  Status s = Insert([&](WriteTx& tx) { return tx.InsertPrincipal(clash); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(s.error().message().find("alice"), std::string::npos);

  PrincipalRecord same_id = MakePrincipal("alice2");
  same_id.id = alice.id;
  s = Insert([&](WriteTx& tx) { return tx.InsertPrincipal(same_id); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kAlreadyExists);
}

TEST_P(StoreConformanceTest, PrincipalWithUnknownOwnerIsNotFound) {
  PrincipalRecord orphan = MakePrincipal("bot", PrincipalKind::kAgent, NewTestId<PrincipalId>());
  Status s = Insert([&](WriteTx& tx) { return tx.InsertPrincipal(orphan); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, UpdatePrincipalPersistsChangesAndChecksNames) {
  PrincipalRecord alice = AddPrincipal("alice");
  AddPrincipal("bob");
  alice.display_name = "Alice A.";
  alice.disabled = true;
  alice.password_hash = "";
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.UpdatePrincipal(alice); }));
  auto got = store().Read([&](ReadTx& tx) { return tx.GetPrincipal(alice.id); });
  ASSERT_OK(got);
  EXPECT_EQ(Tie(*got), Tie(alice));

  PrincipalRecord renamed = alice;
  renamed.name = "bob";
  Status clash = Insert([&](WriteTx& tx) { return tx.UpdatePrincipal(renamed); });
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code(), ErrorCode::kAlreadyExists);

  PrincipalRecord ghost = MakePrincipal("ghost");
  Status missing = Insert([&](WriteTx& tx) { return tx.UpdatePrincipal(ghost); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, RolesAreIdempotentAndScopedByProject) {
  SeedWorld();
  PrincipalRecord bob = AddPrincipal("bob");
  ProjectRecord other = AddProject("other", alice_.id);
  RoleBinding global_admin{alice_.id, std::nullopt, Role::kAdmin};
  RoleBinding creator{bob.id, studio_.id, Role::kCreator};
  RoleBinding reviewer{bob.id, studio_.id, Role::kReviewer};
  RoleBinding other_creator{bob.id, other.id, Role::kCreator};
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    for (const auto& b : {global_admin, global_admin, creator, reviewer, other_creator, creator})
      RETURN_IF_ERROR(tx.AddRole(b));
    return OkStatus();
  }));

  auto alice_roles = store().Read([&](ReadTx& tx) { return tx.RolesOf(alice_.id); });
  ASSERT_OK(alice_roles);
  ASSERT_EQ(alice_roles->size(), 1u);
  EXPECT_FALSE((*alice_roles)[0].project.has_value());
  EXPECT_EQ((*alice_roles)[0].role, Role::kAdmin);

  auto bob_roles = store().Read([&](ReadTx& tx) { return tx.RolesOf(bob.id); });
  ASSERT_OK(bob_roles);
  EXPECT_EQ(bob_roles->size(), 3u);

  auto members = store().Read([&](ReadTx& tx) { return tx.MembersOf(studio_.id); });
  ASSERT_OK(members);
  ASSERT_EQ(members->size(), 2u);  // the global admin binding is not a studio membership
  for (const auto& m : *members) {
    EXPECT_EQ(m.principal, bob.id);
    EXPECT_EQ(m.project, studio_.id);
  }

  // Removing the studio creator binding leaves the same role in the other project alone; removing
  // an absent binding is not an error.
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.RemoveRole(creator); }));
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.RemoveRole(creator); }));
  bob_roles = store().Read([&](ReadTx& tx) { return tx.RolesOf(bob.id); });
  ASSERT_OK(bob_roles);
  ASSERT_EQ(bob_roles->size(), 2u);
  std::set<std::pair<std::string, Role>> seen;
  for (const auto& b : *bob_roles) seen.insert({b.project->str(), b.role});
  EXPECT_TRUE(seen.count({studio_.id.str(), Role::kReviewer}));
  EXPECT_TRUE(seen.count({other.id.str(), Role::kCreator}));

  // A global binding and a project binding of the same role are different bindings.
  RoleBinding global_reviewer{bob.id, std::nullopt, Role::kReviewer};
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.AddRole(global_reviewer); }));
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.RemoveRole(global_reviewer); }));
  bob_roles = store().Read([&](ReadTx& tx) { return tx.RolesOf(bob.id); });
  ASSERT_OK(bob_roles);
  EXPECT_EQ(bob_roles->size(), 2u);

  Status unknown = Insert([&](WriteTx& tx) {
    return tx.AddRole(RoleBinding{NewTestId<PrincipalId>(), studio_.id, Role::kCreator});
  });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

// ---- Projects -----------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, ProjectsRoundTripWithUniqueNames) {
  PrincipalRecord alice = AddPrincipal("alice");
  ProjectRecord zeta = AddProject("zeta", alice.id);
  ProjectRecord alpha = AddProject("alpha", alice.id);

  auto got = store().Read([&](ReadTx& tx) { return tx.GetProject(zeta.id); });
  ASSERT_OK(got);
  EXPECT_EQ(Tie(*got), Tie(zeta));
  auto found = store().Read([&](ReadTx& tx) { return tx.FindProjectByName("alpha"); });
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(Tie(**found), Tie(alpha));
  auto none = store().Read([&](ReadTx& tx) { return tx.FindProjectByName("nope"); });
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  auto all = store().Read([&](ReadTx& tx) { return tx.ListProjects(); });
  ASSERT_OK(all);
  EXPECT_EQ(Ids(*all), (std::vector<std::string>{alpha.id.str(), zeta.id.str()}));

  ProjectRecord clash = MakeProject("zeta", alice.id);
  Status s = Insert([&](WriteTx& tx) { return tx.InsertProject(clash); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(s.error().message().find("zeta"), std::string::npos);

  ProjectRecord orphan = MakeProject("orphan", NewTestId<PrincipalId>());
  s = Insert([&](WriteTx& tx) { return tx.InsertProject(orphan); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
}

// ---- Tokens -------------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, TokensRoundTripAndAreFoundByHash) {
  PrincipalRecord alice = AddPrincipal("alice");
  TokenRecord refresh = MakeToken(alice.id, TokenKind::kRefresh);
  TokenRecord access = MakeToken(alice.id, TokenKind::kAccess, refresh.id);
  TokenRecord key = MakeToken(alice.id, TokenKind::kApiKey);
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    RETURN_IF_ERROR(tx.InsertToken(refresh));
    RETURN_IF_ERROR(tx.InsertToken(access));
    return tx.InsertToken(key);
  }));

  auto by_hash = store().Read([&](ReadTx& tx) { return tx.FindTokenByHash(access.hash); });
  ASSERT_OK(by_hash);
  ASSERT_TRUE(by_hash->has_value());
  EXPECT_EQ(Tie(**by_hash), Tie(access));
  auto unknown = store().Read([&](ReadTx& tx) { return tx.FindTokenByHash("no-such-hash"); });
  ASSERT_OK(unknown);
  EXPECT_FALSE(unknown->has_value());
  auto got = store().Read([&](ReadTx& tx) { return tx.GetToken(key.id); });
  ASSERT_OK(got);
  EXPECT_EQ(Tie(*got), Tie(key));
  auto of = store().Read([&](ReadTx& tx) { return tx.TokensOf(alice.id); });
  ASSERT_OK(of);
  EXPECT_EQ(Ids(*of), (std::vector<std::string>{refresh.id.str(), access.id.str(), key.id.str()}));

  TokenRecord same_hash = MakeToken(alice.id, TokenKind::kAccess);
  same_hash.hash = key.hash;
  Status s = Insert([&](WriteTx& tx) { return tx.InsertToken(same_hash); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(s.error().message().find(key.hash), std::string::npos) << "the hash must not leak";
}

TEST_P(StoreConformanceTest, RevokeTokenRevokesOnlyThatToken) {
  PrincipalRecord alice = AddPrincipal("alice");
  TokenRecord a = MakeToken(alice.id, TokenKind::kAccess);
  TokenRecord b = MakeToken(alice.id, TokenKind::kAccess);
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    RETURN_IF_ERROR(tx.InsertToken(a));
    return tx.InsertToken(b);
  }));
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.RevokeToken(a.id); }));
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.RevokeToken(a.id); }));  // idempotent
  auto got_a = store().Read([&](ReadTx& tx) { return tx.GetToken(a.id); });
  auto got_b = store().Read([&](ReadTx& tx) { return tx.GetToken(b.id); });
  ASSERT_OK(got_a);
  ASSERT_OK(got_b);
  EXPECT_TRUE(got_a->revoked);
  EXPECT_FALSE(got_b->revoked);
  Status s = Insert([&](WriteTx& tx) { return tx.RevokeToken(NewTestId<TokenId>()); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, RevokeTokensOfCountsLiveTokensOfThatPrincipalOnly) {
  PrincipalRecord alice = AddPrincipal("alice");
  PrincipalRecord bob = AddPrincipal("bob");
  std::vector<TokenRecord> tokens = {
      MakeToken(alice.id, TokenKind::kAccess), MakeToken(alice.id, TokenKind::kRefresh),
      MakeToken(alice.id, TokenKind::kApiKey), MakeToken(bob.id, TokenKind::kAccess)};
  tokens[2].revoked = true;
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    for (const auto& t : tokens) RETURN_IF_ERROR(tx.InsertToken(t));
    return OkStatus();
  }));
  auto n = store().Write([&](WriteTx& tx) { return tx.RevokeTokensOf(alice.id); });
  ASSERT_OK(n);
  EXPECT_EQ(*n, 2);
  n = store().Write([&](WriteTx& tx) { return tx.RevokeTokensOf(alice.id); });
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0);
  auto bobs = store().Read([&](ReadTx& tx) { return tx.TokensOf(bob.id); });
  ASSERT_OK(bobs);
  ASSERT_EQ(bobs->size(), 1u);
  EXPECT_FALSE((*bobs)[0].revoked);
}

TEST_P(StoreConformanceTest, RevokeTokenFamilyRevokesRefreshTokenAndItsChildren) {
  PrincipalRecord alice = AddPrincipal("alice");
  TokenRecord refresh = MakeToken(alice.id, TokenKind::kRefresh);
  TokenRecord child1 = MakeToken(alice.id, TokenKind::kAccess, refresh.id);
  TokenRecord child2 = MakeToken(alice.id, TokenKind::kAccess, refresh.id);
  TokenRecord other_refresh = MakeToken(alice.id, TokenKind::kRefresh);
  TokenRecord other_child = MakeToken(alice.id, TokenKind::kAccess, other_refresh.id);
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    for (const auto& t : {refresh, child1, child2, other_refresh, other_child})
      RETURN_IF_ERROR(tx.InsertToken(t));
    return OkStatus();
  }));
  auto n = store().Write([&](WriteTx& tx) { return tx.RevokeTokenFamily(refresh.id); });
  ASSERT_OK(n);
  EXPECT_EQ(*n, 3);
  auto all = store().Read([&](ReadTx& tx) { return tx.TokensOf(alice.id); });
  ASSERT_OK(all);
  for (const auto& t : *all) {
    bool in_family = t.id == refresh.id || t.parent == refresh.id;
    EXPECT_EQ(t.revoked, in_family) << t.id;
  }
  n = store().Write([&](WriteTx& tx) { return tx.RevokeTokenFamily(refresh.id); });
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0);
  auto unknown =
      store().Write([&](WriteTx& tx) { return tx.RevokeTokenFamily(NewTestId<TokenId>()); });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

// ---- Blobs --------------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, BlobKeyDestructionIsPermanentAndIdempotent) {
  SeedWorld();
  BlobRecord blob = AddBlob();
  auto got = store().Read([&](ReadTx& tx) { return tx.GetBlob(blob.id); });
  ASSERT_OK(got);
  EXPECT_EQ(Tie(*got), Tie(blob));

  TimePoint first = Tick();
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.DestroyBlobKey(blob.id, first); }));
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.DestroyBlobKey(blob.id, Tick()); }));
  got = store().Read([&](ReadTx& tx) { return tx.GetBlob(blob.id); });
  ASSERT_OK(got);
  EXPECT_TRUE(got->wrapped_key.empty());
  EXPECT_EQ(got->disposed_at, first);
  EXPECT_EQ(got->sha256, blob.sha256);

  Status s = Insert([&](WriteTx& tx) { return tx.DestroyBlobKey(NewTestId<BlobId>(), Tick()); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
  Status dup = Insert([&](WriteTx& tx) { return tx.InsertBlob(blob); });
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);
}

TEST_P(StoreConformanceTest, BlobsListAndSharedUse) {
  SeedWorld();
  AssetRecord first = AddAsset(studio_.id, alice_.id);
  AssetRecord export_copy = MakeAsset(studio_.id, alice_.id, "export");
  export_copy.blob = first.blob;  // an export of unchanged bytes shares the blob
  export_copy.kind = AssetKind::kExport;
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertAsset(export_copy); }));

  auto users = store().Read([&](ReadTx& tx) { return tx.AssetsUsingBlob(first.blob); });
  ASSERT_OK(users);
  EXPECT_EQ(IdStrings(*users), (std::vector<std::string>{first.id.str(), export_copy.id.str()}));
  auto ids = store().Read([&](ReadTx& tx) { return tx.ListBlobIds(); });
  ASSERT_OK(ids);
  EXPECT_EQ(ids->size(), 2u);  // the export's own fresh blob plus the shared one
  EXPECT_TRUE(std::is_sorted(ids->begin(), ids->end()));
}

// ---- Assets -------------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, AssetRoundTripKeepsContributorsAndProvenance) {
  SeedWorld();
  AssetRecord prompt = AddAsset(studio_.id, alice_.id, "prompt");
  JobRecord job = MakeJob(studio_.id, agent_.id);
  job.on_behalf_of = alice_.id;
  job.inputs = {{prompt.id, "prompt"}};
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertJob(job); }));

  AssetRecord a = MakeAsset(studio_.id, agent_.id, "generated portrait");
  a.kind = AssetKind::kGeneration;
  a.on_behalf_of = alice_.id;
  a.classification = Classification::kConfidential;
  a.labels = {"character:ada", "draft-2", "hero"};
  a.licence = "CC-BY-4.0";
  a.stage = Stage::kInReview;
  a.previous_version = prompt.id;
  a.version = 2;
  a.generated_by = job.id;
  a.stage_changed_at = Tick();
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertAsset(a); }));

  auto got = store().Read([&](ReadTx& tx) { return tx.GetAsset(a.id); });
  ASSERT_OK(got);
  EXPECT_EQ(Tie(*got), Tie(a));
  EXPECT_EQ(got->owner, agent_.id);
  EXPECT_EQ(got->on_behalf_of, alice_.id);
  auto got_job = store().Read([&](ReadTx& tx) { return tx.GetJob(job.id); });
  ASSERT_OK(got_job);
  EXPECT_EQ(got_job->actor, agent_.id);
  EXPECT_EQ(got_job->on_behalf_of, alice_.id);
}

TEST_P(StoreConformanceTest, DlpScanFindingsAndOriginAreStoredWithTheAsset) {
  SeedWorld();
  AssetRecord plain = AddAsset(studio_.id, alice_.id, "never scanned");
  AssetRecord a = MakeAsset(studio_.id, alice_.id, "imported with findings");
  a.dlp =
      DlpSummary{3, 1, 1, 1, 1, {"aws-access-token", "dictionary:customers", "pii-email"}, Tick()};
  a.findings = {
      {"upload", "metadata:png:tEXt:workflow", "aws-access-token", "secret", 120, 20, 3, 17,
       "\"key\": \"AKIA████\"", "00ff", "flagged"},
      {"upload", "content", "pii-email", "pii", 5, 17, 1, 6, "████@████.com", "11ee", "redacted"},
      {"upload", "name", "dictionary:customers", "dictionary", 0, 4, 1, 1, "acme", "22dd",
       "flagged"},
  };
  a.origin = AssetOrigin{"/home/cara/Downloads/acme hero.png", a.sha256, "cara-laptop"};
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertAsset(a); }));

  auto got = store().Read([&](ReadTx& tx) { return tx.GetAsset(a.id); });
  ASSERT_OK(got);
  ASSERT_TRUE(got->dlp.has_value());
  EXPECT_EQ(got->dlp->findings, 3);
  EXPECT_EQ(got->dlp->secrets, 1);
  EXPECT_EQ(got->dlp->pii, 1);
  EXPECT_EQ(got->dlp->dictionary, 1);
  EXPECT_EQ(got->dlp->redacted, 1);
  EXPECT_EQ(got->dlp->rules, a.dlp->rules);
  EXPECT_EQ(got->dlp->scanned_at, a.dlp->scanned_at);
  EXPECT_TRUE(got->findings.empty());  // asset reads leave the findings out
  ASSERT_TRUE(got->origin.has_value());
  EXPECT_EQ(got->origin->path, a.origin->path);
  EXPECT_EQ(got->origin->sha256, a.sha256);
  EXPECT_EQ(got->origin->host, "cara-laptop");

  auto findings = store().Read([&](ReadTx& tx) { return tx.FindingsOf(a.id); });
  ASSERT_OK(findings);
  ASSERT_EQ(findings->size(), 3u);
  EXPECT_EQ((*findings)[0].location, "metadata:png:tEXt:workflow");
  EXPECT_EQ((*findings)[0].offset, 120u);
  EXPECT_EQ((*findings)[0].column, 17u);
  EXPECT_EQ((*findings)[1].action, "redacted");
  EXPECT_EQ((*findings)[2].rule_id, "dictionary:customers");

  auto plain_got = store().Read([&](ReadTx& tx) { return tx.GetAsset(plain.id); });
  ASSERT_OK(plain_got);
  EXPECT_FALSE(plain_got->dlp.has_value());
  EXPECT_FALSE(plain_got->origin.has_value());
  auto none = store().Read([&](ReadTx& tx) { return tx.FindingsOf(plain.id); });
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
  auto unknown = store().Read(
      [&](ReadTx& tx) { return tx.FindingsOf(AssetId("ast_aaaaaaaaaaaaaaaaaaaaaaaaaa")); });
  EXPECT_FALSE(unknown.ok());
}

TEST_P(StoreConformanceTest, ContentCredentialsAreStoredWithTheAsset) {
  SeedWorld();
  AssetRecord plain = AddAsset(studio_.id, alice_.id, "never verified");
  AssetRecord a = MakeAsset(studio_.id, alice_.id, "signed elsewhere");
  ContentCredentials c;
  c.state = CredentialsState::kInvalid;
  c.active_manifest = "urn:c2pa:0b2c3d4e-0000-4000-8000-000000000001:acme";
  c.failures = {"assertion.dataHash.mismatch", "signingCredential.untrusted"};
  c.verified_at = Tick();
  c.report_json = R"({"validation_state":"Invalid"})";
  a.credentials = c;
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertAsset(a); }));

  auto got = store().Read([&](ReadTx& tx) { return tx.GetAsset(a.id); });
  ASSERT_OK(got);
  ASSERT_TRUE(got->credentials.has_value());
  EXPECT_EQ(got->credentials->state, CredentialsState::kInvalid);
  EXPECT_EQ(got->credentials->active_manifest, c.active_manifest);
  EXPECT_EQ(got->credentials->failures, c.failures);
  EXPECT_EQ(got->credentials->verified_at, c.verified_at);
  EXPECT_TRUE(got->credentials->report_json.empty());  // asset reads leave the report out

  auto full = store().Read([&](ReadTx& tx) { return tx.GetAssetCredentials(a.id); });
  ASSERT_OK(full);
  ASSERT_TRUE(full->has_value());
  EXPECT_EQ((*full)->report_json, c.report_json);
  EXPECT_EQ((*full)->failures, c.failures);

  // Listings and lineage walks carry the credentials too; an unverified asset has none.
  AssetQuery q;
  q.all_projects = true;
  auto listed = store().Read([&](ReadTx& tx) { return tx.ListAssets(q); });
  ASSERT_OK(listed);
  int seen = 0;
  for (const AssetRecord& x : *listed) {
    if (x.id == a.id) {
      ++seen;
      ASSERT_TRUE(x.credentials.has_value());
      EXPECT_EQ(x.credentials->state, CredentialsState::kInvalid);
    }
    if (x.id == plain.id) {
      ++seen;
      EXPECT_FALSE(x.credentials.has_value());
    }
  }
  EXPECT_EQ(seen, 2);
  auto none = store().Read([&](ReadTx& tx) { return tx.GetAssetCredentials(plain.id); });
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  auto unknown = store().Read([&](ReadTx& tx) {
    return tx.GetAssetCredentials(AssetId("ast_aaaaaaaaaaaaaaaaaaaaaaaaaa"));
  });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, InsertAssetChecksReferencesIdsAndLabels) {
  SeedWorld();
  AssetRecord a = AddAsset(studio_.id, alice_.id);
  Status dup = Insert([&](WriteTx& tx) { return tx.InsertAsset(a); });
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);

  AssetRecord orphan = MakeAsset(NewTestId<ProjectId>(), alice_.id);
  Status s = Insert([&](WriteTx& tx) { return tx.InsertAsset(orphan); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);

  AssetRecord bad_label = MakeAsset(studio_.id, alice_.id);
  bad_label.labels = {"Not A Label"};
  s = Insert([&](WriteTx& tx) { return tx.InsertAsset(bad_label); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  auto gone = store().Read([&](ReadTx& tx) { return tx.GetAsset(bad_label.id); });
  EXPECT_FALSE(gone.ok());
}

TEST_P(StoreConformanceTest, FindAssetByOriginMatchesPathHashHostAndProject) {
  SeedWorld();
  ProjectRecord other = AddProject("other", alice_.id);
  const AssetOrigin origin{"/home/cara/renders/hero.png", std::string(64, 'a'), "cara-laptop"};
  const auto find = [&](const ProjectId& project, const AssetOrigin& o) {
    auto r = store().Read([&](ReadTx& tx) { return tx.FindAssetByOrigin(project, o); });
    EXPECT_OK(r);
    return r.ok() ? *r : std::nullopt;
  };
  EXPECT_FALSE(find(studio_.id, origin).has_value());

  AssetRecord first = MakeAsset(studio_.id, alice_.id, "hero");
  first.origin = origin;
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertAsset(first); }));
  AssetRecord second = MakeAsset(studio_.id, alice_.id, "hero again");
  second.origin = origin;
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertAsset(second); }));
  AssetRecord elsewhere = MakeAsset(other.id, alice_.id, "hero elsewhere");
  elsewhere.origin = origin;
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertAsset(elsewhere); }));

  EXPECT_EQ(find(studio_.id, origin), first.id);  // the oldest
  EXPECT_EQ(find(other.id, origin), elsewhere.id);
  AssetOrigin changed = origin;
  changed.sha256 = std::string(64, 'b');  // the file changed since
  EXPECT_FALSE(find(studio_.id, changed).has_value());
  AssetOrigin moved = origin;
  moved.path = "/home/cara/renders/old/hero.png";
  EXPECT_FALSE(find(studio_.id, moved).has_value());
  AssetOrigin other_host = origin;
  other_host.host = "rex-desktop";
  EXPECT_FALSE(find(studio_.id, other_host).has_value());

  // Only active assets count.
  ASSERT_OK(
      Insert([&](WriteTx& tx) { return tx.UpdateAssetStatus(first.id, AssetStatus::kDisposed); }));
  EXPECT_EQ(find(studio_.id, origin), second.id);
}

TEST_P(StoreConformanceTest, UpdateAssetStageIsCompareAndSet) {
  SeedWorld();
  AssetRecord a = AddAsset(studio_.id, alice_.id);
  TimePoint at = Tick();
  ASSERT_OK(Insert(
      [&](WriteTx& tx) { return tx.UpdateAssetStage(a.id, Stage::kDraft, Stage::kInReview, at); }));
  auto got = store().Read([&](ReadTx& tx) { return tx.GetAsset(a.id); });
  ASSERT_OK(got);
  EXPECT_EQ(got->stage, Stage::kInReview);
  EXPECT_EQ(got->stage_changed_at, at);

  Status stale = Insert([&](WriteTx& tx) {
    return tx.UpdateAssetStage(a.id, Stage::kDraft, Stage::kApproved, Tick());
  });
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code(), ErrorCode::kConflict);
  got = store().Read([&](ReadTx& tx) { return tx.GetAsset(a.id); });
  ASSERT_OK(got);
  EXPECT_EQ(got->stage, Stage::kInReview);

  Status missing = Insert([&](WriteTx& tx) {
    return tx.UpdateAssetStage(NewTestId<AssetId>(), Stage::kDraft, Stage::kInReview, Tick());
  });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, UpdateAssetStatus) {
  SeedWorld();
  AssetRecord a = AddAsset(studio_.id, alice_.id);
  ASSERT_OK(
      Insert([&](WriteTx& tx) { return tx.UpdateAssetStatus(a.id, AssetStatus::kRecalled); }));
  auto got = store().Read([&](ReadTx& tx) { return tx.GetAsset(a.id); });
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AssetStatus::kRecalled);
  Status s = Insert([&](WriteTx& tx) {
    return tx.UpdateAssetStatus(NewTestId<AssetId>(), AssetStatus::kActive);
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
}

// ---- Listing ------------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, ListAssetsHonoursEveryFilter) {
  SeedWorld();
  PrincipalRecord bob = AddPrincipal("bob");
  ProjectRecord other = AddProject("other", alice_.id);

  AssetRecord plain = AddAsset(studio_.id, alice_.id, "plain");
  AssetRecord prompt = MakeAsset(studio_.id, alice_.id, "prompt");
  prompt.kind = AssetKind::kPrompt;
  AssetRecord approved = MakeAsset(studio_.id, bob.id, "approved");
  approved.stage = Stage::kApproved;
  AssetRecord secret = MakeAsset(studio_.id, alice_.id, "secret");
  secret.classification = Classification::kRestricted;
  AssetRecord labelled = MakeAsset(studio_.id, alice_.id, "labelled");
  labelled.labels = {"hero", "villain"};
  AssetRecord elsewhere = MakeAsset(other.id, bob.id, "elsewhere");
  elsewhere.labels = {"hero"};
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    for (const auto& a : {prompt, approved, secret, labelled, elsewhere})
      RETURN_IF_ERROR(tx.InsertAsset(a));
    return OkStatus();
  }));

  auto list = [&](AssetQuery q) {
    auto r = store().Read([&](ReadTx& tx) { return tx.ListAssets(q); });
    EXPECT_OK(r);
    return r.ok() ? Ids(*r) : std::vector<std::string>{};
  };
  AssetQuery all;
  all.all_projects = true;
  EXPECT_EQ(list(all).size(), 6u);

  AssetQuery q = all;
  q.project = other.id;
  EXPECT_EQ(list(q), (std::vector<std::string>{elsewhere.id.str()}));
  q = all;
  q.kind = AssetKind::kPrompt;
  EXPECT_EQ(list(q), (std::vector<std::string>{prompt.id.str()}));
  q = all;
  q.stage = Stage::kApproved;
  EXPECT_EQ(list(q), (std::vector<std::string>{approved.id.str()}));
  q = all;
  q.owner = bob.id;
  EXPECT_EQ(list(q), (std::vector<std::string>{elsewhere.id.str(), approved.id.str()}));
  q = all;
  q.classification = Classification::kRestricted;
  EXPECT_EQ(list(q), (std::vector<std::string>{secret.id.str()}));
  q = all;
  q.label = "hero";
  EXPECT_EQ(list(q), (std::vector<std::string>{elsewhere.id.str(), labelled.id.str()}));
  q.project = studio_.id;
  EXPECT_EQ(list(q), (std::vector<std::string>{labelled.id.str()}));
  q = all;
  q.label = "nobody-uses-this";
  EXPECT_TRUE(list(q).empty());

  // Visibility: only the listed projects unless all_projects; an empty list sees nothing.
  AssetQuery visible;
  visible.visible_projects = {other.id};
  EXPECT_EQ(list(visible), (std::vector<std::string>{elsewhere.id.str()}));
  visible.project = studio_.id;  // asking for an invisible project yields nothing
  EXPECT_TRUE(list(visible).empty());
  AssetQuery nothing_visible;
  EXPECT_TRUE(list(nothing_visible).empty());
  AssetQuery both;
  both.visible_projects = {studio_.id, other.id};
  EXPECT_EQ(list(both).size(), 6u);
  (void)plain;
}

TEST_P(StoreConformanceTest, ListAssetsPaginatesNewestFirstWithAStableCursor) {
  SeedWorld();
  std::vector<AssetRecord> assets;
  TimePoint shared = Tick();
  for (int i = 0; i < 23; ++i) {
    AssetRecord a = MakeAsset(studio_.id, alice_.id, "a" + std::to_string(i));
    if (i % 4 == 0) a.created_at = shared;  // ties are broken by id
    assets.push_back(a);
  }
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    for (const auto& a : assets) RETURN_IF_ERROR(tx.InsertAsset(a));
    return OkStatus();
  }));
  std::vector<AssetRecord> expected = assets;
  std::sort(expected.begin(), expected.end(), [](const AssetRecord& a, const AssetRecord& b) {
    return std::tie(a.created_at, a.id) > std::tie(b.created_at, b.id);
  });

  AssetQuery q;
  q.all_projects = true;
  q.limit = 5;
  std::vector<std::string> paged;
  int pages = 0;
  while (true) {
    auto page = store().Read([&](ReadTx& tx) { return tx.ListAssets(q); });
    ASSERT_OK(page);
    if (page->empty()) break;
    ASSERT_LE(page->size(), 5u);
    for (const auto& a : *page) paged.push_back(a.id.str());
    q.after = page->back().id.str();
    ++pages;
    if (pages == 2) {
      // Assets created between pages are newer than the cursor: they must not shift later pages.
      AddAsset(studio_.id, alice_.id, "late");
    }
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 5);
  EXPECT_EQ(paged, Ids(expected));
}

TEST_P(StoreConformanceTest, ListAssetsRejectsUnknownCursorAndBadLimit) {
  SeedWorld();
  AddAsset(studio_.id, alice_.id);
  AssetQuery q;
  q.all_projects = true;
  q.after = NewTestId<AssetId>().str();
  auto r = store().Read([&](ReadTx& tx) { return tx.ListAssets(q); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  q.after.clear();
  q.limit = 0;
  r = store().Read([&](ReadTx& tx) { return tx.ListAssets(q); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

// ---- Lineage ------------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, LineageOnADiamondIsNearestFirstWithoutDuplicates) {
  SeedWorld();
  //   a ← b ← d
  //   a ← c ← d
  AssetRecord a = AddAsset(studio_.id, alice_.id, "a");
  AssetRecord b = AddAsset(studio_.id, alice_.id, "b");
  AssetRecord c = AddAsset(studio_.id, alice_.id, "c");
  AssetRecord d = AddAsset(studio_.id, alice_.id, "d");
  JobRecord job = MakeJob(studio_.id, alice_.id);
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertJob(job); }));
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    RETURN_IF_ERROR(tx.AddDerivation(b.id, a.id, job.id));
    RETURN_IF_ERROR(tx.AddDerivation(c.id, a.id, std::nullopt));
    RETURN_IF_ERROR(tx.AddDerivation(d.id, b.id, std::nullopt));
    RETURN_IF_ERROR(tx.AddDerivation(d.id, c.id, std::nullopt));
    return tx.AddDerivation(d.id, c.id, std::nullopt);  // idempotent
  }));

  auto sources = store().Read([&](ReadTx& tx) { return tx.DerivedFrom(d.id); });
  ASSERT_OK(sources);
  std::vector<std::string> got_sources = IdStrings(*sources);
  std::sort(got_sources.begin(), got_sources.end());
  std::vector<std::string> want_sources = {b.id.str(), c.id.str()};
  std::sort(want_sources.begin(), want_sources.end());
  EXPECT_EQ(got_sources, want_sources);

  auto ancestors = store().Read([&](ReadTx& tx) { return tx.Ancestors(d.id, 10); });
  ASSERT_OK(ancestors);
  EXPECT_EQ(Ids(*ancestors), (std::vector<std::string>{b.id.str(), c.id.str(), a.id.str()}));
  auto descendants = store().Read([&](ReadTx& tx) { return tx.Descendants(a.id, 10); });
  ASSERT_OK(descendants);
  EXPECT_EQ(Ids(*descendants), (std::vector<std::string>{b.id.str(), c.id.str(), d.id.str()}));
  auto shallow = store().Read([&](ReadTx& tx) { return tx.Ancestors(d.id, 1); });
  ASSERT_OK(shallow);
  EXPECT_EQ(Ids(*shallow), (std::vector<std::string>{b.id.str(), c.id.str()}));
  auto none = store().Read([&](ReadTx& tx) { return tx.Ancestors(a.id, 10); });
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
  // Full records come back, not just ids.
  EXPECT_EQ(Tie((*ancestors)[2]), Tie(a));
}

TEST_P(StoreConformanceTest, LineageOnAChainStopsAtTheDepthBound) {
  SeedWorld();
  std::vector<AssetRecord> chain;
  for (int i = 0; i < 12; ++i) chain.push_back(AddAsset(studio_.id, alice_.id));
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    for (size_t i = 1; i < chain.size(); ++i)
      RETURN_IF_ERROR(tx.AddDerivation(chain[i].id, chain[i - 1].id, std::nullopt));
    return OkStatus();
  }));
  auto ancestors = store().Read([&](ReadTx& tx) { return tx.Ancestors(chain.back().id, 5); });
  ASSERT_OK(ancestors);
  std::vector<std::string> want;
  for (int i = 10; i >= 6; --i) want.push_back(chain[i].id.str());
  EXPECT_EQ(Ids(*ancestors), want);

  auto descendants = store().Read([&](ReadTx& tx) { return tx.Descendants(chain[0].id, 3); });
  ASSERT_OK(descendants);
  EXPECT_EQ(Ids(*descendants),
            (std::vector<std::string>{chain[1].id.str(), chain[2].id.str(), chain[3].id.str()}));

  auto everything = store().Read([&](ReadTx& tx) { return tx.Ancestors(chain.back().id, 100); });
  ASSERT_OK(everything);
  EXPECT_EQ(everything->size(), 11u);
  auto zero = store().Read([&](ReadTx& tx) { return tx.Ancestors(chain.back().id, 0); });
  ASSERT_OK(zero);
  EXPECT_TRUE(zero->empty());
}

TEST_P(StoreConformanceTest, AddDerivationRejectsSelfCyclesAndUnknownAssets) {
  SeedWorld();
  AssetRecord a = AddAsset(studio_.id, alice_.id);
  AssetRecord b = AddAsset(studio_.id, alice_.id);
  AssetRecord c = AddAsset(studio_.id, alice_.id);
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    RETURN_IF_ERROR(tx.AddDerivation(b.id, a.id, std::nullopt));
    return tx.AddDerivation(c.id, b.id, std::nullopt);
  }));
  Status self = Insert([&](WriteTx& tx) { return tx.AddDerivation(a.id, a.id, std::nullopt); });
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().code(), ErrorCode::kInvalidArgument);
  Status cycle = Insert([&](WriteTx& tx) { return tx.AddDerivation(a.id, c.id, std::nullopt); });
  ASSERT_FALSE(cycle.ok());
  EXPECT_EQ(cycle.error().code(), ErrorCode::kInvalidArgument);
  Status unknown = Insert(
      [&](WriteTx& tx) { return tx.AddDerivation(NewTestId<AssetId>(), a.id, std::nullopt); });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

// ---- Jobs ---------------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, JobRoundTripKeepsActorInputsAndEveryField) {
  SeedWorld();
  AssetRecord prompt = AddAsset(studio_.id, alice_.id, "prompt");
  AssetRecord reference = AddAsset(studio_.id, alice_.id, "reference");
  JobRecord j = MakeJob(studio_.id, agent_.id);
  j.on_behalf_of = alice_.id;
  j.seed = 0xfedcba9876543210ull;  // above INT64_MAX: must survive the round trip
  j.inputs = {{reference.id, "reference:character"}, {prompt.id, "prompt"}};
  j.output_classification = Classification::kConfidential;
  j.output_labels = {"hero", "v2"};
  j.max_attempts = 5;
  j.progress = 0.25;
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertJob(j); }));
  auto got = store().Read([&](ReadTx& tx) { return tx.GetJob(j.id); });
  ASSERT_OK(got);
  EXPECT_EQ(Tie(*got), Tie(j));
  ASSERT_EQ(got->inputs.size(), 2u);
  EXPECT_EQ(got->inputs[0].asset, reference.id);
  EXPECT_EQ(got->inputs[0].role, "reference:character");
  EXPECT_EQ(got->inputs[1].asset, prompt.id);
  EXPECT_EQ(got->inputs[1].role, "prompt");

  JobRecord bad_input = MakeJob(studio_.id, alice_.id);
  bad_input.inputs = {{NewTestId<AssetId>(), "prompt"}};
  Status s = Insert([&](WriteTx& tx) { return tx.InsertJob(bad_input); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
  auto absent = store().Read([&](ReadTx& tx) { return tx.GetJob(bad_input.id); });
  EXPECT_FALSE(absent.ok()) << "a failed closure must leave nothing behind";
}

TEST_P(StoreConformanceTest, UpdateJobPersistsProgressOutputAndTimes) {
  SeedWorld();
  JobRecord j = MakeJob(studio_.id, alice_.id);
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertJob(j); }));
  AssetRecord out = AddAsset(studio_.id, alice_.id, "output");
  j.status = JobStatus::kSucceeded;
  j.attempts = 2;
  j.lease_until = std::nullopt;
  j.progress = 1.0;
  j.output = out.id;
  j.error = "";
  j.cancel_requested = true;
  j.started_at = Tick();
  j.finished_at = Tick();
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.UpdateJob(j); }));
  auto got = store().Read([&](ReadTx& tx) { return tx.GetJob(j.id); });
  ASSERT_OK(got);
  EXPECT_EQ(Tie(*got), Tie(j));

  JobRecord ghost = MakeJob(studio_.id, alice_.id);
  Status s = Insert([&](WriteTx& tx) { return tx.UpdateJob(ghost); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, ClaimJobTakesTheOldestQueuedJob) {
  SeedWorld();
  JobRecord first = MakeJob(studio_.id, alice_.id);
  JobRecord second = MakeJob(studio_.id, alice_.id);
  JobRecord third = MakeJob(studio_.id, alice_.id);
  JobRecord done = MakeJob(studio_.id, alice_.id);
  done.status = JobStatus::kSucceeded;
  done.created_at = first.created_at - std::chrono::hours(1);
  JobRecord failed = done;
  failed.id = NewTestId<JobId>();
  failed.status = JobStatus::kFailed;
  JobRecord cancelled = done;
  cancelled.id = NewTestId<JobId>();
  cancelled.status = JobStatus::kCancelled;
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    for (const auto& j : {third, done, first, failed, second, cancelled})
      RETURN_IF_ERROR(tx.InsertJob(j));
    return OkStatus();
  }));

  TimePoint now = Tick();
  TimePoint lease = now + std::chrono::seconds(30);
  for (const JobRecord& want : {first, second, third}) {
    auto claimed = store().Write([&](WriteTx& tx) { return tx.ClaimJob(now, lease); });
    ASSERT_OK(claimed);
    ASSERT_TRUE(claimed->has_value());
    const JobRecord& got = **claimed;
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.status, JobStatus::kRunning);
    EXPECT_EQ(got.attempts, 1);
    EXPECT_EQ(got.lease_until, lease);
    EXPECT_EQ(got.started_at, now);
    auto stored = store().Read([&](ReadTx& tx) { return tx.GetJob(want.id); });
    ASSERT_OK(stored);
    EXPECT_EQ(Tie(*stored), Tie(got));
  }
  auto none = store().Write([&](WriteTx& tx) { return tx.ClaimJob(now, lease); });
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
}

TEST_P(StoreConformanceTest, ClaimJobReclaimsAJobWhoseLeaseExpired) {
  SeedWorld();
  JobRecord j = MakeJob(studio_.id, alice_.id);
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertJob(j); }));
  TimePoint t0 = Tick();
  auto claimed =
      store().Write([&](WriteTx& tx) { return tx.ClaimJob(t0, t0 + std::chrono::seconds(10)); });
  ASSERT_OK(claimed);
  ASSERT_TRUE(claimed->has_value());

  // The worker is alive until its lease ends.
  TimePoint t5 = t0 + std::chrono::seconds(5);
  auto early =
      store().Write([&](WriteTx& tx) { return tx.ClaimJob(t5, t5 + std::chrono::seconds(10)); });
  ASSERT_OK(early);
  EXPECT_FALSE(early->has_value());
  // At exactly lease_until it is not yet expired.
  TimePoint t10 = t0 + std::chrono::seconds(10);
  auto boundary =
      store().Write([&](WriteTx& tx) { return tx.ClaimJob(t10, t10 + std::chrono::seconds(10)); });
  ASSERT_OK(boundary);
  EXPECT_FALSE(boundary->has_value());

  TimePoint t11 = t0 + std::chrono::seconds(11);
  auto reclaimed =
      store().Write([&](WriteTx& tx) { return tx.ClaimJob(t11, t11 + std::chrono::seconds(10)); });
  ASSERT_OK(reclaimed);
  ASSERT_TRUE(reclaimed->has_value());
  EXPECT_EQ((*reclaimed)->id, j.id);
  EXPECT_EQ((*reclaimed)->attempts, 2);
  EXPECT_EQ((*reclaimed)->started_at, t0) << "started_at is set once";
  EXPECT_EQ((*reclaimed)->lease_until, t11 + std::chrono::seconds(10));
}

TEST_P(StoreConformanceTest, ConcurrentClaimsNeverHandOutTheSameJobTwice) {
  SeedWorld();
  constexpr int kJobs = 20;
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    for (int i = 0; i < kJobs; ++i) RETURN_IF_ERROR(tx.InsertJob(MakeJob(studio_.id, alice_.id)));
    return OkStatus();
  }));
  TimePoint now = Tick();
  std::mutex mu;
  std::vector<std::string> claimed;
  std::vector<std::thread> workers;
  for (int w = 0; w < 8; ++w) {
    workers.emplace_back([&] {
      while (true) {
        auto r = store().Write(
            [&](WriteTx& tx) { return tx.ClaimJob(now, now + std::chrono::minutes(5)); });
        if (!r.ok() || !r->has_value()) return;
        std::lock_guard<std::mutex> lock(mu);
        claimed.push_back((*r)->id.str());
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(),
            static_cast<size_t>(kJobs));
}

TEST_P(StoreConformanceTest, ListJobsFiltersByStatusNewestFirst) {
  SeedWorld();
  std::vector<JobRecord> jobs;
  for (int i = 0; i < 6; ++i) {
    JobRecord j = MakeJob(studio_.id, alice_.id);
    if (i % 2 == 1) j.status = JobStatus::kSucceeded;
    jobs.push_back(j);
  }
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    for (const auto& j : jobs) RETURN_IF_ERROR(tx.InsertJob(j));
    return OkStatus();
  }));
  auto queued = store().Read([&](ReadTx& tx) { return tx.ListJobs(JobStatus::kQueued, 10); });
  ASSERT_OK(queued);
  EXPECT_EQ(Ids(*queued),
            (std::vector<std::string>{jobs[4].id.str(), jobs[2].id.str(), jobs[0].id.str()}));
  auto two = store().Read([&](ReadTx& tx) { return tx.ListJobs(std::nullopt, 2); });
  ASSERT_OK(two);
  EXPECT_EQ(Ids(*two), (std::vector<std::string>{jobs[5].id.str(), jobs[4].id.str()}));
  auto bad = store().Read([&](ReadTx& tx) { return tx.ListJobs(std::nullopt, 0); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, CountJobsSinceCountsActorOrOnBehalfOfFromTheWindowStart) {
  SeedWorld();
  PrincipalRecord bob = AddPrincipal("bob");
  const TimePoint since = Tick();
  using std::chrono::microseconds;
  using std::chrono::seconds;
  auto job_at = [&](const PrincipalId& actor, std::optional<PrincipalId> for_whom, TimePoint at,
                    JobStatus status = JobStatus::kQueued) {
    JobRecord j = MakeJob(studio_.id, actor);
    j.on_behalf_of = for_whom;
    j.created_at = at;
    j.status = status;
    return j;
  };
  std::vector<JobRecord> jobs = {
      job_at(alice_.id, std::nullopt, since - microseconds(1)),                 // 0: just before
      job_at(alice_.id, std::nullopt, since),                                   // 1: at the start
      job_at(alice_.id, alice_.id, since + seconds(1), JobStatus::kSucceeded),  // 2: once
      job_at(agent_.id, alice_.id, since + seconds(2), JobStatus::kCancelled),  // 3: both count
      job_at(agent_.id, alice_.id, since - seconds(1)),                         // 4: before
      job_at(bob.id, std::nullopt, since + seconds(3)),                         // 5: someone else
      job_at(agent_.id, bob.id, since + seconds(4)),  // 6: the agent for bob
  };
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    for (const auto& j : jobs) RETURN_IF_ERROR(tx.InsertJob(j));
    return OkStatus();
  }));
  auto count = [&](const PrincipalId& who, TimePoint from) -> int64_t {
    auto n = store().Read([&](ReadTx& tx) { return tx.CountJobsSince(who, from); });
    EXPECT_OK(n);
    return n.ok() ? *n : -1;
  };
  // Any status counts; a job whose actor and on_behalf_of are both alice counts once.
  EXPECT_EQ(count(alice_.id, since), 3);  // 1, 2, 3
  EXPECT_EQ(count(agent_.id, since), 2);  // 3, 6
  EXPECT_EQ(count(bob.id, since), 2);     // 5, 6
  // The window includes its start, to the microsecond.
  EXPECT_EQ(count(alice_.id, since - microseconds(1)), 4);  // + 0
  EXPECT_EQ(count(alice_.id, since + microseconds(1)), 2);  // 2, 3
  EXPECT_EQ(count(alice_.id, since - seconds(1)), 5);       // + 4, 0
  EXPECT_EQ(count(alice_.id, since + seconds(2)), 1);       // 3
  EXPECT_EQ(count(alice_.id, since + seconds(2) + microseconds(1)), 0);
  EXPECT_EQ(count(NewTestId<PrincipalId>(), since - std::chrono::hours(1)), 0);
}

// ---- Reviews, grants, publications --------------------------------------------------------------

TEST_P(StoreConformanceTest, ReviewsRoundTripAndExpiredApprovalsAreFound) {
  SeedWorld();
  PrincipalRecord reviewer = AddPrincipal("rita");
  TimePoint now = Tick() + std::chrono::hours(24);

  auto approved_asset = [&] {
    AssetRecord a = MakeAsset(studio_.id, alice_.id);
    a.stage = Stage::kApproved;
    EXPECT_OK(Insert([&](WriteTx& tx) { return tx.InsertAsset(a); }));
    return a;
  };
  auto review = [&](const AssetRecord& a, ReviewVerdict v, std::optional<TimePoint> expires) {
    ReviewRecord r;
    r.id = NewTestId<ReviewId>();
    r.asset = a.id;
    r.sha256 = a.sha256;
    r.reviewer = reviewer.id;
    r.verdict = v;
    r.comment = "looks fine";
    r.at = Tick();
    r.expires_at = expires;
    EXPECT_OK(Insert([&](WriteTx& tx) { return tx.InsertReview(r); }));
    return r;
  };
  AssetRecord expired_asset = approved_asset();
  ReviewRecord expired =
      review(expired_asset, ReviewVerdict::kApprove, now - std::chrono::hours(1));
  AssetRecord fresh_asset = approved_asset();
  review(fresh_asset, ReviewVerdict::kApprove, now + std::chrono::hours(1));
  AssetRecord no_expiry_asset = approved_asset();
  review(no_expiry_asset, ReviewVerdict::kApprove, std::nullopt);
  AssetRecord rejected_asset = approved_asset();
  review(rejected_asset, ReviewVerdict::kReject, now - std::chrono::hours(1));
  AssetRecord published_asset = approved_asset();
  review(published_asset, ReviewVerdict::kApprove, now - std::chrono::hours(1));
  ASSERT_OK(Insert([&](WriteTx& tx) {
    return tx.UpdateAssetStage(published_asset.id, Stage::kApproved, Stage::kPublished, Tick());
  }));
  AssetRecord lapsed_asset = approved_asset();
  ReviewRecord lapsed = review(lapsed_asset, ReviewVerdict::kApprove, now - std::chrono::hours(2));
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.MarkReviewLapsed(lapsed.id); }));

  auto of = store().Read([&](ReadTx& tx) { return tx.ReviewsOf(expired_asset.id); });
  ASSERT_OK(of);
  ASSERT_EQ(of->size(), 1u);
  EXPECT_EQ(Tie((*of)[0]), Tie(expired));

  auto due = store().Read([&](ReadTx& tx) { return tx.ExpiredApprovals(now); });
  ASSERT_OK(due);
  EXPECT_EQ(Ids(*due), (std::vector<std::string>{expired.id.str()}));

  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.MarkReviewLapsed(expired.id); }));
  due = store().Read([&](ReadTx& tx) { return tx.ExpiredApprovals(now); });
  ASSERT_OK(due);
  EXPECT_TRUE(due->empty());
  Status s = Insert([&](WriteTx& tx) { return tx.MarkReviewLapsed(NewTestId<ReviewId>()); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, GrantsAreSingleUse) {
  SeedWorld();
  AssetRecord a = AddAsset(studio_.id, alice_.id);
  GrantRecord g;
  g.id = NewTestId<GrantId>();
  g.asset = a.id;
  g.sha256 = a.sha256;
  g.destination = "web";
  g.file_name = "hero.png";
  g.requester = alice_.id;
  g.issued_at = Tick();
  g.expires_at = g.issued_at + std::chrono::minutes(5);
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertGrant(g); }));
  auto got = store().Read([&](ReadTx& tx) { return tx.GetGrant(g.id); });
  ASSERT_OK(got);
  EXPECT_EQ(Tie(*got), Tie(g));

  TimePoint used = Tick();
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.UseGrant(g.id, used); }));
  Status again = Insert([&](WriteTx& tx) { return tx.UseGrant(g.id, Tick()); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);
  got = store().Read([&](ReadTx& tx) { return tx.GetGrant(g.id); });
  ASSERT_OK(got);
  EXPECT_EQ(got->used_at, used);
  Status unknown = Insert([&](WriteTx& tx) { return tx.UseGrant(NewTestId<GrantId>(), Tick()); });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

TEST_P(StoreConformanceTest, PublicationsRoundTripAndRollBack) {
  SeedWorld();
  AssetRecord source = AddAsset(studio_.id, alice_.id, "source");
  AssetRecord exported = AddAsset(studio_.id, alice_.id, "export");
  GrantRecord g;
  g.id = NewTestId<GrantId>();
  g.asset = source.id;
  g.sha256 = source.sha256;
  g.destination = "web";
  g.file_name = "hero.png";
  g.requester = alice_.id;
  g.issued_at = Tick();
  g.expires_at = g.issued_at + std::chrono::minutes(5);
  PublicationRecord p;
  p.id = NewTestId<PublicationId>();
  p.source_asset = source.id;
  p.export_asset = exported.id;
  p.grant = g.id;
  p.destination = "web";
  p.path = "2026/hero.png";
  p.sha256 = exported.sha256;
  p.published_by = alice_.id;
  p.published_at = Tick();
  p.rollback_method = "delete-file";
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    RETURN_IF_ERROR(tx.InsertGrant(g));
    return tx.InsertPublication(p);
  }));
  auto got = store().Read([&](ReadTx& tx) { return tx.GetPublication(p.id); });
  ASSERT_OK(got);
  EXPECT_EQ(Tie(*got), Tie(p));

  p.status = PublicationStatus::kRolledBack;
  p.rolled_back_at = Tick();
  p.rolled_back_by = alice_.id;
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.UpdatePublication(p); }));
  auto of = store().Read([&](ReadTx& tx) { return tx.PublicationsOf(source.id); });
  ASSERT_OK(of);
  ASSERT_EQ(of->size(), 1u);
  EXPECT_EQ(Tie((*of)[0]), Tie(p));

  PublicationRecord second = p;
  second.id = NewTestId<PublicationId>();
  Status reuse = Insert([&](WriteTx& tx) { return tx.InsertPublication(second); });
  ASSERT_FALSE(reuse.ok());
  EXPECT_EQ(reuse.error().code(), ErrorCode::kAlreadyExists) << "one publication per grant";
  Status unknown = Insert([&](WriteTx& tx) { return tx.UpdatePublication(second); });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

// ---- Audit log ----------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, AuditRowsAreConsecutiveFromZero) {
  auto next = store().Read([&](ReadTx& tx) { return tx.AuditSize(); });
  ASSERT_OK(next);
  EXPECT_EQ(*next, 0u);
  std::vector<AuditRow> rows;
  for (int i = 0; i < 10; ++i) {
    auto appended = store().Write([&](WriteTx& tx) -> Result<AuditRow> {
      ASSIGN_OR_RETURN(uint64_t seq, tx.NextAuditSeq());
      AuditRow row =
          MakeAuditRow(seq, R"({"action":"test","n":)" + std::to_string(i) + "}", Tick());
      RETURN_IF_ERROR(tx.InsertAuditRow(row));
      return row;
    });
    ASSERT_OK(appended);
    EXPECT_EQ(appended->seq, static_cast<uint64_t>(i));
    rows.push_back(*appended);
  }
  auto size = store().Read([&](ReadTx& tx) { return tx.AuditSize(); });
  ASSERT_OK(size);
  EXPECT_EQ(*size, 10u);

  for (uint64_t bad : {uint64_t{3}, uint64_t{11}}) {
    Status s =
        Insert([&](WriteTx& tx) { return tx.InsertAuditRow(MakeAuditRow(bad, "{}", Tick())); });
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code(), ErrorCode::kConflict) << bad;
  }
  auto listed = store().Read([&](ReadTx& tx) { return tx.ListAudit(AuditQuery{}); });
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(Tie((*listed)[i]), Tie(rows[i]));
}

TEST_P(StoreConformanceTest, ListAuditPagesAndFiltersByResource) {
  AssetId x = NewTestId<AssetId>();
  AssetId y = NewTestId<AssetId>();
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    for (int i = 0; i < 12; ++i) {
      const AssetId& about = i % 3 == 0 ? x : y;
      std::string entry = R"({"action":"asset.view","resource":")" + about.str() +
                          R"(","seq_hint":)" + std::to_string(i) + "}";
      RETURN_IF_ERROR(tx.InsertAuditRow(MakeAuditRow(i, entry, Tick())));
    }
    return OkStatus();
  }));
  AuditQuery q;
  q.resource = x.str();
  auto about_x = store().Read([&](ReadTx& tx) { return tx.ListAudit(q); });
  ASSERT_OK(about_x);
  std::vector<uint64_t> seqs;
  for (const auto& r : *about_x) seqs.push_back(r.seq);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{0, 3, 6, 9}));

  q.from_seq = 4;
  q.limit = 1;
  about_x = store().Read([&](ReadTx& tx) { return tx.ListAudit(q); });
  ASSERT_OK(about_x);
  ASSERT_EQ(about_x->size(), 1u);
  EXPECT_EQ((*about_x)[0].seq, 6u);

  // A resource that is not an id (e.g. a hashed login name) is matched exactly.
  ASSERT_OK(Insert([&](WriteTx& tx) {
    return tx.InsertAuditRow(MakeAuditRow(
        12, R"({"action":"auth.login","resource":"name-sha256:0a1b","outcome":"failed"})", Tick()));
  }));
  AuditQuery by_name;
  by_name.resource = "name-sha256:0a1b";
  auto logins = store().Read([&](ReadTx& tx) { return tx.ListAudit(by_name); });
  ASSERT_OK(logins);
  ASSERT_EQ(logins->size(), 1u);
  EXPECT_EQ((*logins)[0].seq, 12u);
  by_name.resource = "name-sha256";  // no substring matches
  logins = store().Read([&](ReadTx& tx) { return tx.ListAudit(by_name); });
  ASSERT_OK(logins);
  EXPECT_TRUE(logins->empty());
  by_name.resource = "";
  EXPECT_FALSE(store().Read([&](ReadTx& tx) { return tx.ListAudit(by_name); }).ok());

  AuditQuery page;
  page.from_seq = 5;
  page.limit = 4;
  auto rows = store().Read([&](ReadTx& tx) { return tx.ListAudit(page); });
  ASSERT_OK(rows);
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ(rows->front().seq, 5u);
  EXPECT_EQ(rows->back().seq, 8u);
}

TEST_P(StoreConformanceTest, ScanAuditStreamsInOrderAndStopsOnError) {
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    for (int i = 0; i < 50; ++i)
      RETURN_IF_ERROR(
          tx.InsertAuditRow(MakeAuditRow(i, R"({"n":)" + std::to_string(i) + "}", Tick())));
    return OkStatus();
  }));
  std::vector<uint64_t> seen;
  ASSERT_OK(store().Read([&](ReadTx& tx) {
    return tx.ScanAudit(20, [&](const AuditRow& row) -> Status {
      seen.push_back(row.seq);
      // The same transaction can be used for other reads while the scan is open.
      if (row.seq == 25) {
        auto nested = tx.ListAudit(AuditQuery{.from_seq = 0, .limit = 3});
        if (!nested.ok()) return nested.error();
        if (nested->size() != 3) return Internal("nested read saw the wrong rows");
      }
      return OkStatus();
    });
  }));
  ASSERT_EQ(seen.size(), 30u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], 20 + i);

  int calls = 0;
  Status stopped = store().Read([&](ReadTx& tx) {
    return tx.ScanAudit(0, [&](const AuditRow& row) -> Status {
      ++calls;
      if (row.seq == 4) return Error(ErrorCode::kDataLoss, "bad leaf 4");
      return OkStatus();
    });
  });
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().code(), ErrorCode::kDataLoss);
  EXPECT_EQ(calls, 5);
}

TEST_P(StoreConformanceTest, CheckpointsAreOrderedAndUniquePerSize) {
  auto none = store().Read([&](ReadTx& tx) { return tx.LatestCheckpoint(); });
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  CheckpointRow c10{10, "example.com/log\n10\nAAAA\n\n— key sig\n", Tick()};
  CheckpointRow c3{3, "example.com/log\n3\nBBBB\n\n— key sig\n", Tick()};
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    RETURN_IF_ERROR(tx.InsertCheckpoint(c10));
    return tx.InsertCheckpoint(c3);
  }));
  auto all = store().Read([&](ReadTx& tx) { return tx.ListCheckpoints(); });
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ(Tie((*all)[0]), Tie(c3));
  EXPECT_EQ(Tie((*all)[1]), Tie(c10));
  auto latest = store().Read([&](ReadTx& tx) { return tx.LatestCheckpoint(); });
  ASSERT_OK(latest);
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ(Tie(**latest), Tie(c10));
  Status dup = Insert([&](WriteTx& tx) { return tx.InsertCheckpoint(c10); });
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);
}

// ---- Policy sets --------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, PolicySetVersionsAreConsecutiveFromOne) {
  SeedWorld();
  auto none = store().Read([&](ReadTx& tx) { return tx.LatestPolicySet(); });
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  auto empty = store().Read([&](ReadTx& tx) { return tx.ListPolicySets(); });
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->empty());
  auto missing = store().Read([&](ReadTx& tx) { return tx.GetPolicySet(7); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(CodeOf(missing), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("7"), std::string::npos) << missing.error().message();

  auto insert = [&](const PolicySetRecord& p) {
    return Insert([&](WriteTx& tx) { return tx.InsertPolicySet(p); });
  };
  for (int64_t wrong : {0, -1, 2}) {
    Status s = insert(MakePolicySet(wrong, std::nullopt));
    ASSERT_FALSE(s.ok()) << wrong;
    EXPECT_EQ(s.error().code(), ErrorCode::kConflict) << wrong;
  }
  PolicySetRecord v1 = MakePolicySet(1, std::nullopt);  // the built-in default has no creator
  ASSERT_OK(insert(v1));
  PolicySetRecord v2 = MakePolicySet(2, alice_.id);
  ASSERT_OK(insert(v2));
  // A replayed, stale or skipping version is refused, naming the version that would be next.
  for (int64_t wrong : {1, 2, 4}) {
    Status s = insert(MakePolicySet(wrong, alice_.id));
    ASSERT_FALSE(s.ok()) << wrong;
    EXPECT_EQ(s.error().code(), ErrorCode::kConflict) << wrong;
    EXPECT_NE(s.error().message().find("3"), std::string::npos) << s.error().message();
  }
  PolicySetRecord v3 = MakePolicySet(3, agent_.id, /*rolled_back_from=*/1);
  v3.files_json = v1.files_json;
  v3.sha256 = v1.sha256;
  ASSERT_OK(insert(v3));

  auto latest = store().Read([&](ReadTx& tx) { return tx.LatestPolicySet(); });
  ASSERT_OK(latest);
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ(Tie(**latest), Tie(v3));
  auto second = store().Read([&](ReadTx& tx) { return tx.GetPolicySet(2); });
  ASSERT_OK(second);
  EXPECT_EQ(Tie(*second), Tie(v2));
  auto all = store().Read([&](ReadTx& tx) { return tx.ListPolicySets(); });
  ASSERT_OK(all);
  ASSERT_EQ(Versions(*all), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(Tie((*all)[0]), Tie(v1));
  EXPECT_EQ(Tie((*all)[1]), Tie(v2));
  EXPECT_EQ(Tie((*all)[2]), Tie(v3));

  Reopen();
  auto reopened = store().Read([&](ReadTx& tx) { return tx.ListPolicySets(); });
  ASSERT_OK(reopened);
  EXPECT_EQ(Versions(*reopened), (std::vector<int64_t>{1, 2, 3}));
}

TEST_P(StoreConformanceTest, PolicySetRollbackMustNameAnEarlierVersionAndCreatorMustExist) {
  SeedWorld();
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertPolicySet(MakePolicySet(1, alice_.id)); }));
  for (int64_t from : {2, 3, 0, -1}) {
    Status s =
        Insert([&](WriteTx& tx) { return tx.InsertPolicySet(MakePolicySet(2, alice_.id, from)); });
    ASSERT_FALSE(s.ok()) << from;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument) << from;
  }
  Status ghost = Insert(
      [&](WriteTx& tx) { return tx.InsertPolicySet(MakePolicySet(2, NewTestId<PrincipalId>())); });
  ASSERT_FALSE(ghost.ok());
  EXPECT_EQ(ghost.error().code(), ErrorCode::kNotFound);
  auto latest = store().Read([&](ReadTx& tx) { return tx.LatestPolicySet(); });
  ASSERT_OK(latest);
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->version, 1) << "refused versions leave nothing behind";
  ASSERT_OK(
      Insert([&](WriteTx& tx) { return tx.InsertPolicySet(MakePolicySet(2, alice_.id, 1)); }));
}

TEST_P(StoreConformanceTest, ConcurrentPolicySetWritersGetConsecutiveVersions) {
  // Each closure reads the latest version and appends the next one inside its write transaction,
  // so closures sharing a group commit see each other's versions and none is refused.
  SeedWorld();
  constexpr int kWriters = 6;
  constexpr int kEach = 5;
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        Status s = Insert([&](WriteTx& tx) -> Status {
          ASSIGN_OR_RETURN(std::optional<PolicySetRecord> latest, tx.LatestPolicySet());
          PolicySetRecord next;
          next.version = latest ? latest->version + 1 : 1;
          next.files_json = "{}";
          next.sha256 = std::string(64, 'e');
          next.created_at = FromUnixMicros(next.version);
          next.created_by = alice_.id;
          return tx.InsertPolicySet(next);
        });
        if (!s.ok()) failures++;
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto all = store().Read([&](ReadTx& tx) { return tx.ListPolicySets(); });
  ASSERT_OK(all);
  std::vector<int64_t> want(kWriters * kEach);
  for (size_t i = 0; i < want.size(); ++i) want[i] = static_cast<int64_t>(i) + 1;
  EXPECT_EQ(Versions(*all), want);
}

TEST_P(StoreConformanceTest, StoredPolicySetsCannotBeChangedOrDeletedBehindTheStore) {
  SeedWorld();
  PolicySetRecord v1 = MakePolicySet(1, std::nullopt);
  PolicySetRecord v2 = MakePolicySet(2, alice_.id);
  ASSERT_OK(Insert([&](WriteTx& tx) -> Status {
    RETURN_IF_ERROR(tx.InsertPolicySet(v1));
    return tx.InsertPolicySet(v2);
  }));
  Close();
  for (const char* sql : {"UPDATE policy_sets SET comment = 'forged' WHERE version = 1",
                          "UPDATE policy_sets SET files_json = '{}'",
                          "DELETE FROM policy_sets WHERE version = 2", "DELETE FROM policy_sets"}) {
    Status s = harness().ExecuteSql(sql);
    ASSERT_FALSE(s.ok()) << sql;
    EXPECT_NE(s.error().message().find("append-only"), std::string::npos) << s.error().message();
  }
  Reopen();
  auto all = store().Read([&](ReadTx& tx) { return tx.ListPolicySets(); });
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ(Tie((*all)[0]), Tie(v1));
  EXPECT_EQ(Tie((*all)[1]), Tie(v2));
}

// ---- Transactions and group commit --------------------------------------------------------------

TEST_P(StoreConformanceTest, FailedClosureLeavesNothingAndReportsItsOwnError) {
  PrincipalRecord p = MakePrincipal("temp");
  Status s = Insert([&](WriteTx& tx) -> Status {
    RETURN_IF_ERROR(tx.InsertPrincipal(p));
    return Conflict("changed my mind");
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(s.error().message(), "changed my mind");
  auto found = store().Read([&](ReadTx& tx) { return tx.FindPrincipalByName("temp"); });
  ASSERT_OK(found);
  EXPECT_FALSE(found->has_value());

  Status thrown = Insert([&](WriteTx& tx) -> Status {
    RETURN_IF_ERROR(tx.InsertPrincipal(p));
    throw std::runtime_error("boom");
  });
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().code(), ErrorCode::kInternal);
  found = store().Read([&](ReadTx& tx) { return tx.FindPrincipalByName("temp"); });
  ASSERT_OK(found);
  EXPECT_FALSE(found->has_value());

  // The store is still healthy afterwards.
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertPrincipal(p); }));
}

TEST_P(StoreConformanceTest, FailingClosuresInABatchDoNotAffectTheOthers) {
  constexpr int kWriters = 50;
  std::vector<PrincipalRecord> principals;
  for (int i = 0; i < kWriters; ++i)
    principals.push_back(MakePrincipal("user-" + std::to_string(i)));
  auto fate = [](int i) { return i % 5 == 0 ? 1 : (i % 7 == 0 ? 2 : 0); };  // 1 error, 2 throw

  // Hold the writer inside a first closure so the 50 writers queue up behind it and are committed
  // in shared batches.
  Gate gate;
  std::thread holder([&] {
    EXPECT_OK(Insert([&](WriteTx&) {
      gate.Wait();
      return OkStatus();
    }));
  });
  std::vector<Status> results(kWriters);
  std::vector<std::thread> writers;
  std::latch started(kWriters);
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      started.count_down();
      results[i] = Insert([&](WriteTx& tx) -> Status {
        RETURN_IF_ERROR(tx.InsertPrincipal(principals[i]));
        if (fate(i) == 1) return Conflict("writer " + std::to_string(i) + " gives up");
        if (fate(i) == 2) throw std::runtime_error("writer " + std::to_string(i) + " throws");
        return OkStatus();
      });
    });
  }
  started.wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  gate.Open();
  for (auto& t : writers) t.join();
  holder.join();

  std::set<std::string> expected;
  for (int i = 0; i < kWriters; ++i) {
    switch (fate(i)) {
      case 0:
        EXPECT_OK(results[i]);
        expected.insert(principals[i].name);
        break;
      case 1:
        ASSERT_FALSE(results[i].ok());
        EXPECT_EQ(results[i].error().code(), ErrorCode::kConflict);
        EXPECT_NE(results[i].error().message().find("writer " + std::to_string(i)),
                  std::string::npos);
        break;
      default:
        ASSERT_FALSE(results[i].ok());
        EXPECT_EQ(results[i].error().code(), ErrorCode::kInternal);
        break;
    }
  }
  auto all = store().Read([&](ReadTx& tx) { return tx.ListPrincipals(); });
  ASSERT_OK(all);
  std::set<std::string> visible;
  for (const auto& p : *all) visible.insert(p.name);
  EXPECT_EQ(visible, expected);
}

namespace {

// Records what the writer told it; fails BeforeCommit while `fail` is set, and optionally writes a
// checkpoint covering the audit rows of the batch (like the audit log does).
class RecordingObserver : public CommitObserver {
 public:
  Status BeforeCommit(WriteTx& tx) override {
    ++before;
    if (fail) return Error(ErrorCode::kUnavailable, "signer offline");
    if (checkpoint) {
      ASSIGN_OR_RETURN(uint64_t size, tx.AuditSize());
      auto latest = tx.LatestCheckpoint();
      if (!latest.ok()) return latest.error();
      if (!latest->has_value() || (*latest)->size != size)
        RETURN_IF_ERROR(tx.InsertCheckpoint(CheckpointRow{size, "note", FromUnixMicros(1)}));
    }
    return OkStatus();
  }
  void AfterCommit(bool committed) override {
    std::lock_guard<std::mutex> lock(mu);
    outcomes.push_back(committed);
  }
  std::vector<bool> Outcomes() {
    std::lock_guard<std::mutex> lock(mu);
    return outcomes;
  }

  std::atomic<int> before{0};
  std::atomic<bool> fail{false};
  bool checkpoint = false;
  std::mutex mu;
  std::vector<bool> outcomes;
};

}  // namespace

TEST_P(StoreConformanceTest, ObserverFailureRollsBackTheWholeBatch) {
  RecordingObserver observer;
  store().SetCommitObserver(&observer);
  observer.fail = true;

  Gate gate;
  PrincipalRecord holder = MakePrincipal("holder");
  Status holder_status;
  std::thread holder_thread([&] {
    holder_status = Insert([&](WriteTx& tx) -> Status {
      RETURN_IF_ERROR(tx.InsertPrincipal(holder));
      gate.Wait();
      return OkStatus();
    });
  });
  constexpr int kWriters = 10;
  std::vector<PrincipalRecord> principals;
  for (int i = 0; i < kWriters; ++i) principals.push_back(MakePrincipal("w-" + std::to_string(i)));
  std::vector<Status> results(kWriters);
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      results[i] = Insert([&](WriteTx& tx) { return tx.InsertPrincipal(principals[i]); });
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  gate.Open();
  for (auto& t : writers) t.join();
  holder_thread.join();

  ASSERT_FALSE(holder_status.ok());
  EXPECT_EQ(holder_status.error().message(), "signer offline");
  for (const auto& r : results) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  }
  auto all = store().Read([&](ReadTx& tx) { return tx.ListPrincipals(); });
  ASSERT_OK(all);
  EXPECT_TRUE(all->empty());
  std::vector<bool> outcomes = observer.Outcomes();
  EXPECT_EQ(static_cast<int>(outcomes.size()), observer.before.load());
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), true), 0);

  observer.fail = false;
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertPrincipal(MakePrincipal("after")); }));
  outcomes = observer.Outcomes();
  ASSERT_FALSE(outcomes.empty());
  EXPECT_TRUE(outcomes.back());
  store().SetCommitObserver(nullptr);
}

TEST_P(StoreConformanceTest, ObserverWritesCommitWithTheBatch) {
  RecordingObserver observer;
  observer.checkpoint = true;
  store().SetCommitObserver(&observer);
  std::vector<std::thread> writers;
  for (int i = 0; i < 16; ++i) {
    writers.emplace_back([&] {
      EXPECT_OK(Insert([&](WriteTx& tx) -> Status {
        ASSIGN_OR_RETURN(uint64_t seq, tx.NextAuditSeq());
        return tx.InsertAuditRow(MakeAuditRow(seq, "{}", FromUnixMicros(5)));
      }));
    });
  }
  for (auto& t : writers) t.join();
  store().SetCommitObserver(nullptr);
  auto latest = store().Read([&](ReadTx& tx) { return tx.LatestCheckpoint(); });
  ASSERT_OK(latest);
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->size, 16u) << "the last batch's checkpoint covers every row";
  std::vector<bool> outcomes = observer.Outcomes();
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), false), 0);
}

TEST_P(StoreConformanceTest, WriteReturningAResultHandsBackTheValue) {
  SeedWorld();
  auto n = store().Write([&](WriteTx& tx) -> Result<int> {
    RETURN_IF_ERROR(tx.InsertToken(MakeToken(alice_.id, TokenKind::kAccess)));
    return 7;
  });
  ASSERT_OK(n);
  EXPECT_EQ(*n, 7);
  auto err = store().Write([&](WriteTx& tx) -> Result<int> {
    RETURN_IF_ERROR(tx.InsertToken(MakeToken(alice_.id, TokenKind::kAccess)));
    return NotFound("nope");
  });
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().code(), ErrorCode::kNotFound);
  auto tokens = store().Read([&](ReadTx& tx) { return tx.TokensOf(alice_.id); });
  ASSERT_OK(tokens);
  EXPECT_EQ(tokens->size(), 1u);
}

TEST_P(StoreConformanceTest, ReadsNeverSeeUncommittedWrites) {
  PrincipalRecord p = MakePrincipal("pending");
  Gate inserted, release;
  std::thread writer([&] {
    EXPECT_OK(Insert([&](WriteTx& tx) -> Status {
      RETURN_IF_ERROR(tx.InsertPrincipal(p));
      // The closure itself sees its own write.
      auto mine = tx.GetPrincipal(p.id);
      if (!mine.ok()) return mine.error();
      inserted.Open();
      release.Wait();
      return OkStatus();
    }));
  });
  inserted.Wait();
  auto during = store().Read([&](ReadTx& tx) { return tx.GetPrincipal(p.id); });
  ASSERT_FALSE(during.ok());
  EXPECT_EQ(during.error().code(), ErrorCode::kNotFound);
  release.Open();
  writer.join();
  auto after = store().Read([&](ReadTx& tx) { return tx.GetPrincipal(p.id); });
  ASSERT_OK(after);
}

TEST_P(StoreConformanceTest, ReadTransactionIsOneSnapshot) {
  AddPrincipal("first");
  PrincipalRecord second = MakePrincipal("second");
  Gate committed;
  std::thread writer;
  ASSERT_OK(store().Read([&](ReadTx& tx) -> Status {
    auto before = tx.ListPrincipals();
    if (!before.ok()) return before.error();
    EXPECT_EQ(before->size(), 1u);
    writer = std::thread([&] {
      EXPECT_OK(Insert([&](WriteTx& w) { return w.InsertPrincipal(second); }));
      committed.Open();
    });
    committed.Wait();
    auto again = tx.ListPrincipals();
    if (!again.ok()) return again.error();
    EXPECT_EQ(again->size(), 1u) << "a commit during the read must not become visible in it";
    return OkStatus();
  }));
  writer.join();
  auto now = store().Read([&](ReadTx& tx) { return tx.ListPrincipals(); });
  ASSERT_OK(now);
  EXPECT_EQ(now->size(), 2u);
}

// ---- Durability and migrations ------------------------------------------------------------------

TEST_P(StoreConformanceTest, DataSurvivesCloseAndReopen) {
  SeedWorld();
  AssetRecord a = AddAsset(studio_.id, alice_.id);
  ASSERT_OK(Insert([&](WriteTx& tx) {
    return tx.InsertAuditRow(MakeAuditRow(0, R"({"resource":")" + a.id.str() + "\"}", Tick()));
  }));
  Reopen();
  auto got = store().Read([&](ReadTx& tx) { return tx.GetAsset(a.id); });
  ASSERT_OK(got);
  EXPECT_EQ(Tie(*got), Tie(a));
  auto size = store().Read([&](ReadTx& tx) { return tx.AuditSize(); });
  ASSERT_OK(size);
  EXPECT_EQ(*size, 1u);
  // Reopening an up-to-date database changes nothing, and it stays writable.
  Reopen();
  auto principals = store().Read([&](ReadTx& tx) { return tx.ListPrincipals(); });
  ASSERT_OK(principals);
  EXPECT_EQ(principals->size(), 2u);
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertPrincipal(MakePrincipal("later")); }));
}

TEST_P(StoreConformanceTest, DatabaseFromANewerReleaseIsRefused) {
  AddPrincipal("alice");
  Close();
  ASSERT_OK(harness().MakeSchemaNewer());
  auto opened = harness().Open();
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kConflict);
  EXPECT_NE(opened.error().message().find("newer"), std::string::npos) << opened.error().message();
}

namespace {

// Waits up to `timeout` for `n` bytes on `fd`; returns how many arrived.
size_t ReadWithTimeout(int fd, void* buf, size_t n, std::chrono::milliseconds timeout) {
  size_t got = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (got < n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t r = read(fd, static_cast<char*>(buf) + got, n - got);
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

}  // namespace

TEST_P(StoreConformanceTest, CrashDuringAWriteKeepsExactlyTheCommittedWrites) {
  if (!harness().SupportsForkedChild()) GTEST_SKIP() << "store cannot be opened after fork";
  constexpr int kCommitted = 25;
  // The child opens its own store: nothing of ours may be open on the database across fork.
  Close();
  std::vector<PrincipalRecord> committed, doomed;
  for (int i = 0; i < kCommitted; ++i) committed.push_back(MakePrincipal("c-" + std::to_string(i)));
  // Enough uncommitted data that the page cache spills some of it into the log before the kill.
  constexpr int kDoomed = 6000;
  for (int i = 0; i < kDoomed; ++i) {
    doomed.push_back(MakePrincipal("d-" + std::to_string(i)));
    doomed.back().display_name = std::string(8000, 'x');
  }
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto opened = harness().Open();
    if (!opened.ok()) _exit(2);
    Store& s = **opened;
    for (const auto& p : committed)
      if (!s.WriteTransaction([&](WriteTx& tx) { return tx.InsertPrincipal(p); }).ok()) _exit(3);
    (void)s.WriteTransaction([&](WriteTx& tx) -> Status {
      for (const auto& p : doomed) RETURN_IF_ERROR(tx.InsertPrincipal(p));
      char ready = 'r';
      if (write(fds[1], &ready, 1) != 1) _exit(4);
      while (true) pause();  // killed here, mid-transaction
    });
    _exit(5);
  }
  close(fds[1]);
  char ready = 0;
  size_t got = ReadWithTimeout(fds[0], &ready, 1, std::chrono::seconds(120));
  kill(pid, SIGKILL);
  int wstatus = 0;
  ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
  close(fds[0]);
  ASSERT_EQ(got, 1u) << "child did not reach the blocking write; exit status "
                     << (WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
  ASSERT_TRUE(WIFSIGNALED(wstatus));

  ASSERT_OK(harness().CheckIntegrity());
  Reopen();
  auto all = store().Read([&](ReadTx& tx) { return tx.ListPrincipals(); });
  ASSERT_OK(all);
  std::set<std::string> names;
  for (const auto& p : *all) names.insert(p.name);
  std::set<std::string> want;
  for (const auto& p : committed) want.insert(p.name);
  EXPECT_EQ(names, want);
  // The reopened database takes new writes.
  ASSERT_OK(Insert([&](WriteTx& tx) { return tx.InsertPrincipal(MakePrincipal("after-crash")); }));
  Close();
  ASSERT_OK(harness().CheckIntegrity());
}

TEST_P(StoreConformanceTest, KillAtARandomMomentKeepsEveryAcknowledgedWrite) {
  if (!harness().SupportsForkedChild()) GTEST_SKIP() << "store cannot be opened after fork";
  Close();
  constexpr int kThreads = 4;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto opened = harness().Open();
    if (!opened.ok()) _exit(2);
    Store& s = **opened;
    std::vector<std::thread> threads;
    std::mutex pipe_mu;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        TimePoint at = FromUnixMicros(1'795'000'000'000'000);
        SeededRandom random(1000 + t);
        for (int i = 0;; ++i) {
          // Each write is a principal and a project named after it: both or neither survive.
          PrincipalRecord p;
          p.id = NewId<PrincipalId>(random);
          p.name = "t" + std::to_string(t) + "-" + std::to_string(i);
          p.created_at = at;
          ProjectRecord proj;
          proj.id = NewId<ProjectId>(random);
          proj.name = p.name;
          proj.created_at = at;
          proj.created_by = p.id;
          Status st = s.WriteTransaction([&](WriteTx& tx) -> Status {
            RETURN_IF_ERROR(tx.InsertPrincipal(p));
            return tx.InsertProject(proj);
          });
          if (!st.ok()) _exit(3);
          int32_t report[2] = {t, i};
          std::lock_guard<std::mutex> lock(pipe_mu);
          if (write(fds[1], report, sizeof report) != sizeof report) _exit(4);
        }
      });
    }
    for (auto& th : threads) th.join();
    _exit(5);
  }
  close(fds[1]);
  // Let it run for a while: at least 40 acknowledged writes, then an arbitrary few milliseconds.
  std::vector<int> acked(kThreads, -1);
  int total = 0;
  int32_t report[2];
  while (total < 40 && ReadWithTimeout(fds[0], report, sizeof report, std::chrono::seconds(60)) ==
                           sizeof report) {
    acked[report[0]] = std::max(acked[report[0]], report[1]);
    ++total;
  }
  std::this_thread::sleep_for(std::chrono::microseconds(500 + (pid % 5000)));
  kill(pid, SIGKILL);
  int wstatus = 0;
  ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
  // Acknowledgements already in the pipe count too: the child reported them after durability.
  while (ReadWithTimeout(fds[0], report, sizeof report, std::chrono::milliseconds(50)) ==
         sizeof report) {
    acked[report[0]] = std::max(acked[report[0]], report[1]);
    ++total;
  }
  close(fds[0]);
  ASSERT_GE(total, 40);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited early";

  ASSERT_OK(harness().CheckIntegrity());
  Reopen();
  auto principals = store().Read([&](ReadTx& tx) { return tx.ListPrincipals(); });
  auto projects = store().Read([&](ReadTx& tx) { return tx.ListProjects(); });
  ASSERT_OK(principals);
  ASSERT_OK(projects);
  std::map<int, std::set<int>> written;
  std::set<std::string> principal_names, project_names;
  for (const auto& p : *principals) {
    principal_names.insert(p.name);
    int t = 0, i = 0;
    ASSERT_EQ(sscanf(p.name.c_str(), "t%d-%d", &t, &i), 2) << p.name;
    written[t].insert(i);
  }
  for (const auto& p : *projects) project_names.insert(p.name);
  EXPECT_EQ(principal_names, project_names) << "a write survived only in part";
  for (int t = 0; t < kThreads; ++t) {
    const std::set<int>& mine = written[t];
    int count = static_cast<int>(mine.size());
    // Each thread writes in sequence: what survives is a prefix holding every acknowledged write
    // and at most the one write that was in flight.
    EXPECT_TRUE(count == acked[t] + 1 || count == acked[t] + 2)
        << "thread " << t << ": acked up to " << acked[t] << ", found " << count;
    if (count > 0) {
      EXPECT_EQ(*mine.begin(), 0);
      EXPECT_EQ(*mine.rbegin(), count - 1) << "gap in thread " << t << "'s writes";
    }
  }
}

}  // namespace custody::store_test
