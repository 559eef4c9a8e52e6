// custody policy …: the server's active Cedar policy set (show, pull, versions, validate, apply,
// rollback), decisions through the decision API (decide), and the local, server-less commands
// compatible with the official `cedar` CLI (authorize, check-parse; policy_local.cc).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command_util.h"

namespace custody::cli {
namespace {
namespace fs = std::filesystem;

// ---- reading policy files --------------------------------------------------------------------

// Each PATH is a .cedar file or a directory whose *.cedar files are taken (not recursively).
Result<json::object> ReadPolicyFiles(const std::vector<std::string>& paths) {
  json::object files;
  auto add = [&](const fs::path& p) -> Status {
    std::ifstream in(p, std::ios::binary);
    if (!in) return InvalidArgument("cannot read " + p.string());
    std::ostringstream text;
    text << in.rdbuf();
    std::string name = p.filename().string();
    if (files.contains(name))
      return InvalidArgument("two files are named " + name + "; policy file names must differ");
    files[name] = text.str();
    return OkStatus();
  };
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> found;
      for (const auto& entry : fs::directory_iterator(path, ec))
        if (entry.is_regular_file() && entry.path().extension() == ".cedar")
          found.push_back(entry.path());
      if (ec) return InvalidArgument("cannot list " + path + ": " + ec.message());
      if (found.empty()) return InvalidArgument("no .cedar files in " + path);
      std::sort(found.begin(), found.end());
      for (const fs::path& p : found) RETURN_IF_ERROR(add(p));
    } else {
      RETURN_IF_ERROR(add(path));
    }
  }
  return files;
}

void PrintProblems(const json::array& problems) {
  for (const json::value& p : problems) {
    std::string where = Str(p, "file");
    if (!Str(p, "line").empty()) where += ":" + Str(p, "line") + ":" + Str(p, "column");
    std::cerr << where << ": " << Str(p, "message") << "\n";
  }
}

void PrintPolicySet(const json::object& set) {
  std::cout << "policy set version " << Str(set, "version")
            << (set.contains("active") && Str(set, "active") == "true" ? " (active)" : "")
            << ", sha256 " << Str(set, "sha256") << "\n";
  std::cout << "created " << Str(set, "created_at") << " by "
            << (Str(set, "created_by").empty() ? "custody (built-in)" : Str(set, "created_by"))
            << (Str(set, "comment").empty() ? "" : ": " + Str(set, "comment")) << "\n\n";
  std::vector<std::vector<std::string>> rows = {{"ID", "EFFECT", "FILE", "REASON"}};
  for (const json::value& p : Arr(set, "policies"))
    rows.push_back({Str(p, "id"), Str(p, "effect"), Str(p, "file"), Str(p, "reason")});
  PrintTable(rows, "(no policies)");
}

// ---- commands ---------------------------------------------------------------------------------

struct ShowOptions {
  CommonFlags common;
  std::optional<int64_t> version;
};

Result<json::object> FetchSet(Session& s, std::optional<int64_t> version) {
  if (version) return s.CallObject("GET", "/v1/policies/versions/" + std::to_string(*version));
  return s.CallObject("GET", "/v1/policies");
}

Status Show(const ShowOptions& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  ASSIGN_OR_RETURN(json::object set, FetchSet(s, o.version));
  if (o.common.json) {
    PrintJson(set);
  } else {
    PrintPolicySet(set);
  }
  return OkStatus();
}

struct PullOptions {
  CommonFlags common;
  std::optional<int64_t> version;
  std::string dir;
};

Status Pull(const PullOptions& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  ASSIGN_OR_RETURN(json::object set, FetchSet(s, o.version));
  std::error_code ec;
  fs::create_directories(o.dir, ec);
  if (ec) return InvalidArgument("cannot create " + o.dir + ": " + ec.message());
  int n = 0;
  for (const auto& kv : Obj(set, "files")) {
    std::string name(kv.key());
    // The server checks names, but a file name from the network never escapes the folder.
    if (name.empty() || name.find('/') != std::string::npos ||
        name.find('\\') != std::string::npos || name[0] == '.' || !kv.value().is_string())
      return Error(ErrorCode::kDataLoss, "the server sent an unsafe policy file name");
    std::ofstream out(fs::path(o.dir) / name, std::ios::binary | std::ios::trunc);
    out << std::string_view(kv.value().as_string());
    if (!out) return Error(ErrorCode::kUnavailable, "cannot write " + name);
    ++n;
  }
  if (o.common.json) {
    PrintJson(json::object{{"version", set["version"]}, {"files", n}, {"dir", o.dir}});
  } else {
    std::cout << "wrote " << n << " files of policy set version " << Str(set, "version") << " to "
              << o.dir << "\n";
  }
  return OkStatus();
}

