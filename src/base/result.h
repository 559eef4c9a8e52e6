// Result<T> and Error: how expected failures travel through Custody.
//
// Handlers, workers, the store and the policy engine return values, not exceptions (style.md §4).
// An Error carries a module-independent code (mapped to HTTP once, in api/), a human-readable
// message that is safe to show to the caller, and optional structured details (for example the
// policy decision behind a denial).
#pragma once

#include <boost/json.hpp>
#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace custody {

enum class ErrorCode {
  kInvalidArgument,    // the request or input is malformed
  kUnauthenticated,    // no, expired, revoked or forged credentials
  kPermissionDenied,   // authenticated, but the policy said no
  kNotFound,           // the named object does not exist (or is not visible)
  kAlreadyExists,      // a unique name or key is taken
  kConflict,           // the object's state does not allow the operation
  kPayloadTooLarge,    // a body or file exceeds a configured limit
  kUnsupportedMedia,   // wrong content type
  kResourceExhausted,  // a quota or capacity limit was reached
  kDeadlineExceeded,   // a time limit was reached
  kCancelled,          // the operation was cancelled
  kUnavailable,        // shutting down, or a dependency is unavailable
  kDataLoss,           // stored data failed an integrity check
  kInternal,           // a bug or an unexpected failure of our own
};

std::string_view ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  Error(ErrorCode code, std::string message, boost::json::object details)
      : code_(code), message_(std::move(message)), details_(std::move(details)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const boost::json::object& details() const { return details_; }
  boost::json::object& mutable_details() { return details_; }

  // "kind: message", for logs and test failures.
  std::string ToString() const;

 private:
  ErrorCode code_;
  std::string message_;
  boost::json::object details_;
};

inline Error InvalidArgument(std::string m) {
  return Error(ErrorCode::kInvalidArgument, std::move(m));
}
inline Error NotFound(std::string m) { return Error(ErrorCode::kNotFound, std::move(m)); }
inline Error Conflict(std::string m) { return Error(ErrorCode::kConflict, std::move(m)); }
inline Error Internal(std::string m) { return Error(ErrorCode::kInternal, std::move(m)); }
inline Error Unauthenticated(std::string m) {
  return Error(ErrorCode::kUnauthenticated, std::move(m));
}
inline Error PermissionDenied(std::string m) {
  return Error(ErrorCode::kPermissionDenied, std::move(m));
}

// Result<T>: either a T or an Error. Result<void> is spelled Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok()
  const Error& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  // REQUIRES: !ok()
  const Error& error() const& {
    assert(!ok());
    return *error_;
  }
  Error&& error() && {
    assert(!ok());
    return std::move(*error_);
  }

 private:
  std::optional<Error> error_;
};

inline Status OkStatus() { return Status(); }

}  // namespace custody

// Propagate an error from an expression returning Status or Result<T>.
#define CUSTODY_CONCAT_INNER(a, b) a##b
#define CUSTODY_CONCAT(a, b) CUSTODY_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                                             \
  do {                                                                    \
    auto _custody_status = (expr);                                        \
    if (!_custody_status.ok()) return std::move(_custody_status).error(); \
  } while (0)

// ASSIGN_OR_RETURN(auto x, Foo()); declares x from a Result or returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(CUSTODY_CONCAT(_custody_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)   \
  auto tmp = (expr);                            \
  if (!tmp.ok()) return std::move(tmp).error(); \
  lhs = std::move(tmp).value()
