// Store: the one interface in front of Custody's database.
//
// Callers never see SQL. A use case reads through a ReadTx, or reads and writes through a WriteTx
// in exactly one transaction: either all of its changes become durable together or none do.
//
//   auto asset = store.Read([&](ReadTx& tx) { return tx.GetAsset(id); });
//   Status s = store.Write([&](WriteTx& tx) -> Status { ...; return OkStatus(); });
//
// Write transactions are group-committed: the implementation may run several callers' closures
// inside one database transaction, each in its own savepoint (a closure that fails is rolled back
// alone), and reports success to each caller only after the shared commit is durable. A closure
// must therefore have no side effects outside the transaction that it cannot undo, and must not
// call Store::Write or Store::Read itself.
//
// The SQLite implementation (sqlite/) is the embedded default; a PostgreSQL implementation can
// follow behind this same interface (the conformance tests in tests/ take any Store).
//
// Thread-safety: Store is thread-safe. ReadTx/WriteTx objects belong to the closure that received
// them and must not escape it.
//
// Conventions for every method below (the conformance suite in tests/ checks them):
//   - Get* of an unknown id: kNotFound, with the id in the message. Find* return nullopt instead.
//   - Listing methods return an empty list for an unknown parent id; lists have a stated order.
//   - Insert*: kAlreadyExists when the id (or a unique name/key) is taken; kNotFound when a
//     referenced object (project, principal, asset, blob, job, grant, parent token) does not exist.
//   - Update*/Mark*/Use*, RevokeToken and RevokeTokenFamily of an unknown id: kNotFound.
//   - limit arguments must be positive (kInvalidArgument otherwise) and are capped at 1000.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "model/model.h"

namespace custody {

// Filter and cursor for listing assets; results are newest first (created_at, then id, both
// descending). Every set field must match.
struct AssetQuery {
  std::optional<ProjectId> project;
  // Visibility fails closed: unless all_projects is set, only assets in these projects are
  // listed, so an empty list (a principal with no memberships) sees nothing.
  std::vector<ProjectId> visible_projects;
  bool all_projects = false;  // true: ignore visible_projects (admins, auditors, system tasks)
  std::optional<AssetKind> kind;
  std::optional<Stage> stage;
  std::optional<PrincipalId> owner;
  std::optional<Classification> classification;
  std::optional<std::string> label;
  // Cursor: the last id of the previous page; the next page starts strictly after that asset's
  // position, so assets created meanwhile do not shift pages. Unknown id: kInvalidArgument.
  std::string after;
  int limit = 50;
};

// Audit rows in seq order.
struct AuditQuery {
  uint64_t from_seq = 0;
  int limit = 100;
  // Entries about this object: those whose top-level "resource" string equals it, or that
  // mention it as an object id (a whole "<prefix>_<26 base32>" token anywhere in the entry).
  // Empty or longer than 256 bytes: kInvalidArgument.
  std::optional<std::string> resource;
};

class ReadTx {
 public:
  virtual ~ReadTx() = default;

  // Principals and roles.
  virtual Result<PrincipalRecord> GetPrincipal(const PrincipalId& id) = 0;
  virtual Result<std::optional<PrincipalRecord>> FindPrincipalByName(std::string_view name) = 0;
  virtual Result<std::vector<PrincipalRecord>> ListPrincipals() = 0;  // by name
  // Global bindings first, then by project id and role.
  virtual Result<std::vector<RoleBinding>> RolesOf(const PrincipalId& id) = 0;
  // Bindings in this project (not global ones), by principal id and role.
  virtual Result<std::vector<RoleBinding>> MembersOf(const ProjectId& project) = 0;

  // Projects.
  virtual Result<ProjectRecord> GetProject(const ProjectId& id) = 0;
  virtual Result<std::optional<ProjectRecord>> FindProjectByName(std::string_view name) = 0;
  virtual Result<std::vector<ProjectRecord>> ListProjects() = 0;  // by name

