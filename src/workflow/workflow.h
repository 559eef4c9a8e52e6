// Workflow: Custody's use cases. Every use case follows one shape:
//
//   authorize (policy::Authorizer, on facts read from the store)
//     → act (store, blobs, destinations)
//     → record (audit entry, lineage) — in the same transaction as the act.
//
// A denial is itself recorded: the transaction that would have made the change commits only the
// audit entry of the denial, and the caller gets kPermissionDenied carrying the Decision.
// Read decisions are audited asynchronously (AuditLog::AppendAsync) to keep reads fast.
//
// Workflow knows nothing of HTTP; api/ maps requests onto these calls and errors onto statuses.
// It also implements jobs::JobRunner: what a finished job means (the output asset, its lineage,
// its classification) is workflow's business, not the worker pool's.
//
// Thread-safe.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "base/event_bus.h"
#include "blob/blob_store.h"
#include "identity/identity.h"
#include "jobs/engine.h"
#include "jobs/worker_pool.h"
#include "media/scrub.h"
#include "policy/authorizer.h"
#include "policy/cedar_authorizer.h"
#include "store/store.h"
#include "workflow/credentials.h"
#include "workflow/dlp.h"

namespace custody::workflow {

using identity::Caller;

struct Destination {
  std::string name;
  std::filesystem::path root;  // an existing directory; deliveries never leave it
};

struct WorkflowOptions {
  Duration review_window = std::chrono::hours(24 * 7);  // approvals lapse unless exported
  Duration grant_ttl = std::chrono::minutes(5);
  uint64_t max_upload_bytes = uint64_t(4) << 30;
  uint64_t max_prompt_bytes = 64 * 1024;
  int lineage_max_depth = 64;
  int restricted_approvals = 2;
  int job_max_attempts = 3;
  ScrubPolicy scrub;
  std::vector<Destination> destinations;
  // Engines that send their inputs outside the studio (context.engine.external in policies).
  std::set<std::string, std::less<>> external_engines;
  // Content Credentials: the signing identity, trust anchors and time-stamp authority.
  CredentialsOptions credentials;
  // Data loss prevention: the scanner every prompt, upload, output and export goes through.
  DlpOptions dlp;
};

// A question for the decision API: may `principal` do `action` on `resource`?
struct DecisionQuery {
  PrincipalId principal;
  policy::Action action = policy::Action::kRead;
  std::string resource;                                // an asset, project or job id
  std::optional<std::string> sha256;                   // approve: the hash looked at
  std::optional<std::string> destination;              // request-export, export
  std::optional<GrantId> grant;                        // export
  std::optional<std::string> engine;                   // generate, edit: the engine's name
  std::optional<Classification> input_classification;  // generate, edit
};

// The result of checking a proposed policy set.
struct PolicyCheck {
  bool valid = false;
  std::vector<policy::PolicyProblem> problems;
  std::vector<std::string> policy_ids;
  std::string sha256;
};

// A streamed request body.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // Fills `buf`; 0 at the end of the body.
  virtual Result<size_t> Read(std::span<uint8_t> buf) = 0;
};

struct UploadRequest {
  ProjectId project;
  AssetKind kind = AssetKind::kUpload;  // prompt, reference or upload
  std::string title;
  std::string media_type;  // optional; sniffed from the content when empty
  Classification classification = Classification::kInternal;
  std::vector<std::string> labels;
  std::string licence;
  // custody inventory --import: where the file came from. `source_sha256`, when set, must equal
  // the hash of the bytes received (kInvalidArgument otherwise).
  std::string source_path;
  std::string source_sha256;
  std::string source_host;
  // The principal the asset belongs to (an id or a name), when not the caller: needs the admin
  // action on the project (an administrator importing a designer's library on their behalf).
  std::string owner;
};

struct JobRequest {
  ProjectId project;
  std::string engine = "procedural";
  json::object parameters;
  std::optional<uint64_t> seed;
  std::vector<JobInput> inputs;
  std::optional<std::string> prompt;  // prompt text: stored as a prompt asset in the same step
  std::string title;
  std::optional<Classification> classification;
  std::vector<std::string> labels;
};

