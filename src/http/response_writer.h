// How a handler answers: one buffered Response, or a streamed one (downloads, Server-Sent Events).
//
// ResponseWriter enforces the order Begin → Write* → Finish and the declared Content-Length; a
// ResponseSink puts the bytes on the wire (the server's connection, or a capture in tests).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "http/message.h"

namespace custody::http {

// The wire side of a response. Implementations frame the body (Content-Length or chunked) and add
// connection-level headers. Not thread-safe; driven by one ResponseWriter.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  // Writes the status line and headers. `content_length` nullopt means "length unknown": the sink
  // uses chunked encoding (or ends the body by closing the connection for HTTP/1.0).
  virtual Status WriteHead(int status, const Headers& headers,
                           std::optional<uint64_t> content_length) = 0;
  // Writes body bytes and flushes them to the peer before returning.
  virtual Status WriteBody(std::span<const uint8_t> data) = 0;
  // Ends the body (the terminating chunk for chunked encoding).
  virtual Status FinishBody() = 0;
  // A whole buffered response in as few writes as possible. The default uses the three calls above.
  virtual Status WriteComplete(int status, const Headers& headers, std::string_view body);
  // True if the peer has closed its side or a write to it failed.
  virtual bool PeerGone() = 0;
  // True once the server has begun a graceful stop.
  virtual bool ShuttingDown() { return false; }
};

// Per-request response state machine. Not thread-safe: used by the handling thread only.
//
// Header names must be RFC 9110 tokens and values may not contain CR, LF or NUL (kInternal
// otherwise: that is a bug in the handler, not bad input). Content-Length, Transfer-Encoding and
// Connection set by the handler are ignored, except that "Connection: close" is honoured.
class ResponseWriter {
 public:
  explicit ResponseWriter(ResponseSink& sink) : sink_(sink) {}
  ResponseWriter(const ResponseWriter&) = delete;
  ResponseWriter& operator=(const ResponseWriter&) = delete;

  // Sends a complete response with Content-Length. REQUIRES: nothing sent yet (kInternal if so).
  Status Send(Response response);

  // Starts a streamed response. With `content_length` exactly that many bytes must be written
  // before Finish; without it the body is chunked. REQUIRES: nothing sent yet.
  Status Begin(int status, Headers headers, std::optional<uint64_t> content_length = std::nullopt);
  // Writes and flushes body bytes. REQUIRES: Begin succeeded and Finish not yet called. Writing
  // past the declared Content-Length is kInternal. A failed write (client gone: kCancelled; write
  // timeout: kDeadlineExceeded) ends the response; later calls return the same error.
  Status Write(std::span<const uint8_t> data);
  Status Write(std::string_view data);
  // Ends a streamed response. kInternal if fewer bytes than the declared Content-Length were
  // written (the server then closes the connection so the client sees a truncated body).
  Status Finish();

  // True if the client closed the connection or a write failed: a streaming loop should stop.
  bool client_gone();
  // True once the server is stopping gracefully: long-lived streams (SSE) should end soon.
  bool shutting_down() { return sink_.ShuttingDown(); }

  bool started() const { return state_ != State::kIdle; }
  // True once a response was completely written (Send, or Begin..Finish).
  bool finished() const { return state_ == State::kDone; }
  // True if the response was cut short (failed write, wrong length, unfinished stream).
  bool failed() const { return state_ == State::kFailed; }
  int status() const { return status_; }
  uint64_t body_bytes_written() const { return written_; }

 private:
  enum class State { kIdle, kStreaming, kDone, kFailed };
  Status CheckStart(int status, const Headers& headers);
  Status Fail(Error error);

  ResponseSink& sink_;
  State state_ = State::kIdle;
  int status_ = 0;
  std::optional<uint64_t> length_;
  uint64_t written_ = 0;
  std::optional<Error> error_;
};

}  // namespace custody::http
