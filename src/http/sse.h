// Server-Sent Events (HTML Living Standard §9.2): a writer for handlers and a parser for clients.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "http/message.h"
#include "http/response_writer.h"

namespace custody::http {

struct SseEvent {
  std::string event;  // "" means the default type, "message"
  std::string id;     // "" means no id
  std::string data;   // may contain '\n' (sent as several data: lines)
  std::optional<int64_t> retry_ms;
};

// Writes an event stream through a ResponseWriter. Not thread-safe (one handler thread).
//
//   SseWriter sse(writer);
//   RETURN_IF_ERROR(sse.Start());
//   while (!writer.client_gone() && !writer.shutting_down()) { ... sse.Send(e) or sse.Heartbeat() }
//   sse.Close();
//
// Each Send/Heartbeat is one chunk, flushed to the client before it returns.
class SseWriter {
 public:
  explicit SseWriter(ResponseWriter& writer) : writer_(writer) {}

  // Begins a 200 text/event-stream response (no-cache, chunked). `extra` headers are added.
  Status Start(Headers extra = {});
  // Writes one event. kInvalidArgument if event or id contain CR or LF (or id contains NUL).
  Status Send(const SseEvent& event);
  // Writes a comment line (": text"), which keeps proxies and the client's read timeout from
  // closing an idle stream.
  Status Heartbeat(std::string_view comment = "");
  // Ends the stream cleanly.
  Status Close() { return writer_.Finish(); }

 private:
  ResponseWriter& writer_;
};

// Formats one event as wire text ("event: x\nid: y\ndata: ...\n\n").
std::string FormatSseEvent(const SseEvent& event);

// Incremental event-stream parser (the client side). Not thread-safe.
class SseParser {
 public:
  using OnEvent = std::function<bool(const SseEvent&)>;
  static constexpr size_t kMaxEventBytes = 4 << 20;

  explicit SseParser(size_t max_event_bytes = kMaxEventBytes) : max_bytes_(max_event_bytes) {}

  // Feeds stream bytes and calls `on_event` for each complete event. Returns false as soon as
  // `on_event` returns false (the rest of `data` is not parsed). kPayloadTooLarge if one line or
  // one event's data grows past the maximum given to the constructor.
  Result<bool> Feed(std::string_view data, const OnEvent& on_event);

  // The id of the last event that set one (SseEvent::id carries it too, as the standard's
  // lastEventId does); send it as Last-Event-ID when reconnecting.
  const std::string& last_event_id() const { return last_event_id_; }

 private:
  Result<bool> ProcessLine(std::string_view line, const OnEvent& on_event);

  size_t max_bytes_;
  std::string line_;
  bool skip_lf_ = false;  // the previous chunk ended in CR; a leading LF belongs to it
  bool first_line_ = true;
  std::string data_;
  bool has_data_ = false;
  std::string event_type_;
  std::string last_event_id_;
  std::optional<int64_t> retry_;
};

}  // namespace custody::http
