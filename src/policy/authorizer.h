// policy::Authorizer: the single place where Custody decides whether a principal may act.
//
// Every route names one Action (api/routes.cc). Workflow builds an AuthzRequest from the store —
// the principal with its roles, the resource with its classification, stage and lineage
// contributors, and the request context (time, the hash being approved, the export grant) — and
// asks the Authorizer. The answer is a Decision record, not a bool: it names the rules that
// decided and why, and goes into the audit log unchanged (style.md §6).
//
// Semantics follow Cedar's, so the Cedar engine can replace RulesAuthorizer behind this interface:
// default deny; any matching forbid rule denies, and the forbids are the determining rules; else
// any matching permit allows, and the permits are the determining rules.
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

struct RequestContext {
  TimePoint now;
  std::optional<std::string> sha256;       // approve: the hash the reviewer looked at
  std::optional<std::string> destination;  // export: where to
  std::optional<GrantFacts> grant;         // export: the grant presented
  int required_approvals_restricted = 2;
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
  std::vector<std::string> errors;       // rules that could not be evaluated

  json::object ToJson() const;
};

// Thread-safe: Authorize may be called concurrently.
class Authorizer {
 public:
  virtual ~Authorizer() = default;
  virtual Decision Authorize(const AuthzRequest& request) const = 0;
};

// The interim governance rules (until the Cedar engine): see docs/policies.md.
class RulesAuthorizer final : public Authorizer {
 public:
  Decision Authorize(const AuthzRequest& request) const override;
};

// The role → actions table behind rule "role-authority" (also used by docs and tests).
bool RoleGrants(Role role, Action action);

}  // namespace custody::policy
