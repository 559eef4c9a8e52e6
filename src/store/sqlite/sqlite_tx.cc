#include "store/sqlite/sqlite_tx.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstring>
#include <limits>
#include <utility>

namespace custody::sqlite {
namespace {

// Listing limits: callers page; a single call never materialises more than this many records.
constexpr int kMaxListLimit = 1000;

// Column lists, kept next to the decoders below that read them by position.
#define PRINCIPAL_COLUMNS \
  "id, name, kind, owner, display_name, password_hash, disabled, created_at, created_by"
#define PROJECT_COLUMNS "id, name, description, created_at, created_by"
#define TOKEN_COLUMNS "id, hash, kind, principal, issued_at, expires_at, parent, revoked, label"
#define BLOB_COLUMNS "id, sha256, size, wrapped_key, created_at, disposed_at"
// Labels are read back through a correlated subquery over the asset_labels primary key; the
// separator (US, 0x1f) cannot occur in a valid label.
#define ASSET_COLUMNS                                                                           \
  "a.id, a.kind, a.project, a.owner, a.on_behalf_of, a.title, a.media_type, a.size, a.sha256, " \
  "a.blob, a.classification, a.licence, a.stage, a.status, a.previous_version, a.version, "     \
  "a.generated_by, a.created_at, a.stage_changed_at, "                                          \
  "(SELECT group_concat(l.label, char(31)) FROM asset_labels l WHERE l.asset_id = a.id), "      \
  "(SELECT json_array(c.state, c.active_manifest, c.failures, c.verified_at) "                  \
  "FROM asset_credentials c WHERE c.asset_id = a.id), "                                         \
  "(SELECT json_array(s.findings, s.secrets, s.pii, s.dictionary, s.redacted, s.rules, "        \
  "s.scanned_at) FROM asset_scans s WHERE s.asset_id = a.id), "                                 \
  "(SELECT json_array(o.path, o.sha256, o.host) FROM asset_origins o WHERE o.asset_id = a.id)"
#define ASSET_COLUMNS_TAIL_CREDENTIALS "c.state, c.active_manifest, c.failures, c.verified_at"
#define JOB_COLUMNS                                                                            \
  "id, kind, project, actor, on_behalf_of, engine, model, model_version, parameters_json, "    \
  "seed, output_title, output_classification, output_labels, status, attempts, max_attempts, " \
  "lease_until, progress, output, error, cancel_requested, created_at, started_at, finished_at"
#define REVIEW_COLUMNS "id, asset, sha256, reviewer, verdict, comment, at, expires_at, lapsed"
#define REVIEW_COLUMNS_R \
  "r.id, r.asset, r.sha256, r.reviewer, r.verdict, r.comment, r.at, r.expires_at, r.lapsed"
#define GRANT_COLUMNS \
  "id, asset, sha256, destination, file_name, requester, issued_at, expires_at, used_at"
#define PUBLICATION_COLUMNS                                                             \
  "id, source_asset, export_asset, grant_id, destination, path, sha256, published_by, " \
  "published_at, status, rollback_method, rolled_back_at, rolled_back_by"
#define AUDIT_COLUMNS "seq, entry_json, leaf_hash, at"
#define AUDIT_COLUMNS_A "a.seq, a.entry_json, a.leaf_hash, a.at"
#define CHECKPOINT_COLUMNS "size, note, at"
#define POLICY_SET_COLUMNS \
  "version, files_json, sha256, created_at, created_by, comment, rolled_back_from"

Error AlreadyExists(std::string message) {
  return Error(ErrorCode::kAlreadyExists, std::move(message));
}

// Names the object in id/foreign-key failures of an INSERT; other failures pass through.
Status MapInsertError(Status s, std::string_view what, const std::string& id,
                      std::string_view references) {
  if (s.ok()) return s;
  if (s.error().code() == ErrorCode::kAlreadyExists)
    return AlreadyExists(std::string(what) + " " + id + " already exists");
  if (s.error().code() == ErrorCode::kNotFound)
    return NotFound(std::string(what) + " " + id + " refers to " + std::string(references) +
                    " that does not exist");
  return s;
}

Status CheckLimit(int limit) {
  if (limit <= 0)
    return InvalidArgument("limit must be positive (got " + std::to_string(limit) + ")");
  return OkStatus();
}

template <typename E>
Result<E> EnumAt(const Statement& st, int col) {
  Result<E> r = Parse<E>(st.TextView(col));
  if (!r.ok()) return Error(ErrorCode::kDataLoss, "stored row is invalid: " + r.error().message());
  return r;
}

uint64_t SizeAt(const Statement& st, int col) {
  int64_t v = st.Int64(col);
  return v < 0 ? 0 : static_cast<uint64_t>(v);
}

std::string LabelsToJson(const std::vector<std::string>& labels) {
  boost::json::array a;
  for (const auto& l : labels) a.emplace_back(l);
  return boost::json::serialize(a);
}

Result<std::vector<std::string>> LabelsFromJson(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return Error(ErrorCode::kDataLoss, "stored label list is invalid");
  std::vector<std::string> out;
  for (const auto& e : v.as_array()) {
    if (!e.is_string()) return Error(ErrorCode::kDataLoss, "stored label list is invalid");
    out.emplace_back(e.as_string());
  }
  return out;
}

Result<PrincipalRecord> ReadPrincipal(const Statement& st) {
  PrincipalRecord p;
  p.id = st.IdAt<PrincipalId>(0);
  p.name = st.Text(1);
  ASSIGN_OR_RETURN(p.kind, EnumAt<PrincipalKind>(st, 2));
  p.owner = st.OptIdAt<PrincipalId>(3);
  p.display_name = st.Text(4);
  p.password_hash = st.Text(5);
  p.disabled = st.Bool(6);
  p.created_at = st.Time(7);
  p.created_by = st.OptIdAt<PrincipalId>(8);
  return p;
}

Result<RoleBinding> ReadRole(const Statement& st) {
  RoleBinding b;
  b.principal = st.IdAt<PrincipalId>(0);
  b.project = st.OptIdAt<ProjectId>(1);
  ASSIGN_OR_RETURN(b.role, EnumAt<Role>(st, 2));
  return b;
}

Result<ProjectRecord> ReadProject(const Statement& st) {
  ProjectRecord p;
  p.id = st.IdAt<ProjectId>(0);
  p.name = st.Text(1);
  p.description = st.Text(2);
  p.created_at = st.Time(3);
  p.created_by = st.IdAt<PrincipalId>(4);
  return p;
}

Result<TokenRecord> ReadToken(const Statement& st) {
  TokenRecord t;
  t.id = st.IdAt<TokenId>(0);
  t.hash = st.Text(1);
  ASSIGN_OR_RETURN(t.kind, EnumAt<TokenKind>(st, 2));
  t.principal = st.IdAt<PrincipalId>(3);
  t.issued_at = st.Time(4);
  t.expires_at = st.Time(5);
  t.parent = st.OptIdAt<TokenId>(6);
  t.revoked = st.Bool(7);
  t.label = st.Text(8);
  return t;
}

Result<BlobRecord> ReadBlob(const Statement& st) {
  BlobRecord b;
  b.id = st.IdAt<BlobId>(0);
  b.sha256 = st.Text(1);
  b.size = SizeAt(st, 2);
  b.wrapped_key = st.Blob(3);
  b.created_at = st.Time(4);
  b.disposed_at = st.OptTime(5);
  return b;
}

Result<AssetRecord> ReadAsset(const Statement& st) {
  AssetRecord a;
  a.id = st.IdAt<AssetId>(0);
  ASSIGN_OR_RETURN(a.kind, EnumAt<AssetKind>(st, 1));
  a.project = st.IdAt<ProjectId>(2);
  a.owner = st.IdAt<PrincipalId>(3);
  a.on_behalf_of = st.OptIdAt<PrincipalId>(4);
  a.title = st.Text(5);
  a.media_type = st.Text(6);
  a.size = SizeAt(st, 7);
  a.sha256 = st.Text(8);
  a.blob = st.IdAt<BlobId>(9);
  ASSIGN_OR_RETURN(a.classification, EnumAt<Classification>(st, 10));
  a.licence = st.Text(11);
  ASSIGN_OR_RETURN(a.stage, EnumAt<Stage>(st, 12));
  ASSIGN_OR_RETURN(a.status, EnumAt<AssetStatus>(st, 13));
  a.previous_version = st.OptIdAt<AssetId>(14);
  a.version = static_cast<int>(st.Int64(15));
  a.generated_by = st.OptIdAt<JobId>(16);
  a.created_at = st.Time(17);
  a.stage_changed_at = st.Time(18);
  std::string_view packed = st.TextView(19);
  while (!packed.empty()) {
    size_t cut = packed.find('\x1f');
    a.labels.emplace_back(packed.substr(0, cut));
    if (cut == std::string_view::npos) break;
    packed.remove_prefix(cut + 1);
  }
  std::sort(a.labels.begin(), a.labels.end());  // group_concat's order is unspecified
  // Content credentials: [state, active_manifest, failures (a JSON array), verified_at], or NULL
  // when the asset was never verified.
  if (!st.IsNull(20)) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(st.TextView(20), ec);
    if (ec || !v.is_array() || v.as_array().size() != 4 || !v.as_array()[0].is_string() ||
        !v.as_array()[1].is_string() || !v.as_array()[2].is_string() || !v.as_array()[3].is_int64())
      return Error(ErrorCode::kDataLoss, "asset " + a.id.str() + ": malformed credentials row");
    const boost::json::array& row = v.as_array();
    ContentCredentials c;
    ASSIGN_OR_RETURN(c.state, Parse<CredentialsState>(row[0].as_string()));
    c.active_manifest = std::string(row[1].as_string());
    boost::json::value failures = boost::json::parse(row[2].as_string(), ec);
    if (ec || !failures.is_array())
      return Error(ErrorCode::kDataLoss, "asset " + a.id.str() + ": malformed credentials row");
    for (const boost::json::value& f : failures.as_array())
      if (f.is_string()) c.failures.emplace_back(f.as_string());
    c.verified_at = FromUnixMicros(row[3].as_int64());
    a.credentials = std::move(c);
  }
  // DLP scan: [findings, secrets, pii, dictionary, redacted, rules (a JSON array), scanned_at].
  if (!st.IsNull(21)) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(st.TextView(21), ec);
    auto bad = [&] {
      return Error(ErrorCode::kDataLoss, "asset " + a.id.str() + ": malformed DLP scan row");
    };
    if (ec || !v.is_array() || v.as_array().size() != 7) return bad();
    const boost::json::array& row = v.as_array();
    for (size_t i : {0, 1, 2, 3, 4, 6})
      if (!row[i].is_int64()) return bad();
    if (!row[5].is_string()) return bad();
    DlpSummary d;
    d.findings = row[0].as_int64();
    d.secrets = row[1].as_int64();
    d.pii = row[2].as_int64();
    d.dictionary = row[3].as_int64();
    d.redacted = row[4].as_int64();
    boost::json::value rules = boost::json::parse(row[5].as_string(), ec);
    if (ec || !rules.is_array()) return bad();
    for (const boost::json::value& r : rules.as_array())
      if (r.is_string()) d.rules.emplace_back(r.as_string());
    d.scanned_at = FromUnixMicros(row[6].as_int64());
    a.dlp = std::move(d);
  }
  if (!st.IsNull(22)) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(st.TextView(22), ec);
    if (ec || !v.is_array() || v.as_array().size() != 3 || !v.as_array()[0].is_string() ||
        !v.as_array()[1].is_string() || !v.as_array()[2].is_string())
      return Error(ErrorCode::kDataLoss, "asset " + a.id.str() + ": malformed origin row");
    const boost::json::array& row = v.as_array();
    a.origin = AssetOrigin{std::string(row[0].as_string()), std::string(row[1].as_string()),
                           std::string(row[2].as_string())};
  }
  return a;
}