struct NewPrincipalRequest {
  std::string name;
  PrincipalKind kind = PrincipalKind::kHuman;
  std::optional<PrincipalId> owner;
  std::string display_name;
  std::string password;  // humans: required, ≥ 12 characters
};

struct ApproveResult {
  AssetRecord asset;
  ReviewRecord review;
  int approvals = 0;           // qualifying approvals of this version, this one included
  int approvals_required = 1;  // 2 for restricted assets
};

struct ExportResult {
  PublicationRecord publication;
  AssetRecord export_asset;  // its credentials: the verification of the signed file
  ScrubReport scrub;
  std::string manifest_label;  // the active manifest the export was signed with
};

// What POST /v1/verify found in a file.
struct VerifyResult {
  VerifiedFile verified;  // the summary; credentials.report_json is the report to show
  std::string sha256;     // of the file verified
  uint64_t size = 0;
};

class Workflow final : public jobs::JobRunner {
 public:
  Workflow(Store& store, blob::BlobStore& blobs, audit::AuditLog& audit,
           policy::CedarAuthorizer& authorizer, identity::IdentityService& identity,
           jobs::EngineRegistry& engines, EventBus& events, const Clock& clock, Random& random,
           WorkflowOptions options);

  void SetWorkerPool(jobs::WorkerPool* pool) { pool_ = pool; }
  const WorkflowOptions& options() const { return options_; }

  // ---- Authentication (audited; no policy decision: there is no principal yet) ----
  Result<identity::TokenPair> Login(std::string_view name, std::string_view password,
                                    std::string_view peer);
  Result<identity::TokenPair> Refresh(std::string_view refresh_token);
  Status Logout(const Caller& caller);
  Result<Caller> Authenticate(std::string_view bearer);

  // ---- Administration ----
  Result<PrincipalRecord> CreatePrincipal(const Caller& c, const NewPrincipalRequest& req);
  Result<std::vector<PrincipalRecord>> ListPrincipals(const Caller& c);
  Result<PrincipalRecord> GetPrincipal(const Caller& c, const PrincipalId& id);
  Result<PrincipalRecord> SetPrincipalDisabled(const Caller& c, const PrincipalId& id,
                                               bool disabled);
  Result<std::pair<std::string, TokenRecord>> CreateApiKey(const Caller& c, const PrincipalId& id,
                                                           Duration ttl, std::string label);
  Result<ProjectRecord> CreateProject(const Caller& c, std::string name, std::string description);
  Result<std::vector<ProjectRecord>> ListProjects(const Caller& c);
  Result<ProjectRecord> GetProject(const Caller& c, const ProjectId& id);
  Status AddMember(const Caller& c, const ProjectId& project, const PrincipalId& principal,
                   Role role);
  Status RemoveMember(const Caller& c, const ProjectId& project, const PrincipalId& principal,
                      Role role);
  Result<std::vector<RoleBinding>> Members(const Caller& c, const ProjectId& project);

  // ---- Assets ----
  // A new asset from `body`. With a source_path, an active asset of the project imported from
  // the same path, host and bytes (sha256) before is returned instead, nothing new is stored and
  // `*existing` (if given) is set: re-running an import does not duplicate it.
  Result<AssetRecord> Upload(const Caller& c, const UploadRequest& req, BodySource& body,
                             bool* existing = nullptr);
  Result<AssetRecord> GetAsset(const Caller& c, const AssetId& id);
  Result<std::vector<AssetRecord>> ListAssets(const Caller& c, AssetQuery query);
  // Authorizes a read and opens the decrypted content; `fn` streams it.
  Status ReadContent(const Caller& c, const AssetId& id,
                     const std::function<Status(const AssetRecord&, blob::BlobReader&)>& fn);
  Result<json::object> Lineage(const Caller& c, const AssetId& id);
  // The DLP findings recorded on an asset (redacted excerpts; never the secrets).
  Result<std::vector<DlpFindingRecord>> Findings(const Caller& c, const AssetId& id);

  // ---- Jobs ----
  Result<JobRecord> CreateJob(const Caller& c, const JobRequest& req);
  Result<JobRecord> GetJob(const Caller& c, const JobId& id);
  Result<JobRecord> CancelJob(const Caller& c, const JobId& id);
  // May the caller see events of this project? (SSE filtering; not audited per event.)
  bool CanSeeProject(const Caller& c, const std::string& project) const;

