// The route → action table and the handlers. Each handler parses the request, calls one
// workflow use case and renders its result; nothing here decides anything.
#include <algorithm>
#include <charconv>
#include <set>

#include "api/api.h"
#include "http/sse.h"
#include "workflow/views.h"

namespace custody::api {
namespace {

using http::Request;
using http::ResponseWriter;
using identity::Caller;
namespace wf = workflow;
using workflow::AssetJson;

// Per-request context handed to handlers.
struct Call {
  Request& req;
  ResponseWriter& w;
  const Caller* caller = nullptr;  // set unless the route is public/authenticate
  const Caller& who() const { return *caller; }
};

using Fn = std::function<Status(Call&)>;

Status SendJson(Call& c, int status, json::value v) {
  return c.w.Send(http::Response::Json(status, v));
}

Result<json::object> JsonBody(Call& c, uint64_t limit) {
  auto ct = c.req.header("content-type");
  if (!ct || ct->rfind("application/json", 0) != 0)
    return Error(ErrorCode::kUnsupportedMedia,
                 "this endpoint takes Content-Type: application/json");
  ASSIGN_OR_RETURN(std::string body, c.req.ReadBody(limit));
  return ParseJsonObject(body);
}

template <typename Id>
Result<Id> PathId(Call& c, std::string_view name = "id") {
  const std::string& v = c.req.param(name);
  if (!LooksLike<Id>(v))
    return NotFound("no such " + std::string(Id::Tag::kPrefix) + " '" + v.substr(0, 40) + "'");
  return Id(v);
}

template <typename Id>
Result<Id> BodyId(const json::object& o, std::string_view key) {
  ASSIGN_OR_RETURN(std::string v, RequiredString(o, key));
  if (!LooksLike<Id>(v))
    return InvalidArgument("field '" + std::string(key) + "' is not a valid id");
  return Id(v);
}

Result<uint64_t> QueryU64(Call& c, std::string_view name, uint64_t def) {
  auto v = c.req.query(name);
  if (!v) return def;
  uint64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size())
    return InvalidArgument("query parameter '" + std::string(name) +
                           "' must be a non-negative integer");
  return out;
}

json::object TokensJson(const identity::TokenPair& t) {
  return {{"token_type", "Bearer"},
          {"access_token", t.access_token},
          {"expires_at", FormatTime(t.access_expires_at)},
          {"refresh_token", t.refresh_token},
          {"refresh_expires_at", FormatTime(t.refresh_expires_at)}};
}

// {"files": {"name.cedar": "text", ...}} → policy files.
Result<std::vector<policy::PolicyFile>> PolicyFilesOf(const json::object& body) {
  auto it = body.find("files");
  if (it == body.end() || !it->value().is_object())
    return InvalidArgument("field 'files' must be an object: {\"name.cedar\": \"<Cedar text>\"}");
  if (it->value().as_object().size() > 256) return InvalidArgument("at most 256 policy files");
  std::vector<policy::PolicyFile> files;
  for (const auto& kv : it->value().as_object()) {
    if (!kv.value().is_string())
      return InvalidArgument("policy file '" + std::string(kv.key()).substr(0, 128) +
                             "' must be a string of Cedar text");
    files.push_back({std::string(kv.key()), std::string(kv.value().as_string())});
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return files;
}

// The body of POST /v1/authorize.
Result<wf::DecisionQuery> DecisionQueryOf(const json::object& body) {
  wf::DecisionQuery q;
  ASSIGN_OR_RETURN(q.principal, BodyId<PrincipalId>(body, "principal"));
  ASSIGN_OR_RETURN(std::string action, RequiredString(body, "action"));
  ASSIGN_OR_RETURN(q.action, policy::ParseAction(action));
  ASSIGN_OR_RETURN(q.resource, RequiredString(body, "resource"));
  auto it = body.find("context");
  if (it != body.end()) {
    if (!it->value().is_object()) return InvalidArgument("field 'context' must be an object");
    const json::object& ctx = it->value().as_object();
    for (const auto& kv : ctx) {
      static const std::set<std::string_view> known = {"sha256", "destination", "grant", "engine",
                                                       "input_classification"};
      if (!known.count(kv.key()))
        return InvalidArgument("unknown context field '" + std::string(kv.key()).substr(0, 64) +
                               "' (known: sha256, destination, grant, engine, "
                               "input_classification)");
    }
    ASSIGN_OR_RETURN(q.sha256, OptionalString(ctx, "sha256"));
    ASSIGN_OR_RETURN(q.destination, OptionalString(ctx, "destination"));
    ASSIGN_OR_RETURN(q.engine, OptionalString(ctx, "engine"));
    ASSIGN_OR_RETURN(auto grant, OptionalString(ctx, "grant"));
    if (grant) {
      if (!LooksLike<GrantId>(*grant)) return InvalidArgument("context.grant is not a grant id");
      q.grant = GrantId(*grant);
    }
    ASSIGN_OR_RETURN(auto cls, OptionalString(ctx, "input_classification"));
    if (cls) {
      ASSIGN_OR_RETURN(q.input_classification, Parse<Classification>(*cls));
    }
  }
  return q;
}

json::array Array(const auto& items, auto&& fn) {
  json::array a;
  for (const auto& i : items) a.emplace_back(fn(i));
  return a;
}

// Adapts the HTTP request body to workflow::BodySource.
class RequestBody final : public wf::BodySource {
 public:
  explicit RequestBody(Request& r) : r_(r) {}
  Result<size_t> Read(std::span<uint8_t> buf) override { return r_.ReadSome(buf); }

 private:
  Request& r_;
};

std::string HashHex(const audit::Hash& h) { return HexEncode(h); }

}  // namespace

void Api::RegisterRoutes() {
  struct Def {
    const char* method;
    const char* pattern;
    const char* name;
    std::string_view action;
    Fn fn;
  };
  const uint64_t json_limit = options_.max_json_body;

  std::vector<Def> defs = {
      // ---- public -------------------------------------------------------------------------
      {"GET", "/healthz", "health", kActionPublic,
       [this](Call& c) {
         if (draining_)
           return c.w.Send(http::Response::Json(503, json::object{{"status", "draining"}}));
         return SendJson(c, 200, json::object{{"status", "ok"}, {"version", options_.version}});
       }},
      {"GET", "/metrics", "metrics", kActionPublic,
       [this](Call& c) {
         http::Response r = http::Response::Text(200, metrics_.RenderPrometheus());
         r.headers = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}};
         return c.w.Send(std::move(r));
       }},

