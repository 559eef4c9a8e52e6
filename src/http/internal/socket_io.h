// INTERNAL to http/: POSIX socket helpers with poll()-based time limits.
//
// Why not SO_RCVTIMEO/SO_SNDTIMEO with Asio's synchronous sockets: Asio (1.81) turns the EAGAIN a
// timed-out recv returns into poll(fd, -1) and waits forever (socket_ops::sync_recv), so the
// timeout is silently lost. Every socket here is non-blocking instead, and each wait is a poll()
// with an explicit timeout. Beast only parses; it reads through BeastStream (beast_stream.h).
#pragma once

#include <sys/uio.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace custody::http::internal {

using SteadyClock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// Timed recv/send on a non-blocking socket. Does not own the fd. Not thread-safe.
class SocketIo {
 public:
  explicit SocketIo(int fd = -1) : fd_(fd) {}

  void reset(int fd) { fd_ = fd; }
  int fd() const { return fd_; }
  // Longest wait for one recv / one send to make progress.
  void set_read_timeout(Millis t) { read_timeout_ = t; }
  void set_write_timeout(Millis t) { write_timeout_ = t; }
  // An absolute limit for reads on top of the per-read timeout (request-head deadline, SSE).
  void set_read_deadline(std::optional<SteadyClock::time_point> d) { read_deadline_ = d; }

  // Reads at most n (> 0) bytes. Returns >0 bytes read, 0 at orderly EOF, or -1 with *err set
  // (ETIMEDOUT when a time limit passed).
  long Recv(void* buf, size_t n, int* err);
  // Sends every byte or fails. Returns 0 or an errno value (ETIMEDOUT, EPIPE, ECONNRESET, ...).
  int SendAll(std::span<const iovec> parts);
  int SendAll(std::string_view data);

 private:
  int fd_;
  Millis read_timeout_{30000};
  Millis write_timeout_{30000};
  std::optional<SteadyClock::time_point> read_deadline_;
};

enum class Wait { kReady, kTimeout, kWoken, kError };

// Waits until `fd` is readable (data, EOF or error), `wake_fd` (if >= 0) is readable, or the
// timeout passes.
Wait WaitReadable(int fd, Millis timeout, int wake_fd = -1);

// True if the peer closed or reset the connection (non-blocking check).
bool PeerClosed(int fd);

// True if `fd` has bytes or EOF waiting (non-blocking check).
bool Readable(int fd);

void SetNoDelay(int fd);
bool SetNonBlocking(int fd);

// Connects with a time limit; the returned socket is non-blocking with TCP_NODELAY.
// kUnavailable (refused, unreachable, unresolvable) or kDeadlineExceeded.
Result<int> ConnectTcp(const std::string& host, uint16_t port, Millis timeout);

// A non-blocking listening socket bound to host:port (port 0: any free port).
struct Listener {
  int fd = -1;
  uint16_t port = 0;
};
Result<Listener> ListenTcp(const std::string& host, uint16_t port, int backlog);

// "ip:port" of the connected peer, "[ip]:port" for IPv6.
std::string PeerName(int fd);

// Reads and discards what the peer still sends, after our last write and shutdown(SHUT_WR),
// until EOF, `limit` bytes or `timeout`, so that close() does not reset the connection while
// the peer is still reading our response (RFC 9112 §9.6 "lingering close").
void LingeringClose(int fd, Millis timeout, size_t limit);

// The text of an errno value.
std::string ErrnoText(int err);

}  // namespace custody::http::internal
