#include "http/server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "http/internal/beast_stream.h"
#include "http/internal/socket_io.h"

namespace custody::http {

namespace bhttp = boost::beast::http;
using internal::BeastStream;
using internal::Millis;
using internal::SocketIo;
using internal::SteadyClock;

namespace {

// An unread request body up to this size is read and discarded to keep the connection; a larger
// one (or one of unknown size) costs the connection instead.
constexpr uint64_t kMaxDrainBytes = 64 * 1024;
// After the last response on a connection, how long and how much we keep reading (and discarding)
// so that close() does not reset the connection under the client's feet.
constexpr Millis kLingerTime{1000};
constexpr size_t kLingerBytes = 4 << 20;
// Rejected (503) connections the accept thread keeps lingering at once, and for how long.
constexpr size_t kMaxRejectedLingering = 64;
constexpr Millis kRejectedLingerTime{1000};
// How long to stop accepting after the process runs out of file descriptors.
constexpr Millis kAcceptBackoff{100};
// Slack over max_header_bytes for the read buffer, so a body chunk can follow the head.
constexpr size_t kReadBufferSlack = 64 * 1024;

// RFC 9110 §5.6.7 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t now = std::time(nullptr);
  std::tm g{};
  gmtime_r(&now, &g);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[g.tm_wday % 7],
                g.tm_mday, kMonths[g.tm_mon % 12], g.tm_year + 1900, g.tm_hour, g.tm_min, g.tm_sec);
  return buf;
}

