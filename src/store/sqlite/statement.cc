#include "store/sqlite/statement.h"

#include <sqlite3.h>

#include <limits>
#include <utility>

namespace custody::sqlite {

Error SqliteError(sqlite3* db, int rc, std::string_view context) {
  std::string message(context);
  message += ": ";
  // sqlite3_errmsg describes the most recent failure on `db`, which is `rc` when the caller reports
  // promptly; without a handle, fall back to the generic text of the code.
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  ErrorCode code = ErrorCode::kInternal;
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      switch (rc) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
          code = ErrorCode::kAlreadyExists;
          break;
        case SQLITE_CONSTRAINT_FOREIGNKEY:
          code = ErrorCode::kNotFound;
          break;
        case SQLITE_CONSTRAINT_TRIGGER:
          code = ErrorCode::kConflict;  // the append-only triggers on the audit tables
          break;
        case SQLITE_CONSTRAINT_COMMITHOOK:
          code = ErrorCode::kUnavailable;
          break;
        default:
          code = ErrorCode::kInvalidArgument;
      }
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = ErrorCode::kUnavailable;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = ErrorCode::kDataLoss;
      break;
    case SQLITE_FULL:
      code = ErrorCode::kResourceExhausted;
      break;
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
      code = ErrorCode::kInvalidArgument;
      break;
    case SQLITE_INTERRUPT:
      code = ErrorCode::kCancelled;
      break;
    default:
      break;
  }
  return Error(code, std::move(message));
}

bool ConstraintNames(const Error& e, std::string_view table_column) {
  const std::string& m = e.message();
  size_t pos = m.find(table_column);
  if (pos == std::string::npos) return false;
  size_t end = pos + table_column.size();
  // "principals.name" must not match "principals.name_x".
  return end == m.size() || m[end] == ',' || m[end] == ' ';
}

// ---- Statement ---------------------------------------------------------------------------------

Statement::Statement(Connection* conn, sqlite3_stmt* stmt, bool* in_use)
    : conn_(conn), stmt_(stmt), in_use_(in_use) {}

Statement::Statement(Statement&& other) noexcept
    : conn_(other.conn_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      bind_error_(std::move(other.bind_error_)) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (in_use_ != nullptr) {
    *in_use_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
}

Statement& Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && !bind_error_) bind_error_ = SqliteError(conn_->handle(), rc, "bind");
  return *this;
}

Statement& Statement::BindInt64(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && !bind_error_) bind_error_ = SqliteError(conn_->handle(), rc, "bind");
  return *this;
}

Statement& Statement::BindUint64(int index, uint64_t value) {
  if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    if (!bind_error_)
      bind_error_ = InvalidArgument("value " + std::to_string(value) + " for parameter " +
                                    std::to_string(index) + " exceeds the storable range");
    return *this;
  }
  return BindInt64(index, static_cast<int64_t>(value));
}

Statement& Statement::BindDouble(int index, double value) {
  int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK && !bind_error_) bind_error_ = SqliteError(conn_->handle(), rc, "bind");
  return *this;
}

Statement& Statement::BindText(int index, std::string_view value) {
  // SQLITE_TRANSIENT copies: callers may bind temporaries that die before Step().
  int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && !bind_error_) bind_error_ = SqliteError(conn_->handle(), rc, "bind");
  return *this;
}

Statement& Statement::BindBlob(int index, std::span<const uint8_t> value) {
  // A zero-length blob must still be a BLOB, not NULL: sqlite3_bind_blob64 with a null pointer
  // binds NULL, so point at a dummy byte.
  static const uint8_t kEmpty = 0;
  const void* data = value.empty() ? &kEmpty : value.data();
  int rc = sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && !bind_error_) bind_error_ = SqliteError(conn_->handle(), rc, "bind");
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_error_) return *bind_error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(conn_->handle(), rc, "sqlite");
}

Status Statement::Run() {
  while (true) {
    Result<bool> row = Step();
    if (!row.ok() || !*row) {
      // sqlite3_reset leaves sqlite3_changes() alone, so callers can still read it.
      Reset();
      if (!row.ok()) return std::move(row).error();
      return OkStatus();
    }
  }
}

void Statement::Reset() { sqlite3_reset(stmt_); }

bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

int64_t Statement::Int64(int col) const { return sqlite3_column_int64(stmt_, col); }

double Statement::Double(int col) const { return sqlite3_column_double(stmt_, col); }

std::string_view Statement::TextView(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(n)};
}

std::string Statement::Text(int col) const { return std::string(TextView(col)); }

Bytes Statement::Blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr || n <= 0) return {};
  const auto* b = static_cast<const uint8_t*>(p);
  return Bytes(b, b + n);
}

std::optional<TimePoint> Statement::OptTime(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Time(col);
}

std::optional<std::string> Statement::OptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

// ---- Connection --------------------------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, Mode mode,
                                                     int busy_timeout_ms) {
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |=
      mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = SqliteError(db, rc, "cannot open database " + path);
    sqlite3_close(db);  // a handle is allocated even when opening fails
    return e;
  }
  std::unique_ptr<Connection> conn(new Connection(db, path));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  cache_.clear();
  sqlite3_close(db_);
}

Result<sqlite3_stmt*> Connection::PrepareRaw(std::string_view sql, bool persistent) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, &tail);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "cannot prepare statement");
  bool trailing =
      tail != nullptr && tail != sql.data() + sql.size() &&
      std::string_view(tail, sql.data() + sql.size() - tail).find_first_not_of(" \t\n;") !=
          std::string_view::npos;
  if (stmt == nullptr || trailing) {
    sqlite3_finalize(stmt);
    return Internal("Prepare needs exactly one SQL statement");
  }
  return stmt;
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    if (!it->second.in_use) {
      it->second.in_use = true;
      return Statement(this, it->second.stmt, &it->second.in_use);
    }
    // The cached copy is busy (a nested use of the same query): use a one-off statement.
    ASSIGN_OR_RETURN(sqlite3_stmt * stmt, PrepareRaw(sql, false));
    return Statement(this, stmt, nullptr);
  }
  ASSIGN_OR_RETURN(sqlite3_stmt * stmt, PrepareRaw(sql, true));
  auto [slot, inserted] = cache_.emplace(std::string(sql), Cached{stmt, true});
  return Statement(this, stmt, &slot->second.in_use);
}

Status Connection::Run(std::string_view sql) {
  ASSIGN_OR_RETURN(Statement st, Prepare(sql));
  return st.Run();
}

Status Connection::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    Error e = SqliteError(db_, rc, "sqlite");
    sqlite3_free(err);
    return e;
  }
  return OkStatus();
}

Result<int64_t> Connection::QueryInt(const std::string& sql) {
  ASSIGN_OR_RETURN(sqlite3_stmt * raw, PrepareRaw(sql, false));
  Statement st(this, raw, nullptr);
  ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Internal("query returned no row: " + sql);
  return st.Int64(0);
}

Result<std::string> Connection::QueryText(const std::string& sql) {
  ASSIGN_OR_RETURN(sqlite3_stmt * raw, PrepareRaw(sql, false));
  Statement st(this, raw, nullptr);
  ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Internal("query returned no row: " + sql);
  return st.Text(0);
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

bool Connection::InAutocommit() const { return sqlite3_get_autocommit(db_) != 0; }

}  // namespace custody::sqlite
