#include "store/sqlite/migrations.h"

#include <array>
#include <string>

#include "store/sqlite/statement.h"

namespace custody::sqlite {
namespace {

// Schema conventions (see README.md): ids are TEXT, enums their wire names (model.h Name()), times
// INTEGER unix microseconds, booleans INTEGER 0/1. Tables are STRICT, so a value of the wrong type
// is an error rather than silently stored. Foreign keys state the invariants that hold for the
// lifetime of the rows (nothing is ever deleted except through the audit-preserving paths).
// Enum columns have no CHECK lists on purpose: a new enum value (e.g. a job kind) must not need a
// table rebuild; decoding an unknown name on read reports kDataLoss instead.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE principals (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  kind          TEXT NOT NULL,
  owner         TEXT REFERENCES principals(id),
  display_name  TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled      INTEGER NOT NULL CHECK (disabled IN (0, 1)),
  created_at    INTEGER NOT NULL,
  created_by    TEXT REFERENCES principals(id)
) STRICT;

CREATE TABLE projects (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  created_by  TEXT NOT NULL REFERENCES principals(id)
) STRICT;

-- project NULL = a global binding. NULLs are distinct in a UNIQUE constraint, so uniqueness is an
-- expression index over coalesce(project, '').
CREATE TABLE role_bindings (
  principal TEXT NOT NULL REFERENCES principals(id),
  project   TEXT REFERENCES projects(id),
  role      TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX role_bindings_unique ON role_bindings(principal, coalesce(project, ''), role);
CREATE INDEX role_bindings_by_project ON role_bindings(project, principal)
  WHERE project IS NOT NULL;

CREATE TABLE tokens (
  id         TEXT PRIMARY KEY,
  hash       TEXT NOT NULL,
  kind       TEXT NOT NULL,
  principal  TEXT NOT NULL REFERENCES principals(id),
  issued_at  INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  parent     TEXT REFERENCES tokens(id),
  revoked    INTEGER NOT NULL CHECK (revoked IN (0, 1)),
  label      TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX tokens_by_hash ON tokens(hash);
CREATE INDEX tokens_by_principal ON tokens(principal, issued_at);
CREATE INDEX tokens_by_parent ON tokens(parent) WHERE parent IS NOT NULL;

CREATE TABLE blobs (
  id          TEXT PRIMARY KEY,
  sha256      TEXT NOT NULL,
  size        INTEGER NOT NULL CHECK (size >= 0),
  wrapped_key BLOB NOT NULL,
  created_at  INTEGER NOT NULL,
  disposed_at INTEGER
) STRICT;

CREATE TABLE assets (
  id               TEXT PRIMARY KEY,
  kind             TEXT NOT NULL,
  project          TEXT NOT NULL REFERENCES projects(id),
  owner            TEXT NOT NULL REFERENCES principals(id),
  on_behalf_of     TEXT REFERENCES principals(id),
  title            TEXT NOT NULL,
  media_type       TEXT NOT NULL,
  size             INTEGER NOT NULL CHECK (size >= 0),
  sha256           TEXT NOT NULL,
  blob             TEXT NOT NULL REFERENCES blobs(id),
  classification   TEXT NOT NULL,
  licence          TEXT NOT NULL,
  stage            TEXT NOT NULL,
  status           TEXT NOT NULL,
  previous_version TEXT REFERENCES assets(id),
  version          INTEGER NOT NULL,
  generated_by     TEXT REFERENCES jobs(id),
  created_at       INTEGER NOT NULL,
  stage_changed_at INTEGER NOT NULL
) STRICT;
-- Listing is newest first, ORDER BY created_at DESC, id DESC; each filter has an index ending in
-- (created_at, id) so a filtered page is an index range scan with no sort.
CREATE INDEX assets_by_time ON assets(created_at, id);
CREATE INDEX assets_by_project ON assets(project, created_at, id);
CREATE INDEX assets_by_owner ON assets(owner, created_at, id);
CREATE INDEX assets_by_stage ON assets(stage, created_at, id);
CREATE INDEX assets_by_kind ON assets(kind, created_at, id);
CREATE INDEX assets_by_blob ON assets(blob);

-- Labels are a set per asset: one row per (asset, label), so "assets with label X" is an index
-- lookup instead of a scan over a packed column.
CREATE TABLE asset_labels (
  asset_id TEXT NOT NULL REFERENCES assets(id),
  label    TEXT NOT NULL,
  PRIMARY KEY (asset_id, label)
) STRICT, WITHOUT ROWID;
CREATE INDEX asset_labels_by_label ON asset_labels(label, asset_id);

-- wasDerivedFrom edges, append-only. The clustered key serves the ancestors walk
-- (derived -> source); the index serves the descendants walk (source -> derived). Both are
-- covering, so the recursive CTEs never touch the assets table until the final join.
CREATE TABLE derivations (
  derived TEXT NOT NULL REFERENCES assets(id),
  source  TEXT NOT NULL REFERENCES assets(id),
  via_job TEXT REFERENCES jobs(id),
  PRIMARY KEY (derived, source),
  CHECK (derived <> source)
) STRICT, WITHOUT ROWID;
CREATE INDEX derivations_by_source ON derivations(source, derived);

CREATE TABLE jobs (
  id                    TEXT PRIMARY KEY,
  kind                  TEXT NOT NULL,
  project               TEXT NOT NULL REFERENCES projects(id),
  actor                 TEXT NOT NULL REFERENCES principals(id),
  on_behalf_of          TEXT REFERENCES principals(id),
  engine                TEXT NOT NULL,
  model                 TEXT NOT NULL,
  model_version         TEXT NOT NULL,
  parameters_json       TEXT NOT NULL,
  seed                  INTEGER NOT NULL,  -- the uint64 seed's two's-complement bit pattern
  output_title          TEXT NOT NULL,
  output_classification TEXT NOT NULL,
  output_labels         TEXT NOT NULL,     -- JSON array of strings
  status                TEXT NOT NULL,
  attempts              INTEGER NOT NULL,
  max_attempts          INTEGER NOT NULL,
  lease_until           INTEGER,
  progress              REAL NOT NULL,
  output                TEXT REFERENCES assets(id),
  error                 TEXT NOT NULL,
  cancel_requested      INTEGER NOT NULL CHECK (cancel_requested IN (0, 1)),
  created_at            INTEGER NOT NULL,
  started_at            INTEGER,
  finished_at           INTEGER
) STRICT;
-- The claimable set (queued, or running with a lease that may have expired) is small; a partial
-- index keeps ClaimJob's "oldest first" probe independent of the job history's size.
CREATE INDEX jobs_ready ON jobs(created_at, id) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_by_status ON jobs(status, created_at, id);
CREATE INDEX jobs_by_time ON jobs(created_at, id);

CREATE TABLE job_inputs (
  job_id   TEXT NOT NULL REFERENCES jobs(id),
  position INTEGER NOT NULL,
  asset_id TEXT NOT NULL REFERENCES assets(id),
  role     TEXT NOT NULL,
  PRIMARY KEY (job_id, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX job_inputs_by_asset ON job_inputs(asset_id, job_id);

CREATE TABLE reviews (
  id         TEXT PRIMARY KEY,
  asset      TEXT NOT NULL REFERENCES assets(id),
  sha256     TEXT NOT NULL,
  reviewer   TEXT NOT NULL REFERENCES principals(id),
  verdict    TEXT NOT NULL,
  comment    TEXT NOT NULL,
  at         INTEGER NOT NULL,
  expires_at INTEGER,
  lapsed     INTEGER NOT NULL CHECK (lapsed IN (0, 1))
) STRICT;
CREATE INDEX reviews_by_asset ON reviews(asset, at);
CREATE INDEX reviews_expiring ON reviews(expires_at)
  WHERE verdict = 'approve' AND lapsed = 0 AND expires_at IS NOT NULL;

CREATE TABLE grants (
  id          TEXT PRIMARY KEY,
  asset       TEXT NOT NULL REFERENCES assets(id),
  sha256      TEXT NOT NULL,
  destination TEXT NOT NULL,
  file_name   TEXT NOT NULL,
  requester   TEXT NOT NULL REFERENCES principals(id),
  issued_at   INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER
) STRICT;
CREATE INDEX grants_by_asset ON grants(asset);

CREATE TABLE publications (
  id              TEXT PRIMARY KEY,
  source_asset    TEXT NOT NULL REFERENCES assets(id),
  export_asset    TEXT NOT NULL REFERENCES assets(id),
  grant_id        TEXT NOT NULL REFERENCES grants(id),
  destination     TEXT NOT NULL,
  path            TEXT NOT NULL,
  sha256          TEXT NOT NULL,
  published_by    TEXT NOT NULL REFERENCES principals(id),
  published_at    INTEGER NOT NULL,
  status          TEXT NOT NULL,
  rollback_method TEXT NOT NULL,
  rolled_back_at  INTEGER,
  rolled_back_by  TEXT REFERENCES principals(id)
) STRICT;
CREATE INDEX publications_by_source ON publications(source_asset, published_at);
CREATE INDEX publications_by_export ON publications(export_asset);
-- A grant is single use, so it yields at most one publication.
CREATE UNIQUE INDEX publications_by_grant ON publications(grant_id);

-- The audit log: seq is the 0-based Merkle leaf index (rowid alias, so max(seq) is one seek).
CREATE TABLE audit (
  seq        INTEGER PRIMARY KEY CHECK (seq >= 0),
  entry_json TEXT NOT NULL,
  leaf_hash  BLOB NOT NULL,
  at         INTEGER NOT NULL
) STRICT;
-- Every object id an entry mentions, for ListAudit's resource filter.
CREATE TABLE audit_refs (
  object_id TEXT NOT NULL,
  seq       INTEGER NOT NULL REFERENCES audit(seq),
  PRIMARY KEY (object_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE checkpoints (
  size INTEGER PRIMARY KEY CHECK (size >= 0),
  note TEXT NOT NULL,
  at   INTEGER NOT NULL
) STRICT;

-- The audit log and its checkpoints are append-only, whatever SQL reaches the database.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_refs_no_update BEFORE UPDATE ON audit_refs
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_refs_no_delete BEFORE DELETE ON audit_refs
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
  BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
  BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
)sql";

// Versioned Cedar policy sets, and an index per role a principal can have on a job so that
// CountJobsSince (rate limits) is two covering range scans instead of a walk over every job.
constexpr std::string_view kSchemaV2 = R"sql(
-- version is a rowid alias (max(version) is one seek); versions are consecutive from 1, which
-- InsertPolicySet enforces. A rollback is a new version naming the earlier one it restores.
CREATE TABLE policy_sets (
  version          INTEGER PRIMARY KEY CHECK (version >= 1),
  files_json       TEXT NOT NULL,
  sha256           TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  created_by       TEXT REFERENCES principals(id),
  comment          TEXT NOT NULL,
  rolled_back_from INTEGER REFERENCES policy_sets(version),
  CHECK (rolled_back_from IS NULL OR rolled_back_from < version)
) STRICT;

-- A stored policy set is what decisions in the audit log were made under: it never changes.
CREATE TRIGGER policy_sets_no_update BEFORE UPDATE ON policy_sets
  BEGIN SELECT RAISE(ABORT, 'policy sets are append-only'); END;
CREATE TRIGGER policy_sets_no_delete BEFORE DELETE ON policy_sets
  BEGIN SELECT RAISE(ABORT, 'policy sets are append-only'); END;

CREATE INDEX jobs_by_actor ON jobs(actor, created_at);
CREATE INDEX jobs_by_on_behalf_of ON jobs(on_behalf_of, created_at, actor)
  WHERE on_behalf_of IS NOT NULL;
)sql";

// Content Credentials: what verifying an asset's C2PA manifest found when it entered the studio
// (upload, engine output) or was signed (export). One row per asset at most, written with it.
constexpr std::string_view kSchemaV3 = R"sql(
CREATE TABLE asset_credentials (
  asset_id        TEXT PRIMARY KEY REFERENCES assets(id),
  state           TEXT NOT NULL,
  active_manifest TEXT NOT NULL,
  failures        TEXT NOT NULL,
  report_json     TEXT NOT NULL,
  verified_at     INTEGER NOT NULL
) STRICT;
)sql";

// DLP: what scanning an asset found when it entered the studio (or was exported), the findings
// (redacted excerpts and fingerprints, never secrets), and where imported assets came from.
constexpr std::string_view kSchemaV4 = R"sql(
CREATE TABLE asset_scans (
  asset_id    TEXT PRIMARY KEY REFERENCES assets(id),
  findings    INTEGER NOT NULL,
  secrets     INTEGER NOT NULL,
  pii         INTEGER NOT NULL,
  dictionary  INTEGER NOT NULL,
  redacted    INTEGER NOT NULL,
  rules       TEXT NOT NULL,
  scanned_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE asset_findings (
  asset_id    TEXT NOT NULL REFERENCES assets(id),
  seq         INTEGER NOT NULL,
  stage       TEXT NOT NULL,
  location    TEXT NOT NULL,
  rule_id     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  offset      INTEGER NOT NULL,
  length      INTEGER NOT NULL,
  line        INTEGER NOT NULL,
  col         INTEGER NOT NULL,
  redacted    TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  action      TEXT NOT NULL,
  PRIMARY KEY (asset_id, seq)
) STRICT;
CREATE INDEX asset_findings_by_fingerprint ON asset_findings(fingerprint);

CREATE TABLE asset_origins (
  asset_id    TEXT PRIMARY KEY REFERENCES assets(id),
  path        TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  host        TEXT NOT NULL
) STRICT;
)sql";

// Re-running an import finds what it brought in before (ReadTx::FindAssetByOrigin).
constexpr std::string_view kSchemaV5 = R"sql(
CREATE INDEX asset_origins_by_source ON asset_origins(path, sha256);
)sql";

constexpr std::array<Migration, 5> kMigrations{{
    {1, "initial schema", kSchemaV1},
    {2, "policy sets; jobs by actor", kSchemaV2},
    {3, "asset content credentials", kSchemaV3},
    {4, "asset DLP scans, findings and origins", kSchemaV4},
    {5, "asset origins by source", kSchemaV5},
}};

// Applies one step inside its own transaction. The version is re-read under the write lock so two
// processes opening the same new database do not both apply it.
Status ApplyStep(Connection& conn, const Migration& step) {
  RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  auto apply = [&]() -> Status {
    ASSIGN_OR_RETURN(int64_t current, conn.QueryInt("PRAGMA user_version"));
    if (current >= step.version) return OkStatus();  // another process got there first
    if (current != step.version - 1)
      return Internal("schema migration " + std::to_string(step.version) + " expects version " +
                      std::to_string(step.version - 1) + ", found " + std::to_string(current));
    RETURN_IF_ERROR(conn.Exec(std::string(step.sql)));
    RETURN_IF_ERROR(conn.Exec("PRAGMA user_version = " + std::to_string(step.version)));
    return OkStatus();
  };
  Status s = apply();
  if (!s.ok()) {
    if (!conn.InAutocommit()) (void)conn.Exec("ROLLBACK");
    return Error(s.error().code(), "schema migration " + std::to_string(step.version) + " (" +
                                       std::string(step.description) +
                                       ") failed: " + s.error().message());
  }
  return conn.Exec("COMMIT");
}

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

int LatestSchemaVersion() { return kMigrations.back().version; }

Status MigrateWith(Connection& conn, std::span<const Migration> steps) {
  ASSIGN_OR_RETURN(int64_t version, conn.QueryInt("PRAGMA user_version"));
  int latest = steps.empty() ? 0 : steps.back().version;
  if (version > latest)
    return Conflict("database " + conn.path() + " has schema version " + std::to_string(version) +
                    ", newer than this binary supports (" + std::to_string(latest) +
                    "); use a newer Custody release");
  for (const Migration& step : steps) {
    if (step.version <= version) continue;
    RETURN_IF_ERROR(ApplyStep(conn, step));
  }
  // A newer binary may have migrated past us between the first read and our steps.
  ASSIGN_OR_RETURN(int64_t final_version, conn.QueryInt("PRAGMA user_version"));
  if (final_version > latest)
    return Conflict("database " + conn.path() + " was migrated to schema version " +
                    std::to_string(final_version) + " by a newer Custody release while opening");
  return OkStatus();
}

Status Migrate(Connection& conn) { return MigrateWith(conn, Migrations()); }

}  // namespace custody::sqlite