// True if a comma-separated header value lists `token` (case-insensitive).
bool HasToken(std::string_view value, std::string_view token) {
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t comma = value.find(',', pos);
    std::string_view item =
        value.substr(pos, comma == std::string_view::npos ? comma : comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (EqualsIgnoreCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

// A complete problem+json response that closes the connection, for answers given without a
// Request (the accept thread's 503).
std::string ProblemBytes(int status, std::string detail, const std::string& server_name,
                         const Headers& extra = {}) {
  Response r = Response::Problem(status, std::move(detail));
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(ReasonPhrase(status)) +
                    "\r\nDate: " + HttpDate() + "\r\nServer: " + server_name + "\r\n";
  for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
  for (const auto& [k, v] : extra) out += k + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\nConnection: close\r\n\r\n";
  out += r.body;
  return out;
}

bool IsParseError(const boost::system::error_code& ec) {
  return &ec.category() == &bhttp::make_error_code(bhttp::error::bad_method).category();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// HttpServer::Impl

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, Handler& handler) : options_(std::move(options)), handler_(handler) {}
  ~Impl() { Stop(Millis(0)); }

  Result<uint16_t> Start();
  void Stop(Millis grace);
  size_t active() const {
    std::lock_guard lock(mu_);
    return active_;
  }
  bool running() const {
    std::lock_guard lock(mu_);
    return running_;
  }

  // Read by connection threads.
  const ServerOptions options_;
  Handler& handler_;
  std::atomic<bool> stopping_{false};
  int wake_rd_ = -1;  // readable once Stop has begun (never drained, so every poller sees it)

 private:
  struct Slot {
    int fd = -1;  // GUARDED_BY(mu_); -1 once the connection thread closed it
    bool done = false;
    std::thread thread;
  };
  struct Rejected {
    int fd;
    SteadyClock::time_point deadline;
  };

  void AcceptLoop();
  bool Admit(int fd);
  void Reject(int fd, std::deque<Rejected>& rejected);
  void ReapFinished();
  void RunConnection(Slot* slot, int fd);

  std::mutex lifecycle_mu_;  // serialises Start and Stop
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::list<Slot> slots_;  // GUARDED_BY(mu_); list: slot addresses stay valid
  size_t active_ = 0;      // GUARDED_BY(mu_)
  bool running_ = false;   // GUARDED_BY(mu_)
  int listen_fd_ = -1;
  int wake_wr_ = -1;
  std::thread accept_thread_;
};

// ---------------------------------------------------------------------------------------------
// Connection: one client connection, served on its own thread.

namespace {

class Connection final : public BodySource, public ResponseSink {
 public:
  Connection(HttpServer::Impl& server, int fd)
      : server_(server),
        opts_(server.options_),
        fd_(fd),
        io_(fd),
        stream_(io_),
        buffer_(opts_.max_header_bytes + kReadBufferSlack),
        peer_(internal::PeerName(fd)) {
    io_.set_read_timeout(opts_.read_timeout);
    io_.set_write_timeout(opts_.write_timeout);
  }

  void Run();

  // BodySource
  Result<size_t> Read(std::span<uint8_t> buf) override;

  // ResponseSink
  Status WriteHead(int status, const Headers& headers,
                   std::optional<uint64_t> content_length) override;
  Status WriteBody(std::span<const uint8_t> data) override;
  Status FinishBody() override;
  Status WriteComplete(int status, const Headers& headers, std::string_view body) override;
  bool PeerGone() override { return write_failed_ || internal::PeerClosed(fd_); }
  bool ShuttingDown() override { return server_.stopping_.load(); }

 private:
  enum class Next { kKeepAlive, kClose, kLingerClose };

  Next ServeOne();
  void ResetRequestState();
  // Answers without a handler (malformed head, ...); the connection closes afterwards.
  void SendProblem(int status, std::string detail);
  std::string BuildHead(int status, const Headers& headers, std::optional<uint64_t> length);
  Error WriteError(int err);
  bool DrainBody();

  HttpServer::Impl& server_;
  const ServerOptions& opts_;
  int fd_;
  SocketIo io_;
  BeastStream stream_;
  boost::beast::flat_buffer buffer_;  // persists across requests (pipelined bytes)
  std::optional<bhttp::request_parser<bhttp::buffer_body>> parser_;
  const std::string peer_;

  // Per-request state.
  bool force_close_ = false;      // the response must close the connection
  bool head_request_ = false;     // HEAD: no body bytes on the wire
  bool http10_ = false;           // HTTP/1.0 client: no chunked responses
  bool expect_continue_ = false;  // client waits for "100 Continue" before sending the body
  bool continue_sent_ = false;
  bool read_failed_ = false;  // the body can no longer be read: close after the response
  bool head_written_ = false;
  bool write_failed_ = false;
  bool keep_alive_ = false;  // decided when the response head is written
  bool chunked_out_ = false;
  bool no_body_out_ = false;
  uint64_t body_in_ = 0;  // body bytes taken from the parser
};

void Connection::ResetRequestState() {
  force_close_ = false;
  head_request_ = false;
  http10_ = false;
  expect_continue_ = false;
  continue_sent_ = false;
  read_failed_ = false;
  head_written_ = false;
  write_failed_ = false;
  keep_alive_ = false;
  chunked_out_ = false;
  no_body_out_ = false;
  body_in_ = 0;
}

void Connection::Run() {
  Next next = Next::kKeepAlive;
  while (next == Next::kKeepAlive) next = ServeOne();
  if (next == Next::kLingerClose) {
    internal::LingeringClose(fd_, server_.stopping_ ? Millis(100) : kLingerTime, kLingerBytes);
  }
}

Connection::Next Connection::ServeOne() {
  ResetRequestState();
  // Wait for the next request. Stop() makes wake_rd_ readable, which ends idle waits at once.
  if (buffer_.size() == 0) {
    if (internal::WaitReadable(fd_, opts_.idle_timeout, server_.wake_rd_) !=
        internal::Wait::kReady) {
      return Next::kClose;
    }
  }
  if (server_.stopping_) return Next::kClose;

  parser_.emplace();
  parser_->header_limit(
      static_cast<uint32_t>(std::min<size_t>(opts_.max_header_bytes, UINT32_MAX)));
  parser_->body_limit(boost::none);  // Request enforces the per-request limit
  io_.set_read_deadline(SteadyClock::now() + opts_.header_timeout);
  boost::system::error_code ec;
  bhttp::read_header(stream_, buffer_, *parser_, ec);
  io_.set_read_deadline(std::nullopt);
  if (ec) {
    if (ec == bhttp::error::end_of_stream) return Next::kClose;
    if (internal::IsTimeout(ec)) {
      if (buffer_.size() == 0 && !parser_->got_some()) return Next::kClose;
      SendProblem(408, "the request head did not arrive in time");
      return Next::kLingerClose;
    }
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      SendProblem(431,
                  "the request head exceeds " + std::to_string(opts_.max_header_bytes) + " bytes");
      return Next::kLingerClose;
    }
    if (IsParseError(ec) && ec != bhttp::error::partial_message) {
      SendProblem(400, "malformed request: " + ec.message());
      return Next::kLingerClose;
    }
    return Next::kClose;  // reset, EOF mid-head, ...: nobody to answer
  }

  auto& msg = parser_->get();
  http10_ = msg.version() < 11;
  head_request_ = msg.method() == bhttp::verb::head;
  Headers headers;
  for (const auto& field : msg) {
    headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  if (!parser_->is_done()) {
    std::optional<std::string> expect = FindHeader(headers, "Expect");
    expect_continue_ = !http10_ && expect && EqualsIgnoreCase(*expect, "100-continue");
  }
  if (FindHeader(headers, "Transfer-Encoding") && !parser_->chunked()) {
    // RFC 9112 §6.3: without chunked as the final coding the body length is unknowable.
    SendProblem(400, "Transfer-Encoding without a final 'chunked' coding");
    return Next::kLingerClose;
  }
  // RFC 9112 §3.2: HTTP/1.1 needs exactly one Host; no request may have two.
  size_t hosts = std::count_if(headers.begin(), headers.end(),
                               [](const auto& h) { return EqualsIgnoreCase(h.first, "Host"); });
  if (hosts > 1 || (hosts == 0 && !http10_)) {
    SendProblem(400, hosts > 1 ? "more than one Host header" : "HTTP/1.1 request without Host");
    return Next::kLingerClose;
  }
  Result<Request> request =
      Request::Create(std::string(msg.method_string()), std::string(msg.target()),
                      std::move(headers), this, opts_.max_body_bytes);
  if (!request.ok()) {
    SendProblem(400, request.error().message());
    return Next::kLingerClose;
  }
  request->set_peer(peer_);
  parser_->eager(true);

  ResponseWriter writer(*this);
  bool threw = false;
  try {
    server_.handler_.Handle(*request, writer);
  } catch (...) {
    // Handlers should not throw (style: expected failures are Result values); survive it anyway.
    threw = true;
  }
  if (!writer.started()) {
    if (threw) {
      force_close_ = true;
      (void)writer.Send(Response::Problem(500, "the handler failed"));
    } else if (const std::optional<Error>& body_error = request->body_error()) {
      switch (body_error->code()) {
        case ErrorCode::kPayloadTooLarge:
          (void)writer.Send(Response::Problem(413, body_error->message()));
          break;
        case ErrorCode::kDeadlineExceeded:
          (void)writer.Send(Response::Problem(408, body_error->message()));
          break;
        case ErrorCode::kInvalidArgument:
          (void)writer.Send(Response::Problem(400, body_error->message()));
          break;
        case ErrorCode::kCancelled:
        case ErrorCode::kUnavailable:
          return Next::kClose;  // the client is gone or we are force-closing
        default:
          (void)writer.Send(Response::Problem(500, body_error->message()));
          break;
      }
    } else {
      (void)writer.Send(Response::Problem(500, "the handler produced no response"));
    }
  }
  // A response cut short must end the connection so the client sees it incomplete.
  if (write_failed_ || !writer.finished()) return Next::kClose;
  if (threw || !keep_alive_) return Next::kLingerClose;
  if (!parser_->is_done() && !DrainBody()) return Next::kClose;
  return Next::kKeepAlive;
}

void Connection::SendProblem(int status, std::string detail) {
  force_close_ = true;
  ResponseWriter writer(*this);
  (void)writer.Send(Response::Problem(status, std::move(detail)));
}

Result<size_t> Connection::Read(std::span<uint8_t> buf) {
  if (!parser_ || parser_->is_done()) return size_t{0};
  if (read_failed_) return Error(ErrorCode::kCancelled, "request body is no longer readable");
  if (expect_continue_ && !continue_sent_) {
    if (head_written_) {
      // The client was never told to send the body and a final response has gone out.
      read_failed_ = true;
      return Error(ErrorCode::kInternal, "request body read after the response started");
    }
    continue_sent_ = true;
    int err = io_.SendAll("HTTP/1.1 100 Continue\r\n\r\n");
    if (err != 0) {
      read_failed_ = true;
      return WriteError(err);
    }
  }
  while (true) {
    boost::system::error_code ec;
    size_t n = internal::ReadBodySome(stream_, buffer_, *parser_, buf, ec);
    if (n > 0) {
      body_in_ += n;
      return n;
    }
    if (ec) {
      read_failed_ = true;
      if (internal::IsTimeout(ec)) {
        return Error(ErrorCode::kDeadlineExceeded, "timed out reading the request body");
      }
      if (server_.stopping_) {
        return Error(ErrorCode::kUnavailable, "the server is shutting down");
      }
      if (IsParseError(ec) && ec != bhttp::error::partial_message &&
          ec != bhttp::error::end_of_stream) {
        return InvalidArgument("malformed request body: " + ec.message());
      }
      if (ec == bhttp::error::buffer_overflow) {
        return InvalidArgument("malformed request body: chunk header too long");
      }
      return Error(ErrorCode::kCancelled, "the client closed the connection: " + ec.message());
    }
    if (parser_->is_done()) return size_t{0};
  }
}

bool Connection::DrainBody() {
  uint8_t scratch[16 * 1024];
  uint64_t drained = 0;
  while (!parser_->is_done()) {
    Result<size_t> n = Read(scratch);
    if (!n.ok()) return false;
    drained += *n;
    if (drained > kMaxDrainBytes) return false;
  }
  return true;
}

std::string Connection::BuildHead(int status, const Headers& headers,
                                  std::optional<uint64_t> length) {
  bool keep =
      !force_close_ && !read_failed_ && !server_.stopping_ && parser_ && parser_->keep_alive();
  bool has_date = false, has_server = false;
  for (const auto& [name, value] : headers) {
    if (EqualsIgnoreCase(name, "Connection") && HasToken(value, "close")) keep = false;
    has_date = has_date || EqualsIgnoreCase(name, "Date");
    has_server = has_server || EqualsIgnoreCase(name, "Server");
  }
  // An unread body: keep the connection only if we can cheaply skip what is left of it.
  if (keep && !parser_->is_done()) {
    if (expect_continue_ && !continue_sent_) {
      keep = false;  // the client may or may not send it now; only closing is unambiguous
    } else if (!parser_->content_length()) {
      keep = false;  // chunked: unknown size
    } else if (*parser_->content_length() - std::min(body_in_, *parser_->content_length()) >
               kMaxDrainBytes) {
      keep = false;
    }
  }

  no_body_out_ = head_request_ || status < 200 || status == 204 || status == 304;
  chunked_out_ = false;
  std::string framing;
  if (status >= 200 && status != 204 && status != 304) {
    if (length) {
      framing = "Content-Length: " + std::to_string(*length) + "\r\n";
    } else if (!head_request_) {
      if (http10_) {
        keep = false;  // HTTP/1.0 has no chunked encoding: the body ends when we close
      } else {
        chunked_out_ = true;
        framing = "Transfer-Encoding: chunked\r\n";
      }
    }
  }
  keep_alive_ = keep;

  std::string out =
      "HTTP/1.1 " + std::to_string(status) + " " + std::string(ReasonPhrase(status)) + "\r\n";
  if (!has_date) out += "Date: " + HttpDate() + "\r\n";
  if (!has_server && !opts_.server_name.empty()) out += "Server: " + opts_.server_name + "\r\n";
  for (const auto& [name, value] : headers) {
    if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
        EqualsIgnoreCase(name, "Connection")) {
      continue;
    }
    out += name + ": " + value + "\r\n";
  }
  out += framing;
  if (!keep) {
    out += "Connection: close\r\n";
  } else if (http10_) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
  return out;
}

Error Connection::WriteError(int err) {
  write_failed_ = true;
  if (err == ETIMEDOUT)
    return Error(ErrorCode::kDeadlineExceeded, "timed out writing the response");
  if (server_.stopping_) return Error(ErrorCode::kUnavailable, "the server is shutting down");
  return Error(ErrorCode::kCancelled, "the client went away: " + internal::ErrnoText(err));
}

Status Connection::WriteHead(int status, const Headers& headers,
                             std::optional<uint64_t> content_length) {
  std::string head = BuildHead(status, headers, content_length);
  head_written_ = true;
  int err = io_.SendAll(head);
  if (err != 0) return WriteError(err);
  return OkStatus();
}

Status Connection::WriteBody(std::span<const uint8_t> data) {
  if (write_failed_) return WriteError(EPIPE);
  if (no_body_out_ || data.empty()) return OkStatus();
  int err;
  if (chunked_out_) {
    char size_line[24];
    int len = std::snprintf(size_line, sizeof(size_line), "%zx\r\n", data.size());
    iovec parts[3] = {{size_line, static_cast<size_t>(len)},
                      {const_cast<uint8_t*>(data.data()), data.size()},
                      {const_cast<char*>("\r\n"), 2}};
    err = io_.SendAll(parts);
  } else {
    iovec part{const_cast<uint8_t*>(data.data()), data.size()};
    err = io_.SendAll(std::span<const iovec>(&part, 1));
  }
  if (err != 0) return WriteError(err);
  return OkStatus();
}

Status Connection::FinishBody() {
  if (write_failed_) return WriteError(EPIPE);
  if (!chunked_out_ || no_body_out_) return OkStatus();
  int err = io_.SendAll("0\r\n\r\n");
  if (err != 0) return WriteError(err);
  return OkStatus();
}

Status Connection::WriteComplete(int status, const Headers& headers, std::string_view body) {
  std::string head = BuildHead(status, headers, body.size());
  head_written_ = true;
  iovec parts[2] = {{head.data(), head.size()}, {const_cast<char*>(body.data()), body.size()}};
  int err = io_.SendAll(std::span<const iovec>(parts, no_body_out_ ? 1 : 2));
  if (err != 0) return WriteError(err);
  return OkStatus();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// HttpServer::Impl

Result<uint16_t> HttpServer::Impl::Start() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (running()) return Error(ErrorCode::kConflict, "the HTTP server is already running");
  if (options_.max_connections == 0 || options_.max_header_bytes < 256 ||
      options_.read_timeout.count() <= 0 || options_.write_timeout.count() <= 0 ||
      options_.idle_timeout.count() <= 0 || options_.header_timeout.count() <= 0) {
    return InvalidArgument(
        "server options need max_connections >= 1, max_header_bytes >= 256 and positive "
        "timeouts");
  }
  ASSIGN_OR_RETURN(internal::Listener listener,
                   internal::ListenTcp(options_.host, options_.port, SOMAXCONN));
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    int err = errno;
    ::close(listener.fd);
    return Error(ErrorCode::kUnavailable, "pipe2: " + internal::ErrnoText(err));
  }
  wake_rd_ = pipe_fds[0];
  wake_wr_ = pipe_fds[1];
  listen_fd_ = listener.fd;
  stopping_ = false;
  {
    std::lock_guard lock(mu_);
    running_ = true;
  }
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  return listener.port;
}

void HttpServer::Impl::Stop(Millis grace) {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (!running()) return;
  stopping_ = true;
  char byte = 1;
  // Never drained: the pipe stays readable, so no poller can miss the wake-up.
  while (::write(wake_wr_, &byte, 1) < 0 && errno == EINTR) {
  }
  accept_thread_.join();  // the listening socket is closed when this returns

  std::list<Slot> all;
  {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, grace, [this] { return active_ == 0; });
    // Whatever is still running loses its socket: blocked reads and writes fail at once.
    for (Slot& s : slots_) {
      if (s.fd >= 0) ::shutdown(s.fd, SHUT_RDWR);
    }
    all.splice(all.end(), slots_);
  }
  for (Slot& s : all) s.thread.join();

  ::close(wake_rd_);
  ::close(wake_wr_);
  wake_rd_ = wake_wr_ = -1;
  std::lock_guard lock(mu_);
  running_ = false;
}

