#include "cli/session.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace custody::cli {
namespace fs = std::filesystem;

namespace {

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  std::string s(v);
  // Tolerate the newline of `export CUSTODY_TOKEN="$(cat key)"`-style mistakes.
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  if (s.empty()) return std::nullopt;
  return s;
}

http::ClientOptions ClientOpts() {
  http::ClientOptions o;
  o.user_agent = "custody-cli/0.1.0";
  return o;
}

const json::object* ProblemOf(const Error& e) {
  const json::value* p = e.details().if_contains("problem");
  return p != nullptr && p->is_object() ? &p->as_object() : nullptr;
}

std::string LoginHint(const std::string& server) {
  return "log in with: custody login --server " + server + " --name NAME";
}

}  // namespace

Session::Session(std::string server, http::HttpClient client, fs::path credentials_path,
                 Credentials saved)
    : server_(std::move(server)),
      client_(std::move(client)),
      credentials_path_(std::move(credentials_path)),
      saved_(std::move(saved)) {}

Result<Session> Session::Open(std::string_view server_flag) {
  ASSIGN_OR_RETURN(fs::path path, CredentialsPath());
  Credentials saved;
  if (auto loaded = LoadCredentials(path); loaded.ok()) {
    saved = std::move(*loaded);
  } else {
    // A damaged file must not lock the user out of `custody login`, which rewrites it.
    std::cerr << "custody: warning: " << loaded.error().message() << "\n";
  }
  std::string server;
  if (!server_flag.empty()) {
    server = std::string(server_flag);
  } else if (auto env = Env("CUSTODY_SERVER")) {
    server = *env;
  } else if (!saved.server.empty()) {
    server = saved.server;
  } else {
    server = std::string(kDefaultServer);
  }
  server = NormalizeServerUrl(server);
  http::HttpClient client(server, ClientOpts());
  if (Status s = client.status(); !s.ok())
    return InvalidArgument("invalid server URL '" + server + "': " + s.error().message());
  Session session(server, std::move(client), path, std::move(saved));
  if (auto token = Env("CUSTODY_TOKEN")) {
    session.token_ = *token;
    session.token_from_env_ = true;
  } else if (session.saved_.server == server && session.saved_.has_tokens()) {
    session.token_ = session.saved_.access_token;
  }
  return session;
}

Status Session::RequireCredential() const {
  if (!token_.empty()) return OkStatus();
  std::string msg = "not logged in to " + server_;
  if (saved_.has_tokens() && !saved_.server.empty())
    msg += " (the saved session is for " + saved_.server + ")";
  return Unauthenticated(msg + "; " + LoginHint(server_) + ", or set CUSTODY_TOKEN");
}

http::Headers Session::AuthHeaders() const {
  http::Headers h;
  if (!token_.empty()) h.emplace_back("Authorization", "Bearer " + token_);
  return h;
}

Error Session::TransportError(const Error& e) const {
  if (e.code() == ErrorCode::kInvalidArgument) return e;
  std::string msg = "cannot reach the Custody server at " + server_ + ": " + e.message();
  if (e.message().rfind("cannot connect", 0) == 0 || e.message().rfind("cannot resolve", 0) == 0)
    msg += " (is the server running? choose another with --server URL or CUSTODY_SERVER)";
  return Error(e.code(), std::move(msg));
}

Error Session::ResponseError(const http::ClientResponse& r) const {
  return ProblemError(r, !token_from_env_);
}

Error Session::ProblemError(const http::ClientResponse& r, bool login_hint) const {
  Error base = http::ErrorFromResponse(r);
  std::string msg;
  if (const json::object* p = ProblemOf(base)) {
    if (auto d = p->if_contains("detail"); d != nullptr && d->is_string())
      msg = std::string(d->as_string());
    else if (auto t = p->if_contains("title"); t != nullptr && t->is_string())
      msg = std::string(t->as_string());
  }
  if (msg.empty()) {
    msg = base.message();  // "HTTP 502: <body start>" or "HTTP 502 Bad Gateway"
  }
  if (r.status == 401 && login_hint) msg += " (" + LoginHint(server_) + ")";
  return Error(base.code(), std::move(msg), base.details());
}

