#include "http/internal/socket_io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace custody::http::internal {

namespace {

// Milliseconds left until `deadline`, at least 0.
int64_t MillisUntil(SteadyClock::time_point deadline) {
  auto left = std::chrono::ceil<Millis>(deadline - SteadyClock::now()).count();
  return std::max<int64_t>(left, 0);
}

int PollTimeout(int64_t ms) { return static_cast<int>(std::min<int64_t>(ms, 1 << 30)); }

// Waits for `events` on fd until `deadline`. 1 ready, 0 timeout, -1 error (errno set).
int PollUntil(int fd, short events, SteadyClock::time_point deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, PollTimeout(MillisUntil(deadline)));
    if (rc > 0) return 1;
    if (rc == 0) {
      if (SteadyClock::now() >= deadline) return 0;
      continue;
    }
    if (errno != EINTR) return -1;
  }
}

}  // namespace

std::string ErrnoText(int err) {
  char buf[128];
  // GNU strerror_r returns the message pointer (which may not be buf).
  return std::string(strerror_r(err, buf, sizeof(buf)));
}

long SocketIo::Recv(void* buf, size_t n, int* err) {
  SteadyClock::time_point deadline = SteadyClock::now() + read_timeout_;
  if (read_deadline_ && *read_deadline_ < deadline) deadline = *read_deadline_;
  while (true) {
    ssize_t got = ::recv(fd_, buf, n, 0);
    if (got >= 0) return static_cast<long>(got);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      *err = errno;
      return -1;
    }
    int rc = PollUntil(fd_, POLLIN, deadline);
    if (rc == 0) {
      *err = ETIMEDOUT;
      return -1;
    }
    if (rc < 0) {
      *err = errno;
      return -1;
    }
  }
}

int SocketIo::SendAll(std::span<const iovec> parts) {
  std::vector<iovec> iov(parts.begin(), parts.end());
  size_t first = 0;
  while (first < iov.size() && iov[first].iov_len == 0) ++first;
  while (first < iov.size()) {
    msghdr msg{};
    msg.msg_iov = iov.data() + first;
    msg.msg_iovlen = std::min<size_t>(iov.size() - first, IOV_MAX);
    ssize_t sent = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return errno;
      int rc = PollUntil(fd_, POLLOUT, SteadyClock::now() + write_timeout_);
      if (rc == 0) return ETIMEDOUT;
      if (rc < 0) return errno;
      continue;
    }
    size_t left = static_cast<size_t>(sent);
    while (first < iov.size() && left >= iov[first].iov_len) {
      left -= iov[first].iov_len;
      ++first;
    }
    if (first < iov.size() && left > 0) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
    while (first < iov.size() && iov[first].iov_len == 0) ++first;
  }
  return 0;
}

int SocketIo::SendAll(std::string_view data) {
  iovec v{const_cast<char*>(data.data()), data.size()};
  return SendAll(std::span<const iovec>(&v, 1));
}

Wait WaitReadable(int fd, Millis timeout, int wake_fd) {
  SteadyClock::time_point deadline = SteadyClock::now() + timeout;
  while (true) {
    pollfd p[2] = {{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    int rc = ::poll(p, wake_fd >= 0 ? 2 : 1, PollTimeout(MillisUntil(deadline)));
    if (rc < 0) {
      if (errno == EINTR) continue;
      return Wait::kError;
    }
    if (rc == 0) {
      if (SteadyClock::now() >= deadline) return Wait::kTimeout;
      continue;
    }
    if (wake_fd >= 0 && p[1].revents != 0) return Wait::kWoken;
    return Wait::kReady;
  }
}

bool PeerClosed(int fd) {
  pollfd p{fd, POLLRDHUP, 0};
  int rc = ::poll(&p, 1, 0);
  return rc > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

bool Readable(int fd) {
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  int rc = ::poll(&p, 1, 0);
  return rc > 0 && p.revents != 0;
}

void SetNoDelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

bool SetNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL, 0);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

namespace {

struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const { ::freeaddrinfo(ai); }
};

Result<std::unique_ptr<addrinfo, AddrInfoDeleter>> Resolve(const std::string& host, uint16_t port,
                                                           bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) {
    return Error(ErrorCode::kUnavailable,
                 "cannot resolve '" + host + "': " + std::string(::gai_strerror(rc)));
  }
  return std::unique_ptr<addrinfo, AddrInfoDeleter>(res);
}

}  // namespace

Result<int> ConnectTcp(const std::string& host, uint16_t port, Millis timeout) {
  ASSIGN_OR_RETURN(auto addrs, Resolve(host, port, false));
  SteadyClock::time_point deadline = SteadyClock::now() + timeout;
  std::string last_error = "no addresses";
  bool timed_out = false;
  for (addrinfo* ai = addrs.get(); ai != nullptr; ai = ai->ai_next) {
    int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_error = ErrnoText(errno);
      continue;
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      int ready = PollUntil(fd, POLLOUT, deadline);
      if (ready == 0) {
        timed_out = true;
        last_error = "connect timed out";
        ::close(fd);
        break;
      }
      int soerr = 0;
      socklen_t len = sizeof(soerr);
      if (ready < 0) {
        soerr = errno;
      } else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0) {
        soerr = errno;
      }
      rc = soerr == 0 ? 0 : -1;
      errno = soerr;
    }
    if (rc != 0) {
      last_error = ErrnoText(errno);
      ::close(fd);
      continue;
    }
    SetNoDelay(fd);
    return fd;
  }
  std::string where = host + ":" + std::to_string(port);
  if (timed_out) {
    return Error(ErrorCode::kDeadlineExceeded, "connecting to " + where + ": " + last_error);
  }
  return Error(ErrorCode::kUnavailable, "cannot connect to " + where + ": " + last_error);
}

Result<Listener> ListenTcp(const std::string& host, uint16_t port, int backlog) {
  ASSIGN_OR_RETURN(auto addrs, Resolve(host, port, true));
  std::string where = host + ":" + std::to_string(port);
  std::string last_error = "no addresses";
  for (addrinfo* ai = addrs.get(); ai != nullptr; ai = ai->ai_next) {
    int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_error = ErrnoText(errno);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, backlog) != 0) {
      last_error = ErrnoText(errno);
      ::close(fd);
      continue;
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
      last_error = ErrnoText(errno);
      ::close(fd);
      continue;
    }
    Listener out;
    out.fd = fd;
    out.port = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                        : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    return out;
  }
  return Error(ErrorCode::kUnavailable, "cannot listen on " + where + ": " + last_error);
}

std::string PeerName(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  char ip[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    ::inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
    return "[" + std::string(ip) + "]:" + std::to_string(ntohs(a->sin6_port));
  }
  auto* a = reinterpret_cast<sockaddr_in*>(&ss);
  ::inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
  return std::string(ip) + ":" + std::to_string(ntohs(a->sin_port));
}

void LingeringClose(int fd, Millis timeout, size_t limit) {
  ::shutdown(fd, SHUT_WR);
  SteadyClock::time_point deadline = SteadyClock::now() + timeout;
  size_t drained = 0;
  char buf[16 * 1024];
  while (drained < limit) {
    ssize_t got = ::recv(fd, buf, sizeof(buf), 0);
    if (got == 0) return;
    if (got > 0) {
      drained += static_cast<size_t>(got);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return;
    if (PollUntil(fd, POLLIN, deadline) <= 0) return;
  }
}

}  // namespace custody::http::internal