// Reads the jobs row; the inputs come from job_inputs (SqliteTx::InputsOf).
Result<JobRecord> ReadJobRow(const Statement& st) {
  JobRecord j;
  j.id = st.IdAt<JobId>(0);
  ASSIGN_OR_RETURN(j.kind, EnumAt<JobKind>(st, 1));
  j.project = st.IdAt<ProjectId>(2);
  j.actor = st.IdAt<PrincipalId>(3);
  j.on_behalf_of = st.OptIdAt<PrincipalId>(4);
  j.engine = st.Text(5);
  j.model = st.Text(6);
  j.model_version = st.Text(7);
  j.parameters_json = st.Text(8);
  j.seed = static_cast<uint64_t>(st.Int64(9));
  j.output_title = st.Text(10);
  ASSIGN_OR_RETURN(j.output_classification, EnumAt<Classification>(st, 11));
  ASSIGN_OR_RETURN(j.output_labels, LabelsFromJson(st.TextView(12)));
  ASSIGN_OR_RETURN(j.status, EnumAt<JobStatus>(st, 13));
  j.attempts = static_cast<int>(st.Int64(14));
  j.max_attempts = static_cast<int>(st.Int64(15));
  j.lease_until = st.OptTime(16);
  j.progress = st.Double(17);
  j.output = st.OptIdAt<AssetId>(18);
  j.error = st.Text(19);
  j.cancel_requested = st.Bool(20);
  j.created_at = st.Time(21);
  j.started_at = st.OptTime(22);
  j.finished_at = st.OptTime(23);
  return j;
}

Result<ReviewRecord> ReadReview(const Statement& st) {
  ReviewRecord r;
  r.id = st.IdAt<ReviewId>(0);
  r.asset = st.IdAt<AssetId>(1);
  r.sha256 = st.Text(2);
  r.reviewer = st.IdAt<PrincipalId>(3);
  ASSIGN_OR_RETURN(r.verdict, EnumAt<ReviewVerdict>(st, 4));
  r.comment = st.Text(5);
  r.at = st.Time(6);
  r.expires_at = st.OptTime(7);
  r.lapsed = st.Bool(8);
  return r;
}

Result<GrantRecord> ReadGrant(const Statement& st) {
  GrantRecord g;
  g.id = st.IdAt<GrantId>(0);
  g.asset = st.IdAt<AssetId>(1);
  g.sha256 = st.Text(2);
  g.destination = st.Text(3);
  g.file_name = st.Text(4);
  g.requester = st.IdAt<PrincipalId>(5);
  g.issued_at = st.Time(6);
  g.expires_at = st.Time(7);
  g.used_at = st.OptTime(8);
  return g;
}

Result<PublicationRecord> ReadPublication(const Statement& st) {
  PublicationRecord p;
  p.id = st.IdAt<PublicationId>(0);
  p.source_asset = st.IdAt<AssetId>(1);
  p.export_asset = st.IdAt<AssetId>(2);
  p.grant = st.IdAt<GrantId>(3);
  p.destination = st.Text(4);
  p.path = st.Text(5);
  p.sha256 = st.Text(6);
  p.published_by = st.IdAt<PrincipalId>(7);
  p.published_at = st.Time(8);
  ASSIGN_OR_RETURN(p.status, EnumAt<PublicationStatus>(st, 9));
  p.rollback_method = st.Text(10);
  p.rolled_back_at = st.OptTime(11);
  p.rolled_back_by = st.OptIdAt<PrincipalId>(12);
  return p;
}