void HttpServer::Impl::AcceptLoop() {
  std::deque<Rejected> rejected;
  SteadyClock::time_point paused_until{};
  while (true) {
    ReapFinished();
    SteadyClock::time_point now = SteadyClock::now();
    bool accepting = now >= paused_until;
    std::vector<pollfd> pfds;
    pfds.push_back({wake_rd_, POLLIN, 0});
    pfds.push_back({accepting ? listen_fd_ : -1, POLLIN, 0});
    std::optional<SteadyClock::time_point> next;
    if (!accepting) next = paused_until;
    for (const Rejected& r : rejected) {
      pfds.push_back({r.fd, POLLIN, 0});
      if (!next || r.deadline < *next) next = r.deadline;
    }
    int timeout = -1;
    if (next) {
      timeout =
          static_cast<int>(std::max<int64_t>(0, std::chrono::ceil<Millis>(*next - now).count()));
    }
    int rc = ::poll(pfds.data(), pfds.size(), timeout);
    if (rc < 0 && errno != EINTR) break;
    if (rc < 0) continue;
    if (pfds[0].revents != 0) break;  // Stop()

    // Rejected connections: discard what they send until EOF or their deadline.
    now = SteadyClock::now();
    std::deque<Rejected> keep;
    for (size_t i = 0; i < rejected.size(); ++i) {
      bool close_it = now >= rejected[i].deadline;
      if (!close_it && pfds[2 + i].revents != 0) {
        char buf[4096];
        while (true) {
          ssize_t got = ::recv(rejected[i].fd, buf, sizeof(buf), 0);
          if (got > 0) continue;
          if (got < 0 && errno == EINTR) continue;
          close_it = got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
          break;
        }
      }
      if (close_it) {
        ::close(rejected[i].fd);
      } else {
        keep.push_back(rejected[i]);
      }
    }
    rejected.swap(keep);

    if (accepting && (pfds[1].revents & POLLIN) != 0) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          paused_until = SteadyClock::now() + kAcceptBackoff;
        }
        continue;
      }
      if (!Admit(fd)) Reject(fd, rejected);
    }
  }
  ::close(listen_fd_);
  listen_fd_ = -1;
  for (const Rejected& r : rejected) ::close(r.fd);
}