      // ---- authentication -----------------------------------------------------------------
      {"POST", "/v1/auth/login", "auth.login", kActionAuthenticate,
       [this, json_limit](Call& c) -> Status {
         ASSIGN_OR_RETURN(json::object body, JsonBody(c, json_limit));
         ASSIGN_OR_RETURN(std::string name, RequiredString(body, "name"));
         ASSIGN_OR_RETURN(std::string password, RequiredString(body, "password"));
         ASSIGN_OR_RETURN(auto tokens, workflow_.Login(name, password, c.req.peer()));
         return SendJson(c, 200, TokensJson(tokens));
       }},
      {"POST", "/v1/auth/refresh", "auth.refresh", kActionAuthenticate,
       [this, json_limit](Call& c) -> Status {
         ASSIGN_OR_RETURN(json::object body, JsonBody(c, json_limit));
         ASSIGN_OR_RETURN(std::string refresh, RequiredString(body, "refresh_token"));
         ASSIGN_OR_RETURN(auto tokens, workflow_.Refresh(refresh));
         return SendJson(c, 200, TokensJson(tokens));
       }},
      {"POST", "/v1/auth/logout", "auth.logout", "authenticated",
       [this](Call& c) -> Status {
         RETURN_IF_ERROR(workflow_.Logout(c.who()));
         return c.w.Send(http::Response{204, {}, ""});
       }},
      {"GET", "/v1/auth/whoami", "auth.whoami", "authenticated",
       [](Call& c) -> Status {
         json::object o = wf::PrincipalJson(c.who().principal);
         o["roles"] = Array(c.who().roles, wf::RoleJson);
         o["token"] = wf::TokenJson(c.who().token);
         return SendJson(c, 200, o);
       }},

