// Policy administration (read, validate, replace, roll back the active Cedar policy set) and the
// decision API. Every change is a new immutable version in the store and an audit entry; the new
// set is active for the next request once its transaction commits.
#include <algorithm>

#include "workflow/workflow.h"

namespace custody::workflow {
namespace {

constexpr std::string_view kPoliciesResource = "active";

Error ProblemsError(const std::vector<policy::PolicyProblem>& problems) {
  std::string msg = "the policy set does not build";
  if (!problems.empty()) {
    const policy::PolicyProblem& p = problems.front();
    msg += ": " + p.file;
    if (p.line > 0) msg += ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
    msg += ": " + p.message;
    if (problems.size() > 1) msg += " (and " + std::to_string(problems.size() - 1) + " more)";
  }
  json::array list;
  for (const policy::PolicyProblem& p : problems) list.push_back(p.ToJson());
  json::object details;
  details["problems"] = std::move(list);
  return Error(ErrorCode::kInvalidArgument, std::move(msg), std::move(details));
}

std::vector<std::string> PolicyIds(const policy::PolicyBundle& b) {
  std::vector<std::string> ids;
  for (const cedar::Policy& p : b.policies().policies()) ids.push_back(p.id);
  return ids;
}

json::array Diff(const std::vector<std::string>& from, const std::vector<std::string>& to,
                 bool added) {
  json::array out;
  const auto& a = added ? to : from;
  const auto& b = added ? from : to;
  for (const std::string& id : a)
    if (std::find(b.begin(), b.end(), id) == b.end()) out.emplace_back(id);
  return out;
}

}  // namespace

Status Workflow::InstallPolicies() {
  std::lock_guard lock(policy_mu_);
  ASSIGN_OR_RETURN(auto latest, store_.Read([&](ReadTx& tx) { return tx.LatestPolicySet(); }));
  if (latest) {
    ASSIGN_OR_RETURN(auto files, policy::PolicyFilesFromJson(latest->files_json));
    std::vector<policy::PolicyProblem> problems;
    auto bundle = policy::PolicyBundle::Build(std::move(files), &problems);
    if (!bundle.ok()) {
      Error e = ProblemsError(problems);
      return Error(ErrorCode::kDataLoss, "stored policy set version " +
                                             std::to_string(latest->version) +
                                             " does not build; refusing to start: " + e.message());
    }
    authorizer_.Activate(*bundle, latest->version);
    return OkStatus();
  }
  std::vector<policy::PolicyProblem> problems;
  auto bundle = policy::PolicyBundle::Build(policy::PolicyBundle::DefaultFiles(), &problems);
  if (!bundle.ok())
    return Internal("the built-in policy set does not build: " + ProblemsError(problems).message());
  ASSIGN_OR_RETURN(PolicySetRecord rec,
                   StorePolicies(nullptr, *bundle, "built-in default policy set", std::nullopt));
  (void)rec;
  return OkStatus();
}

Result<PolicySetRecord> Workflow::StorePolicies(const Caller* c,
                                                std::shared_ptr<const policy::PolicyBundle> b,
                                                std::string comment,
                                                std::optional<int64_t> rolled_back_from) {
  // REQUIRES: policy_mu_ held.
  PolicySetRecord rec;
  std::optional<policy::Decision> denied;
  std::vector<std::string> before = PolicyIds(*authorizer_.active().bundle);
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    audit::AuditEvent e;
    if (c) {
      policy::Decision d = Decide(*c, policy::Action::kPolicyWrite,
                                  SystemResource("policies", std::string(kPoliciesResource)));
      if (!d.allowed) return RecordDenial(tx, *c, d, "policy.replace", "policies", &denied);
      e = Event(*c, rolled_back_from ? "policy.rollback" : "policy.replace", "policies",
                "succeeded", &d);
    } else {
      e = audit::SystemEvent("policy.install", "policies", "succeeded");
    }
    ASSIGN_OR_RETURN(auto latest, tx.LatestPolicySet());
    rec.version = latest ? latest->version + 1 : 1;
    rec.files_json = b->files_json();
    rec.sha256 = b->sha256();
    rec.created_at = clock_.Now();
    if (c) rec.created_by = c->principal.id;
    rec.comment = std::move(comment);
    rec.rolled_back_from = rolled_back_from;
    RETURN_IF_ERROR(tx.InsertPolicySet(rec));
    e.details["version"] = rec.version;
    e.details["sha256"] = rec.sha256;
    e.details["comment"] = rec.comment;
    if (rolled_back_from) e.details["rolled_back_from"] = *rolled_back_from;
    if (latest) e.details["previous_version"] = latest->version;
    std::vector<std::string> after = PolicyIds(*b);
    e.details["policies"] = static_cast<int64_t>(after.size());
    e.details["added"] = Diff(before, after, /*added=*/true);
    e.details["removed"] = Diff(before, after, /*added=*/false);
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  if (denied) return DeniedError(*denied);
  RETURN_IF_ERROR(s);
  authorizer_.Activate(std::move(b), rec.version);
  return rec;
}

Result<PolicySetRecord> Workflow::ActivePolicies(const Caller& c) {
  RETURN_IF_ERROR(
      AuthorizeRead(c, SystemResource("policies", std::string(kPoliciesResource)), "policy.read"));
  int64_t version = authorizer_.active().version;
  return store_.Read([&](ReadTx& tx) { return tx.GetPolicySet(version); });
}

Result<std::vector<PolicySetRecord>> Workflow::PolicyVersions(const Caller& c) {
  RETURN_IF_ERROR(AuthorizeRead(c, SystemResource("policies", "versions"), "policy.list"));
  return store_.Read([&](ReadTx& tx) { return tx.ListPolicySets(); });
}

Result<PolicySetRecord> Workflow::PolicyVersion(const Caller& c, int64_t version) {
  RETURN_IF_ERROR(
      AuthorizeRead(c, SystemResource("policies", "v" + std::to_string(version)), "policy.read"));
  return store_.Read([&](ReadTx& tx) { return tx.GetPolicySet(version); });
}

Result<PolicyCheck> Workflow::ValidatePolicies(const Caller& c,
                                               std::vector<policy::PolicyFile> files) {
  RETURN_IF_ERROR(AuthorizeRead(c, SystemResource("policies", "validate"), "policy.validate"));
  PolicyCheck check;
  auto bundle = policy::PolicyBundle::Build(std::move(files), &check.problems);
  check.valid = bundle.ok();
  if (bundle.ok()) {
    check.policy_ids = PolicyIds(**bundle);
    check.sha256 = (*bundle)->sha256();
  }
  return check;
}

Result<PolicySetRecord> Workflow::ReplacePolicies(const Caller& c,
                                                  std::vector<policy::PolicyFile> files,
                                                  std::string comment) {
  if (comment.size() > 1000) return InvalidArgument("comment too long (max 1000)");
  std::vector<policy::PolicyProblem> problems;
  auto bundle = policy::PolicyBundle::Build(std::move(files), &problems);
  std::lock_guard lock(policy_mu_);
  if (!bundle.ok()) {
    // A refused change is still a decision worth keeping: who tried, and why it failed.
    policy::Decision d = Decide(c, policy::Action::kPolicyWrite,
                                SystemResource("policies", std::string(kPoliciesResource)));
    audit::AuditEvent e =
        Event(c, "policy.replace", "policies", d.allowed ? "failed" : "denied", &d);
    e.details["problems"] = static_cast<int64_t>(problems.size());
    RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) { return audit_.Append(tx, e); }));
    if (!d.allowed) return DeniedError(d);
    return ProblemsError(problems);
  }
  return StorePolicies(&c, *bundle, std::move(comment), std::nullopt);
}

