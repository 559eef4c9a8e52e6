// CedarAuthorizer: from the workflow's facts to Cedar entities and context, and back to a Decision.
// The entity model is policies/custody.cedarschema; docs/policies.md explains each attribute.
#include "policy/cedar_authorizer.h"

#include <algorithm>
#include <set>

namespace custody::policy {
namespace {

using cedar::EntityUid;
using cedar::Record;
using cedar::Value;

constexpr std::string_view kNs = "Custody::";

EntityUid Uid(std::string_view type, std::string id) {
  return EntityUid{std::string(kNs) + std::string(type), std::move(id)};
}
EntityUid PrincipalUid(const PrincipalId& id) { return Uid("Principal", id.str()); }
EntityUid ProjectUid(const ProjectId& id) { return Uid("Project", id.str()); }
EntityUid RoleUid(const RoleBinding& b) {
  std::string role(Name(b.role));
  return Uid("Role", b.project ? b.project->str() + "/" + role : role);
}

Value Str(std::string_view s) { return Value(std::string(s)); }
Value Long(int64_t v) { return Value(v); }
Value Bool(bool v) { return Value(v); }
Value Ref(EntityUid uid) { return Value(std::move(uid)); }
Value Time(TimePoint t) {
  // Cedar datetimes are milliseconds; Custody's clock is microseconds.
  return Value(cedar::Datetime{ToUnixMicros(t) / 1000});
}
Value PrincipalSet(const std::set<PrincipalId>& ids) {
  std::vector<Value> v;
  v.reserve(ids.size());
  for (const PrincipalId& id : ids) v.push_back(Ref(PrincipalUid(id)));
  return Value::MakeSet(std::move(v));
}

int64_t Level(Classification c) { return static_cast<int64_t>(c); }

cedar::Entity PrincipalEntity(const PrincipalFacts& p) {
  cedar::Entity e;
  e.uid = PrincipalUid(p.id);
  e.attrs.emplace("kind", Str(Name(p.kind)));
  e.attrs.emplace("human", Bool(p.kind == PrincipalKind::kHuman));
  e.attrs.emplace("disabled", Bool(p.disabled));
  if (p.owner) e.attrs.emplace("owner", Ref(PrincipalUid(*p.owner)));
  std::set<std::string_view> role_names;
  for (const RoleBinding& b : p.roles) {
    e.parents.push_back(RoleUid(b));
    role_names.insert(Name(b.role));
  }
  std::vector<Value> names;
  for (std::string_view n : role_names) names.push_back(Str(n));
  e.attrs.emplace("role_names", Value::MakeSet(std::move(names)));
  return e;
}

cedar::Entity ProjectEntity(const ProjectId& id) {
  cedar::Entity e;
  e.uid = ProjectUid(id);
  e.attrs.emplace("project", Ref(e.uid));
  auto role = [&](Role r) { return Ref(Uid("Role", id.str() + "/" + std::string(Name(r)))); };
  e.attrs.emplace("creators", role(Role::kCreator));
  e.attrs.emplace("reviewers", role(Role::kReviewer));
  e.attrs.emplace("publishers", role(Role::kPublisher));
  e.attrs.emplace("auditors", role(Role::kAuditor));
  e.attrs.emplace("admins", role(Role::kAdmin));
  return e;
}

// The approvals that count: of the current hash, by a human outside the contributors.
std::set<PrincipalId> CountedApprovers(const AssetFacts& a, std::optional<TimePoint>* window_ends) {
  std::set<PrincipalId> out;
  for (const ApprovalFacts& ap : a.approvals) {
    if (ap.sha256 != a.sha256 || ap.reviewer_kind != PrincipalKind::kHuman) continue;
    if (a.contributors.count(ap.reviewer)) continue;
    out.insert(ap.reviewer);
    if (ap.expires_at && (!*window_ends || *ap.expires_at < **window_ends))
      *window_ends = *ap.expires_at;
  }
  return out;
}

cedar::Entity AssetEntity(const ResourceFacts& r, const AssetFacts& a) {
  cedar::Entity e;
  e.uid = Uid("Asset", r.id);
  if (r.project) {
    e.attrs.emplace("project", Ref(ProjectUid(*r.project)));
    e.parents.push_back(ProjectUid(*r.project));
  }
  e.attrs.emplace("kind", Str(Name(a.kind)));
  e.attrs.emplace("classification", Str(Name(a.classification)));
  e.attrs.emplace("level", Long(Level(a.classification)));
  std::vector<Value> labels;
  for (const std::string& l : a.labels) labels.push_back(Str(l));
  e.attrs.emplace("labels", Value::MakeSet(std::move(labels)));
  e.attrs.emplace("stage", Str(Name(a.stage)));
  e.attrs.emplace("sha256", Str(a.sha256));
  e.attrs.emplace("contributors", PrincipalSet(a.contributors));
  std::set<PrincipalId> approved_by;
  for (const ApprovalFacts& ap : a.approvals)
    if (ap.sha256 == a.sha256) approved_by.insert(ap.reviewer);
  e.attrs.emplace("approved_by", PrincipalSet(approved_by));
  std::optional<TimePoint> window_ends;
  std::set<PrincipalId> counted = CountedApprovers(a, &window_ends);
  e.attrs.emplace("approval_count", Long(static_cast<int64_t>(counted.size())));
  e.attrs.emplace("approvers", PrincipalSet(counted));
  if (window_ends) e.attrs.emplace("approval_window_ends", Time(*window_ends));
  e.attrs.emplace("credentials", Str(Name(a.credentials)));
  return e;
}

Value ContextOf(const RequestContext& c) {
  Record ctx;
  ctx.emplace("now", Time(c.now));
  Record session;
  session.emplace("age", Value(cedar::Duration{c.session.age.count() / 1000}));
  session.emplace("jobs_last_hour", Long(c.session.jobs_last_hour));
  session.emplace("api_key", Bool(c.session.api_key));
  ctx.emplace("session", Value(std::move(session)));
  if (c.sha256) ctx.emplace("sha256", Str(*c.sha256));
  if (c.destination) ctx.emplace("destination", Str(*c.destination));
  if (c.grant) {
    Record g;
    g.emplace("asset", Ref(Uid("Asset", c.grant->asset.str())));
    g.emplace("sha256", Str(c.grant->sha256));
    g.emplace("destination", Str(c.grant->destination));
    g.emplace("requester", Ref(PrincipalUid(c.grant->requester)));
    g.emplace("expires_at", Time(c.grant->expires_at));
    g.emplace("used", Bool(c.grant->used));
    ctx.emplace("grant", Value(std::move(g)));
  }
  if (c.engine) {
    Record e;
    e.emplace("name", Str(c.engine->name));
    e.emplace("external", Bool(c.engine->external));
    ctx.emplace("engine", Value(std::move(e)));
  }
  if (c.input_classification) ctx.emplace("input_level", Long(Level(*c.input_classification)));
  if (c.subject) ctx.emplace("subject", Ref(PrincipalUid(*c.subject)));
  if (c.inputs_with_invalid_credentials)
    ctx.emplace("inputs_with_invalid_credentials", Long(*c.inputs_with_invalid_credentials));
  auto str_set = [](const std::set<std::string>& in) {
    std::vector<Value> out;
    for (const std::string& s : in) out.push_back(Str(s));
    return Value::MakeSet(std::move(out));
  };
  if (c.dlp) {
    Record d;
    d.emplace("stage", Str(c.dlp->stage));
    d.emplace("findings", Long(c.dlp->findings));
    d.emplace("secrets", Long(c.dlp->secrets));
    d.emplace("pii", Long(c.dlp->pii));
    d.emplace("dictionary", Long(c.dlp->dictionary));
    d.emplace("redacted", Long(c.dlp->redacted));
    d.emplace("rules", str_set(c.dlp->rules));
    d.emplace("tags", str_set(c.dlp->tags));
    ctx.emplace("dlp", Value(std::move(d)));
  }
  if (c.finding) {
    Record f;
    f.emplace("stage", Str(c.finding->stage));
    f.emplace("rule", Str(c.finding->rule));
    f.emplace("kind", Str(c.finding->kind));
    f.emplace("tags", str_set(c.finding->tags));
    f.emplace("where", Str(c.finding->where));
    ctx.emplace("finding", Value(std::move(f)));
  }
  return Value(std::move(ctx));
}

}  // namespace

EntityUid ResourceUid(const ResourceFacts& r) {
  if (r.type == "asset") return Uid("Asset", r.id);
  if (r.type == "project" && r.project) return ProjectUid(*r.project);
  if (r.type == "job") return Uid("Job", r.id);
  return Uid("System", r.type + "/" + r.id);
}

CedarQuery ToCedar(const AuthzRequest& r) {
  CedarQuery q;
  // The entities are built from facts the workflow already validated, so Add cannot collide
  // except where two facts name the same entity (e.g. a subject that is the principal).
  (void)q.entities.Add(PrincipalEntity(r.principal));
  if (r.resource.project) (void)q.entities.Add(ProjectEntity(*r.resource.project));
  EntityUid resource = ResourceUid(r.resource);
  if (r.resource.type == "asset" && r.resource.asset) {
    (void)q.entities.Add(AssetEntity(r.resource, *r.resource.asset));
  } else if (r.resource.type == "asset" || r.resource.type == "job") {
    // Reads need only the project; an asset without facts carries just that.
    cedar::Entity e;
    e.uid = resource;
    if (r.resource.project) {
      e.attrs.emplace("project", Ref(ProjectUid(*r.resource.project)));
      e.parents.push_back(ProjectUid(*r.resource.project));
    }
    (void)q.entities.Add(std::move(e));
  } else if (r.resource.type != "project") {
    (void)q.entities.Add(cedar::Entity{resource, {}, {}, {}});
  }
  q.entities.Build();
  q.request.principal = PrincipalUid(r.principal.id);
  q.request.action = Uid("Action", std::string(Name(r.action)));
  q.request.resource = std::move(resource);
  q.request.context = ContextOf(r.context);
  return q;
}

Decision CedarAuthorizer::Authorize(const PolicyBundle& bundle, const AuthzRequest& request) {
  CedarQuery q = ToCedar(request);
  cedar::Response resp = cedar::IsAuthorized(q.request, bundle.policies(), q.entities);
  Decision d;
  d.action = request.action;
  d.allowed = resp.allow;
  for (const std::string& id : resp.reason) {
    d.determining.push_back(id);
    const std::string& reason = bundle.ReasonOf(id);
    d.reasons.push_back(reason.empty() ? "policy " + id : reason);
  }
  for (const cedar::PolicyError& e : resp.errors)
    d.errors.push_back(e.policy_id + ": " + e.message);
  if (d.determining.empty()) {
    // Cedar's default deny has no policy to name; the decision says so explicitly.
    d.determining.push_back("default-deny");
    d.reasons.push_back("no policy permits '" + std::string(Name(request.action)) +
                        "' for this principal on this " + request.resource.type);
  }
  return d;
}

CedarAuthorizer::CedarAuthorizer(std::shared_ptr<const PolicyBundle> bundle, int64_t version)
    : active_{std::move(bundle), version} {}

Decision CedarAuthorizer::Authorize(const AuthzRequest& request) const {
  Active a = active();
  Decision d = Authorize(*a.bundle, request);
  d.policy_version = a.version;
  return d;
}

void CedarAuthorizer::Activate(std::shared_ptr<const PolicyBundle> bundle, int64_t version) {
  std::lock_guard lock(mu_);
  active_ = Active{std::move(bundle), version};
}

CedarAuthorizer::Active CedarAuthorizer::active() const {
  std::lock_guard lock(mu_);
  return active_;
}

}  // namespace custody::policy
