#include "http/client.h"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <cstdio>
#include <vector>

#include "base/encoding.h"
#include "http/internal/beast_stream.h"
#include "http/internal/socket_io.h"
#include "http/url.h"

namespace custody::http {

namespace bhttp = boost::beast::http;
using internal::BeastStream;
using internal::Millis;
using internal::SocketIo;
using internal::SteadyClock;

namespace {

constexpr size_t kIoChunk = 64 * 1024;

ErrorCode CodeForStatus(int status) {
  switch (status) {
    case 400:
    case 405:
    case 411:
    case 414:
    case 422:
    case 431:
      return ErrorCode::kInvalidArgument;
    case 401:
      return ErrorCode::kUnauthenticated;
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
    case 410:
      return ErrorCode::kNotFound;
    case 408:
    case 504:
      return ErrorCode::kDeadlineExceeded;
    case 409:
    case 412:
    case 428:
      return ErrorCode::kConflict;
    case 413:
      return ErrorCode::kPayloadTooLarge;
    case 415:
      return ErrorCode::kUnsupportedMedia;
    case 429:
      return ErrorCode::kResourceExhausted;
    case 502:
    case 503:
      return ErrorCode::kUnavailable;
    default:
      return ErrorCode::kInternal;
  }
}

Status ValidateRequest(std::string_view method, std::string_view target, const Headers& headers) {
  if (!IsValidHeaderName(method)) return InvalidArgument("invalid HTTP method");
  if (target.empty() || target[0] != '/') {
    return InvalidArgument("request target must start with '/'");
  }
  for (unsigned char c : target) {
    if (c <= 0x20 || c == 0x7f) {
      return InvalidArgument("request target contains a space or control character");
    }
  }
  for (const auto& [name, value] : headers) {
    if (!IsValidHeaderName(name)) return InvalidArgument("invalid header name '" + name + "'");
    if (!IsValidHeaderValue(value)) {
      return InvalidArgument("header '" + name + "' has CR, LF or NUL in its value");
    }
    if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding")) {
      return InvalidArgument("header '" + name + "' is set by the client itself");
    }
  }
  return OkStatus();
}

}  // namespace

Error ErrorFromResponse(const ClientResponse& response) {
  ErrorCode code = CodeForStatus(response.status);
  std::string message = "HTTP " + std::to_string(response.status);
  boost::json::object details;
  details["status"] = response.status;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(response.body, ec);
  if (!ec && v.is_object()) {
    const boost::json::object& o = v.as_object();
    const boost::json::value* detail = o.if_contains("detail");
    const boost::json::value* title = o.if_contains("title");
    if (detail != nullptr && detail->is_string()) {
      message += ": " + std::string(detail->as_string());
    } else if (title != nullptr && title->is_string()) {
      message += ": " + std::string(title->as_string());
    }
    // A server that names its error code gets it back exactly.
    if (const boost::json::value* c = o.if_contains("code"); c != nullptr && c->is_string()) {
      for (int i = 0; i <= static_cast<int>(ErrorCode::kInternal); ++i) {
        if (ErrorCodeName(static_cast<ErrorCode>(i)) == c->as_string()) {
          code = static_cast<ErrorCode>(i);
        }
      }
    }
    details["problem"] = o;
  } else if (!response.body.empty()) {
    message += ": " + response.body.substr(0, 200);
  } else {
    message += " " + std::string(ReasonPhrase(response.status));
  }
  return Error(code, std::move(message), std::move(details));
}

class HttpClient::Impl {
 public:
  Impl(std::string base_url, ClientOptions options)
      : opts_(std::move(options)), buffer_(opts_.max_header_bytes + kIoChunk) {
    Result<BaseUrl> url = ParseBaseUrl(base_url);
    if (url.ok()) {
      url_ = std::move(url).value();
    } else {
      status_ = std::move(url).error();
    }
    io_.set_read_timeout(opts_.read_timeout);
    io_.set_write_timeout(opts_.write_timeout);
    chunk_.resize(kIoChunk);
  }
  ~Impl() { CloseConn(); }