Result<AuditRow> ReadAudit(const Statement& st) {
  AuditRow r;
  r.seq = static_cast<uint64_t>(st.Int64(0));
  r.entry_json = st.Text(1);
  r.leaf_hash = st.Blob(2);
  r.at = st.Time(3);
  return r;
}

Result<CheckpointRow> ReadCheckpoint(const Statement& st) {
  CheckpointRow c;
  c.size = static_cast<uint64_t>(st.Int64(0));
  c.note = st.Text(1);
  c.at = st.Time(2);
  return c;
}

Result<PolicySetRecord> ReadPolicySet(const Statement& st) {
  PolicySetRecord p;
  p.version = st.Int64(0);
  p.files_json = st.Text(1);
  p.sha256 = st.Text(2);
  p.created_at = st.Time(3);
  p.created_by = st.OptIdAt<PrincipalId>(4);
  p.comment = st.Text(5);
  if (!st.IsNull(6)) p.rolled_back_from = st.Int64(6);
  return p;
}

// Runs a bound query and decodes every row with `read`.
template <typename T, typename ReadFn>
Result<std::vector<T>> Collect(Statement& st, ReadFn read) {
  std::vector<T> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    ASSIGN_OR_RETURN(T value, read(st));
    out.push_back(std::move(value));
  }
}

// Runs a bound query expecting at most one row.
template <typename T, typename ReadFn>
Result<std::optional<T>> FetchOne(Statement& st, ReadFn read) {
  ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<T>();
  ASSIGN_OR_RETURN(T value, read(st));
  return std::optional<T>(std::move(value));
}

template <typename T, typename ReadFn>
Result<T> FetchRequired(Statement& st, ReadFn read, std::string_view what, const std::string& id) {
  ASSIGN_OR_RETURN(std::optional<T> value, FetchOne<T>(st, read));
  if (!value) return NotFound(std::string(what) + " " + id + " not found");
  return std::move(*value);
}

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsBase32(char c) { return IsLower(c) || (c >= '2' && c <= '7'); }
bool IsTokenChar(char c) {
  return IsLower(c) || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
constexpr size_t kIdLength = 30;  // "abc_" + 26

bool LooksLikeObjectId(std::string_view s) {
  if (s.size() != kIdLength || s[3] != '_') return false;
  for (size_t i = 0; i < 3; ++i)
    if (!IsLower(s[i])) return false;
  for (size_t i = 4; i < kIdLength; ++i)
    if (!IsBase32(s[i])) return false;
  return true;
}

}  // namespace

std::vector<std::string> ExtractObjectIds(std::string_view text) {
  std::vector<std::string> out;
  // Every id has '_' at offset 3: jump between underscores (memchr) instead of testing each byte.
  size_t from = 3;
  while (from < text.size()) {
    const void* hit = std::memchr(text.data() + from, '_', text.size() - from);
    if (hit == nullptr) break;
    size_t underscore = static_cast<size_t>(static_cast<const char*>(hit) - text.data());
    from = underscore + 1;
    if (underscore < 3) continue;
    size_t start = underscore - 3;
    size_t end = start + kIdLength;
    if (end > text.size()) break;
    if (start > 0 && IsTokenChar(text[start - 1])) continue;
    if (end < text.size() && IsTokenChar(text[end])) continue;
    std::string_view candidate = text.substr(start, kIdLength);
    if (!LooksLikeObjectId(candidate)) continue;
    if (std::find(out.begin(), out.end(), candidate) == out.end()) out.emplace_back(candidate);
    from = end;
  }
  return out;
}

std::vector<std::string> ExtractAuditRefs(std::string_view entry_json) {
  std::vector<std::string> refs;
  // Entries are small; parse them without touching the heap when they fit the buffer.
  unsigned char buffer[4096];
  boost::json::monotonic_resource arena(buffer, sizeof buffer);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(entry_json, ec, &arena);
  if (!ec && v.is_object()) {
    const boost::json::value* resource = v.as_object().if_contains("resource");
    if (resource != nullptr && resource->is_string() && !resource->as_string().empty() &&
        resource->as_string().size() <= kMaxAuditResourceBytes)
      refs.emplace_back(resource->as_string());
  }
  for (std::string& id : ExtractObjectIds(entry_json))
    if (refs.empty() || refs.front() != id) refs.push_back(std::move(id));
  return refs;
}

// ---- Principals and roles -----------------------------------------------------------------------

Result<PrincipalRecord> SqliteTx::GetPrincipal(const PrincipalId& id) {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("SELECT " PRINCIPAL_COLUMNS " FROM principals WHERE id = ?"));
  st.BindAll(id);
  return FetchRequired<PrincipalRecord>(st, ReadPrincipal, "principal", id.str());
}

Result<std::optional<PrincipalRecord>> SqliteTx::FindPrincipalByName(std::string_view name) {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("SELECT " PRINCIPAL_COLUMNS " FROM principals WHERE name = ?"));
  st.BindAll(name);
  return FetchOne<PrincipalRecord>(st, ReadPrincipal);
}

Result<std::vector<PrincipalRecord>> SqliteTx::ListPrincipals() {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("SELECT " PRINCIPAL_COLUMNS " FROM principals ORDER BY name"));
  return Collect<PrincipalRecord>(st, ReadPrincipal);
}

Result<std::vector<RoleBinding>> SqliteTx::RolesOf(const PrincipalId& id) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT principal, project, role FROM role_bindings "
                                               "WHERE principal = ? "
                                               "ORDER BY coalesce(project, ''), role"));
  st.BindAll(id);
  return Collect<RoleBinding>(st, ReadRole);
}

Result<std::vector<RoleBinding>> SqliteTx::MembersOf(const ProjectId& project) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT principal, project, role FROM role_bindings "
                                               "WHERE project = ? ORDER BY principal, role"));
  st.BindAll(project);
  return Collect<RoleBinding>(st, ReadRole);
}

Status SqliteTx::InsertPrincipal(const PrincipalRecord& p) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("INSERT INTO principals (" PRINCIPAL_COLUMNS
                                               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.BindAll(p.id, p.name, Name(p.kind), p.owner, p.display_name, p.password_hash, p.disabled,
             p.created_at, p.created_by);
  Status s = st.Run();
  if (!s.ok() && ConstraintNames(s.error(), "principals.name"))
    return AlreadyExists("a principal named '" + p.name + "' already exists");
  return MapInsertError(std::move(s), "principal", p.id.str(), "an owner or creator");
}

Status SqliteTx::UpdatePrincipal(const PrincipalRecord& p) {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("UPDATE principals SET name = ?, kind = ?, owner = ?, "
                                 "display_name = ?, password_hash = ?, disabled = ? WHERE id = ?"));
  st.BindAll(p.name, Name(p.kind), p.owner, p.display_name, p.password_hash, p.disabled, p.id);
  Status s = st.Run();
  if (!s.ok() && ConstraintNames(s.error(), "principals.name"))
    return AlreadyExists("a principal named '" + p.name + "' already exists");
  if (!s.ok() && s.error().code() == ErrorCode::kNotFound)
    return NotFound("principal " + p.id.str() + " refers to an owner that does not exist");
  RETURN_IF_ERROR(s);
  if (conn_.Changes() == 0) return NotFound("principal " + p.id.str() + " not found");
  return OkStatus();
}

Status SqliteTx::AddRole(const RoleBinding& b) {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("INSERT INTO role_bindings (principal, project, role) "
                                 "VALUES (?, ?, ?) ON CONFLICT DO NOTHING"));
  st.BindAll(b.principal, b.project, Name(b.role));
  Status s = st.Run();
  if (!s.ok() && s.error().code() == ErrorCode::kNotFound)
    return NotFound("role binding for principal " + b.principal.str() +
                    (b.project ? " in project " + b.project->str() : std::string()) +
                    " refers to a principal or project that does not exist");
  return s;
}

