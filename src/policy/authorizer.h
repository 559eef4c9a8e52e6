// policy::Authorizer: the single place where Custody decides whether a principal may act.
//
// Every route names one Action (api/routes.cc). Workflow builds an AuthzRequest from the store —
// the principal with its roles, the resource with its classification, stage and lineage
// contributors, and the request context (time, the hash being approved, the export grant) — and
// asks the Authorizer. The answer is a Decision record, not a bool: it names the rules that
// decided and why, and goes into the audit log unchanged (style.md §6).
//
// The implementation is CedarAuthorizer (cedar_authorizer.h): the rules are Cedar policies, with
// Cedar's semantics: default deny; any satisfied forbid denies, and the forbids are the determining
// policies; else any satisfied permit allows, and the permits are the determining policies.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "model/model.h"

namespace custody::policy {

enum class Action {
  kRead,           // see an asset, job, project or lineage
  kUpload,         // create an asset from uploaded bytes
  kGenerate,       // queue a generation job
  kEdit,           // queue an edit job on an asset
  kQueue,          // manage queued jobs (cancel)
  kSubmit,         // draft → in_review
  kApprove,        // approve an exact sha256
  kReject,         // in_review → rejected
  kRequestExport,  // obtain a just-in-time export grant
  kExport,         // execute an export with a grant
  kRollback,       // undo a publication
  kAdmin,          // manage principals, projects, members
  kAuditRead,      // read the audit log and proofs
  kPolicyRead,     // read the active policy set and its history
  kPolicyWrite,    // replace or roll back the active policy set
  kAuthorize,      // ask for a decision about a principal (POST /v1/authorize)
  kVerify,         // verify a file's C2PA Content Credentials (POST /v1/verify)
  // Decided inside an export, for each manifest it signs (no route of their own): may the
  // prompt's text (resource: the prompt asset) or the author's name (resource: the asset the
  // manifest describes) be disclosed in the exported file's Content Credentials?
  kIncludePromptInCredentials,
  kIncludeAuthorInCredentials,
  // Decided for each DLP finding in a prompt, an upload or an export, before the main decision
  // (no route of its own): is the finding redacted (permit) or left in place (deny)? Findings
  // left in place are what context.dlp counts for the main action, where forbids block.
  kRedactFinding,
};

std::string_view Name(Action a);
Result<Action> ParseAction(std::string_view name);
const std::vector<Action>& AllActions();

struct PrincipalFacts {
  PrincipalId id;
  PrincipalKind kind = PrincipalKind::kHuman;
  bool disabled = false;
  std::optional<PrincipalId> owner;
  std::vector<RoleBinding> roles;
};

struct ApprovalFacts {
  PrincipalId reviewer;
  PrincipalKind reviewer_kind = PrincipalKind::kHuman;
  std::string sha256;
  std::optional<TimePoint> expires_at;
};

struct AssetFacts {
  AssetKind kind = AssetKind::kUpload;
  Classification classification = Classification::kInternal;
  std::vector<std::string> labels;
  Stage stage = Stage::kDraft;
  std::string sha256;
  std::set<PrincipalId> contributors;    // everyone who created or acted on it or an ancestor
  std::vector<ApprovalFacts> approvals;  // live (not lapsed) approvals of this asset
  // What verifying its C2PA Content Credentials found when it entered the studio ("none" also
  // for assets never verified).
  CredentialsState credentials = CredentialsState::kNone;
};

struct GrantFacts {
  AssetId asset;
  std::string sha256;
  std::string destination;
  PrincipalId requester;
  TimePoint expires_at;
  bool used = false;
};

struct ResourceFacts {
  std::string type;  // "asset", "project", "job", "publication", "principal", "audit", "system"
  std::string id;
  std::optional<ProjectId> project;
  std::optional<AssetFacts> asset;  // when type == "asset"
};

// What the caller's session has done so far (session caps are policies over these).
struct SessionFacts {
  Duration age{};              // since login (the token family's root) or since the API key's issue
  int64_t jobs_last_hour = 0;  // generation and edit jobs the principal queued in the last hour
  bool api_key = false;        // the request was made with an API key
};

// The engine a generation or edit would run on (model egress rules).
struct EngineFacts {
  std::string name;
  bool external = false;  // the engine sends its inputs outside the studio
};

// DLP findings, as policies see them (docs/dlp.md). `stage`: "prompt" (a generation or edit's
// prompt text), "upload" (an uploaded file's content and metadata), "output" (an engine's
// output), "export" (the scrubbed file about to be delivered).
struct DlpFacts {
  std::string stage;
  int64_t findings = 0;  // findings left in place (not redacted)
  int64_t secrets = 0;
  int64_t pii = 0;
  int64_t dictionary = 0;
  int64_t redacted = 0;         // findings redacted before this decision
  std::set<std::string> rules;  // rule ids of the findings left in place
  std::set<std::string> tags;
};

// One finding, for the redact-finding decision.
struct FindingFacts {
  std::string stage;  // as DlpFacts::stage
  std::string rule;   // e.g. "aws-access-token", "pii-email", "dictionary:customers"
  std::string kind;   // "secret" | "pii" | "dictionary"
  std::set<std::string> tags;
  std::string where;  // "content", "name", "metadata:<carrier>:<key>"
};

struct RequestContext {
  TimePoint now;
  SessionFacts session;
  std::optional<std::string> sha256;                   // approve: the hash the reviewer looked at
  std::optional<std::string> destination;              // export: where to
  std::optional<GrantFacts> grant;                     // export: the grant presented
  std::optional<EngineFacts> engine;                   // generate, edit
  std::optional<Classification> input_classification;  // generate, edit: the highest input's
  std::optional<PrincipalId> subject;                  // authorize: whom the decision is about
  // generate, edit: how many of the job's inputs carry invalid Content Credentials.
  std::optional<int64_t> inputs_with_invalid_credentials;
  std::optional<DlpFacts> dlp;          // prompt/upload/export: what the DLP scan found
  std::optional<FindingFacts> finding;  // redact-finding: the finding decided on
};

struct AuthzRequest {
  PrincipalFacts principal;
  Action action = Action::kRead;
  ResourceFacts resource;
  RequestContext context;
};

struct Decision {
  bool allowed = false;
  Action action = Action::kRead;
  std::vector<std::string> determining;  // rule ids
  std::vector<std::string> reasons;      // one sentence per determining rule
  std::vector<std::string> errors;       // "policy-id: message" for policies that errored
  int64_t policy_version = 0;            // the policy set version that decided (0: not versioned)

  json::object ToJson() const;
};

// Thread-safe: Authorize may be called concurrently.
class Authorizer {
 public:
  virtual ~Authorizer() = default;
  virtual Decision Authorize(const AuthzRequest& request) const = 0;
};

// The role → actions table that policies/default/00-roles.cedar expresses (tests check that the
// two agree; route tests use it to predict outcomes).
bool RoleGrants(Role role, Action action);

}  // namespace custody::policy
