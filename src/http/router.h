// Method + path-pattern routing for the API.
//
// Patterns are "/"-separated literal segments and "{name}" segments; "{name}" matches exactly one
// non-empty segment. When several patterns match a path, the most specific wins: comparing segment
// by segment from the left, a literal beats a parameter ("/v1/assets/search" beats
// "/v1/assets/{id}"). Only then is the method considered, so a path whose best pattern lacks the
// method is 405 (with Allow), never a fallback to a less specific pattern.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "http/handler.h"

namespace custody::http {

using RouteHandler = std::function<void(Request&, ResponseWriter&)>;

struct Route {
  std::string method;   // "GET", "POST", ...
  std::string pattern;  // "/v1/assets/{id}/content"
  std::string name;     // stable route name, e.g. "assets.content.get"
  std::string action;   // the policy action it needs, e.g. "asset.read"
  RouteHandler handler;
};

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed };
  Kind kind = Kind::kNotFound;
  const Route* route = nullptr;      // set for kFound
  QueryParams params;                // {name, decoded segment} for kFound
  std::vector<std::string> allowed;  // sorted methods for kMethodNotAllowed (HEAD implied by GET)
};

// Routes requests to handlers. Add routes before serving: Add is not thread-safe, while Match and
// Handle are safe to call concurrently once registration is over.
class Router final : public Handler {
 public:
  // Called for every matched request instead of route.handler; it should call route.handler
  // (after authentication, authorization of route.action, logging, ...).
  using Dispatch = std::function<void(const Route&, Request&, ResponseWriter&)>;

  // Registers a route. InvalidArgument for a malformed method or pattern (empty segments, '{' or
  // '}' inside a literal, bad or repeated parameter names); kAlreadyExists if the same method is
  // already registered for an equivalent pattern (same shape, whatever the parameter names).
  Status Add(std::string method, std::string pattern, std::string name, std::string action,
             RouteHandler handler);
  Status Add(Route route);

  // Finds the route for a decoded path. HEAD falls back to the GET route when there is no HEAD
  // route (the server sends no body for HEAD).
  RouteMatch Match(std::string_view method, std::string_view path) const;

  // Every registered route, in registration order.
  const std::vector<Route>& routes() const { return routes_; }

  void set_dispatch(Dispatch dispatch) { dispatch_ = std::move(dispatch); }

  // Handler: 404 / 405 (with Allow) as problem+json, else sets the path params and dispatches.
  void Handle(Request& request, ResponseWriter& writer) override;

 private:
  struct Segment {
    bool is_param = false;
    std::string text;  // the literal, or the parameter name
  };
  struct CompiledRoute {
    std::vector<Segment> segments;
    std::string shape;  // pattern with parameter names erased: "/v1/assets/{}"
  };

  std::vector<Route> routes_;
  std::vector<CompiledRoute> compiled_;  // parallel to routes_
  Dispatch dispatch_;
};

}  // namespace custody::http
