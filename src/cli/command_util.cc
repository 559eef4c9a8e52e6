#include "cli/command_util.h"

#include <algorithm>
#include <iostream>

#include "http/url.h"

namespace custody::cli {

void AddCommonFlags(CLI::App* cmd, CommonFlags* flags) {
  cmd->add_flag("--json", flags->json, "Print the server's JSON document instead of text");
  cmd->add_option("--server", flags->server,
                  "Server URL (http://host:port); overrides CUSTODY_SERVER and the saved one");
}

void SetAction(CLI::App* cmd, int* exit_code, std::function<Status()> body) {
  cmd->callback([exit_code, body = std::move(body)] {
    Status s = body();
    std::cout << std::flush;
    if (s.ok()) {
      *exit_code = 0;
      return;
    }
    PrintError(s.error());
    *exit_code = ExitCodeFor(s.error());
  });
}

Error ExitError(ErrorCode code, std::string message, int exit_code) {
  json::object details{{"cli_exit_code", exit_code}};
  return Error(code, std::move(message), std::move(details));
}

void PrintJson(const json::value& v) { std::cout << json::serialize(v) << "\n"; }

namespace {
const json::object kEmptyObject;
const json::array kEmptyArray;
}  // namespace

std::string Str(const json::object& o, std::string_view key) {
  const json::value* f = o.if_contains(key);
  if (f == nullptr) return "";
  switch (f->kind()) {
    case json::kind::string:
      return std::string(f->as_string());
    case json::kind::int64:
      return std::to_string(f->as_int64());
    case json::kind::uint64:
      return std::to_string(f->as_uint64());
    case json::kind::bool_:
      return f->as_bool() ? "true" : "false";
    case json::kind::double_:
      return json::serialize(*f);
    default:
      return "";
  }
}

std::string Str(const json::value& v, std::string_view key) {
  return v.is_object() ? Str(v.as_object(), key) : "";
}

const json::object& Obj(const json::object& o, std::string_view key) {
  const json::value* f = o.if_contains(key);
  return f != nullptr && f->is_object() ? f->as_object() : kEmptyObject;
}

const json::object& Obj(const json::value& v, std::string_view key) {
  return v.is_object() ? Obj(v.as_object(), key) : kEmptyObject;
}

const json::array& Arr(const json::object& o, std::string_view key) {
  const json::value* f = o.if_contains(key);
  return f != nullptr && f->is_array() ? f->as_array() : kEmptyArray;
}

const json::array& Arr(const json::value& v, std::string_view key) {
  return v.is_object() ? Arr(v.as_object(), key) : kEmptyArray;
}

void PrintTable(const std::vector<std::vector<std::string>>& rows, std::string_view empty) {
  if (rows.size() <= 1) {
    std::cout << empty << "\n";
    return;
  }
  std::vector<size_t> width;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(width[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

std::string Target(std::string_view prefix, std::initializer_list<std::string_view> segments) {
  std::string t(prefix);
  for (std::string_view s : segments) t += "/" + http::PercentEncode(s);
  return t;
}

namespace {

Result<std::string> ResolveByName(Session& s, std::string_view name_or_id, std::string_view prefix,
                                  std::string_view list_target, std::string_view list_key,
                                  std::string_view what) {
  if (name_or_id.empty()) return InvalidArgument("empty " + std::string(what) + " name or id");
  if (name_or_id.rfind(std::string(prefix) + "_", 0) == 0) return std::string(name_or_id);
  ASSIGN_OR_RETURN(json::value list, s.Call("GET", list_target));
  for (const json::value& item : Arr(list, list_key))
    if (Str(item, "name") == name_or_id) return Str(item, "id");
  return Error(ErrorCode::kNotFound, "no " + std::string(what) + " named '" +
                                         std::string(name_or_id) + "' (give its " +
                                         std::string(prefix) + "_... id or its exact name)");
}

}  // namespace

Result<std::string> ResolvePrincipal(Session& s, std::string_view name_or_id) {
  return ResolveByName(s, name_or_id, "prn", "/v1/principals", "principals", "principal");
}

Result<std::string> ResolveProject(Session& s, std::string_view name_or_id) {
  return ResolveByName(s, name_or_id, "prj", "/v1/projects", "projects", "project");
}

}  // namespace custody::cli