Status SqliteTx::RemoveRole(const RoleBinding& b) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("DELETE FROM role_bindings WHERE principal = ? AND "
                                               "coalesce(project, '') = coalesce(?, '') AND "
                                               "role = ?"));
  st.BindAll(b.principal, b.project, Name(b.role));
  return st.Run();
}

// ---- Projects -----------------------------------------------------------------------------------

Result<ProjectRecord> SqliteTx::GetProject(const ProjectId& id) {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("SELECT " PROJECT_COLUMNS " FROM projects WHERE id = ?"));
  st.BindAll(id);
  return FetchRequired<ProjectRecord>(st, ReadProject, "project", id.str());
}

Result<std::optional<ProjectRecord>> SqliteTx::FindProjectByName(std::string_view name) {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("SELECT " PROJECT_COLUMNS " FROM projects WHERE name = ?"));
  st.BindAll(name);
  return FetchOne<ProjectRecord>(st, ReadProject);
}

Result<std::vector<ProjectRecord>> SqliteTx::ListProjects() {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("SELECT " PROJECT_COLUMNS " FROM projects ORDER BY name"));
  return Collect<ProjectRecord>(st, ReadProject);
}

Status SqliteTx::InsertProject(const ProjectRecord& p) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("INSERT INTO projects (" PROJECT_COLUMNS
                                               ") VALUES (?, ?, ?, ?, ?)"));
  st.BindAll(p.id, p.name, p.description, p.created_at, p.created_by);
  Status s = st.Run();
  if (!s.ok() && ConstraintNames(s.error(), "projects.name"))
    return AlreadyExists("a project named '" + p.name + "' already exists");
  return MapInsertError(std::move(s), "project", p.id.str(), "a creator");
}

// ---- Tokens -------------------------------------------------------------------------------------

Result<std::optional<TokenRecord>> SqliteTx::FindTokenByHash(std::string_view hash) {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("SELECT " TOKEN_COLUMNS " FROM tokens WHERE hash = ?"));
  st.BindAll(hash);
  return FetchOne<TokenRecord>(st, ReadToken);
}

Result<TokenRecord> SqliteTx::GetToken(const TokenId& id) {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("SELECT " TOKEN_COLUMNS " FROM tokens WHERE id = ?"));
  st.BindAll(id);
  return FetchRequired<TokenRecord>(st, ReadToken, "token", id.str());
}

Result<std::vector<TokenRecord>> SqliteTx::TokensOf(const PrincipalId& principal) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT " TOKEN_COLUMNS " FROM tokens WHERE "
                                               "principal = ? ORDER BY issued_at, id"));
  st.BindAll(principal);
  return Collect<TokenRecord>(st, ReadToken);
}

Status SqliteTx::InsertToken(const TokenRecord& t) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("INSERT INTO tokens (" TOKEN_COLUMNS
                                               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.BindAll(t.id, t.hash, Name(t.kind), t.principal, t.issued_at, t.expires_at, t.parent,
             t.revoked, t.label);
  Status s = st.Run();
  // The hash is a credential's fingerprint: never echo it.
  if (!s.ok() && ConstraintNames(s.error(), "tokens.hash"))
    return AlreadyExists("a token with the same secret hash already exists");
  return MapInsertError(std::move(s), "token", t.id.str(), "a principal or parent token");
}

Status SqliteTx::RevokeToken(const TokenId& id) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("UPDATE tokens SET revoked = 1 WHERE id = ?"));
  st.BindAll(id);
  RETURN_IF_ERROR(st.Run());
  if (conn_.Changes() == 0) return NotFound("token " + id.str() + " not found");
  return OkStatus();
}

Result<int> SqliteTx::RevokeTokensOf(const PrincipalId& principal) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("UPDATE tokens SET revoked = 1 "
                                               "WHERE principal = ? AND revoked = 0"));
  st.BindAll(principal);
  RETURN_IF_ERROR(st.Run());
  return static_cast<int>(conn_.Changes());
}

Result<int> SqliteTx::RevokeTokenFamily(const TokenId& refresh) {
  ASSIGN_OR_RETURN(TokenRecord root, GetToken(refresh));
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("UPDATE tokens SET revoked = 1 "
                                               "WHERE (id = ?1 OR parent = ?1) AND revoked = 0"));
  st.BindAll(root.id);
  RETURN_IF_ERROR(st.Run());
  return static_cast<int>(conn_.Changes());
}

// ---- Blobs --------------------------------------------------------------------------------------

Result<BlobRecord> SqliteTx::GetBlob(const BlobId& id) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT " BLOB_COLUMNS " FROM blobs WHERE id = ?"));
  st.BindAll(id);
  return FetchRequired<BlobRecord>(st, ReadBlob, "blob", id.str());
}

Result<std::vector<BlobId>> SqliteTx::ListBlobIds() {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT id FROM blobs ORDER BY id"));
  return Collect<BlobId>(st,
                         [](const Statement& s) -> Result<BlobId> { return s.IdAt<BlobId>(0); });
}

Status SqliteTx::InsertBlob(const BlobRecord& b) {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("INSERT INTO blobs (" BLOB_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?)"));
  st.BindAll(b.id, b.sha256, b.size, b.wrapped_key, b.created_at, b.disposed_at);
  return MapInsertError(st.Run(), "blob", b.id.str(), "nothing");
}

Status SqliteTx::DestroyBlobKey(const BlobId& id, TimePoint at) {
  // Idempotent; the first disposal time stands.
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("UPDATE blobs SET wrapped_key = X'', "
                                 "disposed_at = coalesce(disposed_at, ?) WHERE id = ?"));
  st.BindAll(at, id);
  RETURN_IF_ERROR(st.Run());
  if (conn_.Changes() == 0) return NotFound("blob " + id.str() + " not found");
  return OkStatus();
}

// ---- Assets -------------------------------------------------------------------------------------

Status SqliteTx::RequireAsset(const AssetId& id) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT 1 FROM assets WHERE id = ?"));
  st.BindAll(id);
  ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFound("asset " + id.str() + " not found");
  return OkStatus();
}

Result<AssetRecord> SqliteTx::GetAsset(const AssetId& id) {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("SELECT " ASSET_COLUMNS " FROM assets a WHERE a.id = ?"));
  st.BindAll(id);
  return FetchRequired<AssetRecord>(st, ReadAsset, "asset", id.str());
}

Result<std::vector<AssetRecord>> SqliteTx::ListAssets(const AssetQuery& q) {
  RETURN_IF_ERROR(CheckLimit(q.limit));
  // The SQL text depends only on which filters are present (the visible set is one JSON
  // parameter), so at most 2^8 variants end up in the statement cache.
  std::string sql = "SELECT " ASSET_COLUMNS " FROM assets a WHERE 1 = 1";
  std::vector<std::string> binds;
  if (q.project) {
    sql += " AND a.project = ?";
    binds.push_back(q.project->str());
  }
  if (!q.all_projects) {
    // Fail closed: without all_projects, only the listed projects are visible.
    if (q.visible_projects.empty()) return std::vector<AssetRecord>();
    boost::json::array visible;
    for (const auto& p : q.visible_projects) visible.emplace_back(p.str());
    sql += " AND a.project IN (SELECT value FROM json_each(?))";
    binds.push_back(boost::json::serialize(visible));
  }
  if (q.kind) {
    sql += " AND a.kind = ?";
    binds.emplace_back(Name(*q.kind));
  }
  if (q.stage) {
    sql += " AND a.stage = ?";
    binds.emplace_back(Name(*q.stage));
  }
  if (q.owner) {
    sql += " AND a.owner = ?";
    binds.push_back(q.owner->str());
  }
  if (q.classification) {
    sql += " AND a.classification = ?";
    binds.emplace_back(Name(*q.classification));
  }
  if (q.label) {
    sql += " AND a.id IN (SELECT asset_id FROM asset_labels WHERE label = ?)";
    binds.push_back(*q.label);
  }
  if (!q.after.empty()) {
    // The cursor is the last id of the previous page; the page continues strictly after that
    // asset's (created_at, id) position, which stays put however many assets are added.
    ASSIGN_OR_RETURN(Statement cursor, conn_.Prepare("SELECT 1 FROM assets WHERE id = ?"));
    cursor.BindAll(q.after);
    ASSIGN_OR_RETURN(bool known, cursor.Step());
    if (!known) return InvalidArgument("invalid cursor '" + q.after.substr(0, 64) + "'");
    sql +=
        " AND (a.created_at, a.id) < "
        "(SELECT c.created_at, c.id FROM assets c WHERE c.id = ?)";
    binds.push_back(q.after);
  }
  sql += " ORDER BY a.created_at DESC, a.id DESC LIMIT ?";
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare(sql));
  int index = 0;
  for (const auto& b : binds) st.BindText(++index, b);
  st.Bind(++index, std::min(q.limit, kMaxListLimit));
  return Collect<AssetRecord>(st, ReadAsset);
}