Result<PolicySetRecord> Workflow::RollbackPolicies(const Caller& c, int64_t version,
                                                   std::string comment) {
  if (comment.size() > 1000) return InvalidArgument("comment too long (max 1000)");
  ASSIGN_OR_RETURN(PolicySetRecord old,
                   store_.Read([&](ReadTx& tx) { return tx.GetPolicySet(version); }));
  ASSIGN_OR_RETURN(auto files, policy::PolicyFilesFromJson(old.files_json));
  std::vector<policy::PolicyProblem> problems;
  auto bundle = policy::PolicyBundle::Build(std::move(files), &problems);
  if (!bundle.ok()) return ProblemsError(problems);
  std::lock_guard lock(policy_mu_);
  if (comment.empty()) comment = "rollback to version " + std::to_string(version);
  return StorePolicies(&c, *bundle, std::move(comment), version);
}

Result<policy::Decision> Workflow::DecideFor(const Caller& c, const DecisionQuery& q) {
  // May the caller ask about this principal? (Anyone may ask about themselves.)
  policy::RequestContext ask;
  ask.subject = q.principal;
  policy::Decision may =
      Decide(c, policy::Action::kAuthorize, SystemResource("decisions", q.principal.str()), ask);
  audit::AuditEvent e =
      Event(c, "decision.query", q.resource, may.allowed ? "allowed" : "denied", &may);
  e.details["subject"] = q.principal.str();
  e.details["action"] = std::string(policy::Name(q.action));
  if (!may.allowed) {
    audit_.AppendAsync(std::move(e));
    return DeniedError(may);
  }

  // The subject's facts and the resource's, read exactly as the use cases read them.
  policy::AuthzRequest req;
  Status s = store_.Read([&](ReadTx& tx) -> Status {
    auto subject = tx.GetPrincipal(q.principal);
    if (!subject.ok()) return NotFound("no principal " + q.principal.str().substr(0, 40));
    ASSIGN_OR_RETURN(auto roles, tx.RolesOf(subject->id));
    req.principal.id = subject->id;
    req.principal.kind = subject->kind;
    req.principal.disabled = subject->disabled;
    req.principal.owner = subject->owner;
    req.principal.roles = std::move(roles);
    if (LooksLike<AssetId>(q.resource)) {
      auto a = tx.GetAsset(AssetId(q.resource));
      if (!a.ok()) return NotFound("no asset " + q.resource);
      ASSIGN_OR_RETURN(policy::AssetFacts facts, FactsOf(tx, *a));
      req.resource = AssetResource(*a, std::move(facts));
    } else if (LooksLike<ProjectId>(q.resource)) {
      auto p = tx.GetProject(ProjectId(q.resource));
      if (!p.ok()) return NotFound("no project " + q.resource);
      req.resource = ProjectResource(p->id);
    } else if (LooksLike<JobId>(q.resource)) {
      auto j = tx.GetJob(JobId(q.resource));
      if (!j.ok()) return NotFound("no job " + q.resource);
      req.resource = JobResource(*j);
    } else {
      return InvalidArgument("resource must be an asset, project or job id");
    }
    if (q.grant) {
      auto g = tx.GetGrant(*q.grant);
      if (!g.ok()) return NotFound("no grant " + q.grant->str().substr(0, 40));
      req.context.grant = policy::GrantFacts{g->asset,     g->sha256,     g->destination,
                                             g->requester, g->expires_at, g->used_at.has_value()};
    }
    ASSIGN_OR_RETURN(req.context.session.jobs_last_hour,
                     tx.CountJobsSince(subject->id, clock_.Now() - std::chrono::hours(1)));
    return OkStatus();
  });
  if (!s.ok()) {
    e.outcome = "failed";
    e.details["error"] = s.error().message();
    audit_.AppendAsync(std::move(e));
    return s.error();
  }
  req.action = q.action;
  req.context.now = clock_.Now();
  req.context.sha256 = q.sha256;
  req.context.destination = q.destination;
  if (q.engine) req.context.engine = EngineFactsOf(*q.engine);
  req.context.input_classification = q.input_classification;
  // The subject has no session here: a decision for another system is about the principal's
  // standing, not about a login (age 0, no API key).
  policy::Decision answer = authorizer_.Authorize(req);
  e.details["answer"] = answer.ToJson();
  audit_.AppendAsync(std::move(e));
  return answer;
}

}  // namespace custody::workflow
