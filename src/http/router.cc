#include "http/router.h"

#include <algorithm>
#include <optional>

namespace custody::http {

namespace {

bool IsParamName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsMethodToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(c >= 'A' && c <= 'Z')) return false;
  }
  return true;
}

// "/" → {}, "/a/b" → {"a","b"}, "/a/" → {"a",""}.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.size() <= 1) return out;
  size_t start = 1;
  while (true) {
    size_t end = path.find('/', start);
    out.push_back(path.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

Status Router::Add(std::string method, std::string pattern, std::string name, std::string action,
                   RouteHandler handler) {
  return Add(Route{std::move(method), std::move(pattern), std::move(name), std::move(action),
                   std::move(handler)});
}

Status Router::Add(Route route) {
  if (!IsMethodToken(route.method)) {
    return InvalidArgument("route method '" + route.method + "' must be upper-case letters");
  }
  if (route.pattern.empty() || route.pattern[0] != '/') {
    return InvalidArgument("route pattern '" + route.pattern + "' must start with '/'");
  }
  if (!route.handler) return InvalidArgument("route " + route.pattern + " has no handler");
  CompiledRoute compiled;
  compiled.shape = "";
  std::vector<std::string_view> names;
  for (std::string_view seg : SplitPath(route.pattern)) {
    Segment s;
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      std::string_view param = seg.substr(1, seg.size() - 2);
      if (!IsParamName(param)) {
        return InvalidArgument("route pattern '" + route.pattern + "' has a bad parameter name");
      }
      if (std::find(names.begin(), names.end(), param) != names.end()) {
        return InvalidArgument("route pattern '" + route.pattern + "' repeats a parameter");
      }
      names.push_back(param);
      s.is_param = true;
      s.text = std::string(param);
      compiled.shape += "/{}";
    } else {
      if (seg.empty()) {
        return InvalidArgument("route pattern '" + route.pattern + "' has an empty segment");
      }
      if (seg.find_first_of("{}%?#\\") != std::string_view::npos) {
        return InvalidArgument("route pattern '" + route.pattern +
                               "' has a literal with '{', '}', '%', '?', '#' or '\\'");
      }
      s.text = std::string(seg);
      compiled.shape += "/" + s.text;
    }
    compiled.segments.push_back(std::move(s));
  }
  if (compiled.shape.empty()) compiled.shape = "/";
  for (size_t i = 0; i < routes_.size(); ++i) {
    if (compiled_[i].shape == compiled.shape && routes_[i].method == route.method) {
      return Error(
          ErrorCode::kAlreadyExists,
          route.method + " " + route.pattern + " is already registered as " + routes_[i].pattern);
    }
  }
  routes_.push_back(std::move(route));
  compiled_.push_back(std::move(compiled));
  return OkStatus();
}

RouteMatch Router::Match(std::string_view method, std::string_view path) const {
  RouteMatch out;
  std::vector<std::string_view> segs = SplitPath(path);
  // Find the most specific matching shape: literal flags compared left to right.
  const CompiledRoute* best = nullptr;
  for (const CompiledRoute& c : compiled_) {
    if (c.segments.size() != segs.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      ok = c.segments[i].is_param ? !segs[i].empty() : c.segments[i].text == segs[i];
    }
    if (!ok) continue;
    if (best == nullptr) {
      best = &c;
      continue;
    }
    for (size_t i = 0; i < segs.size(); ++i) {
      if (best->segments[i].is_param != c.segments[i].is_param) {
        if (!c.segments[i].is_param) best = &c;
        break;
      }
    }
  }
  if (best == nullptr) return out;

  // Among the routes of that shape, the exact method wins; HEAD falls back to GET.
  std::optional<size_t> exact, get;
  for (size_t i = 0; i < routes_.size(); ++i) {
    if (compiled_[i].shape != best->shape) continue;
    const std::string& m = routes_[i].method;
    out.allowed.push_back(m);
    if (m == "GET") {
      out.allowed.push_back("HEAD");
      get = i;
    }
    if (m == method) exact = i;
  }
  std::optional<size_t> chosen = exact ? exact : (method == "HEAD" ? get : std::nullopt);
  if (!chosen) {
    std::sort(out.allowed.begin(), out.allowed.end());
    out.allowed.erase(std::unique(out.allowed.begin(), out.allowed.end()), out.allowed.end());
    out.kind = RouteMatch::Kind::kMethodNotAllowed;
    return out;
  }
  out.kind = RouteMatch::Kind::kFound;
  out.route = &routes_[*chosen];
  out.allowed.clear();
  const CompiledRoute& c = compiled_[*chosen];
  for (size_t i = 0; i < segs.size(); ++i) {
    if (c.segments[i].is_param) out.params.emplace_back(c.segments[i].text, std::string(segs[i]));
  }
  return out;
}

void Router::Handle(Request& request, ResponseWriter& writer) {
  RouteMatch m = Match(request.method(), request.path());
  switch (m.kind) {
    case RouteMatch::Kind::kNotFound:
      (void)writer.Send(Response::Problem(404, "no route for " + request.path()));
      return;
    case RouteMatch::Kind::kMethodNotAllowed: {
      std::string allow;
      for (const std::string& a : m.allowed) {
        if (!allow.empty()) allow += ", ";
        allow += a;
      }
      Response r = Response::Problem(
          405, "method " + request.method() + " is not allowed on " + request.path());
      r.headers.emplace_back("Allow", allow);
      (void)writer.Send(std::move(r));
      return;
    }
    case RouteMatch::Kind::kFound:
      break;
  }
  request.set_params(std::move(m.params));
  if (dispatch_) {
    dispatch_(*m.route, request, writer);
  } else {
    m.route->handler(request, writer);
  }
}

}  // namespace custody::http