  // ---- Review ----
  Result<AssetRecord> Submit(const Caller& c, const AssetId& id);
  Result<ApproveResult> Approve(const Caller& c, const AssetId& id, const std::string& sha256,
                                std::string comment);
  Result<AssetRecord> Reject(const Caller& c, const AssetId& id, std::string comment);
  Result<std::vector<ReviewRecord>> Reviews(const Caller& c, const AssetId& id);

  // ---- Export ----
  Result<GrantRecord> RequestExport(const Caller& c, const AssetId& id,
                                    const std::string& destination, std::string file_name);
  Result<ExportResult> Export(const Caller& c, const GrantId& grant);
  Result<PublicationRecord> Rollback(const Caller& c, const PublicationId& id);
  Result<PublicationRecord> GetPublication(const Caller& c, const PublicationId& id);

  // ---- Content Credentials (credentials.cc) ----
  // Verifies the C2PA manifest of a file sent by the caller (action verify), with the studio's
  // trust anchors. kUnsupportedMedia for a format Content Credentials are not read from,
  // kPayloadTooLarge past the verification size limit. Audited asynchronously, like a read.
  Result<VerifyResult> Verify(const Caller& c, BodySource& body);

  // ---- Audit ----
  // Authorizes (and audits) an audit-log read by the caller.
  Status AuthorizeAuditRead(const Caller& c, const std::string& what);

  // ---- Policies (policies.cc) ----
  // At start-up: activates the latest stored policy set, or stores and activates the built-in
  // default set as version 1. A stored set that no longer builds stops the server (fail closed).
  Status InstallPolicies();
  Result<PolicySetRecord> ActivePolicies(const Caller& c);
  int64_t ActivePolicyVersion() const { return authorizer_.active().version; }
  Result<std::vector<PolicySetRecord>> PolicyVersions(const Caller& c);
  Result<PolicySetRecord> PolicyVersion(const Caller& c, int64_t version);
  // Parses and checks a proposed set without changing anything (policy-read).
  Result<PolicyCheck> ValidatePolicies(const Caller& c, std::vector<policy::PolicyFile> files);
  // Stores `files` as the next version and activates it (policy-write). A set that does not
  // build is refused with kInvalidArgument and the problems in the error's details.
  Result<PolicySetRecord> ReplacePolicies(const Caller& c, std::vector<policy::PolicyFile> files,
                                          std::string comment);
  // Stores the files of an earlier version as the next version and activates it.
  Result<PolicySetRecord> RollbackPolicies(const Caller& c, int64_t version, std::string comment);
  // The decision API: decides `q` with the same entities Custody's own routes use (audited).
  Result<policy::Decision> DecideFor(const Caller& c, const DecisionQuery& q);

  // ---- Maintenance (called by the server at start-up and periodically) ----
  // Approvals past the review window lapse: the asset goes back to in_review.
  Result<int> LapseApprovals();
  // Jobs left running by a previous process go back to the queue (or fail past max attempts).
  Result<int> RecoverJobs();
  // Blobs on disk without a database row (a crash between the two) are removed.
  Result<int> SweepOrphanBlobs();

  // ---- jobs::JobRunner ----
  Result<jobs::EngineRequest> Prepare(const JobRecord& job) override;
  Status Complete(const JobRecord& job, const jobs::Engine& engine,
                  jobs::EngineOutput output) override;
  Status Fail(const JobRecord& job, const Error& error, bool retry) override;
  Status Cancelled(const JobRecord& job) override;
  void Progress(const JobRecord& job, double fraction) override;
  bool CancelRequested(const JobId& job) override;

