// Core plumbing, authentication and administration use cases.
#include "workflow/workflow.h"

#include <algorithm>

#include "crypto/sha256.h"

namespace custody::workflow {

Error DeniedError(const policy::Decision& d) {
  std::string msg = "denied: ";
  for (size_t i = 0; i < d.reasons.size(); ++i) {
    if (i) msg += "; ";
    msg += d.determining[i] + " — " + d.reasons[i];
  }
  json::object details;
  details["decision"] = d.ToJson();
  return Error(ErrorCode::kPermissionDenied, std::move(msg), std::move(details));
}

policy::ResourceFacts AssetResource(const AssetRecord& a, std::optional<policy::AssetFacts> facts) {
  policy::ResourceFacts r;
  r.type = "asset";
  r.id = a.id.str();
  r.project = a.project;
  r.asset = std::move(facts);
  return r;
}

policy::ResourceFacts JobResource(const JobRecord& j) {
  policy::ResourceFacts r;
  r.type = "job";
  r.id = j.id.str();
  r.project = j.project;
  return r;
}

BlobRecord BlobRecordOf(const blob::BlobInfo& info, TimePoint created_at) {
  BlobRecord b;
  b.id = info.id;
  b.sha256 = info.sha256_hex;
  b.size = info.size;
  b.wrapped_key = info.wrapped_key;
  b.created_at = created_at;
  return b;
}

Status ValidateFileName(std::string_view name) {
  if (name.empty() || name.size() > 200)
    return InvalidArgument("file name must have 1 to 200 characters");
  if (name[0] == '.' || name[0] == ' ')
    return InvalidArgument("file name must not start with '.' or a space");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == ' ';
    if (!ok)
      return InvalidArgument(
          "file name may contain only letters, digits, '.', '_', '-' and "
          "spaces (no path separators)");
  }
  if (name.find("..") != std::string_view::npos)
    return InvalidArgument("file name must not contain '..'");
  return OkStatus();
}

Status CheckTransition(Stage from, Stage to) {
  static const std::set<std::pair<Stage, Stage>> kLegal = {
      {Stage::kDraft, Stage::kInReview},     {Stage::kInReview, Stage::kApproved},
      {Stage::kInReview, Stage::kRejected},  {Stage::kApproved, Stage::kPublished},
      {Stage::kApproved, Stage::kInReview},   // the approval lapsed
      {Stage::kPublished, Stage::kApproved},  // the last publication was rolled back
      {Stage::kDraft, Stage::kRecalled},     {Stage::kInReview, Stage::kRecalled},
      {Stage::kApproved, Stage::kRecalled},  {Stage::kPublished, Stage::kRecalled},
      {Stage::kRejected, Stage::kRecalled},
  };
  if (kLegal.count({from, to})) return OkStatus();
  return Conflict("an asset cannot move from " + std::string(Name(from)) + " to " +
                  std::string(Name(to)));
}

Workflow::Workflow(Store& store, blob::BlobStore& blobs, audit::AuditLog& audit,
                   policy::CedarAuthorizer& authorizer, identity::IdentityService& identity,
                   jobs::EngineRegistry& engines, EventBus& events, const Clock& clock,
                   Random& random, WorkflowOptions options)
    : store_(store),
      blobs_(blobs),
      audit_(audit),
      authorizer_(authorizer),
      identity_(identity),
      engines_(engines),
      events_(events),
      clock_(clock),
      random_(random),
      options_(std::move(options)) {}

// ---- Policy plumbing ----------------------------------------------------------------------

policy::PrincipalFacts Workflow::FactsOf(const Caller& c) const {
  policy::PrincipalFacts p;
  p.id = c.principal.id;
  p.kind = c.principal.kind;
  p.disabled = c.principal.disabled;
  p.owner = c.principal.owner;
  p.roles = c.roles;
  return p;
}

