// Session: one client's connection to a Custody server, with the credentials to use on it.
//
// Resolves the server (--server, else CUSTODY_SERVER, else the saved one, else
// http://127.0.0.1:8080) and the bearer credential (CUSTODY_TOKEN used as is, else the saved
// access token when it was issued by that same server: a token is never sent to a server it did
// not come from). When the server answers 401 and a refresh token is saved, the session refreshes
// once (POST /v1/auth/refresh), saves the rotated pair and repeats the request.
//
// Errors carry a message fit for "custody: <message>" (the problem+json "detail", or a sentence
// naming the server that could not be reached) and keep {"status", "problem"} in their details
// so the caller can show a 403's policy decision. Not thread-safe.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/result.h"
#include "cli/credentials.h"
#include "http/client.h"

namespace custody::cli {

inline constexpr std::string_view kDefaultServer = "http://127.0.0.1:8080";

class Session {
 public:
  // Sends one request with the given headers (Authorization included) and returns the response.
  // Called again after a token refresh, so it must be able to start over (re-open its source).
  using Exchange =
      std::function<Result<http::ClientResponse>(http::HttpClient&, const http::Headers&)>;

  // kInvalidArgument for an unusable server URL. A malformed credentials file is reported on
  // stderr and treated as empty (so that `custody login` can replace it).
  static Result<Session> Open(std::string_view server_flag);

  const std::string& server() const { return server_; }
  const std::filesystem::path& credentials_path() const { return credentials_path_; }
  const Credentials& saved() const { return saved_; }

  // JSON API calls: `body` (if any) is sent as application/json. A 2xx answer gives its JSON
  // (an empty object for 204); anything else is an error built from the problem+json body.
  Result<json::value> Call(std::string_view method, std::string_view target,
                           const std::optional<json::object>& body = std::nullopt);
  Result<json::object> CallObject(std::string_view method, std::string_view target,
                                  const std::optional<json::object>& body = std::nullopt);
  // A 2xx text answer (e.g. the signed checkpoint) as it is.
  Result<std::string> CallText(std::string_view target);

  // Runs `exchange` with credentials, refreshing once on 401. Non-2xx answers are returned, not
  // turned into errors (see ResponseError); transport failures are errors naming the server.
  Result<http::ClientResponse> Authorized(const Exchange& exchange);

  // Subscribes to an SSE stream with credentials (refreshing once on 401).
  Status Events(std::string_view target, const std::function<bool(const http::SseEvent&)>& on_event,
                std::chrono::milliseconds timeout);

  // POST /v1/auth/login; saves the server and the token pair. Returns the login response with
  // the secrets removed.
  Result<json::object> Login(std::string_view name, std::string_view password);
  // POST /v1/auth/logout with the saved session, then deletes the saved tokens (also when the
  // server had already forgotten them). Never revokes CUSTODY_TOKEN.
  Status Logout();

  // The error for a non-2xx response, with the problem's "detail" as its message.
  Error ResponseError(const http::ClientResponse& r) const;

 private:
  Session(std::string server, http::HttpClient client, std::filesystem::path credentials_path,
          Credentials saved);

  Status RequireCredential() const;
  http::Headers AuthHeaders() const;
  Error TransportError(const Error& e) const;
  Error ProblemError(const http::ClientResponse& r, bool login_hint) const;
  // Replaces the access token: adopts one another process has just saved, or rotates the
  // refresh token with the server. Returns false (no error) when there is nothing to refresh.
  Result<bool> RefreshTokens();

  std::string server_;
  http::HttpClient client_;
  std::filesystem::path credentials_path_;
  Credentials saved_;
  std::string token_;  // the bearer credential in use; empty if none
  bool token_from_env_ = false;
};

// Exit status for an error: 2 invalid input, 3 denied by policy, 1 otherwise; an error whose
// details carry "cli_exit_code" uses that.
int ExitCodeFor(const Error& e);

// Writes "custody: <message>" and, for a policy denial, one "denied by policy: <rule> — <reason>"
// line per determining rule, to stderr.
void PrintError(const Error& e);

}  // namespace custody::cli