      // ---- principals ---------------------------------------------------------------------
      {"GET", "/v1/principals", "principals.list", "read",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto list, workflow_.ListPrincipals(c.who()));
         return SendJson(c, 200, json::object{{"principals", Array(list, wf::PrincipalJson)}});
       }},
      {"POST", "/v1/principals", "principals.create", "admin",
       [this, json_limit](Call& c) -> Status {
         ASSIGN_OR_RETURN(json::object body, JsonBody(c, json_limit));
         wf::NewPrincipalRequest r;
         ASSIGN_OR_RETURN(r.name, RequiredString(body, "name"));
         ASSIGN_OR_RETURN(auto kind, OptionalString(body, "kind"));
         if (kind) {
           ASSIGN_OR_RETURN(r.kind, Parse<PrincipalKind>(*kind));
         }
         ASSIGN_OR_RETURN(auto owner, OptionalString(body, "owner"));
         if (owner) {
           if (!LooksLike<PrincipalId>(*owner))
             return InvalidArgument("'owner' is not a principal id");
           r.owner = PrincipalId(*owner);
         }
         ASSIGN_OR_RETURN(auto display, OptionalString(body, "display_name"));
         r.display_name = display.value_or("");
         ASSIGN_OR_RETURN(auto password, OptionalString(body, "password"));
         r.password = password.value_or("");
         ASSIGN_OR_RETURN(PrincipalRecord p, workflow_.CreatePrincipal(c.who(), r));
         return SendJson(c, 201, wf::PrincipalJson(p));
       }},
      {"GET", "/v1/principals/{id}", "principals.get", "read",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<PrincipalId>(c));
         ASSIGN_OR_RETURN(PrincipalRecord p, workflow_.GetPrincipal(c.who(), id));
         return SendJson(c, 200, wf::PrincipalJson(p));
       }},
      {"POST", "/v1/principals/{id}/disable", "principals.disable", "admin",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<PrincipalId>(c));
         ASSIGN_OR_RETURN(PrincipalRecord p, workflow_.SetPrincipalDisabled(c.who(), id, true));
         return SendJson(c, 200, wf::PrincipalJson(p));
       }},
      {"POST", "/v1/principals/{id}/enable", "principals.enable", "admin",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<PrincipalId>(c));
         ASSIGN_OR_RETURN(PrincipalRecord p, workflow_.SetPrincipalDisabled(c.who(), id, false));
         return SendJson(c, 200, wf::PrincipalJson(p));
       }},
      {"POST", "/v1/principals/{id}/api-keys", "principals.apikey.create", "admin",
       [this, json_limit](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<PrincipalId>(c));
         json::object body;  // optional: defaults apply without one
         if (c.req.content_length().value_or(0) > 0 || c.req.header("transfer-encoding")) {
           ASSIGN_OR_RETURN(body, JsonBody(c, json_limit));
         }
         ASSIGN_OR_RETURN(auto days, OptionalInt(body, "ttl_days"));
         ASSIGN_OR_RETURN(auto label, OptionalString(body, "label"));
         int64_t d = days.value_or(90);
         if (d <= 0 || d > 366) return InvalidArgument("'ttl_days' must be between 1 and 366");
         ASSIGN_OR_RETURN(auto key, workflow_.CreateApiKey(c.who(), id, std::chrono::hours(24 * d),
                                                           label.value_or("")));
         json::object o = wf::TokenJson(key.second);
         o["api_key"] = key.first;  // shown once
         return SendJson(c, 201, o);
       }},

      // ---- projects -----------------------------------------------------------------------
      {"GET", "/v1/projects", "projects.list", "read",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto list, workflow_.ListProjects(c.who()));
         return SendJson(c, 200, json::object{{"projects", Array(list, wf::ProjectJson)}});
       }},
      {"POST", "/v1/projects", "projects.create", "admin",
       [this, json_limit](Call& c) -> Status {
         ASSIGN_OR_RETURN(json::object body, JsonBody(c, json_limit));
         ASSIGN_OR_RETURN(std::string name, RequiredString(body, "name"));
         ASSIGN_OR_RETURN(auto desc, OptionalString(body, "description"));
         ASSIGN_OR_RETURN(ProjectRecord p,
                          workflow_.CreateProject(c.who(), name, desc.value_or("")));
         return SendJson(c, 201, wf::ProjectJson(p));
       }},
      {"GET", "/v1/projects/{id}", "projects.get", "read",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<ProjectId>(c));
         ASSIGN_OR_RETURN(ProjectRecord p, workflow_.GetProject(c.who(), id));
         return SendJson(c, 200, wf::ProjectJson(p));
       }},
      {"GET", "/v1/projects/{id}/members", "projects.members.list", "read",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<ProjectId>(c));
         ASSIGN_OR_RETURN(auto members, workflow_.Members(c.who(), id));
         return SendJson(c, 200, json::object{{"members", Array(members, wf::RoleJson)}});
       }},
      {"POST", "/v1/projects/{id}/members", "projects.members.add", "admin",
       [this, json_limit](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<ProjectId>(c));
         ASSIGN_OR_RETURN(json::object body, JsonBody(c, json_limit));
         ASSIGN_OR_RETURN(auto principal, BodyId<PrincipalId>(body, "principal"));
         ASSIGN_OR_RETURN(std::string role_name, RequiredString(body, "role"));
         ASSIGN_OR_RETURN(Role role, Parse<Role>(role_name));
         RETURN_IF_ERROR(workflow_.AddMember(c.who(), id, principal, role));
         return SendJson(c, 201, wf::RoleJson(RoleBinding{principal, id, role}));
       }},
      {"DELETE", "/v1/projects/{id}/members/{principal}/{role}", "projects.members.remove", "admin",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<ProjectId>(c));
         ASSIGN_OR_RETURN(auto principal, PathId<PrincipalId>(c, "principal"));
         ASSIGN_OR_RETURN(Role role, Parse<Role>(c.req.param("role")));
         RETURN_IF_ERROR(workflow_.RemoveMember(c.who(), id, principal, role));
         return c.w.Send(http::Response{204, {}, ""});
       }},

      // ---- assets -------------------------------------------------------------------------
      {"POST", "/v1/assets", "assets.upload", "upload",
       [this](Call& c) -> Status {
         wf::UploadRequest r;
         auto project = c.req.query("project");
         if (!project || !LooksLike<ProjectId>(*project))
           return InvalidArgument("query parameter 'project' must name a project id");
         r.project = ProjectId(*project);
         if (auto k = c.req.query("kind")) {
           ASSIGN_OR_RETURN(r.kind, Parse<AssetKind>(*k));
         }
         r.title = c.req.query("title").value_or("");
         if (auto cl = c.req.query("classification")) {
           ASSIGN_OR_RETURN(r.classification, Parse<Classification>(*cl));
         }
         if (auto labels = c.req.query("labels")) {
           size_t start = 0;
           while (start <= labels->size()) {
             size_t comma = labels->find(',', start);
             std::string l = labels->substr(
                 start, comma == std::string::npos ? std::string::npos : comma - start);
             if (!l.empty()) r.labels.push_back(l);
             if (comma == std::string::npos) break;
             start = comma + 1;
           }
         }
         r.licence = c.req.query("licence").value_or("");
         r.source_path = c.req.query("source_path").value_or("");
         r.source_sha256 = c.req.query("source_sha256").value_or("");
         r.source_host = c.req.query("source_host").value_or("");
         r.owner = c.req.query("owner").value_or("");
         auto ct = c.req.header("content-type");
         if (ct && *ct != "application/octet-stream") r.media_type = ct->substr(0, ct->find(';'));
         c.req.set_body_limit(workflow_.options().max_upload_bytes);
         RequestBody body(c.req);
         bool existing = false;
         ASSIGN_OR_RETURN(AssetRecord a, workflow_.Upload(c.who(), r, body, &existing));
         if (existing) {
           // A repeated import of the same file: the asset it made before, nothing stored.
           json::object o = AssetJson(a);
           o["existing"] = true;
           return SendJson(c, 200, o);
         }
         return SendJson(c, 201, AssetJson(a));
       }},
      {"GET", "/v1/assets", "assets.list", "read",
       [this](Call& c) -> Status {
         AssetQuery q;
         if (auto p = c.req.query("project")) {
           if (!LooksLike<ProjectId>(*p)) return InvalidArgument("'project' is not a project id");
           q.project = ProjectId(*p);
         }
         if (auto k = c.req.query("kind")) {
           ASSIGN_OR_RETURN(q.kind, Parse<AssetKind>(*k));
         }
         if (auto s = c.req.query("stage")) {
           ASSIGN_OR_RETURN(q.stage, Parse<Stage>(*s));
         }
         if (auto cl = c.req.query("classification")) {
           ASSIGN_OR_RETURN(q.classification, Parse<Classification>(*cl));
         }
         if (auto o = c.req.query("owner")) {
           if (!LooksLike<PrincipalId>(*o)) return InvalidArgument("'owner' is not a principal id");
           q.owner = PrincipalId(*o);
         }
         if (auto l = c.req.query("label")) q.label = *l;
         if (auto a = c.req.query("after")) {
           if (!LooksLike<AssetId>(*a)) return InvalidArgument("'after' is not an asset id");
           q.after = *a;
         }
         ASSIGN_OR_RETURN(uint64_t limit, QueryU64(c, "limit", 50));
         q.limit = int(std::min<uint64_t>(limit, 500));
         ASSIGN_OR_RETURN(auto list, workflow_.ListAssets(c.who(), q));
         json::object o{{"assets", Array(list, AssetJson)}};
         if (int(list.size()) == q.limit && !list.empty()) o["next"] = list.back().id.str();
         return SendJson(c, 200, o);
       }},
      {"GET", "/v1/assets/{id}", "assets.get", "read",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<AssetId>(c));
         ASSIGN_OR_RETURN(AssetRecord a, workflow_.GetAsset(c.who(), id));
         return SendJson(c, 200, AssetJson(a));
       }},
      {"GET", "/v1/assets/{id}/content", "assets.content", "read",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<AssetId>(c));
         return workflow_.ReadContent(
             c.who(), id, [&](const AssetRecord& a, blob::BlobReader& reader) -> Status {
               http::Headers h = {
                   {"Content-Type",
                    a.media_type.empty() ? "application/octet-stream" : a.media_type},
                   {"ETag", "\"sha256:" + a.sha256 + "\""},
                   {"X-Content-SHA256", a.sha256},
                   {"X-Content-Type-Options", "nosniff"},
                   {"Content-Disposition", "attachment; filename=\"" + a.id.str() + "\""}};
               RETURN_IF_ERROR(c.w.Begin(200, std::move(h), a.size));
               std::vector<uint8_t> buf(256 * 1024);
               for (;;) {
                 auto n = reader.Read(buf);
                 if (!n.ok())
                   return c.w.Finish();  // connection closes: the client sees a short body
                 if (*n == 0) break;
                 RETURN_IF_ERROR(c.w.Write(std::span<const uint8_t>(buf.data(), *n)));
               }
               return c.w.Finish();
             });
       }},
      {"GET", "/v1/assets/{id}/lineage", "assets.lineage", "read",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<AssetId>(c));
         ASSIGN_OR_RETURN(json::object o, workflow_.Lineage(c.who(), id));
         return SendJson(c, 200, o);
       }},
      {"GET", "/v1/assets/{id}/findings", "assets.findings", "read",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<AssetId>(c));
         ASSIGN_OR_RETURN(auto findings, workflow_.Findings(c.who(), id));
         json::array list;
         for (const DlpFindingRecord& f : findings) list.push_back(wf::FindingJson(f));
         return SendJson(c, 200, json::object{{"asset", id.str()}, {"findings", std::move(list)}});
       }},
      {"GET", "/v1/assets/{id}/reviews", "assets.reviews", "read",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<AssetId>(c));
         ASSIGN_OR_RETURN(auto list, workflow_.Reviews(c.who(), id));
         return SendJson(c, 200, json::object{{"reviews", Array(list, wf::ReviewJson)}});
       }},
      {"POST", "/v1/assets/{id}/submit", "assets.submit", "submit",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<AssetId>(c));
         ASSIGN_OR_RETURN(AssetRecord a, workflow_.Submit(c.who(), id));
         return SendJson(c, 200, AssetJson(a));
       }},
      {"POST", "/v1/assets/{id}/approve", "assets.approve", "approve",
       [this, json_limit](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<AssetId>(c));
         ASSIGN_OR_RETURN(json::object body, JsonBody(c, json_limit));
         ASSIGN_OR_RETURN(std::string sha, RequiredString(body, "sha256"));
         ASSIGN_OR_RETURN(auto comment, OptionalString(body, "comment"));
         ASSIGN_OR_RETURN(auto r, workflow_.Approve(c.who(), id, sha, comment.value_or("")));
         return SendJson(c, 200,
                         json::object{{"asset", AssetJson(r.asset)},
                                      {"review", wf::ReviewJson(r.review)},
                                      {"approvals", r.approvals},
                                      {"approvals_required", r.approvals_required}});
       }},
      {"POST", "/v1/assets/{id}/reject", "assets.reject", "reject",
       [this, json_limit](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<AssetId>(c));
         std::string comment;
         if (c.req.content_length().value_or(0) > 0 || c.req.header("transfer-encoding")) {
           ASSIGN_OR_RETURN(json::object body, JsonBody(c, json_limit));
           ASSIGN_OR_RETURN(auto cm, OptionalString(body, "comment"));
           comment = cm.value_or("");
         }
         ASSIGN_OR_RETURN(AssetRecord a, workflow_.Reject(c.who(), id, comment));
         return SendJson(c, 200, AssetJson(a));
       }},
      {"POST", "/v1/assets/{id}/edits", "assets.edit", "edit",
       [this, json_limit](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<AssetId>(c));
         ASSIGN_OR_RETURN(json::object body, JsonBody(c, json_limit));
         ASSIGN_OR_RETURN(AssetRecord source, workflow_.GetAsset(c.who(), id));
         wf::JobRequest r;
         r.project = source.project;
         r.engine = "vips-edit";
         auto ops = body.find("ops");
         if (ops == body.end()) return InvalidArgument("missing field 'ops'");
         r.parameters["ops"] = ops->value();
         ASSIGN_OR_RETURN(auto format, OptionalString(body, "format"));
         if (format) r.parameters["format"] = *format;
         ASSIGN_OR_RETURN(auto title, OptionalString(body, "title"));
         r.title = title.value_or("");
         r.inputs.push_back(JobInput{id, "source"});
         ASSIGN_OR_RETURN(JobRecord j, workflow_.CreateJob(c.who(), r));
         return SendJson(c, 202, wf::JobJson(j));
       }},

      // ---- jobs ---------------------------------------------------------------------------
      {"POST", "/v1/jobs", "jobs.create", "generate",
       [this, json_limit](Call& c) -> Status {
         ASSIGN_OR_RETURN(json::object body, JsonBody(c, json_limit));
         wf::JobRequest r;
         ASSIGN_OR_RETURN(r.project, BodyId<ProjectId>(body, "project"));
         ASSIGN_OR_RETURN(auto engine, OptionalString(body, "engine"));
         r.engine = engine.value_or("procedural");
         if (r.engine == "vips-edit")
           return InvalidArgument("edits are made with POST /v1/assets/{id}/edits");
         if (auto p = body.find("parameters"); p != body.end()) {
           if (!p->value().is_object()) return InvalidArgument("'parameters' must be an object");
           r.parameters = p->value().as_object();
         }
         ASSIGN_OR_RETURN(auto seed, OptionalInt(body, "seed"));
         if (seed) {
           if (*seed < 0) return InvalidArgument("'seed' must be non-negative");
           r.seed = uint64_t(*seed);
         }
         ASSIGN_OR_RETURN(r.prompt, OptionalString(body, "prompt"));
         if (auto in = body.find("inputs"); in != body.end()) {
           if (!in->value().is_array()) return InvalidArgument("'inputs' must be an array");
           for (const auto& v : in->value().as_array()) {
             if (!v.is_object())
               return InvalidArgument("each input must be an object {asset, role}");
             ASSIGN_OR_RETURN(auto asset, BodyId<AssetId>(v.as_object(), "asset"));
             ASSIGN_OR_RETURN(std::string role, RequiredString(v.as_object(), "role"));
             r.inputs.push_back(JobInput{asset, role});
           }
         }
         ASSIGN_OR_RETURN(auto title, OptionalString(body, "title"));
         r.title = title.value_or("");
         ASSIGN_OR_RETURN(auto cl, OptionalString(body, "classification"));
         if (cl) {
           ASSIGN_OR_RETURN(r.classification, Parse<Classification>(*cl));
         }
         ASSIGN_OR_RETURN(r.labels, OptionalStringArray(body, "labels"));
         ASSIGN_OR_RETURN(JobRecord j, workflow_.CreateJob(c.who(), r));
         return SendJson(c, 202, wf::JobJson(j));
       }},
      {"GET", "/v1/jobs/{id}", "jobs.get", "read",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<JobId>(c));
         ASSIGN_OR_RETURN(JobRecord j, workflow_.GetJob(c.who(), id));
         return SendJson(c, 200, wf::JobJson(j));
       }},
      {"POST", "/v1/jobs/{id}/cancel", "jobs.cancel", "queue",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<JobId>(c));
         ASSIGN_OR_RETURN(JobRecord j, workflow_.CancelJob(c.who(), id));
         return SendJson(c, 200, wf::JobJson(j));
       }},
      {"GET", "/v1/events", "events", "read",
       [this](Call& c) -> Status {
         auto only_job = c.req.query("job");
         // Subscribe before reading the job's state, so no change can fall between the two.
         auto sub = events_.Subscribe();
         std::optional<JobRecord> initial;
         if (only_job) {
           if (!LooksLike<JobId>(*only_job)) return NotFound("no such job");
           ASSIGN_OR_RETURN(initial, workflow_.GetJob(c.who(), JobId(*only_job)));
         }
         http::SseWriter sse(c.w);
         RETURN_IF_ERROR(sse.Start());
         if (initial) {
           // The job's current state first: a client that subscribes after the job finished
           // still learns how it ended.
           json::object state = wf::JobJson(*initial);
           state["job"] = initial->id.str();
           RETURN_IF_ERROR(sse.Send({"job.state", "", json::serialize(state), {}}));
         }
         auto last_beat = std::chrono::steady_clock::now();
         uint64_t reported_drops = 0;
         while (!c.w.client_gone() && !c.w.shutting_down()) {
           auto e = sub->Next(std::chrono::milliseconds(250));
           if (uint64_t drops = sub->dropped(); drops > reported_drops) {
             // A slow client lost events: say so, so it can re-read state instead of trusting
             // the stream.
             RETURN_IF_ERROR(
                 sse.Send({"events.dropped",
                           "",
                           json::serialize(json::object{{"dropped", drops - reported_drops}}),
                           {}}));
             reported_drops = drops;
           }
           if (e) {
             if (!workflow_.CanSeeProject(c.who(), e->project)) continue;
             if (only_job) {
               auto j = e->data.find("job");
               if (j == e->data.end() || !j->value().is_string() ||
                   j->value().as_string() != *only_job)
                 continue;
             }
             json::object data = e->data;
             data["project"] = e->project;
             RETURN_IF_ERROR(sse.Send({e->type, std::to_string(e->id), json::serialize(data), {}}));
             last_beat = std::chrono::steady_clock::now();
           } else if (sub->closed()) {
             break;
           } else if (std::chrono::steady_clock::now() - last_beat > options_.sse_heartbeat) {
             RETURN_IF_ERROR(sse.Heartbeat("keep-alive"));
             last_beat = std::chrono::steady_clock::now();
           }
         }
         return sse.Close();
       }},

      // ---- exports ------------------------------------------------------------------------
      {"POST", "/v1/exports/grants", "exports.grant", "request-export",
       [this, json_limit](Call& c) -> Status {
         ASSIGN_OR_RETURN(json::object body, JsonBody(c, json_limit));
         ASSIGN_OR_RETURN(auto asset, BodyId<AssetId>(body, "asset"));
         ASSIGN_OR_RETURN(std::string dest, RequiredString(body, "destination"));
         ASSIGN_OR_RETURN(auto file_name, OptionalString(body, "file_name"));
         ASSIGN_OR_RETURN(GrantRecord g,
                          workflow_.RequestExport(c.who(), asset, dest, file_name.value_or("")));
         return SendJson(c, 201, wf::GrantJson(g));
       }},
      {"POST", "/v1/exports", "exports.execute", "export",
       [this, json_limit](Call& c) -> Status {
         ASSIGN_OR_RETURN(json::object body, JsonBody(c, json_limit));
         ASSIGN_OR_RETURN(std::string grant, RequiredString(body, "grant"));
         ASSIGN_OR_RETURN(auto r, workflow_.Export(c.who(), GrantId(grant)));
         json::array removed;
         for (const auto& s : r.scrub.removed) removed.emplace_back(s);
         return SendJson(c, 201,
                         json::object{{"publication", wf::PublicationJson(r.publication)},
                                      {"export_asset", AssetJson(r.export_asset)},
                                      {"metadata_removed", std::move(removed)},
                                      {"manifest", r.manifest_label}});
       }},
      {"GET", "/v1/publications/{id}", "publications.get", "read",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<PublicationId>(c));
         ASSIGN_OR_RETURN(PublicationRecord p, workflow_.GetPublication(c.who(), id));
         return SendJson(c, 200, wf::PublicationJson(p));
       }},
      {"POST", "/v1/publications/{id}/rollback", "publications.rollback", "rollback",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto id, PathId<PublicationId>(c));
         ASSIGN_OR_RETURN(PublicationRecord p, workflow_.Rollback(c.who(), id));
         return SendJson(c, 200, wf::PublicationJson(p));
       }},

      // ---- audit --------------------------------------------------------------------------
      {"GET", "/v1/audit", "audit.list", "audit-read",
       [this](Call& c) -> Status {
         RETURN_IF_ERROR(workflow_.AuthorizeAuditRead(c.who(), "entries"));
         AuditQuery q;
         ASSIGN_OR_RETURN(q.from_seq, QueryU64(c, "from", 0));
         ASSIGN_OR_RETURN(uint64_t limit, QueryU64(c, "limit", 100));
         q.limit = int(std::min<uint64_t>(std::max<uint64_t>(limit, 1), 1000));
         if (auto r = c.req.query("resource")) q.resource = r->substr(0, 100);
         ASSIGN_OR_RETURN(auto rows, audit_.List(q));
         json::array entries;
         for (const AuditRow& row : rows) {
           json::object e{{"seq", row.seq},
                          {"leaf_hash", HexEncode(row.leaf_hash)},
                          {"entry", json::parse(row.entry_json)}};
           entries.push_back(std::move(e));
         }
         return SendJson(c, 200,
                         json::object{{"size", audit_.size()}, {"entries", std::move(entries)}});
       }},
      {"GET", "/v1/audit/checkpoint", "audit.checkpoint", "audit-read",
       [this](Call& c) -> Status {
         RETURN_IF_ERROR(workflow_.AuthorizeAuditRead(c.who(), "checkpoint"));
         ASSIGN_OR_RETURN(std::string note, audit_.SignedCheckpoint());
         if (c.req.query("format").value_or("") == "json") {
           return SendJson(c, 200,
                           json::object{{"checkpoint", note},
                                        {"origin", audit_.origin()},
                                        {"verifier_key", audit_.VerifierKey()}});
         }
         http::Response r = http::Response::Text(200, note);
         return c.w.Send(std::move(r));
       }},
      {"GET", "/v1/audit/proof", "audit.proof", "audit-read",
       [this](Call& c) -> Status {
         RETURN_IF_ERROR(workflow_.AuthorizeAuditRead(c.who(), "proof"));
         ASSIGN_OR_RETURN(std::string note, audit_.SignedCheckpoint());
         ASSIGN_OR_RETURN(auto cp,
                          audit::ParseCheckpointBody(note.substr(0, note.find("\n\n") + 1)));
         if (c.req.query("index")) {
           ASSIGN_OR_RETURN(uint64_t index, QueryU64(c, "index", 0));
           ASSIGN_OR_RETURN(uint64_t size, QueryU64(c, "size", cp.size));
           ASSIGN_OR_RETURN(auto path, audit_.InclusionProof(index, size));
           if (c.req.query("format").value_or("") == "tlog-proof") {
             if (size != cp.size)
               return InvalidArgument(
                   "tlog-proof is only available for the latest checkpoint size");
             return c.w.Send(http::Response::Text(200, audit::FormatTlogProof(index, path, note)));
           }
           ASSIGN_OR_RETURN(audit::Hash root, audit_.Root(size));
           return SendJson(c, 200,
                           json::object{{"type", "inclusion"},
                                        {"index", index},
                                        {"size", size},
                                        {"root", HashHex(root)},
                                        {"proof", Array(path, HashHex)},
                                        {"checkpoint", note}});
         }
         ASSIGN_OR_RETURN(uint64_t from, QueryU64(c, "from", 0));
         ASSIGN_OR_RETURN(uint64_t to, QueryU64(c, "to", cp.size));
         ASSIGN_OR_RETURN(auto path, audit_.ConsistencyProof(from, to));
         ASSIGN_OR_RETURN(audit::Hash r1, audit_.Root(from));
         ASSIGN_OR_RETURN(audit::Hash r2, audit_.Root(to));
         return SendJson(c, 200,
                         json::object{{"type", "consistency"},
                                      {"from", from},
                                      {"to", to},
                                      {"from_root", HashHex(r1)},
                                      {"to_root", HashHex(r2)},
                                      {"proof", Array(path, HashHex)},
                                      {"checkpoint", note}});
       }},
      {"GET", "/v1/audit/verify", "audit.verify", "audit-read",
       [this](Call& c) -> Status {
         RETURN_IF_ERROR(workflow_.AuthorizeAuditRead(c.who(), "verify"));
         ASSIGN_OR_RETURN(auto report, audit_.Verify());
         return SendJson(c, 200, report.ToJson());
       }},

      // ---- policies ---------------------------------------------------------------------
      {"GET", "/v1/policies", "policies.get", "policy-read",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(PolicySetRecord p, workflow_.ActivePolicies(c.who()));
         return SendJson(c, 200, wf::PolicySetJson(p, p.version, /*with_files=*/true));
       }},
      {"GET", "/v1/policies/versions", "policies.versions", "policy-read",
       [this](Call& c) -> Status {
         ASSIGN_OR_RETURN(auto versions, workflow_.PolicyVersions(c.who()));
         int64_t active = workflow_.ActivePolicyVersion();
         json::array items;
         for (const PolicySetRecord& p : versions)
           items.push_back(wf::PolicySetJson(p, active, /*with_files=*/false));
         return SendJson(c, 200, json::object{{"active", active}, {"items", std::move(items)}});
       }},
      {"GET", "/v1/policies/versions/{version}", "policies.version", "policy-read",
       [this](Call& c) -> Status {
         int64_t version = 0;
         const std::string& v = c.req.param("version");
         auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
         if (ec != std::errc() || ptr != v.data() + v.size() || version < 1)
           return NotFound("no policy set version '" + v.substr(0, 20) + "'");
         ASSIGN_OR_RETURN(PolicySetRecord p, workflow_.PolicyVersion(c.who(), version));
         return SendJson(
             c, 200, wf::PolicySetJson(p, workflow_.ActivePolicyVersion(), /*with_files=*/true));
       }},
      {"POST", "/v1/policies/validate", "policies.validate", "policy-read",
       [this, json_limit](Call& c) -> Status {
         ASSIGN_OR_RETURN(json::object body, JsonBody(c, json_limit));
         ASSIGN_OR_RETURN(auto files, PolicyFilesOf(body));
         ASSIGN_OR_RETURN(wf::PolicyCheck check,
                          workflow_.ValidatePolicies(c.who(), std::move(files)));
         json::object o{
             {"valid", check.valid},
             {"problems",
              Array(check.problems, [](const policy::PolicyProblem& p) { return p.ToJson(); })},
             {"policies",
              Array(check.policy_ids, [](const std::string& id) { return json::value(id); })}};
         if (check.valid) o["sha256"] = check.sha256;
         return SendJson(c, 200, std::move(o));
       }},
      {"PUT", "/v1/policies", "policies.replace", "policy-write",
       [this, json_limit](Call& c) -> Status {
         ASSIGN_OR_RETURN(json::object body, JsonBody(c, json_limit));
         ASSIGN_OR_RETURN(auto files, PolicyFilesOf(body));
         ASSIGN_OR_RETURN(std::optional<std::string> comment, OptionalString(body, "comment"));
         ASSIGN_OR_RETURN(PolicySetRecord p, workflow_.ReplacePolicies(c.who(), std::move(files),
                                                                       comment.value_or("")));
         return SendJson(c, 200, wf::PolicySetJson(p, p.version, /*with_files=*/true));
       }},
      {"POST", "/v1/policies/rollback", "policies.rollback", "policy-write",
       [this, json_limit](Call& c) -> Status {
         ASSIGN_OR_RETURN(json::object body, JsonBody(c, json_limit));
         ASSIGN_OR_RETURN(std::optional<int64_t> version, OptionalInt(body, "version"));
         if (!version || *version < 1)
           return InvalidArgument("field 'version' (a policy set version number) is required");
         ASSIGN_OR_RETURN(std::optional<std::string> comment, OptionalString(body, "comment"));
         ASSIGN_OR_RETURN(PolicySetRecord p,
                          workflow_.RollbackPolicies(c.who(), *version, comment.value_or("")));
         return SendJson(c, 200, wf::PolicySetJson(p, p.version, /*with_files=*/true));
       }},

      // ---- Content Credentials ----------------------------------------------------------
      {"POST", "/v1/verify", "credentials.verify", "verify",
       [this](Call& c) -> Status {
         c.req.set_body_limit(workflow_.options().max_upload_bytes);
         RequestBody body(c.req);
         ASSIGN_OR_RETURN(wf::VerifyResult r, workflow_.Verify(c.who(), body));
         const ContentCredentials& cred = r.verified.credentials;
         ASSIGN_OR_RETURN(json::object o, ParseJsonObject(cred.report_json));
         o["state"] = std::string(Name(cred.state));
         o["active_manifest"] = cred.active_manifest.empty() ? json::value(nullptr)
                                                             : json::value(cred.active_manifest);
         json::array failures;
         for (const auto& f : cred.failures) failures.emplace_back(f);
         o["failures"] = std::move(failures);
         o["sha256"] = r.sha256;
         o["size"] = r.size;
         return SendJson(c, 200, std::move(o));
       }},

      // ---- decisions for other systems --------------------------------------------------
      {"POST", "/v1/authorize", "authorize", "authorize",
       [this, json_limit](Call& c) -> Status {
         ASSIGN_OR_RETURN(json::object body, JsonBody(c, json_limit));
         ASSIGN_OR_RETURN(wf::DecisionQuery q, DecisionQueryOf(body));
         ASSIGN_OR_RETURN(policy::Decision d, workflow_.DecideFor(c.who(), q));
         json::object o = d.ToJson();
         o["decision"] = d.allowed ? "allow" : "deny";
         o["principal"] = q.principal.str();
         o["resource"] = q.resource;
         return SendJson(c, 200, std::move(o));
       }},
  };

  for (Def& d : defs) {
    std::string action(d.action);
    Fn fn = std::move(d.fn);
    http::RouteHandler handler = [this, action, fn](Request& req, ResponseWriter& w) {
      Call call{req, w, nullptr};
      std::optional<Caller> caller;
      if (action != kActionPublic && action != kActionAuthenticate) {
        auto auth = req.header("authorization");
        if (!auth || auth->size() < 8 ||
            !(auth->rfind("Bearer ", 0) == 0 || auth->rfind("bearer ", 0) == 0)) {
          (void)w.Send(
              ProblemFor(Unauthenticated("missing bearer token (Authorization: Bearer <token>)")));
          return;
        }
        auto who = workflow_.Authenticate(std::string_view(*auth).substr(7));
        if (!who.ok()) {
          (void)w.Send(ProblemFor(who.error()));
          return;
        }
        caller = std::move(*who);
        call.caller = &*caller;
      }
      Status s = fn(call);
      if (!s.ok() && !w.started()) (void)w.Send(ProblemFor(s.error()));
    };
    Status added = router_.Add(d.method, d.pattern, d.name, action, std::move(handler));
    if (!added.ok()) throw std::logic_error("route table: " + added.error().ToString());
  }
}

}  // namespace custody::api
