// The client side of the custody binary: `custody login`, `custody asset upload`, `custody
// generate --wait`, `custody audit verify`, ... Each command talks to a Custody server over HTTP
// (http::HttpClient) with the credentials saved by `custody login` (see session.h), prints human
// text or, with --json, the server's JSON document, and reports failures as "custody: <detail>"
// on stderr.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <functional>

#include "base/result.h"

namespace CLI {
class App;
}  // namespace CLI

namespace custody::cli {

// Verifies the audit log of a data directory without a server (`custody audit verify --data`):
// returns the verification report JSON ({"ok","entries","checkpoints","checkpoints_verified",
// "first_bad_entry","problems","root"}), or an error if the directory cannot be read.
using OfflineAuditVerify =
    std::function<Result<boost::json::object>(const std::filesystem::path& data_dir)>;

// Adds the client subcommands to `app`; each command's callback stores its exit code in *exit_code
// (0 ok; 1 error; 2 usage/invalid input; 3 for "denied by policy" (HTTP 403); 4 for audit
// verification failure).
void RegisterCommands(CLI::App& app, int* exit_code, OfflineAuditVerify offline_verify);

}  // namespace custody::cli