Result<std::vector<AssetId>> SqliteTx::AssetsUsingBlob(const BlobId& id) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT id FROM assets WHERE blob = ? "
                                               "ORDER BY created_at, id"));
  st.BindAll(id);
  return Collect<AssetId>(st,
                          [](const Statement& s) -> Result<AssetId> { return s.IdAt<AssetId>(0); });
}

Status SqliteTx::InsertAsset(const AssetRecord& a) {
  for (const auto& label : a.labels) RETURN_IF_ERROR(ValidateLabel(label));
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("INSERT INTO assets (id, kind, project, owner, on_behalf_of, "
                                 "title, media_type, size, sha256, blob, classification, licence, "
                                 "stage, status, previous_version, version, generated_by, "
                                 "created_at, stage_changed_at) VALUES "
                                 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.BindAll(a.id, Name(a.kind), a.project, a.owner, a.on_behalf_of, a.title, a.media_type, a.size,
             a.sha256, a.blob, Name(a.classification), a.licence, Name(a.stage), Name(a.status),
             a.previous_version, a.version, a.generated_by, a.created_at, a.stage_changed_at);
  RETURN_IF_ERROR(MapInsertError(st.Run(), "asset", a.id.str(),
                                 "a project, principal, blob, job or previous version"));
  ASSIGN_OR_RETURN(Statement label_st,
                   conn_.Prepare("INSERT INTO asset_labels (asset_id, label) VALUES (?, ?) "
                                 "ON CONFLICT DO NOTHING"));
  for (const auto& label : a.labels) {
    label_st.BindAll(a.id, label);
    RETURN_IF_ERROR(label_st.Run());
  }
  if (a.credentials) {
    const ContentCredentials& c = *a.credentials;
    boost::json::array failures;
    for (const auto& f : c.failures) failures.emplace_back(f);
    ASSIGN_OR_RETURN(Statement cred_st,
                     conn_.Prepare("INSERT INTO asset_credentials (asset_id, state, "
                                   "active_manifest, failures, report_json, verified_at) "
                                   "VALUES (?, ?, ?, ?, ?, ?)"));
    cred_st.BindAll(a.id, Name(c.state), c.active_manifest, boost::json::serialize(failures),
                    c.report_json, c.verified_at);
    RETURN_IF_ERROR(cred_st.Run());
  }
  if (a.dlp) {
    const DlpSummary& d = *a.dlp;
    boost::json::array rules;
    for (const auto& r : d.rules) rules.emplace_back(r);
    ASSIGN_OR_RETURN(Statement scan_st,
                     conn_.Prepare("INSERT INTO asset_scans (asset_id, findings, secrets, pii, "
                                   "dictionary, redacted, rules, scanned_at) "
                                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    scan_st.BindAll(a.id, d.findings, d.secrets, d.pii, d.dictionary, d.redacted,
                    boost::json::serialize(rules), d.scanned_at);
    RETURN_IF_ERROR(scan_st.Run());
  }
  if (!a.findings.empty()) {
    ASSIGN_OR_RETURN(Statement f_st,
                     conn_.Prepare("INSERT INTO asset_findings (asset_id, seq, stage, location, "
                                   "rule_id, kind, offset, length, line, col, redacted, "
                                   "fingerprint, action) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                   "?, ?)"));
    int64_t seq = 0;
    for (const DlpFindingRecord& f : a.findings) {
      f_st.BindAll(a.id, seq++, f.stage, f.location, f.rule_id, f.kind, int64_t(f.offset),
                   int64_t(f.length), int64_t(f.line), int64_t(f.column), f.redacted, f.fingerprint,
                   f.action);
      RETURN_IF_ERROR(f_st.Run());
    }
  }
  if (a.origin) {
    ASSIGN_OR_RETURN(Statement o_st, conn_.Prepare("INSERT INTO asset_origins (asset_id, path, "
                                                   "sha256, host) VALUES (?, ?, ?, ?)"));
    o_st.BindAll(a.id, a.origin->path, a.origin->sha256, a.origin->host);
    RETURN_IF_ERROR(o_st.Run());
  }
  return OkStatus();
}

Result<std::vector<DlpFindingRecord>> SqliteTx::FindingsOf(const AssetId& id) {
  RETURN_IF_ERROR(RequireAsset(id));
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("SELECT stage, location, rule_id, kind, offset, length, line, "
                                 "col, redacted, fingerprint, action FROM asset_findings "
                                 "WHERE asset_id = ? ORDER BY seq"));
  st.BindAll(id);
  std::vector<DlpFindingRecord> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    DlpFindingRecord f;
    f.stage = st.Text(0);
    f.location = st.Text(1);
    f.rule_id = st.Text(2);
    f.kind = st.Text(3);
    f.offset = uint64_t(st.Int64(4));
    f.length = uint64_t(st.Int64(5));
    f.line = uint32_t(st.Int64(6));
    f.column = uint32_t(st.Int64(7));
    f.redacted = st.Text(8);
    f.fingerprint = st.Text(9);
    f.action = st.Text(10);
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::optional<AssetId>> SqliteTx::FindAssetByOrigin(const ProjectId& project,
                                                           const AssetOrigin& origin) {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("SELECT a.id FROM asset_origins o JOIN assets a ON a.id = "
                                 "o.asset_id WHERE o.path = ? AND o.sha256 = ? AND o.host = ? AND "
                                 "a.project = ? AND a.status = 'active' "
                                 "ORDER BY a.created_at, a.id LIMIT 1"));
  st.BindAll(origin.path, origin.sha256, origin.host, project);
  ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<AssetId>();
  return std::optional<AssetId>(AssetId(st.Text(0)));
}

Result<std::optional<ContentCredentials>> SqliteTx::GetAssetCredentials(const AssetId& id) {
  RETURN_IF_ERROR(RequireAsset(id));
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT a.id, " ASSET_COLUMNS_TAIL_CREDENTIALS
                                               ", c.report_json FROM assets a "
                                               "JOIN asset_credentials c ON c.asset_id = a.id "
                                               "WHERE a.id = ?"));
  st.BindAll(id);
  ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<ContentCredentials>();
  ContentCredentials c;
  ASSIGN_OR_RETURN(c.state, Parse<CredentialsState>(st.TextView(1)));
  c.active_manifest = st.Text(2);
  boost::system::error_code ec;
  boost::json::value failures = boost::json::parse(st.TextView(3), ec);
  if (ec || !failures.is_array())
    return Error(ErrorCode::kDataLoss, "asset " + id.str() + ": malformed credentials row");
  for (const boost::json::value& f : failures.as_array())
    if (f.is_string()) c.failures.emplace_back(f.as_string());
  c.verified_at = st.Time(4);
  c.report_json = st.Text(5);
  return std::optional<ContentCredentials>(std::move(c));
}

Status SqliteTx::UpdateAssetStage(const AssetId& id, Stage from, Stage to, TimePoint at) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("UPDATE assets SET stage = ?, stage_changed_at = ? "
                                               "WHERE id = ? AND stage = ?"));
  st.BindAll(Name(to), at, id, Name(from));
  RETURN_IF_ERROR(st.Run());
  if (conn_.Changes() == 1) return OkStatus();
  ASSIGN_OR_RETURN(Statement current, conn_.Prepare("SELECT stage FROM assets WHERE id = ?"));
  current.BindAll(id);
  ASSIGN_OR_RETURN(bool row, current.Step());
  if (!row) return NotFound("asset " + id.str() + " not found");
  return Conflict("asset " + id.str() + " is in stage '" + current.Text(0) + "', not '" +
                  std::string(Name(from)) + "'");
}

