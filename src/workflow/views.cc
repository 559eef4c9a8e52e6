#include "workflow/views.h"

#include "policy/cedar_authorizer.h"
#include "workflow/credentials.h"

namespace custody::workflow {
namespace {
json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}
template <typename T>
void SetOpt(json::object& o, const char* key, const std::optional<T>& v) {
  if (v) o[key] = v->str();
}
void SetTime(json::object& o, const char* key, const std::optional<TimePoint>& t) {
  if (t) o[key] = FormatTime(*t);
}
}  // namespace

json::object PrincipalJson(const PrincipalRecord& p) {
  json::object o{{"id", p.id.str()},
                 {"name", p.name},
                 {"kind", std::string(Name(p.kind))},
                 {"display_name", p.display_name},
                 {"disabled", p.disabled},
                 {"password_login", !p.password_hash.empty()},
                 {"created_at", FormatTime(p.created_at)}};
  SetOpt(o, "owner", p.owner);
  SetOpt(o, "created_by", p.created_by);
  return o;
}

json::object RoleJson(const RoleBinding& b) {
  json::object o{{"principal", b.principal.str()}, {"role", std::string(Name(b.role))}};
  if (b.project)
    o["project"] = b.project->str();
  else
    o["project"] = nullptr;
  return o;
}

json::object ProjectJson(const ProjectRecord& p) {
  return {{"id", p.id.str()},
          {"name", p.name},
          {"description", p.description},
          {"created_at", FormatTime(p.created_at)},
          {"created_by", p.created_by.str()}};
}

json::object AssetSummaryJson(const AssetRecord& a) {
  return {{"id", a.id.str()},
          {"kind", std::string(Name(a.kind))},
          {"title", a.title},
          {"sha256", a.sha256},
          {"stage", std::string(Name(a.stage))},
          {"owner", a.owner.str()},
          {"classification", std::string(Name(a.classification))}};
}

json::object AssetJson(const AssetRecord& a) {
  json::object o{{"id", a.id.str()},
                 {"kind", std::string(Name(a.kind))},
                 {"project", a.project.str()},
                 {"owner", a.owner.str()},
                 {"title", a.title},
                 {"media_type", a.media_type},
                 {"size", a.size},
                 {"sha256", a.sha256},
                 {"classification", std::string(Name(a.classification))},
                 {"labels", Strings(a.labels)},
                 {"stage", std::string(Name(a.stage))},
                 {"status", std::string(Name(a.status))},
                 {"version", a.version},
                 {"created_at", FormatTime(a.created_at)},
                 {"stage_changed_at", FormatTime(a.stage_changed_at)}};
  if (!a.licence.empty()) o["licence"] = a.licence;
  SetOpt(o, "on_behalf_of", a.on_behalf_of);
  SetOpt(o, "previous_version", a.previous_version);
  SetOpt(o, "generated_by", a.generated_by);
  if (a.credentials) o["content_credentials"] = CredentialsJson(*a.credentials);
  if (a.dlp) {
    json::object d{{"findings", a.dlp->findings},
                   {"secrets", a.dlp->secrets},
                   {"pii", a.dlp->pii},
                   {"dictionary", a.dlp->dictionary},
                   {"redacted", a.dlp->redacted},
                   {"rules", Strings(a.dlp->rules)},
                   {"scanned_at", FormatTime(a.dlp->scanned_at)}};
    o["dlp"] = std::move(d);
  }
  if (a.origin) {
    json::object org{{"path", a.origin->path}, {"sha256", a.origin->sha256}};
    if (!a.origin->host.empty()) org["host"] = a.origin->host;
    o["origin"] = std::move(org);
  }
  return o;
}

json::object FindingJson(const DlpFindingRecord& f) {
  return json::object{{"stage", f.stage},      {"where", f.location},
                      {"rule", f.rule_id},     {"kind", f.kind},
                      {"offset", f.offset},    {"length", f.length},
                      {"line", f.line},        {"column", f.column},
                      {"excerpt", f.redacted}, {"fingerprint", f.fingerprint},
                      {"action", f.action}};
}

