// HttpServer: a synchronous HTTP/1.1 server with one thread per connection (see README.md for the
// threading model and limits).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "http/handler.h"

namespace custody::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port; Start() returns the one bound
  // Connections served at once (each has a thread). Further connections get 503 and are closed.
  size_t max_connections = 256;
  // Request line + header fields; larger heads get 431.
  size_t max_header_bytes = 16 * 1024;
  // The body limit each request starts with (Request::set_body_limit raises it per request).
  uint64_t max_body_bytes = 1 << 20;
  // Longest wait for one read from the client to make progress (head or body).
  std::chrono::milliseconds read_timeout{30000};
  // Longest wait for one write to the client to make progress.
  std::chrono::milliseconds write_timeout{30000};
  // How long a keep-alive connection may sit between requests before it is closed.
  std::chrono::milliseconds idle_timeout{60000};
  // The whole request head must arrive within this time of its first byte (slow-loris guard).
  std::chrono::milliseconds header_timeout{30000};
  std::string server_name = "custody";
};

// Accepts connections and runs `handler` for each request.
//
// Lifecycle: construct, Start, Stop (also done by the destructor, with no grace). Start may be
// called again after Stop has returned. Start, Stop and active_connections are thread-safe;
// `handler` must outlive the server and be thread-safe itself.
class HttpServer {
 public:
  HttpServer(ServerOptions options, Handler& handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts accepting. Returns the bound port. kUnavailable if the address
  // cannot be bound; kConflict if already running; kInvalidArgument for unusable options.
  Result<uint16_t> Start();

  // Graceful stop: stops accepting (the port is closed at once), closes idle keep-alive
  // connections at once, lets requests in flight finish for up to `grace` (their responses carry
  // "Connection: close"), then shuts down the sockets still open and joins every thread. Handlers
  // blocked on something other than their connection are waited for. No-op if not running.
  // Long-lived handlers (SSE) should watch ResponseWriter::shutting_down() to end within the
  // grace period. REQUIRES: not called from a handler (it would wait for itself).
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  // Connections currently being served (idle keep-alive ones included).
  size_t active_connections() const;

  bool running() const;
  // The options in use (port as configured, not as bound).
  const ServerOptions& options() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace custody::http
