// SqliteTx: the ReadTx/WriteTx methods as SQL over one connection.
//
// The store wraps the calls in transactions: a reader connection inside BEGIN…COMMIT for a
// ReadTransaction (passed on as ReadTx&, so the write methods are unreachable and the connection
// is read-only anyway), or the writer connection inside the group-commit transaction and the
// caller's savepoint for a WriteTransaction. SqliteTx itself never begins or ends transactions.
//
// Thread-safety: not thread-safe; lives for one closure on the thread that owns the connection.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/statement.h"
#include "store/store.h"

namespace custody::sqlite {

class SqliteTx final : public WriteTx {
 public:
  explicit SqliteTx(Connection& conn) : conn_(conn) {}

  // ReadTx
  Result<PrincipalRecord> GetPrincipal(const PrincipalId& id) override;
  Result<std::optional<PrincipalRecord>> FindPrincipalByName(std::string_view name) override;
  Result<std::vector<PrincipalRecord>> ListPrincipals() override;
  Result<std::vector<RoleBinding>> RolesOf(const PrincipalId& id) override;
  Result<std::vector<RoleBinding>> MembersOf(const ProjectId& project) override;
  Result<ProjectRecord> GetProject(const ProjectId& id) override;
  Result<std::optional<ProjectRecord>> FindProjectByName(std::string_view name) override;
  Result<std::vector<ProjectRecord>> ListProjects() override;
  Result<std::optional<TokenRecord>> FindTokenByHash(std::string_view hash) override;
  Result<TokenRecord> GetToken(const TokenId& id) override;
  Result<std::vector<TokenRecord>> TokensOf(const PrincipalId& principal) override;
  Result<BlobRecord> GetBlob(const BlobId& id) override;
  Result<std::vector<BlobId>> ListBlobIds() override;
  Result<AssetRecord> GetAsset(const AssetId& id) override;
  Result<std::vector<AssetRecord>> ListAssets(const AssetQuery& q) override;
  Result<std::vector<AssetId>> AssetsUsingBlob(const BlobId& id) override;
  Result<std::optional<ContentCredentials>> GetAssetCredentials(const AssetId& id) override;
  Result<std::vector<DlpFindingRecord>> FindingsOf(const AssetId& id) override;
  Result<std::optional<AssetId>> FindAssetByOrigin(const ProjectId& project,
                                                   const AssetOrigin& origin) override;
  Result<std::vector<AssetId>> DerivedFrom(const AssetId& id) override;
  Result<std::vector<AssetRecord>> Ancestors(const AssetId& id, int max_depth) override;
  Result<std::vector<AssetRecord>> Descendants(const AssetId& id, int max_depth) override;
  Result<JobRecord> GetJob(const JobId& id) override;
  Result<std::vector<JobRecord>> ListJobs(std::optional<JobStatus> status, int limit) override;
  Result<std::vector<ReviewRecord>> ReviewsOf(const AssetId& asset) override;
  Result<std::vector<ReviewRecord>> ExpiredApprovals(TimePoint now) override;
  Result<GrantRecord> GetGrant(const GrantId& id) override;
  Result<PublicationRecord> GetPublication(const PublicationId& id) override;
  Result<std::vector<PublicationRecord>> PublicationsOf(const AssetId& source_asset) override;
  Result<uint64_t> AuditSize() override;
  Result<std::vector<AuditRow>> ListAudit(const AuditQuery& q) override;
  Status ScanAudit(uint64_t from_seq, const std::function<Status(const AuditRow&)>& fn) override;
  Result<std::vector<CheckpointRow>> ListCheckpoints() override;
  Result<std::optional<CheckpointRow>> LatestCheckpoint() override;
  Result<int64_t> CountJobsSince(const PrincipalId& actor, TimePoint since) override;
  Result<std::optional<PolicySetRecord>> LatestPolicySet() override;
  Result<PolicySetRecord> GetPolicySet(int64_t version) override;
  Result<std::vector<PolicySetRecord>> ListPolicySets() override;

  // WriteTx
  Status InsertPrincipal(const PrincipalRecord& p) override;
  Status UpdatePrincipal(const PrincipalRecord& p) override;
  Status AddRole(const RoleBinding& b) override;
  Status RemoveRole(const RoleBinding& b) override;
  Status InsertProject(const ProjectRecord& p) override;
  Status InsertToken(const TokenRecord& t) override;
  Status RevokeToken(const TokenId& id) override;
  Result<int> RevokeTokensOf(const PrincipalId& principal) override;
  Result<int> RevokeTokenFamily(const TokenId& refresh) override;
  Status InsertBlob(const BlobRecord& b) override;
  Status DestroyBlobKey(const BlobId& id, TimePoint at) override;
  Status InsertAsset(const AssetRecord& a) override;
  Status UpdateAssetStage(const AssetId& id, Stage from, Stage to, TimePoint at) override;
  Status UpdateAssetStatus(const AssetId& id, AssetStatus status) override;
  Status AddDerivation(const AssetId& derived, const AssetId& source,
                       const std::optional<JobId>& via) override;
  Status InsertJob(const JobRecord& j) override;
  Status UpdateJob(const JobRecord& j) override;
  Result<std::optional<JobRecord>> ClaimJob(TimePoint now, TimePoint lease_until) override;
  Status InsertReview(const ReviewRecord& r) override;
  Status MarkReviewLapsed(const ReviewId& id) override;
  Status InsertGrant(const GrantRecord& g) override;
  Status UseGrant(const GrantId& id, TimePoint at) override;
  Status InsertPublication(const PublicationRecord& p) override;
  Status UpdatePublication(const PublicationRecord& p) override;
  Result<uint64_t> NextAuditSeq() override;
  Status InsertAuditRow(const AuditRow& row) override;
  Status InsertCheckpoint(const CheckpointRow& c) override;
  Status InsertPolicySet(const PolicySetRecord& p) override;

 private:
  Status RequireAsset(const AssetId& id);
  Result<std::vector<JobInput>> InputsOf(const JobId& id);
  Result<std::vector<AssetRecord>> Walk(const AssetId& id, int max_depth, bool towards_sources);

  Connection& conn_;
};

// The object ids mentioned anywhere in an audit entry: every maximal token of the shape
// "<3 lowercase letters>_<26 base32 chars>" (base/ids.h), de-duplicated, in first-seen order.
std::vector<std::string> ExtractObjectIds(std::string_view text);

// What an audit entry is about, for AuditQuery::resource: the entry's top-level "resource" string
// (when the entry is a JSON object that has one, of at most kMaxAuditResourceBytes), then every
// object id it mentions; de-duplicated.
inline constexpr size_t kMaxAuditResourceBytes = 256;
std::vector<std::string> ExtractAuditRefs(std::string_view entry_json);

}  // namespace custody::sqlite