Result<std::set<PrincipalId>> Workflow::Contributors(ReadTx& tx, const AssetRecord& a) const {
  std::set<PrincipalId> out;
  ASSIGN_OR_RETURN(auto ancestors, tx.Ancestors(a.id, options_.lineage_max_depth));
  ancestors.insert(ancestors.begin(), a);
  std::set<JobId> jobs;
  for (const AssetRecord& x : ancestors) {
    out.insert(x.owner);
    if (x.on_behalf_of) out.insert(*x.on_behalf_of);
    if (x.generated_by) jobs.insert(*x.generated_by);
  }
  for (const JobId& j : jobs) {
    auto job = tx.GetJob(j);
    if (!job.ok()) continue;
    out.insert(job->actor);
    if (job->on_behalf_of) out.insert(*job->on_behalf_of);
  }
  return out;
}

Result<policy::AssetFacts> Workflow::FactsOf(ReadTx& tx, const AssetRecord& a) const {
  policy::AssetFacts f;
  f.kind = a.kind;
  f.classification = a.classification;
  f.labels = a.labels;
  f.stage = a.stage;
  f.sha256 = a.sha256;
  if (a.credentials) f.credentials = a.credentials->state;
  ASSIGN_OR_RETURN(f.contributors, Contributors(tx, a));
  ASSIGN_OR_RETURN(auto reviews, tx.ReviewsOf(a.id));
  for (const ReviewRecord& r : reviews) {
    if (r.verdict != ReviewVerdict::kApprove || r.lapsed) continue;
    auto reviewer = tx.GetPrincipal(r.reviewer);
    PrincipalKind kind = reviewer.ok() ? reviewer->kind : PrincipalKind::kService;
    f.approvals.push_back({r.reviewer, kind, r.sha256, r.expires_at});
  }
  return f;
}

policy::ResourceFacts Workflow::ProjectResource(const ProjectId& p) const {
  policy::ResourceFacts r;
  r.type = "project";
  r.id = p.str();
  r.project = p;
  return r;
}

policy::ResourceFacts Workflow::SystemResource(const std::string& type,
                                               const std::string& id) const {
  policy::ResourceFacts r;
  r.type = type;
  r.id = id;
  return r;
}

policy::Decision Workflow::Decide(const Caller& c, policy::Action action,
                                  policy::ResourceFacts resource,
                                  policy::RequestContext context) const {
  policy::AuthzRequest req;
  req.principal = FactsOf(c);
  req.action = action;
  req.resource = std::move(resource);
  context.now = clock_.Now();
  context.session.age = std::max(Duration::zero(), context.now - c.session_started_at);
  context.session.api_key = c.token.kind == TokenKind::kApiKey;
  req.context = std::move(context);
  return authorizer_.Authorize(req);
}

policy::EngineFacts Workflow::EngineFactsOf(std::string_view engine) const {
  return policy::EngineFacts{std::string(engine), options_.external_engines.count(engine) > 0};
}

audit::AuditEvent Workflow::Event(const Caller& c, std::string action, std::string resource,
                                  std::string outcome, const policy::Decision* d) const {
  audit::AuditEvent e;
  e.principal = c.principal.id.str();
  if (c.principal.owner) e.on_behalf_of = c.principal.owner->str();
  e.action = std::move(action);
  e.resource = std::move(resource);
  e.outcome = std::move(outcome);
  if (d) e.decision = d->ToJson();
  e.details["token"] = c.token.id.str();  // the credential's id, never the secret
  return e;
}

Status Workflow::RecordDenial(WriteTx& tx, const Caller& c, const policy::Decision& d,
                              std::string action, std::string resource,
                              std::optional<policy::Decision>* denied) {
  RETURN_IF_ERROR(
      audit_.Append(tx, Event(c, std::move(action), std::move(resource), "denied", &d)));
  *denied = d;
  return OkStatus();
}

Status Workflow::AuthorizeRead(const Caller& c, policy::ResourceFacts resource,
                               std::string action) {
  std::string id = resource.id;
  policy::Decision d = Decide(c, policy::Action::kRead, std::move(resource));
  audit_.AppendAsync(Event(c, std::move(action), id, d.allowed ? "allowed" : "denied", &d));
  if (!d.allowed) return DeniedError(d);
  return OkStatus();
}