  Result<ClientResponse> Exchange(std::string_view method, std::string_view target,
                                  const Headers& headers, std::string_view body,
                                  const BodyConsumer* sink);
  Result<ClientResponse> Upload(std::string_view method, std::string_view target,
                                const Headers& headers, const BodyProducer& source,
                                std::optional<uint64_t> length);
  Status Events(std::string_view target, const Headers& headers,
                const std::function<bool(const SseEvent&)>& on_event, Millis timeout);
  void CloseConn();

  Status status_;

 private:
  // Connects unless a usable connection is open; *reused tells which.
  Status EnsureConnected(bool* reused);
  std::string BuildHead(std::string_view method, std::string_view target, const Headers& headers,
                        std::optional<uint64_t> length, bool chunked);
  // Reads one final response (1xx are skipped). 2xx bodies go to `sink` if given, everything else
  // is buffered. *got_any tells whether any response byte arrived. Closes the connection on error
  // or when the server does not keep it alive.
  Result<ClientResponse> ReadResponse(bool head_request, const BodyConsumer* sink, bool* got_any);
  Error IoError(int err, std::string_view doing);
  Error ReadError(const boost::system::error_code& ec, std::string_view doing);

  ClientOptions opts_;
  BaseUrl url_;
  int fd_ = -1;
  SocketIo io_;
  BeastStream stream_{io_};
  boost::beast::flat_buffer buffer_;
  std::vector<uint8_t> chunk_;
};

void HttpClient::Impl::CloseConn() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  io_.reset(-1);
  buffer_.clear();
}

Status HttpClient::Impl::EnsureConnected(bool* reused) {
  // A kept-alive connection with something to read before we asked (EOF, most likely) is dead.
  if (fd_ >= 0 && internal::Readable(fd_)) CloseConn();
  *reused = fd_ >= 0;
  if (fd_ >= 0) return OkStatus();
  ASSIGN_OR_RETURN(int fd, internal::ConnectTcp(url_.host, url_.port, opts_.connect_timeout));
  fd_ = fd;
  io_.reset(fd);
  buffer_.clear();
  return OkStatus();
}

Error HttpClient::Impl::IoError(int err, std::string_view doing) {
  CloseConn();
  if (err == ETIMEDOUT) {
    return Error(ErrorCode::kDeadlineExceeded, "timed out " + std::string(doing));
  }
  return Error(ErrorCode::kUnavailable, "connection to " + url_.host_header + " failed " +
                                            std::string(doing) + ": " + internal::ErrnoText(err));
}

Error HttpClient::Impl::ReadError(const boost::system::error_code& ec, std::string_view doing) {
  CloseConn();
  if (internal::IsTimeout(ec)) {
    return Error(ErrorCode::kDeadlineExceeded, "timed out " + std::string(doing));
  }
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
    return Error(ErrorCode::kUnavailable,
                 "server " + url_.host_header + " closed the connection " + std::string(doing));
  }
  return Error(ErrorCode::kUnavailable, "bad response from " + url_.host_header + " " +
                                            std::string(doing) + ": " + ec.message());
}

