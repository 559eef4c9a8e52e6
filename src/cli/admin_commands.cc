// custody principal ... and custody project ...: administration of principals, API keys,
// projects and memberships.
#include <iostream>
#include <map>

#include "cli/command_util.h"
#include "cli/terminal.h"

namespace custody::cli {
namespace {

const std::vector<std::string> kKinds = {"human", "service", "worker", "agent"};
const std::vector<std::string> kRoles = {"creator", "reviewer", "publisher", "auditor", "admin"};

// ---- principals ---------------------------------------------------------------------------------

struct PrincipalCreateOptions {
  CommonFlags common;
  std::string name;
  std::string kind;
  std::string owner;
  std::string display_name;
  bool password_stdin = false;
};

Result<std::string> NewPassword(const PrincipalCreateOptions& o) {
  if (o.password_stdin) return ReadLineFromStdin("new principal's password");
  // Only humans log in with passwords; the server rejects one for other kinds.
  bool human = o.kind.empty() || o.kind == "human";
  if (!human || !StdinIsTerminal()) return std::string();
  ASSIGN_OR_RETURN(std::string first, PromptSecret("password for " + o.name + ": "));
  ASSIGN_OR_RETURN(std::string again, PromptSecret("repeat the password: "));
  if (first != again) return InvalidArgument("the passwords do not match");
  return first;
}

void PrintPrincipal(const json::value& p) {
  std::cout << Str(p, "name") << " (" << Str(p, "kind") << ") " << Str(p, "id") << "\n";
  if (!Str(p, "display_name").empty())
    std::cout << "display name: " << Str(p, "display_name") << "\n";
  if (!Str(p, "owner").empty()) std::cout << "owner: " << Str(p, "owner") << "\n";
  std::cout << "disabled: " << Str(p, "disabled") << "\n"
            << "password login: " << Str(p, "password_login") << "\n"
            << "created: " << Str(p, "created_at");
  if (!Str(p, "created_by").empty()) std::cout << " by " << Str(p, "created_by");
  std::cout << "\n";
}

Status PrincipalCreate(const PrincipalCreateOptions& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  json::object body{{"name", o.name}};
  if (!o.kind.empty()) body["kind"] = o.kind;
  if (!o.owner.empty()) {
    ASSIGN_OR_RETURN(std::string owner, ResolvePrincipal(s, o.owner));
    body["owner"] = owner;
  }
  if (!o.display_name.empty()) body["display_name"] = o.display_name;
  ASSIGN_OR_RETURN(std::string password, NewPassword(o));
  if (!password.empty()) body["password"] = password;
  ASSIGN_OR_RETURN(json::value p, s.Call("POST", "/v1/principals", body));
  if (o.common.json) {
    PrintJson(p);
    return OkStatus();
  }
  std::cout << "created principal ";
  PrintPrincipal(p);
  return OkStatus();
}

Status PrincipalList(const CommonFlags& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.server));
  ASSIGN_OR_RETURN(json::value r, s.Call("GET", "/v1/principals"));
  if (o.json) {
    PrintJson(r);
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "NAME", "KIND", "DISABLED", "OWNER"}};
  for (const json::value& p : Arr(r, "principals"))
    rows.push_back({Str(p, "id"), Str(p, "name"), Str(p, "kind"),
                    Str(p, "disabled") == "true" ? "yes" : "no", Str(p, "owner")});
  PrintTable(rows, "no principals");
  return OkStatus();
}

struct IdOptions {
  CommonFlags common;
  std::string id;
};

Status PrincipalGet(const IdOptions& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  ASSIGN_OR_RETURN(std::string id, ResolvePrincipal(s, o.id));
  ASSIGN_OR_RETURN(json::value p, s.Call("GET", Target("/v1/principals", {id})));
  if (o.common.json) {
    PrintJson(p);
  } else {
    PrintPrincipal(p);
  }
  return OkStatus();
}

Status PrincipalSetDisabled(const IdOptions& o, bool disabled) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  ASSIGN_OR_RETURN(std::string id, ResolvePrincipal(s, o.id));
  ASSIGN_OR_RETURN(json::value p,
                   s.Call("POST", Target("/v1/principals", {id, disabled ? "disable" : "enable"})));
  if (o.common.json) {
    PrintJson(p);
  } else {
    std::cout << "principal " << Str(p, "name") << " (" << Str(p, "id") << ") "
              << (disabled ? "disabled; its tokens and API keys are revoked" : "enabled") << "\n";
  }
  return OkStatus();
}

struct ApiKeyOptions {
  CommonFlags common;
  std::string id;
  std::optional<int64_t> ttl_days;
  std::string label;
};

