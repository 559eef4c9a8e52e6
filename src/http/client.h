// HttpClient: a small synchronous HTTP/1.1 client for the CLI and for tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "http/message.h"
#include "http/sse.h"

namespace custody::http {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{10000};
  // Longest wait for one read / one write to make progress.
  std::chrono::milliseconds read_timeout{30000};
  std::chrono::milliseconds write_timeout{30000};
  // Largest response head, and largest body Send/SendStream buffer (Download streams instead).
  size_t max_header_bytes = 64 * 1024;
  uint64_t max_body_bytes = 64ull << 20;
  std::string user_agent = "custody-http";
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;

  // Case-insensitive; repeated fields joined with ", ".
  std::optional<std::string> header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

// An Error for a non-2xx response: the code follows the status (404 → kNotFound, 413 →
// kPayloadTooLarge, ...) and the message carries the problem+json "detail" (or the body's start).
Error ErrorFromResponse(const ClientResponse& response);

// Returns at most buf.size() bytes of a request body per call, 0 at the end.
using BodyProducer = std::function<Result<size_t>(std::span<uint8_t>)>;
// Receives a response body piece by piece.
using BodyConsumer = std::function<Status(std::span<const uint8_t>)>;

// Talks to one server over one keep-alive connection, reconnecting when the server has closed it.
// Not thread-safe: use one client per thread.
//
// Errors: kInvalidArgument (bad base URL, target or header), kUnavailable (cannot connect, the
// connection broke, malformed response), kDeadlineExceeded (a time limit passed),
// kPayloadTooLarge (a buffered response body over max_body_bytes). A non-2xx status is not an
// error for Send/SendStream/Download: check ClientResponse::status.
class HttpClient {
 public:
  // `base_url` is "http://host:port". Any other scheme (https included) or a URL with a path is
  // rejected: every call then returns that InvalidArgument error (see status()).
  explicit HttpClient(std::string base_url, ClientOptions options = {});
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // OK if the base URL was accepted.
  Status status() const;

  // Sends a request with a buffered body (Content-Length) and reads the whole response. `target`
  // is the origin-form path and query ("/v1/assets?limit=5"), already percent-encoded. If a reused
  // keep-alive connection turns out to be closed before any response byte arrives, the request is
  // retried once on a fresh connection.
  Result<ClientResponse> Send(std::string_view method, std::string_view target,
                              const Headers& headers = {}, std::string_view body = {});

  // Uploads a body pulled from `source`: with Content-Length when `length` is given (the source
  // must produce exactly that many bytes), chunked otherwise. If the server answers early (e.g.
  // 413) the upload stops and that response is returned.
  Result<ClientResponse> SendStream(std::string_view method, std::string_view target,
                                    const Headers& headers, const BodyProducer& source,
                                    std::optional<uint64_t> length);

  // Streams a 2xx response body into `sink` (ClientResponse::body stays empty); other statuses
  // are buffered into ClientResponse::body as by Send. An error from `sink` aborts the download
  // and is returned.
  Result<ClientResponse> Download(std::string_view method, std::string_view target,
                                  const Headers& headers, const BodyConsumer& sink);

  // Subscribes to a Server-Sent Events stream with GET and calls `on_event` for each event until
  // it returns false (OK), the server ends the stream (OK), or `timeout` has passed since the call
  // (kDeadlineExceeded). A non-200 answer is ErrorFromResponse. `timeout` replaces read_timeout
  // for this call, so quiet streams do not time out early.
  Status Events(std::string_view target, const Headers& headers,
                const std::function<bool(const SseEvent&)>& on_event,
                std::chrono::milliseconds timeout);

  // Drops the current connection (the next call reconnects).
  void Close();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace custody::http
