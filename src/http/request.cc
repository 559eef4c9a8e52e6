#include "http/request.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace custody::http {

Result<size_t> StringBodySource::Read(std::span<uint8_t> buf) {
  size_t n = std::min(buf.size(), data_.size() - pos_);
  std::memcpy(buf.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

Result<Request> Request::Create(std::string method, std::string target, Headers headers,
                                BodySource* body, uint64_t body_limit) {
  ASSIGN_OR_RETURN(ParsedTarget parsed, ParseTarget(target));
  Request r;
  r.method_ = std::move(method);
  r.target_ = std::move(target);
  r.path_ = std::move(parsed.path);
  r.query_ = std::move(parsed.query);
  r.headers_ = std::move(headers);
  r.body_ = body;
  r.body_limit_ = body_limit;
  r.body_done_ = body == nullptr;
  if (std::optional<std::string> cl = FindHeader(r.headers_, "Content-Length")) {
    uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), value);
    if (cl->empty() || ec != std::errc() || ptr != cl->data() + cl->size()) {
      return InvalidArgument("Content-Length is not a decimal integer");
    }
    r.content_length_ = value;
  }
  return r;
}

std::optional<std::string> Request::query(std::string_view name) const {
  for (const auto& [k, v] : query_) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::optional<std::string> Request::header(std::string_view name) const {
  return FindHeader(headers_, name);
}

const std::string& Request::param(std::string_view name) const {
  static const std::string kEmpty;
  for (const auto& [k, v] : params_) {
    if (k == name) return v;
  }
  return kEmpty;
}

Result<size_t> Request::ReadSome(std::span<uint8_t> buf) {
  if (body_error_) return *body_error_;
  if (body_done_ || buf.empty()) return size_t{0};
  if (content_length_ && *content_length_ > body_limit_) {
    body_error_ = Error(ErrorCode::kPayloadTooLarge,
                        "request body of " + std::to_string(*content_length_) +
                            " bytes exceeds the limit of " + std::to_string(body_limit_));
    return *body_error_;
  }
  // Ask for one byte past the limit so a chunked body that overruns it is caught without ever
  // handing the extra bytes to the caller.
  uint64_t allowed = body_limit_ >= body_read_ ? body_limit_ - body_read_ : 0;
  size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), allowed + 1));
  Result<size_t> n = body_->Read(buf.first(want));
  if (!n.ok()) {
    body_error_ = n.error();
    return *body_error_;
  }
  if (*n == 0) {
    body_done_ = true;
    return size_t{0};
  }
  if (*n > allowed) {
    // The bytes up to the limit are still delivered; the next call reports the overrun.
    body_error_ = Error(ErrorCode::kPayloadTooLarge,
                        "request body exceeds the limit of " + std::to_string(body_limit_));
    if (allowed == 0) return *body_error_;
    body_read_ += allowed;
    return static_cast<size_t>(allowed);
  }
  body_read_ += *n;
  return *n;
}

Result<std::string> Request::ReadBody(uint64_t limit) {
  uint64_t saved = body_limit_;
  body_limit_ = limit;
  std::string out;
  if (content_length_ && *content_length_ <= limit) {
    out.reserve(static_cast<size_t>(*content_length_));
  }
  uint8_t buf[16 * 1024];
  while (true) {
    Result<size_t> n = ReadSome(buf);
    if (!n.ok()) {
      body_limit_ = saved;
      return n.error();
    }
    if (*n == 0) break;
    out.append(reinterpret_cast<const char*>(buf), *n);
  }
  body_limit_ = saved;
  return out;
}

}  // namespace custody::http
