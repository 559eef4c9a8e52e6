// The server-side view of one HTTP request: its parsed head and a pull interface to its body.
//
// The server builds a Request per request; a handler reads the head through accessors and the body
// with ReadBody (buffered) or ReadSome (streaming). Body limits are enforced here, whatever the
// body's framing, so a handler never sees more bytes than it allowed.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "http/message.h"
#include "http/url.h"

namespace custody::http {

// Where a request body comes from: the server's connection, or a string in tests.
// Not thread-safe; used by one request at a time.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // Reads up to buf.size() (> 0) body bytes, blocking until at least one is available. Returns 0
  // once the body has ended. Errors: kDeadlineExceeded (read timeout), kCancelled (the client went
  // away), kUnavailable (the server is shutting down), kInvalidArgument (malformed chunked
  // framing).
  virtual Result<size_t> Read(std::span<uint8_t> buf) = 0;
};

// A BodySource over an in-memory string, for tests and internal callers.
class StringBodySource final : public BodySource {
 public:
  explicit StringBodySource(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(std::span<uint8_t> buf) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

// One request. Not thread-safe: it belongs to the thread handling the request, and lives only for
// the duration of Handler::Handle.
class Request {
 public:
  // Builds a request from its head. `target` is parsed with ParseTarget (InvalidArgument on a bad
  // target); Content-Length, if present, must be a decimal integer. `body` may be null (no body)
  // and must outlive the request. The body limit starts at `body_limit`.
  static Result<Request> Create(std::string method, std::string target, Headers headers,
                                BodySource* body, uint64_t body_limit = 1 << 20);

  // The method token exactly as sent. Methods are case-sensitive (RFC 9110 §9.1), so "get" is not
  // GET and will not match a GET route.
  const std::string& method() const { return method_; }
  // The raw request target, e.g. "/v1/assets?limit=10".
  const std::string& target() const { return target_; }
  // The decoded path without the query. Never contains NUL, '\', "." or ".." segments, or a '/'
  // that was encoded as %2F.
  const std::string& path() const { return path_; }
  // The first value of query parameter `name`, decoded ('+' is a space); nullopt if absent.
  std::optional<std::string> query(std::string_view name) const;
  const QueryParams& query_params() const { return query_; }
  // Header `name`, case-insensitive; repeated fields joined with ", ". nullopt if absent.
  std::optional<std::string> header(std::string_view name) const;
  const Headers& headers() const { return headers_; }
  // The declared Content-Length; nullopt for chunked bodies and requests without one.
  std::optional<uint64_t> content_length() const { return content_length_; }
  // "ip:port" of the client ("" when not from a socket).
  const std::string& peer() const { return peer_; }
  void set_peer(std::string peer) { peer_ = std::move(peer); }

  // Path parameters, set by the Router from the matched pattern. param() is "" if absent.
  const std::string& param(std::string_view name) const;
  const QueryParams& params() const { return params_; }
  void set_params(QueryParams params) { params_ = std::move(params); }

  // The most body bytes ReadSome will deliver. Raise it before reading to accept a large upload;
  // the server starts every request at ServerOptions::max_body_bytes.
  void set_body_limit(uint64_t limit) { body_limit_ = limit; }
  uint64_t body_limit() const { return body_limit_; }

  // Reads the whole body into memory. kPayloadTooLarge if Content-Length or the bytes actually
  // sent exceed `limit` (checked before any byte is read when Content-Length is known, so a client
  // waiting on "Expect: 100-continue" is not asked to send). Other errors as ReadSome.
  Result<std::string> ReadBody(uint64_t limit);
  Result<std::string> ReadBody() { return ReadBody(body_limit_); }

  // Streams the body: reads up to buf.size() bytes, 0 at the end of the body. Errors:
  // kPayloadTooLarge (over body_limit(): bytes up to the limit are delivered, the call after them
  // fails, and no byte past the limit is ever returned), kDeadlineExceeded
  // (read timeout), kCancelled (client disconnected), kUnavailable (server shutting down),
  // kInvalidArgument (bad chunked framing). After an error every later call returns the same
  // error.
  Result<size_t> ReadSome(std::span<uint8_t> buf);

  // Body bytes delivered so far.
  uint64_t body_bytes_read() const { return body_read_; }
  // True once ReadSome has returned 0 (or the request has no body source).
  bool body_complete() const { return body_done_; }
  // The error that ended body reading, if any (the server maps it to a status when a handler
  // returns without responding).
  const std::optional<Error>& body_error() const { return body_error_; }

 private:
  Request() = default;

  std::string method_;
  std::string target_;
  std::string path_;
  QueryParams query_;
  Headers headers_;
  std::optional<uint64_t> content_length_;
  std::string peer_;
  QueryParams params_;

  BodySource* body_ = nullptr;
  uint64_t body_limit_ = 1 << 20;
  uint64_t body_read_ = 0;
  bool body_done_ = false;
  std::optional<Error> body_error_;
};

}  // namespace custody::http