std::string HttpClient::Impl::BuildHead(std::string_view method, std::string_view target,
                                        const Headers& headers, std::optional<uint64_t> length,
                                        bool chunked) {
  std::string out;
  out.reserve(256);
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  if (!FindHeader(headers, "Host")) out += "Host: " + url_.host_header + "\r\n";
  if (!FindHeader(headers, "User-Agent") && !opts_.user_agent.empty()) {
    out += "User-Agent: " + opts_.user_agent + "\r\n";
  }
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  if (chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (length) {
    out += "Content-Length: " + std::to_string(*length) + "\r\n";
  }
  out += "\r\n";
  return out;
}

Result<ClientResponse> HttpClient::Impl::ReadResponse(bool head_request, const BodyConsumer* sink,
                                                      bool* got_any) {
  *got_any = false;
  while (true) {
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.header_limit(static_cast<uint32_t>(opts_.max_header_bytes));
    parser.body_limit(boost::none);
    if (head_request) parser.skip(true);
    boost::system::error_code ec;
    bhttp::read_header(stream_, buffer_, parser, ec);
    *got_any = *got_any || parser.got_some() || buffer_.size() > 0;
    if (ec) return ReadError(ec, "reading the response head");
    auto& msg = parser.get();
    ClientResponse response;
    response.status = static_cast<int>(msg.result_int());
    if (response.status >= 100 && response.status < 200) continue;  // interim (100, 103)
    for (const auto& field : msg) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    bool to_sink = sink != nullptr && response.status / 100 == 2;
    parser.eager(true);
    while (!parser.is_done()) {
      size_t n = internal::ReadBodySome(stream_, buffer_, parser, chunk_, ec);
      if (n > 0) {
        if (to_sink) {
          Status st = (*sink)(std::span<const uint8_t>(chunk_.data(), n));
          if (!st.ok()) {
            CloseConn();
            return std::move(st).error();
          }
        } else {
          if (response.body.size() + n > opts_.max_body_bytes) {
            CloseConn();
            return Error(
                ErrorCode::kPayloadTooLarge,
                "response body exceeds " + std::to_string(opts_.max_body_bytes) + " bytes");
          }
          response.body.append(reinterpret_cast<const char*>(chunk_.data()), n);
        }
      }
      if (ec) return ReadError(ec, "reading the response body");
    }
    if (!parser.keep_alive()) CloseConn();
    return response;
  }
}

Result<ClientResponse> HttpClient::Impl::Exchange(std::string_view method, std::string_view target,
                                                  const Headers& headers, std::string_view body,
                                                  const BodyConsumer* sink) {
  RETURN_IF_ERROR(status_);
  RETURN_IF_ERROR(ValidateRequest(method, target, headers));
  bool with_length = !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  std::string head =
      BuildHead(method, target, headers,
                with_length ? std::optional<uint64_t>(body.size()) : std::nullopt, false);
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    RETURN_IF_ERROR(EnsureConnected(&reused));
    // A reused connection may have been closed by the server an instant ago; the request never
    // reached a handler then, so one retry on a fresh connection is safe.
    bool may_retry = reused && attempt == 0;
    iovec parts[2] = {{head.data(), head.size()}, {const_cast<char*>(body.data()), body.size()}};
    int err = io_.SendAll(parts);
    if (err != 0) {
      Error e = IoError(err, "sending the request");
      if (may_retry && err != ETIMEDOUT) continue;
      return e;
    }
    bool got_any = false;
    Result<ClientResponse> r = ReadResponse(method == "HEAD", sink, &got_any);
    if (!r.ok() && may_retry && !got_any && r.error().code() == ErrorCode::kUnavailable) continue;
    return r;
  }
}