bool HttpServer::Impl::Admit(int fd) {
  std::lock_guard lock(mu_);
  if (active_ >= options_.max_connections) return false;
  slots_.emplace_back();
  Slot* slot = &slots_.back();
  slot->fd = fd;
  try {
    slot->thread = std::thread(&Impl::RunConnection, this, slot, fd);
  } catch (const std::system_error&) {
    slots_.pop_back();
    return false;
  }
  ++active_;
  return true;
}

void HttpServer::Impl::Reject(int fd, std::deque<Rejected>& rejected) {
  std::string response =
      ProblemBytes(503,
                   "the server is at its limit of " + std::to_string(options_.max_connections) +
                       " connections; retry later",
                   options_.server_name, {{"Retry-After", "1"}});
  // A fresh socket's send buffer has room for this; if not, the client gets less than a response.
  (void)::send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(fd, SHUT_WR);
  if (rejected.size() >= kMaxRejectedLingering) {
    ::close(rejected.front().fd);
    rejected.pop_front();
  }
  rejected.push_back({fd, SteadyClock::now() + kRejectedLingerTime});
}

void HttpServer::Impl::ReapFinished() {
  std::list<Slot> done;
  {
    std::lock_guard lock(mu_);
    for (auto it = slots_.begin(); it != slots_.end();) {
      auto next = std::next(it);
      if (it->done) done.splice(done.end(), slots_, it);
      it = next;
    }
  }
  for (Slot& s : done) s.thread.join();
}

void HttpServer::Impl::RunConnection(Slot* slot, int fd) {
  internal::SetNoDelay(fd);
  try {
    auto connection = std::make_unique<Connection>(*this, fd);
    connection->Run();
  } catch (...) {
    // Only allocation failure can get here; dropping the connection is all we can do.
  }
  {
    std::lock_guard lock(mu_);
    ::close(fd);
    slot->fd = -1;
    slot->done = true;
    --active_;
  }
  cv_.notify_all();
}

// ---------------------------------------------------------------------------------------------
// HttpServer

HttpServer::HttpServer(ServerOptions options, Handler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

HttpServer::~HttpServer() = default;

Result<uint16_t> HttpServer::Start() { return impl_->Start(); }

void HttpServer::Stop(std::chrono::milliseconds grace) { impl_->Stop(grace); }

size_t HttpServer::active_connections() const { return impl_->active(); }

bool HttpServer::running() const { return impl_->running(); }

const ServerOptions& HttpServer::options() const { return impl_->options_; }

}  // namespace custody::http