  // Tokens: looked up by the hash of the presented secret.
  virtual Result<std::optional<TokenRecord>> FindTokenByHash(std::string_view hash) = 0;
  virtual Result<TokenRecord> GetToken(const TokenId& id) = 0;
  virtual Result<std::vector<TokenRecord>> TokensOf(const PrincipalId& principal) = 0;  // by issue

  // Blobs and assets.
  virtual Result<BlobRecord> GetBlob(const BlobId& id) = 0;
  virtual Result<std::vector<BlobId>> ListBlobIds() = 0;  // by id
  virtual Result<AssetRecord> GetAsset(const AssetId& id) = 0;
  virtual Result<std::vector<AssetRecord>> ListAssets(const AssetQuery& q) = 0;
  // Assets using this blob (a blob may back several assets, e.g. an export of unchanged bytes),
  // oldest first.
  virtual Result<std::vector<AssetId>> AssetsUsingBlob(const BlobId& id) = 0;
  // The asset's content credentials with the verifier's whole report (asset reads carry the
  // credentials without the report); nullopt if it was never verified, kNotFound for an unknown
  // asset.
  virtual Result<std::optional<ContentCredentials>> GetAssetCredentials(const AssetId& id) = 0;
  // The DLP findings recorded with the asset, in the order they were found; kNotFound for an
  // unknown asset.
  virtual Result<std::vector<DlpFindingRecord>> FindingsOf(const AssetId& id) = 0;
  // The oldest active asset of `project` imported from exactly `origin` (path, sha256 and host
  // all equal), if any: what a repeated import of the same file finds.
  virtual Result<std::optional<AssetId>> FindAssetByOrigin(const ProjectId& project,
                                                           const AssetOrigin& origin) = 0;

  // Lineage. Ancestors/descendants follow wasDerivedFrom edges transitively up to `max_depth`
  // edges (0 or less: none), nearest first (then by creation), each asset once at its shortest
  // distance, never the asset itself.
  virtual Result<std::vector<AssetId>> DerivedFrom(const AssetId& id) = 0;  // direct sources
  virtual Result<std::vector<AssetRecord>> Ancestors(const AssetId& id, int max_depth) = 0;
  virtual Result<std::vector<AssetRecord>> Descendants(const AssetId& id, int max_depth) = 0;

  // Jobs.
  virtual Result<JobRecord> GetJob(const JobId& id) = 0;
  // Newest first; all statuses when `status` is empty.
  virtual Result<std::vector<JobRecord>> ListJobs(std::optional<JobStatus> status, int limit) = 0;
  // Jobs whose actor or on_behalf_of is `actor`, created at or after `since` (any status).
  virtual Result<int64_t> CountJobsSince(const PrincipalId& actor, TimePoint since) = 0;

  // Reviews, grants, publications.
  virtual Result<std::vector<ReviewRecord>> ReviewsOf(const AssetId& asset) = 0;  // by time
  // Approvals that are not lapsed, whose expiry is before `now`, on assets still approved;
  // soonest expiry first.
  virtual Result<std::vector<ReviewRecord>> ExpiredApprovals(TimePoint now) = 0;
  virtual Result<GrantRecord> GetGrant(const GrantId& id) = 0;
  virtual Result<PublicationRecord> GetPublication(const PublicationId& id) = 0;
  // By publication time.
  virtual Result<std::vector<PublicationRecord>> PublicationsOf(const AssetId& source_asset) = 0;

  // Audit log.
  virtual Result<uint64_t> AuditSize() = 0;
  virtual Result<std::vector<AuditRow>> ListAudit(const AuditQuery& q) = 0;
  // Every row from `from_seq` on, in order (the verifier and the Merkle tree loader), streamed:
  // memory use does not grow with the log. Stops at, and returns, the first error of `fn`. `fn`
  // may use this transaction for other reads.
  virtual Status ScanAudit(uint64_t from_seq, const std::function<Status(const AuditRow&)>& fn) = 0;
  virtual Result<std::vector<CheckpointRow>> ListCheckpoints() = 0;  // by size
  virtual Result<std::optional<CheckpointRow>> LatestCheckpoint() = 0;

