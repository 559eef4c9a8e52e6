#include "http/response_writer.h"

#include "base/encoding.h"

namespace custody::http {

Status ResponseSink::WriteComplete(int status, const Headers& headers, std::string_view body) {
  RETURN_IF_ERROR(WriteHead(status, headers, body.size()));
  if (!body.empty()) RETURN_IF_ERROR(WriteBody(AsBytes(body)));
  return FinishBody();
}

Status ResponseWriter::CheckStart(int status, const Headers& headers) {
  if (state_ != State::kIdle) return Internal("response already started");
  if (status < 200 || status > 599) {
    return Internal("handler used invalid response status " + std::to_string(status));
  }
  for (const auto& [name, value] : headers) {
    if (!IsValidHeaderName(name)) return Internal("invalid response header name '" + name + "'");
    if (!IsValidHeaderValue(value)) {
      return Internal("response header '" + name + "' has CR, LF or NUL in its value");
    }
  }
  return OkStatus();
}

Status ResponseWriter::Fail(Error error) {
  state_ = State::kFailed;
  error_ = error;
  return error;
}

Status ResponseWriter::Send(Response response) {
  RETURN_IF_ERROR(CheckStart(response.status, response.headers));
  status_ = response.status;
  length_ = response.body.size();
  state_ = State::kStreaming;
  Status st = sink_.WriteComplete(response.status, response.headers, response.body);
  if (!st.ok()) return Fail(std::move(st).error());
  written_ = response.body.size();
  state_ = State::kDone;
  return OkStatus();
}

Status ResponseWriter::Begin(int status, Headers headers, std::optional<uint64_t> content_length) {
  RETURN_IF_ERROR(CheckStart(status, headers));
  status_ = status;
  length_ = content_length;
  state_ = State::kStreaming;
  Status st = sink_.WriteHead(status, headers, content_length);
  if (!st.ok()) return Fail(std::move(st).error());
  return OkStatus();
}

Status ResponseWriter::Write(std::span<const uint8_t> data) {
  if (error_) return *error_;
  if (state_ != State::kStreaming) return Internal("Write outside Begin..Finish");
  if (data.empty()) return OkStatus();
  if (length_ && written_ + data.size() > *length_) {
    return Fail(Internal("response body exceeds its declared Content-Length of " +
                         std::to_string(*length_)));
  }
  Status st = sink_.WriteBody(data);
  if (!st.ok()) return Fail(std::move(st).error());
  written_ += data.size();
  return OkStatus();
}

Status ResponseWriter::Write(std::string_view data) { return Write(AsBytes(data)); }

Status ResponseWriter::Finish() {
  if (error_) return *error_;
  if (state_ != State::kStreaming) return Internal("Finish without Begin");
  if (length_ && written_ != *length_) {
    return Fail(Internal("response body has " + std::to_string(written_) +
                         " bytes but declared Content-Length " + std::to_string(*length_)));
  }
  Status st = sink_.FinishBody();
  if (!st.ok()) return Fail(std::move(st).error());
  state_ = State::kDone;
  return OkStatus();
}

bool ResponseWriter::client_gone() { return error_.has_value() || sink_.PeerGone(); }

}  // namespace custody::http
