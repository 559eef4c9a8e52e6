#include "http/sse.h"

#include <charconv>

namespace custody::http {

namespace {

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

}  // namespace

std::string FormatSseEvent(const SseEvent& event) {
  std::string out;
  if (!event.event.empty()) out += "event: " + event.event + "\n";
  if (!event.id.empty()) out += "id: " + event.id + "\n";
  if (event.retry_ms) out += "retry: " + std::to_string(*event.retry_ms) + "\n";
  // Every line of the data becomes its own data: field; CRLF and lone CR count as line breaks.
  std::string_view data = event.data;
  size_t start = 0;
  while (true) {
    size_t br = data.find_first_of("\r\n", start);
    out += "data: ";
    out += data.substr(start, br == std::string_view::npos ? br : br - start);
    out += '\n';
    if (br == std::string_view::npos) break;
    start = br + ((data[br] == '\r' && br + 1 < data.size() && data[br + 1] == '\n') ? 2 : 1);
  }
  out += '\n';
  return out;
}

Status SseWriter::Start(Headers extra) {
  Headers headers = {{"Content-Type", "text/event-stream"},
                     {"Cache-Control", "no-cache"},
                     {"X-Accel-Buffering", "no"}};
  for (auto& h : extra) headers.push_back(std::move(h));
  return writer_.Begin(200, std::move(headers), std::nullopt);
}

Status SseWriter::Send(const SseEvent& event) {
  if (HasLineBreak(event.event) || HasLineBreak(event.id) ||
      event.id.find('\0') != std::string::npos) {
    return InvalidArgument("SSE event type and id must not contain line breaks");
  }
  return writer_.Write(FormatSseEvent(event));
}

Status SseWriter::Heartbeat(std::string_view comment) {
  if (HasLineBreak(comment)) return InvalidArgument("SSE comment must not contain line breaks");
  std::string text = ":";
  if (!comment.empty()) {
    text += ' ';
    text += comment;
  }
  text += "\n\n";
  return writer_.Write(text);
}

Result<bool> SseParser::Feed(std::string_view data, const OnEvent& on_event) {
  size_t i = 0;
  while (i < data.size()) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (data[i] == '\n') {
        ++i;
        continue;
      }
    }
    size_t br = data.find_first_of("\r\n", i);
    size_t end = br == std::string_view::npos ? data.size() : br;
    if (line_.size() + (end - i) > max_bytes_) {
      return Error(ErrorCode::kPayloadTooLarge, "SSE line exceeds the size limit");
    }
    line_.append(data.substr(i, end - i));
    if (br == std::string_view::npos) break;
    skip_lf_ = data[br] == '\r';
    i = br + 1;
    ASSIGN_OR_RETURN(bool more, ProcessLine(line_, on_event));
    line_.clear();
    if (!more) return false;
  }
  return true;
}

Result<bool> SseParser::ProcessLine(std::string_view line, const OnEvent& on_event) {
  if (first_line_) {
    first_line_ = false;
    // A leading UTF-8 BOM is ignored.
    if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
  }
  if (line.empty()) {
    // Dispatch. An event without data lines is dropped, as the standard says.
    bool more = true;
    if (has_data_) {
      SseEvent e;
      e.event = event_type_;
      e.id = last_event_id_;
      e.data = std::move(data_);
      e.retry_ms = retry_;
      more = on_event(e);
    }
    data_.clear();
    has_data_ = false;
    event_type_.clear();
    retry_.reset();
    return more;
  }
  if (line[0] == ':') return true;  // comment / heartbeat
  size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) data_ += '\n';
    data_ += value;
    has_data_ = true;
    if (data_.size() > max_bytes_) {
      return Error(ErrorCode::kPayloadTooLarge, "SSE event exceeds the size limit");
    }
  } else if (field == "event") {
    event_type_ = std::string(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_ = std::string(value);
  } else if (field == "retry") {
    int64_t ms = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (ec == std::errc() && ptr == value.data() + value.size() && ms >= 0) retry_ = ms;
  }
  return true;
}

}  // namespace custody::http