Result<ClientResponse> HttpClient::Impl::Upload(std::string_view method, std::string_view target,
                                                const Headers& headers, const BodyProducer& source,
                                                std::optional<uint64_t> length) {
  RETURN_IF_ERROR(status_);
  RETURN_IF_ERROR(ValidateRequest(method, target, headers));
  bool chunked = !length.has_value();
  std::string head = BuildHead(method, target, headers, length, chunked);
  bool reused = false;
  RETURN_IF_ERROR(EnsureConnected(&reused));
  int err = io_.SendAll(head);
  if (err != 0) return IoError(err, "sending the request head");

  std::vector<uint8_t> buf(kIoChunk);
  uint64_t sent = 0;
  bool early = false;  // the server answered before the body was complete
  while (true) {
    if (internal::Readable(fd_)) {
      early = true;
      break;
    }
    Result<size_t> n = source(buf);
    if (!n.ok()) {
      CloseConn();
      return n.error();
    }
    if (*n == 0) break;
    if (*n > buf.size() || (length && sent + *n > *length)) {
      CloseConn();
      return InvalidArgument("upload source produced more bytes than declared");
    }
    if (chunked) {
      char size_line[24];
      int len = std::snprintf(size_line, sizeof(size_line), "%zx\r\n", *n);
      iovec parts[3] = {
          {size_line, static_cast<size_t>(len)}, {buf.data(), *n}, {const_cast<char*>("\r\n"), 2}};
      err = io_.SendAll(parts);
    } else {
      iovec part{buf.data(), *n};
      err = io_.SendAll(std::span<const iovec>(&part, 1));
    }
    if (err != 0) {
      if (err == ETIMEDOUT) return IoError(err, "sending the request body");
      // The server may have answered and closed (413, say); its response is worth more than EPIPE.
      early = true;
      break;
    }
    sent += *n;
  }
  if (!early) {
    if (length && sent != *length) {
      CloseConn();
      return InvalidArgument("upload source ended after " + std::to_string(sent) + " of " +
                             std::to_string(*length) + " bytes");
    }
    if (chunked) {
      err = io_.SendAll("0\r\n\r\n");
      if (err != 0) early = true;
    }
  }
  bool got_any = false;
  Result<ClientResponse> r = ReadResponse(method == "HEAD", nullptr, &got_any);
  if (early) CloseConn();  // our request is incomplete on the wire
  if (!r.ok() && early && err != 0) return IoError(err, "sending the request body");
  return r;
}

Status HttpClient::Impl::Events(std::string_view target, const Headers& headers,
                                const std::function<bool(const SseEvent&)>& on_event,
                                Millis timeout) {
  RETURN_IF_ERROR(status_);
  RETURN_IF_ERROR(ValidateRequest("GET", target, headers));
  SteadyClock::time_point deadline = SteadyClock::now() + timeout;
  Headers all = headers;
  if (!FindHeader(all, "Accept")) all.emplace_back("Accept", "text/event-stream");
  all.emplace_back("Cache-Control", "no-cache");

  SseParser parser;
  bool stopped = false;
  Status parse_error;
  BodyConsumer sink = [&](std::span<const uint8_t> data) -> Status {
    Result<bool> more = parser.Feed(AsChars(data), on_event);
    if (!more.ok()) {
      parse_error = more.error();
      return more.error();
    }
    if (!*more) {
      stopped = true;
      return Error(ErrorCode::kCancelled, "stopped by the event callback");
    }
    return OkStatus();
  };
  io_.set_read_timeout(timeout);
  io_.set_read_deadline(deadline);
  Result<ClientResponse> r = Exchange("GET", target, all, {}, &sink);
  io_.set_read_timeout(opts_.read_timeout);
  io_.set_read_deadline(std::nullopt);
  if (stopped) return OkStatus();  // the connection was closed mid-stream by ReadResponse
  if (!parse_error.ok()) return parse_error;
  if (!r.ok()) return std::move(r).error();
  if (r->status != 200) return ErrorFromResponse(*r);
  return OkStatus();
}

HttpClient::HttpClient(std::string base_url, ClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(base_url), std::move(options))) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

Status HttpClient::status() const { return impl_->status_; }

Result<ClientResponse> HttpClient::Send(std::string_view method, std::string_view target,
                                        const Headers& headers, std::string_view body) {
  return impl_->Exchange(method, target, headers, body, nullptr);
}

Result<ClientResponse> HttpClient::SendStream(std::string_view method, std::string_view target,
                                              const Headers& headers, const BodyProducer& source,
                                              std::optional<uint64_t> length) {
  return impl_->Upload(method, target, headers, source, length);
}

Result<ClientResponse> HttpClient::Download(std::string_view method, std::string_view target,
                                            const Headers& headers, const BodyConsumer& sink) {
  return impl_->Exchange(method, target, headers, {}, &sink);
}

Status HttpClient::Events(std::string_view target, const Headers& headers,
                          const std::function<bool(const SseEvent&)>& on_event,
                          std::chrono::milliseconds timeout) {
  return impl_->Events(target, headers, on_event, timeout);
}

void HttpClient::Close() { impl_->CloseConn(); }

}  // namespace custody::http
