#include "http/tests/test_util.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <thread>

namespace custody::http::testing {

TestServer::TestServer(std::function<void(Request&, ResponseWriter&)> fn, ServerOptions options)
    : handler_(std::move(fn)), server_(std::make_unique<HttpServer>(std::move(options), handler_)) {
  Result<uint16_t> port = server_->Start();
  EXPECT_TRUE(port.ok()) << port.error().ToString();
  if (port.ok()) port_ = *port;
}

TestServer::~TestServer() { server_->Stop(std::chrono::milliseconds(0)); }

RawConn::RawConn(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

RawConn::~RawConn() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConn::Send(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void RawConn::ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

bool RawConn::Fill(std::chrono::steady_clock::time_point deadline) {
  if (eof_) return false;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char tmp[65536];
  ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buf_.append(tmp, static_cast<size_t>(n));
  return true;
}

std::string RawConn::ReadUntil(std::string_view needle, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (buf_.find(needle) == std::string::npos) {
    if (!Fill(deadline)) break;
  }
  size_t pos = buf_.find(needle);
  size_t take = pos == std::string::npos ? buf_.size() : pos + needle.size();
  std::string out = buf_.substr(0, take);
  buf_.erase(0, take);
  return out;
}

std::optional<RawResponse> RawConn::ReadResponse(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (buf_.find("\r\n\r\n") == std::string::npos) {
    if (!Fill(deadline)) return std::nullopt;
  }
  size_t head_end = buf_.find("\r\n\r\n");
  std::string head = buf_.substr(0, head_end);
  buf_.erase(0, head_end + 4);
  RawResponse r;
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.size() < 12) return std::nullopt;
  r.status = std::stoi(status_line.substr(9, 3));
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(pos, e - pos);
    size_t colon = line.find(':');
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value[0] == ' ') value.erase(0, 1);
    r.headers.emplace_back(line.substr(0, colon), value);
    pos = e + 2;
  }
  if (r.status < 200 || r.status == 204 || r.status == 304) return r;
  if (auto cl = r.header("Content-Length")) {
    size_t n = std::stoul(*cl);
    while (buf_.size() < n) {
      if (!Fill(deadline)) return std::nullopt;
    }
    r.body = buf_.substr(0, n);
    buf_.erase(0, n);
  } else if (auto te = r.header("Transfer-Encoding"); te && *te == "chunked") {
    while (true) {
      while (buf_.find("\r\n") == std::string::npos) {
        if (!Fill(deadline)) return std::nullopt;
      }
      size_t e = buf_.find("\r\n");
      size_t n = std::stoul(buf_.substr(0, e), nullptr, 16);
      while (buf_.size() < e + 2 + n + 2) {
        if (!Fill(deadline)) return std::nullopt;
      }
      r.body += buf_.substr(e + 2, n);
      buf_.erase(0, e + 2 + n + 2);
      if (n == 0) break;
    }
  } else {
    while (Fill(deadline)) {
    }
    if (!eof_) return std::nullopt;
    r.body = std::move(buf_);
    buf_.clear();
  }
  return r;
}

bool RawConn::WaitClosed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Fill(deadline)) buf_.clear();
  return eof_;
}

void FillPattern(uint64_t offset, std::span<uint8_t> out) {
  size_t i = 0;
  while (i < out.size() && (offset + i) % 8 != 0) {
    out[i] = PatternByte(offset + i);
    ++i;
  }
  for (; i + 8 <= out.size(); i += 8) {
    uint64_t w = Mix((offset + i) / 8);
    std::memcpy(out.data() + i, &w, 8);  // little-endian: byte k is bits 8k..8k+7
  }
  for (; i < out.size(); ++i) out[i] = PatternByte(offset + i);
}

void StreamHash::Update(const uint8_t* p, size_t n) {
  total_ += n;
  while (n > 0 && carried_ > 0) {
    carry_[carried_++] = *p++;
    --n;
    if (carried_ == 8) {
      uint64_t w;
      std::memcpy(&w, carry_, 8);
      Word(w);
      carried_ = 0;
    }
  }
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    Word(w);
  }
  for (; n > 0; --n) carry_[carried_++] = *p++;
}

uint64_t StreamHash::value() const {
  uint64_t h = h_;
  for (size_t i = 0; i < carried_; ++i) h = Mix(h ^ carry_[i]);
  return Mix(h ^ total_);
}

size_t CurrentRss() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  int got = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (got != 2) return 0;
  return resident * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace custody::http::testing
