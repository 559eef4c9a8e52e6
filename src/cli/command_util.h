// Shared plumbing of the client commands (internal to cli/): the flags every command takes,
// running a command body and turning its Status into an exit code, JSON and table output, and
// small helpers for building request targets and resolving names to ids.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/result.h"
#include "cli/commands.h"
#include "cli/session.h"

namespace custody::cli {

// --json and --server, taken by every command.
struct CommonFlags {
  bool json = false;
  std::string server;
};

void AddCommonFlags(CLI::App* cmd, CommonFlags* flags);

// Makes `body` the command's callback: an OK status stores exit code 0, an error is printed
// (PrintError) and stores ExitCodeFor(error).
void SetAction(CLI::App* cmd, int* exit_code, std::function<Status()> body);

// An error that exits with `code` (e.g. 4 for a failed audit verification).
Error ExitError(ErrorCode code, std::string message, int exit_code);

// Prints one JSON document on stdout.
void PrintJson(const json::value& v);

// Field access for human output: "" (or an empty object/array) when absent or of another type;
// numbers and booleans are rendered as text.
// (Object overloads exist so that no temporary json::value is made: a reference into one would
// dangle.)
std::string Str(const json::object& o, std::string_view key);
std::string Str(const json::value& v, std::string_view key);
const json::object& Obj(const json::object& o, std::string_view key);
const json::object& Obj(const json::value& v, std::string_view key);
const json::array& Arr(const json::object& o, std::string_view key);
const json::array& Arr(const json::value& v, std::string_view key);

// Prints rows as aligned columns; the first row is the header. Prints `empty` instead when there
// are no data rows.
void PrintTable(const std::vector<std::vector<std::string>>& rows, std::string_view empty);

// "/v1/<a>/<percent-encoded id>/<b>...": each element after the first is one encoded segment.
std::string Target(std::string_view prefix, std::initializer_list<std::string_view> segments);

// Accepts an id ("prn_...", "prj_...") as is; otherwise looks the name up in the server's list.
Result<std::string> ResolvePrincipal(Session& s, std::string_view name_or_id);
Result<std::string> ResolveProject(Session& s, std::string_view name_or_id);

// The command groups, one per file.
void RegisterAuthCommands(CLI::App& app, int* exit_code);
void RegisterAdminCommands(CLI::App& app, int* exit_code);
void RegisterAssetCommands(CLI::App& app, int* exit_code);
void RegisterJobCommands(CLI::App& app, int* exit_code);
void RegisterAuditCommands(CLI::App& app, int* exit_code, OfflineAuditVerify offline_verify);
// custody policy …; the server-less `authorize` and `check-parse` come from policy_local.cc.
void RegisterPolicyCommands(CLI::App& app, int* exit_code);
void RegisterPolicyLocalCommands(CLI::App& policy_app, int* exit_code);
// custody verify FILE: local verification of Content Credentials (no server).
void RegisterVerifyCommand(CLI::App& app, int* exit_code);
// custody inventory DIR: what the files of a local folder carry; --import uploads them.
void RegisterInventoryCommand(CLI::App& app, int* exit_code);

}  // namespace custody::cli
