// custody login / logout / whoami.
#include <cstdlib>
#include <iostream>

#include "cli/command_util.h"
#include "cli/terminal.h"

namespace custody::cli {
namespace {

struct LoginOptions {
  CommonFlags common;
  std::string name;
  bool password_stdin = false;
};

// --password-stdin, else CUSTODY_PASSWORD, else a no-echo prompt on a terminal.
Result<std::string> LoginPassword(const LoginOptions& o, const std::string& server) {
  if (o.password_stdin) return ReadLineFromStdin("password");
  if (const char* env = std::getenv("CUSTODY_PASSWORD"); env != nullptr && *env != '\0')
    return std::string(env);
  if (StdinIsTerminal()) return PromptSecret("password for " + o.name + " at " + server + ": ");
  return InvalidArgument(
      "no password: pass --password-stdin (one line on stdin), set CUSTODY_PASSWORD, or run on a "
      "terminal to be prompted");
}

Status Login(const LoginOptions& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  ASSIGN_OR_RETURN(std::string password, LoginPassword(o, s.server()));
  if (password.empty()) return InvalidArgument("empty password");
  ASSIGN_OR_RETURN(json::object r, s.Login(o.name, password));
  if (o.common.json) {
    PrintJson(r);
    return OkStatus();
  }
  std::cout << "logged in to " << s.server() << " as " << o.name << "\n"
            << "access token expires " << Str(r, "expires_at") << "; session (refresh) expires "
            << Str(r, "refresh_expires_at") << "\n"
            << "credentials saved to " << s.credentials_path().string() << "\n";
  return OkStatus();
}

Status Logout(const CommonFlags& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.server));
  RETURN_IF_ERROR(s.Logout());
  if (o.json) {
    PrintJson(json::object{{"server", s.server()}, {"logged_out", true}});
  } else {
    std::cout << "logged out of " << s.server() << "; saved tokens deleted\n";
  }
  if (std::getenv("CUSTODY_TOKEN") != nullptr)
    std::cerr << "note: CUSTODY_TOKEN is set; it was not revoked\n";
  return OkStatus();
}

std::string RoleText(const json::value& b) {
  std::string project = Str(b, "project");
  return Str(b, "role") + (project.empty() ? " (all projects)" : " in " + project);
}

Status Whoami(const CommonFlags& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.server));
  ASSIGN_OR_RETURN(json::value me, s.Call("GET", "/v1/auth/whoami"));
  if (o.json) {
    PrintJson(me);
    return OkStatus();
  }
  std::cout << Str(me, "name") << " (" << Str(me, "kind") << ") " << Str(me, "id") << "\n";
  if (!Str(me, "display_name").empty())
    std::cout << "display name: " << Str(me, "display_name") << "\n";
  if (!Str(me, "owner").empty()) std::cout << "acts for: " << Str(me, "owner") << "\n";
  std::cout << "server: " << s.server() << "\n";
  const json::array& roles = Arr(me, "roles");
  if (roles.empty()) std::cout << "roles: none\n";
  for (const json::value& r : roles) std::cout << "role: " << RoleText(r) << "\n";
  const json::object& token = Obj(me, "token");
  std::cout << "credential: " << Str(token, "kind") << " " << Str(token, "id") << ", expires "
            << Str(token, "expires_at") << "\n";
  return OkStatus();
}

}  // namespace

void RegisterAuthCommands(CLI::App& app, int* exit_code) {
  {
    auto o = std::make_shared<LoginOptions>();
    CLI::App* cmd =
        app.add_subcommand("login", "Log in with a name and password; save the session");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("--name", o->name, "Principal name")->required();
    cmd->add_flag(
        "--password-stdin", o->password_stdin,
        "Read the password as one line from stdin (else CUSTODY_PASSWORD, else a prompt)");
    SetAction(cmd, exit_code, [o] { return Login(*o); });
  }
  {
    auto o = std::make_shared<CommonFlags>();
    CLI::App* cmd = app.add_subcommand("logout", "Revoke the saved session and delete its tokens");
    AddCommonFlags(cmd, o.get());
    SetAction(cmd, exit_code, [o] { return Logout(*o); });
  }
  {
    auto o = std::make_shared<CommonFlags>();
    CLI::App* cmd = app.add_subcommand("whoami", "Show the principal, roles and credential in use");
    AddCommonFlags(cmd, o.get());
    SetAction(cmd, exit_code, [o] { return Whoami(*o); });
  }
}

}  // namespace custody::cli