bool Workflow::CanSeeProject(const Caller& c, const std::string& project) const {
  for (const RoleBinding& b : c.roles) {
    if (!b.project && (b.role == Role::kAdmin || b.role == Role::kAuditor)) return true;
    if (b.project && b.project->str() == project) return true;
  }
  return false;
}

void Workflow::Publish(const std::string& type, const ProjectId& project, json::object data) {
  events_.Publish(type, project.str(), std::move(data));
}

const Destination* Workflow::FindDestination(const std::string& name) const {
  for (const Destination& d : options_.destinations)
    if (d.name == name) return &d;
  return nullptr;
}

// ---- Authentication -------------------------------------------------------------------------

Result<identity::TokenPair> Workflow::Login(std::string_view name, std::string_view password,
                                            std::string_view peer) {
  auto principal = identity_.CheckPassword(name, password);
  audit::AuditEvent e;
  e.action = "auth.login";
  e.details["peer"] = std::string(peer.substr(0, 100));
  if (!principal.ok()) {
    e.principal = "anonymous";
    // The attempted name is recorded hashed: it may be a password typed into the wrong field.
    e.resource = "name-sha256:" + crypto::Sha256Hex(AsBytes(name));
    e.outcome = "failed";
    e.details["reason"] = principal.error().message();
    (void)store_.Write([&](WriteTx& tx) -> Status {
      RETURN_IF_ERROR(audit_.Append(tx, e));
      return OkStatus();
    });
    return principal.error();
  }
  identity::TokenPair pair;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    ASSIGN_OR_RETURN(pair, identity_.IssueTokens(tx, *principal));
    e.principal = principal->id.str();
    e.resource = principal->id.str();
    e.outcome = "succeeded";
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  RETURN_IF_ERROR(s);
  return pair;
}

Result<identity::TokenPair> Workflow::Refresh(std::string_view refresh_token) {
  identity::TokenPair pair;
  Error failure = Unauthenticated("");
  bool failed = false;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    auto r = identity_.Refresh(tx, refresh_token);
    audit::AuditEvent e;
    e.action = "auth.refresh";
    if (!r.ok()) {
      // Commit the audit entry (and any family revocation the refresh attempt triggered).
      failed = true;
      failure = r.error();
      e.principal = "anonymous";
      e.resource = "refresh-token";
      e.outcome = "failed";
      e.details["reason"] = r.error().message();
      RETURN_IF_ERROR(audit_.Append(tx, e));
      return OkStatus();
    }
    pair = r->first;
    e.principal = r->second.id.str();
    e.resource = r->second.id.str();
    e.outcome = "succeeded";
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  RETURN_IF_ERROR(s);
  if (failed) return failure;
  return pair;
}

Status Workflow::Logout(const Caller& c) {
  return store_.Write([&](WriteTx& tx) -> Status {
    RETURN_IF_ERROR(identity_.Logout(tx, c.token));
    RETURN_IF_ERROR(audit_.Append(tx, Event(c, "auth.logout", c.principal.id.str(), "succeeded")));
    return OkStatus();
  });
}

Result<Caller> Workflow::Authenticate(std::string_view bearer) {
  return identity_.Authenticate(bearer);
}

// ---- Administration -------------------------------------------------------------------------

Result<PrincipalRecord> Workflow::CreatePrincipal(const Caller& c, const NewPrincipalRequest& req) {
  std::string hash;
  if (req.kind == PrincipalKind::kHuman) {
    if (req.password.empty()) return InvalidArgument("a human principal needs a password");
    ASSIGN_OR_RETURN(hash, identity_.HashPassword(req.password));
  } else if (!req.password.empty()) {
    return InvalidArgument("non-human principals authenticate with API keys, not passwords");
  }
  std::optional<policy::Decision> denied;
  PrincipalRecord created;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    policy::Decision d = Decide(c, policy::Action::kAdmin, SystemResource("principal", req.name));
    if (!d.allowed) return RecordDenial(tx, c, d, "principal.create", req.name, &denied);
    identity::NewPrincipal spec{req.name, req.kind, req.owner, req.display_name, hash};
    ASSIGN_OR_RETURN(created, identity_.CreatePrincipal(tx, spec, c.principal.id));
    audit::AuditEvent e = Event(c, "principal.create", created.id.str(), "succeeded", &d);
    e.details["name"] = created.name;
    e.details["kind"] = std::string(Name(created.kind));
    if (created.owner) e.details["owner"] = created.owner->str();
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  if (denied) return DeniedError(*denied);
  RETURN_IF_ERROR(s);
  return created;
}