Result<bool> Session::RefreshTokens() {
  if (token_from_env_ || saved_.refresh_token.empty() || saved_.server != server_) return false;
  CredentialsLock lock(credentials_path_);
  // Another custody process may have rotated the pair while we were using the old access token:
  // adopt its result rather than present a refresh token that is already spent.
  auto current = LoadCredentials(credentials_path_);
  if (current.ok() && current->server == server_ && current->has_tokens() &&
      current->access_token != token_) {
    saved_ = std::move(*current);
    token_ = saved_.access_token;
    return true;
  }
  json::object body{{"refresh_token", saved_.refresh_token}};
  auto r = client_.Send("POST", "/v1/auth/refresh", {{"Content-Type", "application/json"}},
                        json::serialize(body));
  if (!r.ok()) return TransportError(r.error());
  if (r->status != 200) {
    Error e = ResponseError(*r);
    return Error(ErrorCode::kUnauthenticated,
                 "the saved session has expired (" + e.message() + "); " + LoginHint(server_));
  }
  auto parsed = ParseJsonObject(r->body);
  if (!parsed.ok()) return Internal("the server sent a malformed refresh response");
  const json::object& o = *parsed;
  Credentials next = saved_;
  ASSIGN_OR_RETURN(next.access_token, RequiredString(o, "access_token"));
  ASSIGN_OR_RETURN(next.refresh_token, RequiredString(o, "refresh_token"));
  ASSIGN_OR_RETURN(auto exp, OptionalString(o, "expires_at"));
  ASSIGN_OR_RETURN(auto rexp, OptionalString(o, "refresh_expires_at"));
  next.expires_at = exp.value_or("");
  next.refresh_expires_at = rexp.value_or("");
  // The old refresh token is spent now; losing the new pair would end the session.
  RETURN_IF_ERROR(SaveCredentials(credentials_path_, next));
  saved_ = std::move(next);
  token_ = saved_.access_token;
  return true;
}

Result<http::ClientResponse> Session::Authorized(const Exchange& exchange) {
  RETURN_IF_ERROR(RequireCredential());
  auto r = exchange(client_, AuthHeaders());
  if (!r.ok()) return TransportError(r.error());
  if (r->status != 401) return r;
  ASSIGN_OR_RETURN(bool refreshed, RefreshTokens());
  if (!refreshed) return r;
  r = exchange(client_, AuthHeaders());
  if (!r.ok()) return TransportError(r.error());
  return r;
}

Result<json::value> Session::Call(std::string_view method, std::string_view target,
                                  const std::optional<json::object>& body) {
  std::string text = body ? json::serialize(*body) : std::string();
  ASSIGN_OR_RETURN(http::ClientResponse r,
                   Authorized([&](http::HttpClient& c, const http::Headers& auth) {
                     http::Headers h = auth;
                     h.emplace_back("Accept", "application/json");
                     if (body) h.emplace_back("Content-Type", "application/json");
                     return c.Send(method, target, h, text);
                   }));
  if (r.status / 100 != 2) return ResponseError(r);
  if (r.body.empty()) return json::value(json::object());
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec) return Internal("the server sent malformed JSON for " + std::string(target));
  return v;
}

Result<json::object> Session::CallObject(std::string_view method, std::string_view target,
                                         const std::optional<json::object>& body) {
  ASSIGN_OR_RETURN(json::value v, Call(method, target, body));
  if (!v.is_object()) return Internal("the server sent an unexpected JSON shape");
  return std::move(v.as_object());
}

Result<std::string> Session::CallText(std::string_view target) {
  ASSIGN_OR_RETURN(http::ClientResponse r,
                   Authorized([&](http::HttpClient& c, const http::Headers& auth) {
                     return c.Send("GET", target, auth);
                   }));
  if (r.status / 100 != 2) return ResponseError(r);
  return std::move(r.body);
}

Status Session::Events(std::string_view target,
                       const std::function<bool(const http::SseEvent&)>& on_event,
                       std::chrono::milliseconds timeout) {
  RETURN_IF_ERROR(RequireCredential());
  auto run = [&]() { return client_.Events(target, AuthHeaders(), on_event, timeout); };
  auto status_of = [](const Error& e) -> int {
    const json::value* s = e.details().if_contains("status");
    return s != nullptr && s->is_int64() ? int(s->as_int64()) : 0;
  };
  Status s = run();
  if (!s.ok() && status_of(s.error()) == 401) {
    ASSIGN_OR_RETURN(bool refreshed, RefreshTokens());
    if (refreshed) s = run();
  }
  if (s.ok()) return s;
  const Error& e = s.error();
  if (int st = status_of(e); st != 0) {
    http::ClientResponse fake;
    fake.status = st;
    if (const json::object* p = ProblemOf(e)) fake.body = json::serialize(*p);
    return ResponseError(fake);
  }
  if (e.code() == ErrorCode::kDeadlineExceeded) return e;  // the caller's window ran out
  return TransportError(e);
}

