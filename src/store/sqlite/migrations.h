// Versioned schema migrations for the SQLite store.
//
// The schema version lives in `PRAGMA user_version` (0 = empty database). Migration N turns a
// version N-1 database into version N; each runs in its own IMMEDIATE transaction together with
// the user_version bump, so a crash leaves the database at N-1 or N, never in between. Migrations
// are append-only: once released, a step's SQL never changes; fixes are new steps.
//
// Thread-safety: Migrate runs on one connection before the store starts its threads; concurrent
// processes are serialised by the write lock (each step re-reads the version inside its
// transaction).
#pragma once

#include <span>
#include <string_view>

#include "base/result.h"

namespace custody::sqlite {

class Connection;

struct Migration {
  int version;                   // 1, 2, ...: the schema version after this step
  std::string_view description;  // one line, for logs and errors
  std::string_view sql;          // a script of one or more statements
};

// Every migration in order; Migrations()[i].version == i + 1.
std::span<const Migration> Migrations();

// The schema version this binary writes.
int LatestSchemaVersion();

// Brings the database on `conn` up to `LatestSchemaVersion()`. A database whose version is newer
// than this binary knows is refused with kConflict (opening it could corrupt data written by the
// newer schema). Applying migrations to an up-to-date database is a no-op.
Status Migrate(Connection& conn);

// For tests: applies `steps` (which must be numbered 1..n) instead of the built-in list.
Status MigrateWith(Connection& conn, std::span<const Migration> steps);

}  // namespace custody::sqlite