Status PrincipalApiKey(const ApiKeyOptions& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  ASSIGN_OR_RETURN(std::string id, ResolvePrincipal(s, o.id));
  json::object body;
  if (o.ttl_days) body["ttl_days"] = *o.ttl_days;
  if (!o.label.empty()) body["label"] = o.label;
  ASSIGN_OR_RETURN(json::value k, s.Call("POST", Target("/v1/principals", {id, "api-keys"}), body));
  if (o.common.json) {
    PrintJson(k);
  } else {
    // The key alone on stdout (KEY=$(custody principal api-key ...)); the rest on stderr.
    std::cout << Str(k, "api_key") << "\n";
    std::cerr << "API key " << Str(k, "id") << " for " << Str(k, "principal");
    if (!Str(k, "label").empty()) std::cerr << " (" << Str(k, "label") << ")";
    std::cerr << ", expires " << Str(k, "expires_at") << "\n";
  }
  std::cerr << "warning: the API key is shown only once and cannot be retrieved again; store it "
               "securely now\n";
  return OkStatus();
}

// ---- projects -----------------------------------------------------------------------------------

struct ProjectCreateOptions {
  CommonFlags common;
  std::string name;
  std::string description;
};

void PrintProject(const json::value& p) {
  std::cout << Str(p, "name") << " " << Str(p, "id") << "\n";
  if (!Str(p, "description").empty()) std::cout << "description: " << Str(p, "description") << "\n";
  std::cout << "created: " << Str(p, "created_at") << " by " << Str(p, "created_by") << "\n";
}

Status ProjectCreate(const ProjectCreateOptions& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  json::object body{{"name", o.name}};
  if (!o.description.empty()) body["description"] = o.description;
  ASSIGN_OR_RETURN(json::value p, s.Call("POST", "/v1/projects", body));
  if (o.common.json) {
    PrintJson(p);
  } else {
    std::cout << "created project ";
    PrintProject(p);
  }
  return OkStatus();
}

Status ProjectList(const CommonFlags& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.server));
  ASSIGN_OR_RETURN(json::value r, s.Call("GET", "/v1/projects"));
  if (o.json) {
    PrintJson(r);
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "NAME", "CREATED", "DESCRIPTION"}};
  for (const json::value& p : Arr(r, "projects"))
    rows.push_back({Str(p, "id"), Str(p, "name"), Str(p, "created_at"), Str(p, "description")});
  PrintTable(rows, "no projects");
  return OkStatus();
}

Status ProjectGet(const IdOptions& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  ASSIGN_OR_RETURN(std::string id, ResolveProject(s, o.id));
  ASSIGN_OR_RETURN(json::value p, s.Call("GET", Target("/v1/projects", {id})));
  if (o.common.json) {
    PrintJson(p);
  } else {
    PrintProject(p);
  }
  return OkStatus();
}

Status ProjectMembers(const IdOptions& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  ASSIGN_OR_RETURN(std::string id, ResolveProject(s, o.id));
  ASSIGN_OR_RETURN(json::value r, s.Call("GET", Target("/v1/projects", {id, "members"})));
  if (o.common.json) {
    PrintJson(r);
    return OkStatus();
  }
  // Names make the table readable; without permission to list principals, ids will do.
  std::map<std::string, std::pair<std::string, std::string>> names;
  if (auto list = s.Call("GET", "/v1/principals"); list.ok())
    for (const json::value& p : Arr(*list, "principals"))
      names[Str(p, "id")] = {Str(p, "name"), Str(p, "kind")};
  std::vector<std::vector<std::string>> rows = {{"PRINCIPAL", "NAME", "KIND", "ROLE"}};
  for (const json::value& m : Arr(r, "members")) {
    auto n = names.find(Str(m, "principal"));
    rows.push_back({Str(m, "principal"), n == names.end() ? "" : n->second.first,
                    n == names.end() ? "" : n->second.second, Str(m, "role")});
  }
  PrintTable(rows, "no members");
  return OkStatus();
}

struct MemberOptions {
  CommonFlags common;
  std::string project;
  std::string principal;
  std::string role;
};

Status ProjectAddMember(const MemberOptions& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  ASSIGN_OR_RETURN(std::string project, ResolveProject(s, o.project));
  ASSIGN_OR_RETURN(std::string principal, ResolvePrincipal(s, o.principal));
  json::object body{{"principal", principal}, {"role", o.role}};
  ASSIGN_OR_RETURN(json::value b,
                   s.Call("POST", Target("/v1/projects", {project, "members"}), body));
  if (o.common.json) {
    PrintJson(b);
  } else {
    std::cout << "added " << Str(b, "principal") << " to " << Str(b, "project") << " as "
              << Str(b, "role") << "\n";
  }
  return OkStatus();
}

Status ProjectRemoveMember(const MemberOptions& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  ASSIGN_OR_RETURN(std::string project, ResolveProject(s, o.project));
  ASSIGN_OR_RETURN(std::string principal, ResolvePrincipal(s, o.principal));
  ASSIGN_OR_RETURN(
      json::value ignored,
      s.Call("DELETE", Target("/v1/projects", {project, "members", principal, o.role})));
  (void)ignored;  // 204: no body
  if (o.common.json) {
    PrintJson(json::object{
        {"project", project}, {"principal", principal}, {"role", o.role}, {"removed", true}});
  } else {
    std::cout << "removed " << principal << " from " << project << " as " << o.role << "\n";
  }
  return OkStatus();
}

}  // namespace