Status Versions(const CommonFlags& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.server));
  ASSIGN_OR_RETURN(json::object r, s.CallObject("GET", "/v1/policies/versions"));
  if (o.json) {
    PrintJson(r);
    return OkStatus();
  }
  std::vector<std::vector<std::string>> rows = {{"VERSION", "ACTIVE", "CREATED", "BY", "COMMENT"}};
  for (const json::value& v : Arr(r, "items")) {
    rows.push_back({Str(v, "version"), Str(v, "active") == "true" ? "*" : "", Str(v, "created_at"),
                    Str(v, "created_by").empty() ? "(built-in)" : Str(v, "created_by"),
                    Str(v, "comment")});
  }
  PrintTable(rows, "(no versions)");
  return OkStatus();
}

struct ChangeOptions {
  CommonFlags common;
  std::vector<std::string> paths;
  std::string comment;
};

Status Validate(const ChangeOptions& o) {
  ASSIGN_OR_RETURN(json::object files, ReadPolicyFiles(o.paths));
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  ASSIGN_OR_RETURN(json::object r, s.CallObject("POST", "/v1/policies/validate",
                                                json::object{{"files", std::move(files)}}));
  bool valid = Str(r, "valid") == "true";
  if (o.common.json) {
    PrintJson(r);
  } else if (valid) {
    std::cout << "valid: " << Arr(r, "policies").size() << " policies, sha256 " << Str(r, "sha256")
              << "\n";
  } else {
    PrintProblems(Arr(r, "problems"));
  }
  if (!valid) return ExitError(ErrorCode::kInvalidArgument, "the policy set is not valid", 2);
  return OkStatus();
}

Status Apply(const ChangeOptions& o) {
  ASSIGN_OR_RETURN(json::object files, ReadPolicyFiles(o.paths));
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  auto r = s.CallObject("PUT", "/v1/policies",
                        json::object{{"files", std::move(files)}, {"comment", o.comment}});
  if (!r.ok()) {
    if (r.error().details().contains("problems") && !o.common.json)
      PrintProblems(r.error().details().at("problems").as_array());
    return r.error();
  }
  if (o.common.json) {
    PrintJson(*r);
  } else {
    std::cout << "activated policy set version " << Str(*r, "version") << " ("
              << Arr(*r, "policies").size() << " policies)\n";
  }
  return OkStatus();
}

struct RollbackOptions {
  CommonFlags common;
  int64_t version = 0;
  std::string comment;
};

Status Rollback(const RollbackOptions& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  ASSIGN_OR_RETURN(json::object r,
                   s.CallObject("POST", "/v1/policies/rollback",
                                json::object{{"version", o.version}, {"comment", o.comment}}));
  if (o.common.json) {
    PrintJson(r);
  } else {
    std::cout << "activated policy set version " << Str(r, "version") << " (the files of version "
              << o.version << ")\n";
  }
  return OkStatus();
}

struct DecideOptions {
  CommonFlags common;
  std::string principal;
  std::string action;
  std::string resource;
  std::string sha256;
  std::string destination;
  std::string grant;
  std::string engine;
  std::string input_classification;
};