Result<std::vector<PrincipalRecord>> Workflow::ListPrincipals(const Caller& c) {
  RETURN_IF_ERROR(AuthorizeRead(c, SystemResource("principal", "*"), "principal.list"));
  return store_.Read([&](ReadTx& tx) { return tx.ListPrincipals(); });
}

Result<PrincipalRecord> Workflow::GetPrincipal(const Caller& c, const PrincipalId& id) {
  if (c.principal.id != id)
    RETURN_IF_ERROR(AuthorizeRead(c, SystemResource("principal", id.str()), "principal.read"));
  return store_.Read([&](ReadTx& tx) { return tx.GetPrincipal(id); });
}

Result<PrincipalRecord> Workflow::SetPrincipalDisabled(const Caller& c, const PrincipalId& id,
                                                       bool disabled) {
  std::optional<policy::Decision> denied;
  PrincipalRecord out;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    policy::Decision d = Decide(c, policy::Action::kAdmin, SystemResource("principal", id.str()));
    std::string action = disabled ? "principal.disable" : "principal.enable";
    if (!d.allowed) return RecordDenial(tx, c, d, action, id.str(), &denied);
    if (disabled && id == c.principal.id) return InvalidArgument("you cannot disable yourself");
    ASSIGN_OR_RETURN(int revoked, identity_.SetDisabled(tx, id, disabled));
    ASSIGN_OR_RETURN(out, tx.GetPrincipal(id));
    audit::AuditEvent e = Event(c, action, id.str(), "succeeded", &d);
    e.details["tokens_revoked"] = revoked;
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  if (denied) return DeniedError(*denied);
  RETURN_IF_ERROR(s);
  return out;
}

Result<std::pair<std::string, TokenRecord>> Workflow::CreateApiKey(const Caller& c,
                                                                   const PrincipalId& id,
                                                                   Duration ttl,
                                                                   std::string label) {
  std::optional<policy::Decision> denied;
  std::pair<std::string, TokenRecord> out;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    policy::Decision d = Decide(c, policy::Action::kAdmin, SystemResource("principal", id.str()));
    if (!d.allowed) return RecordDenial(tx, c, d, "apikey.create", id.str(), &denied);
    ASSIGN_OR_RETURN(out, identity_.CreateApiKey(tx, id, ttl, label));
    audit::AuditEvent e = Event(c, "apikey.create", id.str(), "succeeded", &d);
    e.details["key"] = out.second.id.str();
    e.details["expires_at"] = FormatTime(out.second.expires_at);
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  if (denied) return DeniedError(*denied);
  RETURN_IF_ERROR(s);
  return out;
}

Result<ProjectRecord> Workflow::CreateProject(const Caller& c, std::string name,
                                              std::string description) {
  RETURN_IF_ERROR(ValidateName(name, "project name"));
  if (description.size() > 2000) return InvalidArgument("description too long");
  std::optional<policy::Decision> denied;
  ProjectRecord p;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    policy::Decision d = Decide(c, policy::Action::kAdmin, SystemResource("project", name));
    if (!d.allowed) return RecordDenial(tx, c, d, "project.create", name, &denied);
    p.id = NewId<ProjectId>(random_);
    p.name = name;
    p.description = description;
    p.created_at = clock_.Now();
    p.created_by = c.principal.id;
    RETURN_IF_ERROR(tx.InsertProject(p));
    audit::AuditEvent e = Event(c, "project.create", p.id.str(), "succeeded", &d);
    e.details["name"] = name;
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  if (denied) return DeniedError(*denied);
  RETURN_IF_ERROR(s);
  return p;
}