Status SqliteTx::UpdateAssetStatus(const AssetId& id, AssetStatus status) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("UPDATE assets SET status = ? WHERE id = ?"));
  st.BindAll(Name(status), id);
  RETURN_IF_ERROR(st.Run());
  if (conn_.Changes() == 0) return NotFound("asset " + id.str() + " not found");
  return OkStatus();
}

// ---- Lineage ------------------------------------------------------------------------------------

Status SqliteTx::AddDerivation(const AssetId& derived, const AssetId& source,
                               const std::optional<JobId>& via) {
  if (derived == source)
    return InvalidArgument("asset " + derived.str() + " cannot be derived from itself");
  // wasDerivedFrom is acyclic: refuse an edge whose source already descends from `derived`. The
  // walk is over ids only (UNION de-duplicates), so it is linear in the ancestry's size.
  ASSIGN_OR_RETURN(Statement cycle,
                   conn_.Prepare("WITH RECURSIVE up(id) AS (SELECT ?1 UNION "
                                 "SELECT d.source FROM derivations d JOIN up ON d.derived = up.id) "
                                 "SELECT 1 FROM up WHERE id = ?2 LIMIT 1"));
  cycle.BindAll(source, derived);
  ASSIGN_OR_RETURN(bool cyclic, cycle.Step());
  if (cyclic)
    return InvalidArgument("deriving " + derived.str() + " from " + source.str() +
                           " would create a lineage cycle");
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("INSERT INTO derivations (derived, source, via_job) "
                                               "VALUES (?, ?, ?) ON CONFLICT DO NOTHING"));
  st.BindAll(derived, source, via);
  Status s = st.Run();
  if (!s.ok() && s.error().code() == ErrorCode::kNotFound)
    return NotFound("derivation " + derived.str() + " <- " + source.str() +
                    " refers to an asset or job that does not exist");
  return s;
}

Result<std::vector<AssetId>> SqliteTx::DerivedFrom(const AssetId& id) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT source FROM derivations WHERE derived = ? "
                                               "ORDER BY source"));
  st.BindAll(id);
  return Collect<AssetId>(st,
                          [](const Statement& s) -> Result<AssetId> { return s.IdAt<AssetId>(0); });
}

Result<std::vector<AssetRecord>> SqliteTx::Walk(const AssetId& id, int max_depth,
                                                bool towards_sources) {
  if (max_depth <= 0) return std::vector<AssetRecord>();
  // The CTE keeps (id, depth) pairs: UNION drops repeats of the same pair, the outer query keeps
  // each asset once at its shortest distance. Both edge lookups hit a covering index.
  static constexpr char kAncestors[] =
      "WITH RECURSIVE walk(id, depth) AS ("
      " SELECT source, 1 FROM derivations WHERE derived = ?1"
      " UNION"
      " SELECT d.source, w.depth + 1 FROM walk w JOIN derivations d ON d.derived = w.id"
      " WHERE w.depth < ?2) "
      "SELECT " ASSET_COLUMNS
      " FROM (SELECT id, min(depth) AS depth FROM walk WHERE id <> ?1 GROUP BY id) n"
      " JOIN assets a ON a.id = n.id ORDER BY n.depth, a.created_at, a.id";
  static constexpr char kDescendants[] =
      "WITH RECURSIVE walk(id, depth) AS ("
      " SELECT derived, 1 FROM derivations WHERE source = ?1"
      " UNION"
      " SELECT d.derived, w.depth + 1 FROM walk w JOIN derivations d ON d.source = w.id"
      " WHERE w.depth < ?2) "
      "SELECT " ASSET_COLUMNS
      " FROM (SELECT id, min(depth) AS depth FROM walk WHERE id <> ?1 GROUP BY id) n"
      " JOIN assets a ON a.id = n.id ORDER BY n.depth, a.created_at, a.id";
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare(towards_sources ? kAncestors : kDescendants));
  st.BindAll(id, max_depth);
  return Collect<AssetRecord>(st, ReadAsset);
}

Result<std::vector<AssetRecord>> SqliteTx::Ancestors(const AssetId& id, int max_depth) {
  return Walk(id, max_depth, /*towards_sources=*/true);
}

Result<std::vector<AssetRecord>> SqliteTx::Descendants(const AssetId& id, int max_depth) {
  return Walk(id, max_depth, /*towards_sources=*/false);
}

// ---- Jobs ---------------------------------------------------------------------------------------

Result<std::vector<JobInput>> SqliteTx::InputsOf(const JobId& id) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT asset_id, role FROM job_inputs "
                                               "WHERE job_id = ? ORDER BY position"));
  st.BindAll(id);
  return Collect<JobInput>(st, [](const Statement& s) -> Result<JobInput> {
    return JobInput{s.IdAt<AssetId>(0), s.Text(1)};
  });
}

Result<JobRecord> SqliteTx::GetJob(const JobId& id) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?"));
  st.BindAll(id);
  ASSIGN_OR_RETURN(JobRecord job, FetchRequired<JobRecord>(st, ReadJobRow, "job", id.str()));
  ASSIGN_OR_RETURN(job.inputs, InputsOf(job.id));
  return job;
}

Result<std::vector<JobRecord>> SqliteTx::ListJobs(std::optional<JobStatus> status, int limit) {
  RETURN_IF_ERROR(CheckLimit(limit));
  limit = std::min(limit, kMaxListLimit);
  std::vector<JobRecord> jobs;
  if (status) {
    ASSIGN_OR_RETURN(Statement st,
                     conn_.Prepare("SELECT " JOB_COLUMNS " FROM jobs WHERE status = ? "
                                   "ORDER BY created_at DESC, id DESC LIMIT ?"));
    st.BindAll(Name(*status), limit);
    ASSIGN_OR_RETURN(jobs, Collect<JobRecord>(st, ReadJobRow));
  } else {
    ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT " JOB_COLUMNS " FROM jobs "
                                                 "ORDER BY created_at DESC, id DESC LIMIT ?"));
    st.BindAll(limit);
    ASSIGN_OR_RETURN(jobs, Collect<JobRecord>(st, ReadJobRow));
  }
  for (auto& job : jobs) {
    ASSIGN_OR_RETURN(job.inputs, InputsOf(job.id));
  }
  return jobs;
}