 private:
  // Policy plumbing.
  policy::PrincipalFacts FactsOf(const Caller& c) const;
  Result<policy::AssetFacts> FactsOf(ReadTx& tx, const AssetRecord& a) const;
  Result<std::set<PrincipalId>> Contributors(ReadTx& tx, const AssetRecord& a) const;
  policy::ResourceFacts ProjectResource(const ProjectId& p) const;
  policy::ResourceFacts SystemResource(const std::string& type, const std::string& id) const;
  policy::Decision Decide(const Caller& c, policy::Action action, policy::ResourceFacts resource,
                          policy::RequestContext context = {}) const;
  policy::EngineFacts EngineFactsOf(std::string_view engine) const;
  Result<PolicySetRecord> StorePolicies(const Caller* c,
                                        std::shared_ptr<const policy::PolicyBundle> b,
                                        std::string comment,
                                        std::optional<int64_t> rolled_back_from);
  // Records a denial in `tx` and remembers it; the use case then returns OkStatus so the
  // transaction commits the audit entry, and the public method returns DeniedError(*denied).
  Status RecordDenial(WriteTx& tx, const Caller& c, const policy::Decision& d, std::string action,
                      std::string resource, std::optional<policy::Decision>* denied);
  audit::AuditEvent Event(const Caller& c, std::string action, std::string resource,
                          std::string outcome, const policy::Decision* d = nullptr) const;
  // For reads: decide, audit asynchronously, and turn a denial into an error.
  Status AuthorizeRead(const Caller& c, policy::ResourceFacts resource, std::string action);

  // Signs `bytes` (the content of `a`, scrubbed for an export) with a manifest built from a's
  // lineage; parents produced by jobs are signed the same way first and nested as ingredients
  // (up to options_.credentials.max_nesting). The prompt and author disclosure decisions taken
  // on the way are appended to `disclosures`. `original`: a's stored bytes, for assets not made
  // by a job (the parentOf ingredient). Only the outermost manifest (depth 0) is time-stamped.
  Result<provenance::SignedAsset> SignWithLineage(const Caller& c, const AssetRecord& a,
                                                  std::span<const uint8_t> bytes,
                                                  const std::string& instance_id,
                                                  const std::string& title,
                                                  std::optional<Bytes> original, int depth,
                                                  json::array* disclosures);
  // DLP (dlp.cc): analyses `bytes` (content, metadata, the name) for `stage`; no decision yet.
  DlpScan ScanForDlp(std::span<const uint8_t> bytes, std::string_view name,
                     std::string stage) const;
  // Asks redact-finding for every finding in rewritable text content, filling scan.redact.
  void DecideRedactions(const Caller& c, const policy::ResourceFacts& resource,
                        DlpScan& scan) const;
  Result<BlobRecord> StoreBytes(std::span<const uint8_t> data, BlobId* written);
  Result<Bytes> LoadBytes(const AssetRecord& a, uint64_t limit);
  const Destination* FindDestination(const std::string& name) const;
  void Publish(const std::string& type, const ProjectId& project, json::object data);

  Store& store_;
  blob::BlobStore& blobs_;
  audit::AuditLog& audit_;
  policy::CedarAuthorizer& authorizer_;
  std::mutex policy_mu_;  // serialises policy replacements so versions activate in order
  identity::IdentityService& identity_;
  jobs::EngineRegistry& engines_;
  EventBus& events_;
  const Clock& clock_;
  Random& random_;
  const WorkflowOptions options_;
  jobs::WorkerPool* pool_ = nullptr;

  std::mutex cancel_mu_;
  std::set<JobId> cancel_requested_;  // GUARDED_BY(cancel_mu_)
};

// Policy resources for the objects use cases act on. `facts` carry what the rules need about an
// asset (contributors, approvals …); reads need only its project.
policy::ResourceFacts AssetResource(const AssetRecord& a,
                                    std::optional<policy::AssetFacts> facts = std::nullopt);
policy::ResourceFacts JobResource(const JobRecord& j);

// The database record of a freshly committed blob.
BlobRecord BlobRecordOf(const blob::BlobInfo& info, TimePoint created_at);

// The error a use case returns for a denial: kPermissionDenied with the decision in details.
Error DeniedError(const policy::Decision& d);

// A destination-safe file name: 1..200 chars of [A-Za-z0-9._ -], not starting with '.' or ' '.
Status ValidateFileName(std::string_view name);

// Stage machine: the only legal moves between stages.
Status CheckTransition(Stage from, Stage to);

}  // namespace custody::workflow