json::object JobJson(const JobRecord& j) {
  json::array inputs;
  for (const JobInput& in : j.inputs)
    inputs.push_back(json::object{{"asset", in.asset.str()}, {"role", in.role}});
  json::value params = json::parse(j.parameters_json.empty() ? "{}" : j.parameters_json);
  json::object o{{"id", j.id.str()},
                 {"kind", std::string(Name(j.kind))},
                 {"project", j.project.str()},
                 {"actor", j.actor.str()},
                 {"engine", j.engine},
                 {"model", j.model},
                 {"model_version", j.model_version},
                 {"parameters", params},
                 {"seed", j.seed},
                 {"inputs", std::move(inputs)},
                 {"status", std::string(Name(j.status))},
                 {"attempts", j.attempts},
                 {"max_attempts", j.max_attempts},
                 {"progress", j.progress},
                 {"cancel_requested", j.cancel_requested},
                 {"output_classification", std::string(Name(j.output_classification))},
                 {"output_labels", Strings(j.output_labels)},
                 {"created_at", FormatTime(j.created_at)}};
  SetOpt(o, "on_behalf_of", j.on_behalf_of);
  SetOpt(o, "output", j.output);
  if (!j.error.empty()) o["error"] = j.error;
  SetTime(o, "started_at", j.started_at);
  SetTime(o, "finished_at", j.finished_at);
  return o;
}

json::object ReviewJson(const ReviewRecord& r) {
  json::object o{{"id", r.id.str()},
                 {"asset", r.asset.str()},
                 {"sha256", r.sha256},
                 {"reviewer", r.reviewer.str()},
                 {"verdict", std::string(Name(r.verdict))},
                 {"comment", r.comment},
                 {"at", FormatTime(r.at)},
                 {"lapsed", r.lapsed}};
  SetTime(o, "expires_at", r.expires_at);
  return o;
}

json::object GrantJson(const GrantRecord& g) {
  json::object o{{"id", g.id.str()},
                 {"asset", g.asset.str()},
                 {"sha256", g.sha256},
                 {"destination", g.destination},
                 {"file_name", g.file_name},
                 {"requester", g.requester.str()},
                 {"issued_at", FormatTime(g.issued_at)},
                 {"expires_at", FormatTime(g.expires_at)},
                 {"used", g.used_at.has_value()}};
  SetTime(o, "used_at", g.used_at);
  return o;
}

json::object PublicationJson(const PublicationRecord& p) {
  json::object o{{"id", p.id.str()},
                 {"source_asset", p.source_asset.str()},
                 {"export_asset", p.export_asset.str()},
                 {"grant", p.grant.str()},
                 {"destination", p.destination},
                 {"path", p.path},
                 {"sha256", p.sha256},
                 {"published_by", p.published_by.str()},
                 {"published_at", FormatTime(p.published_at)},
                 {"status", std::string(Name(p.status))},
                 {"rollback_method", p.rollback_method}};
  SetTime(o, "rolled_back_at", p.rolled_back_at);
  SetOpt(o, "rolled_back_by", p.rolled_back_by);
  return o;
}

json::object TokenJson(const TokenRecord& t) {
  return {{"id", t.id.str()},
          {"kind", std::string(Name(t.kind))},
          {"principal", t.principal.str()},
          {"issued_at", FormatTime(t.issued_at)},
          {"expires_at", FormatTime(t.expires_at)},
          {"revoked", t.revoked},
          {"label", t.label}};
}

json::object PolicySetJson(const PolicySetRecord& p, int64_t active_version, bool with_files) {
  json::object o{{"version", p.version},
                 {"sha256", p.sha256},
                 {"created_at", FormatTime(p.created_at)},
                 {"comment", p.comment},
                 {"active", p.version == active_version}};
  o["created_by"] = p.created_by ? json::value(p.created_by->str()) : json::value(nullptr);
  if (p.rolled_back_from) o["rolled_back_from"] = *p.rolled_back_from;
  if (!with_files) return o;
  auto files = policy::PolicyFilesFromJson(p.files_json);
  if (!files.ok()) return o;
  json::object fo;
  json::array policies;
  for (const policy::PolicyFile& f : *files) {
    fo[f.name] = f.text;
    // Each file on its own, so every policy is listed with the file it came from.
    std::vector<policy::PolicyProblem> problems;
    auto one = policy::PolicyBundle::Build({f}, &problems);
    if (!one.ok()) continue;
    for (const cedar::Policy& pol : (*one)->policies().policies()) {
      policies.push_back(
          json::object{{"id", pol.id},
                       {"effect", pol.effect == cedar::Effect::kPermit ? "permit" : "forbid"},
                       {"reason", (*one)->ReasonOf(pol.id)},
                       {"file", f.name}});
    }
  }
  o["files"] = std::move(fo);
  o["policies"] = std::move(policies);
  return o;
}

}  // namespace custody::workflow