Status SqliteTx::InsertJob(const JobRecord& j) {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("INSERT INTO jobs (" JOB_COLUMNS
                                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                 "?, ?, ?, ?, ?, ?)"));
  st.BindAll(j.id, Name(j.kind), j.project, j.actor, j.on_behalf_of, j.engine, j.model,
             j.model_version, j.parameters_json, static_cast<int64_t>(j.seed), j.output_title,
             Name(j.output_classification), LabelsToJson(j.output_labels), Name(j.status),
             j.attempts, j.max_attempts, j.lease_until, j.progress, j.output, j.error,
             j.cancel_requested, j.created_at, j.started_at, j.finished_at);
  RETURN_IF_ERROR(
      MapInsertError(st.Run(), "job", j.id.str(), "a project, principal or output asset"));
  ASSIGN_OR_RETURN(Statement input_st,
                   conn_.Prepare("INSERT INTO job_inputs (job_id, position, asset_id, role) "
                                 "VALUES (?, ?, ?, ?)"));
  for (size_t i = 0; i < j.inputs.size(); ++i) {
    input_st.BindAll(j.id, static_cast<int64_t>(i), j.inputs[i].asset, j.inputs[i].role);
    Status s = input_st.Run();
    if (!s.ok() && s.error().code() == ErrorCode::kNotFound)
      return NotFound("job " + j.id.str() + " input " + j.inputs[i].asset.str() +
                      " does not exist");
    RETURN_IF_ERROR(s);
  }
  return OkStatus();
}

Status SqliteTx::UpdateJob(const JobRecord& j) {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("UPDATE jobs SET status = ?, attempts = ?, lease_until = ?, "
                                 "progress = ?, output = ?, error = ?, cancel_requested = ?, "
                                 "started_at = ?, finished_at = ? WHERE id = ?"));
  st.BindAll(Name(j.status), j.attempts, j.lease_until, j.progress, j.output, j.error,
             j.cancel_requested, j.started_at, j.finished_at, j.id);
  Status s = st.Run();
  if (!s.ok() && s.error().code() == ErrorCode::kNotFound)
    return NotFound("job " + j.id.str() + " output " + (j.output ? j.output->str() : "") +
                    " does not exist");
  RETURN_IF_ERROR(s);
  if (conn_.Changes() == 0) return NotFound("job " + j.id.str() + " not found");
  return OkStatus();
}

Result<std::optional<JobRecord>> SqliteTx::ClaimJob(TimePoint now, TimePoint lease_until) {
  // Pinned to the partial index jobs_ready: an ordered walk over the claimable set that stops at
  // the first eligible job, with no sort (without statistics the planner would pick
  // jobs_by_status and sort). A running job without a lease cannot be renewed by anyone, so it
  // counts as expired.
  ASSIGN_OR_RETURN(Statement pick,
                   conn_.Prepare("SELECT id FROM jobs INDEXED BY jobs_ready "
                                 "WHERE status IN ('queued', 'running') AND "
                                 "(status = 'queued' OR lease_until IS NULL OR lease_until < ?) "
                                 "ORDER BY created_at, id LIMIT 1"));
  pick.BindAll(now);
  ASSIGN_OR_RETURN(bool found, pick.Step());
  if (!found) return std::optional<JobRecord>();
  JobId id = pick.IdAt<JobId>(0);
  pick.Reset();  // close the read cursor before updating the table it walks
  ASSIGN_OR_RETURN(Statement claim,
                   conn_.Prepare("UPDATE jobs SET status = 'running', lease_until = ?, "
                                 "attempts = attempts + 1, started_at = coalesce(started_at, ?) "
                                 "WHERE id = ?"));
  claim.BindAll(lease_until, now, id);
  RETURN_IF_ERROR(claim.Run());
  ASSIGN_OR_RETURN(JobRecord job, GetJob(id));
  return std::optional<JobRecord>(std::move(job));
}

Result<int64_t> SqliteTx::CountJobsSince(const PrincipalId& actor, TimePoint since) {
  // Two range scans over covering indexes (jobs_by_actor, jobs_by_on_behalf_of) rather than an OR
  // the planner may turn into a scan; the second skips jobs the first already counted.
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("SELECT (SELECT count(*) FROM jobs "
                                 "WHERE actor = ?1 AND created_at >= ?2) + "
                                 "(SELECT count(*) FROM jobs "
                                 "WHERE on_behalf_of = ?1 AND created_at >= ?2 AND actor <> ?1)"));
  st.BindAll(actor, since);
  ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Internal("count(*) returned no row");
  return st.Int64(0);
}

// ---- Reviews, grants, publications --------------------------------------------------------------

Result<std::vector<ReviewRecord>> SqliteTx::ReviewsOf(const AssetId& asset) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT " REVIEW_COLUMNS " FROM reviews "
                                               "WHERE asset = ? ORDER BY at, id"));
  st.BindAll(asset);
  return Collect<ReviewRecord>(st, ReadReview);
}

Result<std::vector<ReviewRecord>> SqliteTx::ExpiredApprovals(TimePoint now) {
  // CROSS JOIN fixes the join order: drive from the (small) partial index of pending approvals
  // ordered by expiry, then check each asset's stage, rather than from every approved asset.
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("SELECT " REVIEW_COLUMNS_R
                                 " FROM reviews r CROSS JOIN assets a ON a.id = r.asset "
                                 "WHERE r.verdict = 'approve' AND r.lapsed = 0 AND "
                                 "r.expires_at IS NOT NULL AND r.expires_at < ? AND "
                                 "a.stage = 'approved' ORDER BY r.expires_at, r.id"));
  st.BindAll(now);
  return Collect<ReviewRecord>(st, ReadReview);
}

Status SqliteTx::InsertReview(const ReviewRecord& r) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("INSERT INTO reviews (" REVIEW_COLUMNS
                                               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.BindAll(r.id, r.asset, r.sha256, r.reviewer, Name(r.verdict), r.comment, r.at, r.expires_at,
             r.lapsed);
  return MapInsertError(st.Run(), "review", r.id.str(), "an asset or reviewer");
}

Status SqliteTx::MarkReviewLapsed(const ReviewId& id) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("UPDATE reviews SET lapsed = 1 WHERE id = ?"));
  st.BindAll(id);
  RETURN_IF_ERROR(st.Run());
  if (conn_.Changes() == 0) return NotFound("review " + id.str() + " not found");
  return OkStatus();
}

Result<GrantRecord> SqliteTx::GetGrant(const GrantId& id) {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("SELECT " GRANT_COLUMNS " FROM grants WHERE id = ?"));
  st.BindAll(id);
  return FetchRequired<GrantRecord>(st, ReadGrant, "grant", id.str());
}

Status SqliteTx::InsertGrant(const GrantRecord& g) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("INSERT INTO grants (" GRANT_COLUMNS
                                               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.BindAll(g.id, g.asset, g.sha256, g.destination, g.file_name, g.requester, g.issued_at,
             g.expires_at, g.used_at);
  return MapInsertError(st.Run(), "grant", g.id.str(), "an asset or requester");
}

Status SqliteTx::UseGrant(const GrantId& id, TimePoint at) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("UPDATE grants SET used_at = ? "
                                               "WHERE id = ? AND used_at IS NULL"));
  st.BindAll(at, id);
  RETURN_IF_ERROR(st.Run());
  if (conn_.Changes() == 1) return OkStatus();
  ASSIGN_OR_RETURN(GrantRecord g, GetGrant(id));  // kNotFound for an unknown grant
  return Conflict("grant " + id.str() + " was already used at " + FormatTime(*g.used_at));
}

Result<PublicationRecord> SqliteTx::GetPublication(const PublicationId& id) {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("SELECT " PUBLICATION_COLUMNS " FROM publications WHERE id = ?"));
  st.BindAll(id);
  return FetchRequired<PublicationRecord>(st, ReadPublication, "publication", id.str());
}

Result<std::vector<PublicationRecord>> SqliteTx::PublicationsOf(const AssetId& source_asset) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT " PUBLICATION_COLUMNS " FROM publications "
                                               "WHERE source_asset = ? "
                                               "ORDER BY published_at, id"));
  st.BindAll(source_asset);
  return Collect<PublicationRecord>(st, ReadPublication);
}