Result<json::object> Session::Login(std::string_view name, std::string_view password) {
  json::object body{{"name", name}, {"password", password}};
  auto r = client_.Send("POST", "/v1/auth/login",
                        {{"Content-Type", "application/json"}, {"Accept", "application/json"}},
                        json::serialize(body));
  if (!r.ok()) return TransportError(r.error());
  // A failed login is not a stale session: no login hint.
  if (r->status != 200) return ProblemError(*r, false);
  auto parsed = ParseJsonObject(r->body);
  if (!parsed.ok()) return Internal("the server sent a malformed login response");
  Credentials c;
  c.server = server_;
  ASSIGN_OR_RETURN(c.access_token, RequiredString(*parsed, "access_token"));
  ASSIGN_OR_RETURN(c.refresh_token, RequiredString(*parsed, "refresh_token"));
  ASSIGN_OR_RETURN(auto exp, OptionalString(*parsed, "expires_at"));
  ASSIGN_OR_RETURN(auto rexp, OptionalString(*parsed, "refresh_expires_at"));
  c.expires_at = exp.value_or("");
  c.refresh_expires_at = rexp.value_or("");
  {
    CredentialsLock lock(credentials_path_);
    RETURN_IF_ERROR(SaveCredentials(credentials_path_, c));
  }
  saved_ = c;
  if (!token_from_env_) token_ = c.access_token;
  return json::object{{"server", server_},
                      {"name", name},
                      {"token_type", "Bearer"},
                      {"expires_at", c.expires_at},
                      {"refresh_expires_at", c.refresh_expires_at},
                      {"credentials", credentials_path_.string()}};
}

Status Session::Logout() {
  if (!saved_.has_tokens() || saved_.server != server_) {
    return Unauthenticated("not logged in to " + server_ +
                           (saved_.has_tokens()
                                ? " (the saved session is for " + saved_.server + ")"
                                : std::string()));
  }
  // Log out the saved session even when CUSTODY_TOKEN is set: logging out must not revoke an
  // API key that automation depends on.
  token_ = saved_.access_token;
  token_from_env_ = false;
  auto r = Authorized([](http::HttpClient& c, const http::Headers& auth) {
    return c.Send("POST", "/v1/auth/logout", auth);
  });
  Status server_status;
  if (!r.ok()) {
    // A session the server no longer honours (expired, revoked) is as good as logged out.
    if (r.error().code() != ErrorCode::kUnauthenticated) server_status = r.error();
  } else if (r->status / 100 != 2 && r->status != 401) {
    server_status = ResponseError(*r);
  }
  Credentials cleared;
  cleared.server = saved_.server;
  {
    CredentialsLock lock(credentials_path_);
    RETURN_IF_ERROR(SaveCredentials(credentials_path_, cleared));
  }
  saved_ = cleared;
  token_.clear();
  if (!server_status.ok()) {
    const Error& e = server_status.error();
    return Error(
        e.code(),
        "the saved tokens were deleted, but the server did not confirm the logout: " + e.message(),
        e.details());
  }
  return OkStatus();
}

int ExitCodeFor(const Error& e) {
  if (const json::value* c = e.details().if_contains("cli_exit_code"); c && c->is_int64())
    return int(c->as_int64());
  switch (e.code()) {
    case ErrorCode::kInvalidArgument:
      return 2;
    case ErrorCode::kPermissionDenied:
      return 3;
    default:
      return 1;
  }
}

void PrintError(const Error& e) {
  std::cerr << "custody: " << e.message() << "\n";
  const json::object* decision = nullptr;
  if (const json::object* p = ProblemOf(e)) {
    if (auto d = p->if_contains("decision"); d != nullptr && d->is_object())
      decision = &d->as_object();
  } else if (auto d = e.details().if_contains("decision"); d != nullptr && d->is_object()) {
    decision = &d->as_object();
  }
  if (decision == nullptr) return;
  auto strings = [&](std::string_view key) {
    std::vector<std::string> out;
    if (auto a = decision->if_contains(key); a != nullptr && a->is_array())
      for (const auto& v : a->as_array())
        if (v.is_string()) out.emplace_back(v.as_string());
    return out;
  };
  std::vector<std::string> rules = strings("determining");
  std::vector<std::string> reasons = strings("reasons");
  for (size_t i = 0; i < rules.size(); ++i) {
    std::cerr << "denied by policy: " << rules[i];
    if (i < reasons.size() && !reasons[i].empty()) std::cerr << " — " << reasons[i];
    std::cerr << "\n";
  }
  if (rules.empty() && !reasons.empty())
    for (const auto& r : reasons) std::cerr << "denied by policy: " << r << "\n";
  for (const auto& err : strings("errors")) std::cerr << "policy error: " << err << "\n";
}

}  // namespace custody::cli
