#include "api/api.h"

#include <chrono>

#include "http/sse.h"
#include "workflow/views.h"

namespace custody::api {

using workflow::AssetJson;

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kUnsupportedMedia:
      return 415;
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kDeadlineExceeded:
      return 408;
    case ErrorCode::kCancelled:
      return 400;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kDataLoss:
      return 500;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

http::Response ProblemFor(const Error& e) {
  int status = HttpStatusFor(e.code());
  json::object extra;
  extra["code"] = std::string(ErrorCodeName(e.code()));
  for (const auto& kv : e.details()) extra[kv.key()] = kv.value();
  // Internal failures are not described to the caller beyond their kind.
  std::string detail = status >= 500 && e.code() != ErrorCode::kUnavailable
                           ? "internal error (" + std::string(ErrorCodeName(e.code())) + ")"
                           : e.message();
  http::Response r = http::Response::Problem(
      status, std::move(detail), "urn:custody:problem:" + std::string(ErrorCodeName(e.code())), "",
      std::move(extra));
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"custody\"");
  return r;
}

Api::Api(workflow::Workflow& workflow, audit::AuditLog& audit, EventBus& events,
         MetricsRegistry& metrics, ApiOptions options)
    : workflow_(workflow),
      audit_(audit),
      events_(events),
      metrics_(metrics),
      options_(std::move(options)) {
  router_.set_dispatch([this](const http::Route& r, http::Request& req, http::ResponseWriter& w) {
    Dispatch(r, req, w);
  });
  RegisterRoutes();
}

void Api::Dispatch(const http::Route& route, http::Request& req, http::ResponseWriter& w) {
  auto start = std::chrono::steady_clock::now();
  try {
    route.handler(req, w);
  } catch (const std::exception& ex) {
    // Handlers return errors as values; an exception here is a bug, reported without details.
    if (!w.started()) (void)w.Send(ProblemFor(Internal("unexpected exception")));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string labels = "route=\"" + route.name + "\"";
  metrics_
      .GetHistogram("custody_http_request_duration_seconds", "HTTP request latency by route.",
                    labels)
      .Observe(seconds);
  metrics_
      .GetCounter("custody_http_requests_total", "HTTP requests by route and status.",
                  labels + ",status=\"" + std::to_string(w.status()) + "\"")
      .Inc();
}

}  // namespace custody::api