Status SqliteTx::InsertPublication(const PublicationRecord& p) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("INSERT INTO publications (" PUBLICATION_COLUMNS
                                               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.BindAll(p.id, p.source_asset, p.export_asset, p.grant, p.destination, p.path, p.sha256,
             p.published_by, p.published_at, Name(p.status), p.rollback_method, p.rolled_back_at,
             p.rolled_back_by);
  Status s = st.Run();
  if (!s.ok() && ConstraintNames(s.error(), "publications.grant_id"))
    return AlreadyExists("grant " + p.grant.str() + " already has a publication");
  return MapInsertError(std::move(s), "publication", p.id.str(), "an asset, grant or principal");
}

Status SqliteTx::UpdatePublication(const PublicationRecord& p) {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("UPDATE publications SET status = ?, rollback_method = ?, "
                                 "rolled_back_at = ?, rolled_back_by = ? WHERE id = ?"));
  st.BindAll(Name(p.status), p.rollback_method, p.rolled_back_at, p.rolled_back_by, p.id);
  Status s = st.Run();
  if (!s.ok() && s.error().code() == ErrorCode::kNotFound)
    return NotFound("publication " + p.id.str() + " refers to a principal that does not exist");
  RETURN_IF_ERROR(s);
  if (conn_.Changes() == 0) return NotFound("publication " + p.id.str() + " not found");
  return OkStatus();
}

// ---- Audit log ----------------------------------------------------------------------------------

Result<uint64_t> SqliteTx::NextAuditSeq() {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT coalesce(max(seq) + 1, 0) FROM audit"));
  ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Internal("max(seq) returned no row");
  return static_cast<uint64_t>(st.Int64(0));
}

Result<uint64_t> SqliteTx::AuditSize() {
  // Rows are consecutive from 0 (InsertAuditRow enforces it), so the size is the next seq.
  return NextAuditSeq();
}

Result<std::vector<AuditRow>> SqliteTx::ListAudit(const AuditQuery& q) {
  RETURN_IF_ERROR(CheckLimit(q.limit));
  int limit = std::min(q.limit, kMaxListLimit);
  if (q.resource) {
    if (q.resource->empty() || q.resource->size() > kMaxAuditResourceBytes)
      return InvalidArgument("audit resource filter must have 1 to " +
                             std::to_string(kMaxAuditResourceBytes) + " bytes");
    ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT " AUDIT_COLUMNS_A
                                                 " FROM audit_refs r JOIN audit a ON a.seq = r.seq "
                                                 "WHERE r.object_id = ? AND r.seq >= ? "
                                                 "ORDER BY r.seq LIMIT ?"));
    st.BindAll(*q.resource, q.from_seq, limit);
    return Collect<AuditRow>(st, ReadAudit);
  }
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT " AUDIT_COLUMNS " FROM audit "
                                               "WHERE seq >= ? ORDER BY seq LIMIT ?"));
  st.BindAll(q.from_seq, limit);
  return Collect<AuditRow>(st, ReadAudit);
}

Status SqliteTx::ScanAudit(uint64_t from_seq, const std::function<Status(const AuditRow&)>& fn) {
  // One cursor over the table: memory use is one row, whatever the log's size.
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT " AUDIT_COLUMNS " FROM audit "
                                               "WHERE seq >= ? ORDER BY seq"));
  st.BindAll(from_seq);
  while (true) {
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return OkStatus();
    ASSIGN_OR_RETURN(AuditRow r, ReadAudit(st));
    RETURN_IF_ERROR(fn(r));
  }
}

Status SqliteTx::InsertAuditRow(const AuditRow& row) {
  ASSIGN_OR_RETURN(uint64_t next, NextAuditSeq());
  if (row.seq != next)
    return Conflict("audit row " + std::to_string(row.seq) +
                    " is out of order: the next sequence number is " + std::to_string(next));
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("INSERT INTO audit (" AUDIT_COLUMNS ") VALUES (?, ?, ?, ?)"));
  st.BindAll(row.seq, row.entry_json, row.leaf_hash, row.at);
  RETURN_IF_ERROR(st.Run());
  std::vector<std::string> refs = ExtractAuditRefs(row.entry_json);
  if (refs.empty()) return OkStatus();
  ASSIGN_OR_RETURN(Statement ref_st,
                   conn_.Prepare("INSERT INTO audit_refs (object_id, seq) VALUES (?, ?)"));
  for (const auto& ref : refs) {
    ref_st.BindAll(ref, row.seq);
    RETURN_IF_ERROR(ref_st.Run());
  }
  return OkStatus();
}

Result<std::vector<CheckpointRow>> SqliteTx::ListCheckpoints() {
  ASSIGN_OR_RETURN(Statement st,
                   conn_.Prepare("SELECT " CHECKPOINT_COLUMNS " FROM checkpoints ORDER BY size"));
  return Collect<CheckpointRow>(st, ReadCheckpoint);
}

Result<std::optional<CheckpointRow>> SqliteTx::LatestCheckpoint() {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT " CHECKPOINT_COLUMNS
                                               " FROM checkpoints ORDER BY size DESC LIMIT 1"));
  return FetchOne<CheckpointRow>(st, ReadCheckpoint);
}

Status SqliteTx::InsertCheckpoint(const CheckpointRow& c) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("INSERT INTO checkpoints (" CHECKPOINT_COLUMNS
                                               ") VALUES (?, ?, ?)"));
  st.BindAll(c.size, c.note, c.at);
  Status s = st.Run();
  if (!s.ok() && s.error().code() == ErrorCode::kAlreadyExists)
    return AlreadyExists("a checkpoint for tree size " + std::to_string(c.size) +
                         " already exists");
  return s;
}

// ---- Policy sets --------------------------------------------------------------------------------

Result<std::optional<PolicySetRecord>> SqliteTx::LatestPolicySet() {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT " POLICY_SET_COLUMNS
                                               " FROM policy_sets ORDER BY version DESC LIMIT 1"));
  return FetchOne<PolicySetRecord>(st, ReadPolicySet);
}

Result<PolicySetRecord> SqliteTx::GetPolicySet(int64_t version) {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT " POLICY_SET_COLUMNS
                                               " FROM policy_sets WHERE version = ?"));
  st.BindAll(version);
  return FetchRequired<PolicySetRecord>(st, ReadPolicySet, "policy set version",
                                        std::to_string(version));
}

Result<std::vector<PolicySetRecord>> SqliteTx::ListPolicySets() {
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("SELECT " POLICY_SET_COLUMNS
                                               " FROM policy_sets ORDER BY version"));
  return Collect<PolicySetRecord>(st, ReadPolicySet);
}

Status SqliteTx::InsertPolicySet(const PolicySetRecord& p) {
  int64_t next = 0;
  {
    ASSIGN_OR_RETURN(Statement st,
                     conn_.Prepare("SELECT coalesce(max(version), 0) + 1 FROM policy_sets"));
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Internal("max(version) returned no row");
    next = st.Int64(0);
  }
  if (p.version != next)
    return Conflict("policy set version " + std::to_string(p.version) +
                    " is out of order: the next version is " + std::to_string(next));
  // Versions are consecutive, so every earlier version exists.
  if (p.rolled_back_from && (*p.rolled_back_from < 1 || *p.rolled_back_from >= p.version))
    return InvalidArgument("policy set version " + std::to_string(p.version) +
                           " cannot restore version " + std::to_string(*p.rolled_back_from) +
                           ": not an earlier version");
  ASSIGN_OR_RETURN(Statement st, conn_.Prepare("INSERT INTO policy_sets (" POLICY_SET_COLUMNS
                                               ") VALUES (?, ?, ?, ?, ?, ?, ?)"));
  st.BindAll(p.version, p.files_json, p.sha256, p.created_at, p.created_by, p.comment,
             p.rolled_back_from);
  return MapInsertError(st.Run(), "policy set version", std::to_string(p.version),
                        "a creator or an earlier version");
}

}  // namespace custody::sqlite
