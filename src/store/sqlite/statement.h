// Thin RAII layer over the SQLite C API: a Connection with a per-connection cache of prepared
// statements, and a Statement handle with typed binds and column readers.
//
// Everything here reports failures as Result/Status values (SQLite result codes are mapped to
// ErrorCode once, in SqliteError); nothing throws.
//
// Thread-safety: a Connection and the Statements borrowed from it belong to one thread at a time
// (connections are opened with SQLITE_OPEN_NOMUTEX). The SQLite store hands each connection to
// exactly one user: the writer thread, or one reader transaction.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/ids.h"
#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace custody::sqlite {

// Maps a SQLite result code to an Error: unique/primary-key violations → kAlreadyExists, foreign
// keys → kNotFound, CHECK/NOT NULL → kInvalidArgument, BUSY/LOCKED → kUnavailable, CORRUPT/NOTADB →
// kDataLoss, FULL → kResourceExhausted, anything else → kInternal. `db` may be null.
Error SqliteError(sqlite3* db, int rc, std::string_view context);

// True if `e` came from a SQLite constraint failure naming `table.column` (e.g. "principals.name").
bool ConstraintNames(const Error& e, std::string_view table_column);

class Connection;

// A prepared statement borrowed from a Connection (cached) or owned (when the cached copy of the
// same SQL is already in use, e.g. a nested query inside a ScanAudit callback). Destruction resets
// it and clears its bindings, so a cached statement never holds a read snapshot or stale values.
//
// Binds are 1-based like SQLite's; columns are 0-based. A bind failure is remembered and reported
// by the next Step()/Run().
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Binds `args` to parameters 1..n in order.
  template <typename... Args>
  Statement& BindAll(const Args&... args) {
    int index = 0;
    (Bind(++index, args), ...);
    return *this;
  }

  // Typed bind: integers (unsigned values above INT64_MAX are a bind error), bool, double, text
  // (anything convertible to string_view), Bytes, TimePoint (unix microseconds), StrongId (text),
  // std::optional<T> and std::nullopt (NULL).
  template <typename T>
  Statement& Bind(int index, const T& value);

  Statement& BindNull(int index);
  Statement& BindInt64(int index, int64_t value);
  Statement& BindUint64(int index, uint64_t value);
  Statement& BindDouble(int index, double value);
  Statement& BindText(int index, std::string_view value);
  Statement& BindBlob(int index, std::span<const uint8_t> value);

  // Steps once: true when a row is available, false when the statement is done.
  Result<bool> Step();
  // Steps until done, ignoring any rows, then resets so the statement can be bound and run again
  // (bindings are kept until rebound).
  Status Run();
  // Rewinds to before the first Step(), keeping the bindings.
  void Reset();

  bool IsNull(int col) const;
  int64_t Int64(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;
  std::string_view TextView(int col) const;  // valid until the next Step() or destruction
  Bytes Blob(int col) const;
  bool Bool(int col) const { return Int64(col) != 0; }
  TimePoint Time(int col) const { return FromUnixMicros(Int64(col)); }
  std::optional<TimePoint> OptTime(int col) const;
  std::optional<std::string> OptText(int col) const;
  template <typename Id>
  Id IdAt(int col) const {
    return Id(Text(col));
  }
  template <typename Id>
  std::optional<Id> OptIdAt(int col) const {
    if (IsNull(col)) return std::nullopt;
    return Id(Text(col));
  }

 private:
  friend class Connection;
  Statement(Connection* conn, sqlite3_stmt* stmt, bool* in_use);

  template <typename T>
  struct IsOptional : std::false_type {};
  template <typename T>
  struct IsOptional<std::optional<T>> : std::true_type {};
  template <typename T>
  struct IsStrongId : std::false_type {};
  template <typename Tag>
  struct IsStrongId<StrongId<Tag>> : std::true_type {};

  Connection* conn_;
  sqlite3_stmt* stmt_;
  bool* in_use_;  // the cache slot's flag; null when this statement is owned
  std::optional<Error> bind_error_;
};

template <typename T>
Statement& Statement::Bind(int index, const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    return BindInt64(index, value ? 1 : 0);
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    return BindInt64(index, static_cast<int64_t>(value));
  } else if constexpr (std::is_integral_v<T>) {
    return BindUint64(index, static_cast<uint64_t>(value));
  } else if constexpr (std::is_floating_point_v<T>) {
    return BindDouble(index, static_cast<double>(value));
  } else if constexpr (std::is_same_v<T, TimePoint>) {
    return BindInt64(index, ToUnixMicros(value));
  } else if constexpr (IsStrongId<T>::value) {
    return BindText(index, value.str());
  } else if constexpr (std::is_same_v<T, std::nullopt_t>) {
    return BindNull(index);
  } else if constexpr (IsOptional<T>::value) {
    if (!value.has_value()) return BindNull(index);
    return Bind(index, *value);
  } else if constexpr (std::is_same_v<T, Bytes>) {
    return BindBlob(index, value);
  } else {
    static_assert(std::is_convertible_v<const T&, std::string_view>, "unsupported bind type");
    return BindText(index, std::string_view(value));
  }
}

// One SQLite connection and its prepared-statement cache. Closing finalizes every cached
// statement; no Statement borrowed from it may outlive it.
class Connection {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens (kReadWrite creates the file if needed) with extended result codes, busy timeout and the
  // defensive flags (no double-quoted string literals, no writable_schema).
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, Mode mode,
                                                  int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Returns the cached prepared statement for `sql` (one statement, no trailing SQL), preparing
  // it on first use.
  Result<Statement> Prepare(std::string_view sql);
  // Prepares (cached) and runs `sql` to completion.
  Status Run(std::string_view sql);
  // Runs a script of one or more statements without caching (pragmas, migrations).
  Status Exec(const std::string& sql);
  // Runs a single-value query without caching (PRAGMA user_version, journal_mode, ...).
  Result<int64_t> QueryInt(const std::string& sql);
  Result<std::string> QueryText(const std::string& sql);

  // Rows changed by the most recent INSERT/UPDATE/DELETE.
  int64_t Changes() const;
  // True when no transaction is open (SQLite rolls back on its own after some I/O errors).
  bool InAutocommit() const;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };

  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Result<sqlite3_stmt*> PrepareRaw(std::string_view sql, bool persistent);

  sqlite3* db_;
  std::string path_;
  // Node-based: the `in_use` flags handed to Statements stay valid when the map rehashes.
  std::unordered_map<std::string, Cached, Hash, std::equal_to<>> cache_;
};

}  // namespace custody::sqlite