Status Decide(const DecideOptions& o) {
  ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
  ASSIGN_OR_RETURN(std::string principal, ResolvePrincipal(s, o.principal));
  json::object ctx;
  if (!o.sha256.empty()) ctx["sha256"] = o.sha256;
  if (!o.destination.empty()) ctx["destination"] = o.destination;
  if (!o.grant.empty()) ctx["grant"] = o.grant;
  if (!o.engine.empty()) ctx["engine"] = o.engine;
  if (!o.input_classification.empty()) ctx["input_classification"] = o.input_classification;
  ASSIGN_OR_RETURN(json::object r, s.CallObject("POST", "/v1/authorize",
                                                json::object{{"principal", principal},
                                                             {"action", o.action},
                                                             {"resource", o.resource},
                                                             {"context", std::move(ctx)}}));
  bool allowed = Str(r, "allowed") == "true";
  if (o.common.json) {
    PrintJson(r);
  } else {
    std::cout << (allowed ? "ALLOW" : "DENY") << " (policy set version " << Str(r, "policy_version")
              << ")\n";
    const json::array& ids = Arr(r, "determining");
    const json::array& reasons = Arr(r, "reasons");
    for (size_t i = 0; i < ids.size(); ++i) {
      std::cout << "  " << (ids[i].is_string() ? std::string(ids[i].as_string()) : "");
      if (i < reasons.size() && reasons[i].is_string())
        std::cout << ": " << std::string_view(reasons[i].as_string());
      std::cout << "\n";
    }
    for (const json::value& e : Arr(r, "errors"))
      if (e.is_string()) std::cout << "  error: " << std::string_view(e.as_string()) << "\n";
  }
  if (!allowed) return ExitError(ErrorCode::kPermissionDenied, "the decision is deny", 3);
  return OkStatus();
}

}  // namespace

void RegisterPolicyCommands(CLI::App& app, int* exit_code) {
  CLI::App* policy = app.add_subcommand(
      "policy", "Cedar policies: the server's active set, decisions, and local evaluation");
  policy->require_subcommand(1);
  {
    auto o = std::make_shared<ShowOptions>();
    CLI::App* cmd = policy->add_subcommand("show", "Show the active policy set (or --version N)");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("--version", o->version, "A stored version instead of the active one");
    SetAction(cmd, exit_code, [o] { return Show(*o); });
  }
  {
    auto o = std::make_shared<PullOptions>();
    CLI::App* cmd =
        policy->add_subcommand("pull", "Write the active policy set's files into a folder");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("dir", o->dir, "Folder to write the .cedar files into")->required();
    cmd->add_option("--version", o->version, "A stored version instead of the active one");
    SetAction(cmd, exit_code, [o] { return Pull(*o); });
  }
  {
    auto o = std::make_shared<CommonFlags>();
    CLI::App* cmd = policy->add_subcommand("versions", "List the stored policy set versions");
    AddCommonFlags(cmd, o.get());
    SetAction(cmd, exit_code, [o] { return Versions(*o); });
  }
  {
    auto o = std::make_shared<ChangeOptions>();
    CLI::App* cmd = policy->add_subcommand(
        "validate", "Check a proposed policy set on the server without activating it");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("paths", o->paths, ".cedar files or folders of them")->required();
    SetAction(cmd, exit_code, [o] { return Validate(*o); });
  }
  {
    auto o = std::make_shared<ChangeOptions>();
    CLI::App* cmd = policy->add_subcommand(
        "apply", "Replace the active policy set (a new version; takes effect at once)");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("paths", o->paths, ".cedar files or folders of them")->required();
    cmd->add_option("-m,--comment", o->comment, "Why the policies change (kept with the version)");
    SetAction(cmd, exit_code, [o] { return Apply(*o); });
  }
  {
    auto o = std::make_shared<RollbackOptions>();
    CLI::App* cmd = policy->add_subcommand(
        "rollback", "Activate the files of an earlier version (stored as a new version)");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("version", o->version, "The version to restore")->required();
    cmd->add_option("-m,--comment", o->comment, "Why");
    SetAction(cmd, exit_code, [o] { return Rollback(*o); });
  }
  {
    auto o = std::make_shared<DecideOptions>();
    CLI::App* cmd = policy->add_subcommand(
        "decide", "Ask the server's decision API whether a principal may act on a resource");
    AddCommonFlags(cmd, &o->common);
    cmd->add_option("--principal", o->principal, "Principal name or id")->required();
    cmd->add_option("--action", o->action, "read, approve, export, …")->required();
    cmd->add_option("--resource", o->resource, "Asset, project or job id")->required();
    cmd->add_option("--sha256", o->sha256, "approve: the hash looked at");
    cmd->add_option("--destination", o->destination, "request-export, export: the destination");
    cmd->add_option("--grant", o->grant, "export: the grant id");
    cmd->add_option("--engine", o->engine, "generate, edit: the engine");
    cmd->add_option("--input-classification", o->input_classification,
                    "generate, edit: the most sensitive input's classification");
    SetAction(cmd, exit_code, [o] { return Decide(*o); });
  }
  RegisterPolicyLocalCommands(*policy, exit_code);
}

}  // namespace custody::cli