  // Policy sets: versioned, consecutive from 1, immutable once stored.
  virtual Result<std::optional<PolicySetRecord>> LatestPolicySet() = 0;  // highest version
  virtual Result<PolicySetRecord> GetPolicySet(int64_t version) = 0;
  virtual Result<std::vector<PolicySetRecord>> ListPolicySets() = 0;  // every version, ascending
};

class WriteTx : public ReadTx {
 public:
  virtual Status InsertPrincipal(const PrincipalRecord& p) = 0;  // kAlreadyExists on name clash
  virtual Status UpdatePrincipal(const PrincipalRecord& p) = 0;
  virtual Status AddRole(const RoleBinding& b) = 0;     // idempotent
  virtual Status RemoveRole(const RoleBinding& b) = 0;  // idempotent: absent is not an error

  virtual Status InsertProject(const ProjectRecord& p) = 0;  // kAlreadyExists on name clash

  virtual Status InsertToken(const TokenRecord& t) = 0;  // kAlreadyExists on a hash clash
  virtual Status RevokeToken(const TokenId& id) = 0;     // idempotent
  // Revokes every token of the principal; returns how many were live (not yet revoked).
  virtual Result<int> RevokeTokensOf(const PrincipalId& principal) = 0;
  // Revokes a refresh token and every token whose parent it is (the access tokens issued from
  // it); returns how many were live. kNotFound for an unknown token.
  virtual Result<int> RevokeTokenFamily(const TokenId& refresh) = 0;

  virtual Status InsertBlob(const BlobRecord& b) = 0;
  // Crypto-shredding: forgets the wrapped data key and marks the blob disposed. Idempotent; the
  // first disposal time stands.
  virtual Status DestroyBlobKey(const BlobId& id, TimePoint at) = 0;

  // kInvalidArgument if a label fails ValidateLabel. The credentials, the DLP summary, the
  // findings and the origin, when set, are stored with the asset (report included).
  virtual Status InsertAsset(const AssetRecord& a) = 0;
  // Moves an asset from `from` to `to`; kConflict if it is not in `from` any more.
  virtual Status UpdateAssetStage(const AssetId& id, Stage from, Stage to, TimePoint at) = 0;
  virtual Status UpdateAssetStatus(const AssetId& id, AssetStatus status) = 0;
  // Records `derived` wasDerivedFrom `source`. Idempotent per (derived, source); an edge onto
  // itself or one that would close a cycle is kInvalidArgument (lineage is acyclic).
  virtual Status AddDerivation(const AssetId& derived, const AssetId& source,
                               const std::optional<JobId>& via) = 0;

  virtual Status InsertJob(const JobRecord& j) = 0;
  // Persists status, attempts, lease, progress, output, error, cancel flag and timestamps.
  virtual Status UpdateJob(const JobRecord& j) = 0;
  // Claims the oldest (by created_at, then id) job that is queued, or running with a lease that
  // ended before `now` (or no lease): marks it running with `lease_until`, attempts + 1,
  // started_at = now if unset, and returns it as stored; nullopt when none is ready. It does not
  // look at max_attempts or cancel_requested: the caller decides what to do with the claim.
  virtual Result<std::optional<JobRecord>> ClaimJob(TimePoint now, TimePoint lease_until) = 0;

  virtual Status InsertReview(const ReviewRecord& r) = 0;
  virtual Status MarkReviewLapsed(const ReviewId& id) = 0;
  virtual Status InsertGrant(const GrantRecord& g) = 0;
  // Marks a grant used; kConflict if it already was (single use).
  virtual Status UseGrant(const GrantId& id, TimePoint at) = 0;
  // kAlreadyExists if the grant already has a publication (grants are single use).
  virtual Status InsertPublication(const PublicationRecord& p) = 0;
  // Persists status, rollback_method, rolled_back_at and rolled_back_by; the rest is immutable.
  virtual Status UpdatePublication(const PublicationRecord& p) = 0;

