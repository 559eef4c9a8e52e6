// Test helpers: a server fixture around a lambda, and a raw TCP client for byte-exact HTTP.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "http/handler.h"
#include "http/message.h"
#include "http/server.h"

namespace custody::http::testing {

using namespace std::chrono_literals;

// A Handler that calls a function. Thread-safe if the function is.
class FunctionHandler final : public Handler {
 public:
  explicit FunctionHandler(std::function<void(Request&, ResponseWriter&)> fn)
      : fn_(std::move(fn)) {}
  void Handle(Request& request, ResponseWriter& writer) override { fn_(request, writer); }

 private:
  std::function<void(Request&, ResponseWriter&)> fn_;
};

// Owns a started HttpServer on 127.0.0.1:<any port>.
class TestServer {
 public:
  explicit TestServer(std::function<void(Request&, ResponseWriter&)> fn,
                      ServerOptions options = {});
  ~TestServer();

  HttpServer& server() { return *server_; }
  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  FunctionHandler handler_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
};

struct RawResponse {
  int status = 0;
  Headers headers;
  std::string body;
  std::optional<std::string> header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

// A blocking TCP connection to 127.0.0.1:port with a deadline on every read. Not thread-safe.
class RawConn {
 public:
  explicit RawConn(uint16_t port);
  ~RawConn();
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;

  bool connected() const { return fd_ >= 0; }
  // False if the send failed (peer closed or reset).
  bool Send(std::string_view data);
  // Reads until `needle` is in the buffer, EOF or the timeout; returns and consumes everything up
  // to and including the needle (or everything read, if it never came).
  std::string ReadUntil(std::string_view needle, std::chrono::milliseconds timeout = 5s);
  // Reads one response (Content-Length, chunked, or until EOF). nullopt on timeout/EOF before a
  // complete response.
  std::optional<RawResponse> ReadResponse(std::chrono::milliseconds timeout = 5s);
  // True if the server closes the connection (EOF or reset) within the timeout; data that
  // arrives first is discarded.
  bool WaitClosed(std::chrono::milliseconds timeout = 5s);
  // Half-closes our sending side.
  void ShutdownWrite();

 private:
  // Reads more into buf_; false on EOF, error or timeout.
  bool Fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
};

// Deterministic test bytes: byte i of a stream is byte i%8 of Mix(i/8).
inline uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
inline uint8_t PatternByte(uint64_t i) { return static_cast<uint8_t>(Mix(i / 8) >> (8 * (i % 8))); }
// Fills `out` with stream bytes [offset, offset + out.size()), a word at a time.
void FillPattern(uint64_t offset, std::span<uint8_t> out);

// A 64-bit hash of a byte stream that does not depend on how the stream is split into pieces.
// Works a word at a time: sanitizer builds hash 64 MiB in well under a second.
class StreamHash {
 public:
  void Update(const uint8_t* p, size_t n);
  uint64_t value() const;

 private:
  void Word(uint64_t w) { h_ = Mix(h_ ^ w); }
  uint64_t h_ = 0;
  uint64_t total_ = 0;
  uint8_t carry_[8] = {};
  size_t carried_ = 0;
};

// Resident set size of this process in bytes (from /proc/self/statm).
size_t CurrentRss();

// Polls `pred` every millisecond until it holds or the timeout passes.
bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s);

}  // namespace custody::http::testing
