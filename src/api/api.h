// api/: Custody's HTTP API. Maps requests onto workflow use cases and results onto responses;
// no business logic lives here.
//
// Every route is declared once in routes.cc with the one policy action it needs (route→action
// table); docs/api.md lists them. Errors are RFC 9457 application/problem+json; a 403 carries
// the policy decision (which rules denied and why).
//
// Thread-safe: handlers run concurrently on the HTTP server's connection threads.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "audit/audit_log.h"
#include "base/event_bus.h"
#include "base/metrics.h"
#include "http/router.h"
#include "workflow/workflow.h"

namespace custody::api {

struct ApiOptions {
  uint64_t max_json_body = 1 << 20;
  std::chrono::milliseconds sse_heartbeat{15000};
  std::string version = "0.1.0";
};

// Pseudo-actions for routes that run before there is a principal to authorize.
inline constexpr std::string_view kActionPublic = "public";              // health, metrics
inline constexpr std::string_view kActionAuthenticate = "authenticate";  // login, refresh

class Api {
 public:
  Api(workflow::Workflow& workflow, audit::AuditLog& audit, EventBus& events,
      MetricsRegistry& metrics, ApiOptions options);

  http::Router& router() { return router_; }
  // Set when the server begins shutting down: /healthz answers 503 so balancers drain it.
  void set_draining(bool v) { draining_ = v; }

 private:
  void RegisterRoutes();
  void Dispatch(const http::Route& route, http::Request& req, http::ResponseWriter& w);

  workflow::Workflow& workflow_;
  audit::AuditLog& audit_;
  EventBus& events_;
  MetricsRegistry& metrics_;
  const ApiOptions options_;
  http::Router router_;
  std::atomic<bool> draining_{false};
};

// The one error → HTTP status table.
int HttpStatusFor(ErrorCode code);
// problem+json for an error (403s include the decision from the error's details).
http::Response ProblemFor(const Error& e);

}  // namespace custody::api