  // Audit log: rows are appended with consecutive seq numbers starting at 0, and never change.
  virtual Result<uint64_t> NextAuditSeq() = 0;
  // kConflict unless row.seq == NextAuditSeq().
  virtual Status InsertAuditRow(const AuditRow& row) = 0;
  virtual Status InsertCheckpoint(const CheckpointRow& c) = 0;  // kAlreadyExists per size

  // Appends the next policy set version: kConflict unless p.version is the latest version + 1
  // (1 for the first); kInvalidArgument unless rolled_back_from, when set, is an earlier version;
  // kNotFound if created_by is an unknown principal.
  virtual Status InsertPolicySet(const PolicySetRecord& p) = 0;
};

// Called by the writer around each group commit (the audit log uses this to extend its Merkle
// tree and sign a checkpoint in the same transaction as the entries it covers). Both methods run
// on the writer's thread, one batch at a time.
class CommitObserver {
 public:
  virtual ~CommitObserver() = default;
  // Runs inside the transaction after all closures of the batch (it sees their writes, and its
  // own writes commit with them); an error aborts the batch: every caller whose closure had
  // succeeded gets this error.
  virtual Status BeforeCommit(WriteTx& tx) = 0;
  // Runs exactly once per batch, after it committed (true) or was rolled back (false), before
  // any caller of the batch is answered.
  virtual void AfterCommit(bool committed) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Runs `fn` on one consistent snapshot of committed data.
  virtual Status ReadTransaction(const std::function<Status(ReadTx&)>& fn) = 0;
  // Runs `fn` in a write transaction and returns once the outcome is final: OK only if its
  // changes are durable. `fn`'s own error is returned as is; an exception escaping `fn` is
  // kInternal. Either way its changes are rolled back and other callers are unaffected.
  virtual Status WriteTransaction(const std::function<Status(WriteTx&)>& fn) = 0;
  // At most one observer; set before concurrent use.
  virtual void SetCommitObserver(CommitObserver* observer) = 0;

  // Convenience wrappers: the closure returns Status or Result<T>.
  template <typename F>
  auto Read(F&& fn) -> std::invoke_result_t<F, ReadTx&> {
    return Run<ReadTx>(std::forward<F>(fn), [this](const auto& f) { return ReadTransaction(f); });
  }
  template <typename F>
  auto Write(F&& fn) -> std::invoke_result_t<F, WriteTx&> {
    return Run<WriteTx>(std::forward<F>(fn), [this](const auto& f) { return WriteTransaction(f); });
  }

 private:
  template <typename Tx, typename F, typename Exec>
  static auto Run(F&& fn, Exec&& exec) -> std::invoke_result_t<F, Tx&> {
    using R = std::invoke_result_t<F, Tx&>;
    if constexpr (std::is_same_v<R, Status>) {
      return exec(std::function<Status(Tx&)>(std::forward<F>(fn)));
    } else {
      std::optional<R> out;
      Status s = exec(std::function<Status(Tx&)>([&](Tx& tx) -> Status {
        out.emplace(fn(tx));
        if (!out->ok()) return out->error();
        return OkStatus();
      }));
      if (!s.ok()) return std::move(s).error();
      return std::move(*out);
    }
  }
};

struct SqliteOptions {
  std::string
      path;  // database file; ":memory:" and "file:" URIs are not supported (readers need a file)
  int reader_connections = 4;
  int max_batch = 512;           // closures per group commit
  bool synchronous_full = true;  // fsync the WAL on every commit (durable against power loss)
};

// Opens (creating if needed) and migrates a SQLite database.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

}  // namespace custody