void RegisterAdminCommands(CLI::App& app, int* exit_code) {
  CLI::App* principal = app.add_subcommand("principal", "Manage principals and API keys");
  principal->require_subcommand(1);
  {
    auto o = std::make_shared<PrincipalCreateOptions>();
    CLI::App* cmd = principal->add_subcommand("create", "Create a principal");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("NAME", o->name, "Unique name (used to log in)")->required();
    cmd->add_option("--kind", o->kind, "human (default), service, worker or agent")
        ->check(CLI::IsMember(kKinds));
    cmd->add_option("--owner", o->owner, "The human a non-human principal acts for (id or name)");
    cmd->add_option("--display-name", o->display_name, "Display name");
    cmd->add_flag("--password-stdin", o->password_stdin,
                  "Read a human's password as one line from stdin (else prompt on a terminal)");
    SetAction(cmd, exit_code, [o] { return PrincipalCreate(*o); });
  }
  {
    auto o = std::make_shared<CommonFlags>();
    CLI::App* cmd = principal->add_subcommand("list", "List principals");
    AddCommonFlags(cmd, o.get());
    SetAction(cmd, exit_code, [o] { return PrincipalList(*o); });
  }
  {
    auto o = std::make_shared<IdOptions>();
    CLI::App* cmd = principal->add_subcommand("get", "Show a principal");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("ID", o->id, "Principal id or name")->required();
    SetAction(cmd, exit_code, [o] { return PrincipalGet(*o); });
  }
  for (bool disable : {true, false}) {
    auto o = std::make_shared<IdOptions>();
    CLI::App* cmd = principal->add_subcommand(
        disable ? "disable" : "enable",
        disable ? "Disable a principal (revokes all its tokens)" : "Re-enable a principal");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("ID", o->id, "Principal id or name")->required();
    SetAction(cmd, exit_code, [o, disable] { return PrincipalSetDisabled(*o, disable); });
  }
  {
    auto o = std::make_shared<ApiKeyOptions>();
    CLI::App* cmd = principal->add_subcommand(
        "api-key", "Issue an API key for a service, worker or agent principal (shown once)");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("ID", o->id, "Principal id or name")->required();
    cmd->add_option("--ttl-days", o->ttl_days, "Days until the key expires (server default 90)")
        ->check(CLI::Range(int64_t(1), int64_t(3660)));
    cmd->add_option("--label", o->label, "A label to recognise the key by");
    SetAction(cmd, exit_code, [o] { return PrincipalApiKey(*o); });
  }

  CLI::App* project = app.add_subcommand("project", "Manage projects and their members");
  project->require_subcommand(1);
  {
    auto o = std::make_shared<ProjectCreateOptions>();
    CLI::App* cmd = project->add_subcommand("create", "Create a project");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("NAME", o->name, "Project name")->required();
    cmd->add_option("--description", o->description, "Description");
    SetAction(cmd, exit_code, [o] { return ProjectCreate(*o); });
  }
  {
    auto o = std::make_shared<CommonFlags>();
    CLI::App* cmd = project->add_subcommand("list", "List the projects you can see");
    AddCommonFlags(cmd, o.get());
    SetAction(cmd, exit_code, [o] { return ProjectList(*o); });
  }
  {
    auto o = std::make_shared<IdOptions>();
    CLI::App* cmd = project->add_subcommand("get", "Show a project");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("ID", o->id, "Project id or name")->required();
    SetAction(cmd, exit_code, [o] { return ProjectGet(*o); });
  }
  {
    auto o = std::make_shared<IdOptions>();
    CLI::App* cmd = project->add_subcommand("members", "List a project's role bindings");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("ID", o->id, "Project id or name")->required();
    SetAction(cmd, exit_code, [o] { return ProjectMembers(*o); });
  }
  for (bool add : {true, false}) {
    auto o = std::make_shared<MemberOptions>();
    CLI::App* cmd = project->add_subcommand(
        add ? "add-member" : "remove-member",
        add ? "Grant a principal a role in a project" : "Remove a principal's role in a project");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("PROJECT", o->project, "Project id or name")->required();
    cmd->add_option("PRINCIPAL", o->principal, "Principal id or name")->required();
    cmd->add_option("ROLE", o->role, "creator, reviewer, publisher, auditor or admin")
        ->required()
        ->check(CLI::IsMember(kRoles));
    SetAction(cmd, exit_code,
              [o, add] { return add ? ProjectAddMember(*o) : ProjectRemoveMember(*o); });
  }
}

}  // namespace custody::cli