Result<std::vector<ProjectRecord>> Workflow::ListProjects(const Caller& c) {
  ASSIGN_OR_RETURN(auto all, store_.Read([&](ReadTx& tx) { return tx.ListProjects(); }));
  std::vector<ProjectRecord> out;
  for (auto& p : all)
    if (CanSeeProject(c, p.id.str())) out.push_back(std::move(p));
  audit::AuditEvent e = Event(c, "project.list", "*", "allowed");
  e.details["visible"] = out.size();
  audit_.AppendAsync(std::move(e));
  return out;
}

Result<ProjectRecord> Workflow::GetProject(const Caller& c, const ProjectId& id) {
  ASSIGN_OR_RETURN(ProjectRecord p, store_.Read([&](ReadTx& tx) { return tx.GetProject(id); }));
  RETURN_IF_ERROR(AuthorizeRead(c, ProjectResource(id), "project.read"));
  return p;
}

Status Workflow::AddMember(const Caller& c, const ProjectId& project, const PrincipalId& principal,
                           Role role) {
  std::optional<policy::Decision> denied;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    RETURN_IF_ERROR(tx.GetProject(project).ok() ? OkStatus()
                                                : NotFound("project " + project.str()));
    policy::Decision d = Decide(c, policy::Action::kAdmin, ProjectResource(project));
    if (!d.allowed) return RecordDenial(tx, c, d, "project.member.add", project.str(), &denied);
    ASSIGN_OR_RETURN(PrincipalRecord p, tx.GetPrincipal(principal));
    if (p.kind != PrincipalKind::kHuman && (role == Role::kReviewer || role == Role::kAdmin))
      return InvalidArgument("non-human principals cannot hold the " + std::string(Name(role)) +
                             " role");
    RETURN_IF_ERROR(tx.AddRole(RoleBinding{principal, project, role}));
    audit::AuditEvent e = Event(c, "project.member.add", project.str(), "succeeded", &d);
    e.details["principal"] = principal.str();
    e.details["role"] = std::string(Name(role));
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  if (denied) return DeniedError(*denied);
  return s;
}

Status Workflow::RemoveMember(const Caller& c, const ProjectId& project,
                              const PrincipalId& principal, Role role) {
  std::optional<policy::Decision> denied;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    RETURN_IF_ERROR(tx.GetProject(project).ok() ? OkStatus()
                                                : NotFound("project " + project.str()));
    policy::Decision d = Decide(c, policy::Action::kAdmin, ProjectResource(project));
    if (!d.allowed) return RecordDenial(tx, c, d, "project.member.remove", project.str(), &denied);
    RETURN_IF_ERROR(tx.RemoveRole(RoleBinding{principal, project, role}));
    audit::AuditEvent e = Event(c, "project.member.remove", project.str(), "succeeded", &d);
    e.details["principal"] = principal.str();
    e.details["role"] = std::string(Name(role));
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  if (denied) return DeniedError(*denied);
  return s;
}

Result<std::vector<RoleBinding>> Workflow::Members(const Caller& c, const ProjectId& project) {
  RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) { return tx.GetProject(project); }).ok()
                      ? OkStatus()
                      : NotFound("project " + project.str()));
  RETURN_IF_ERROR(AuthorizeRead(c, ProjectResource(project), "project.member.list"));
  return store_.Read([&](ReadTx& tx) { return tx.MembersOf(project); });
}

Status Workflow::AuthorizeAuditRead(const Caller& c, const std::string& what) {
  policy::Decision d = Decide(c, policy::Action::kAuditRead, SystemResource("audit", what));
  audit_.AppendAsync(Event(c, "audit.read", what, d.allowed ? "allowed" : "denied", &d));
  if (!d.allowed) return DeniedError(d);
  return OkStatus();
}

}  // namespace custody::workflow
