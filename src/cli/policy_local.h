// `custody policy authorize` and `custody policy check-parse`: Cedar policies evaluated locally,
// with no server, by the native engine in policy/cedar/. Both take the same flags and files as the
// official `cedar authorize` / `cedar check-parse` (cedar-policy-cli 4.x), and `authorize` prints
// exactly what `cedar authorize` prints on stdout, so the two can be swapped in scripts:
//
//   (empty line)
//   ALLOW | DENY
//   (empty line, then one `error while evaluating policy `ID`: MESSAGE` line per erroring policy)
//   (with -v: an empty line, then `note: this decision was due to the following policies:` and
//    `  ID` lines followed by an empty line, or `note: no policies applied to this request`)
//
// Exit codes are cedar's: 0 ALLOW (or parsed fine), 2 DENY, 1 when an input cannot be read or
// parsed; those errors go to stderr, one `error: ...` line each, with file:line:column where the
// input has positions. Not supported: the JSON policy and schema formats (a clear error says so).
// `--request-validation` is accepted and ignored.
#pragma once

#include <iosfwd>
#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace custody::cli {

// An empty string means the flag was not given.
struct PolicyAuthorizeOptions {
  std::string policies;                 // -p/--policies FILE; stdin when empty
  std::string policy_format = "cedar";  // --policy-format cedar (json: not supported)
  std::string template_linked;          // -k/--template-linked FILE
  std::string principal;                // -l/--principal 'User::"alice"'
  std::string action;                   // -a/--action
  std::string resource;                 // -r/--resource
  std::string context;                  // -c/--context FILE (a JSON object)
  std::string request_json;             // --request-json FILE (instead of -l/-a/-r/-c)
  std::string schema;                   // -s/--schema FILE
  std::string schema_format = "cedar";  // --schema-format cedar (json: not supported)
  std::string entities;                 // --entities FILE (required)
  bool request_validation = true;       // --request-validation true|false (ignored)
  bool verbose = false;                 // -v/--verbose
  bool timing = false;                  // -t/--timing
  std::istream* input = nullptr;        // where policies are read from without -p; null: std::cin
};

struct PolicyCheckParseOptions {
  std::string policies;  // -p/--policies FILE
  std::string policy_format = "cedar";
  std::string template_linked;  // -k/--template-linked FILE
  std::string schema;           // -s/--schema FILE
  std::string schema_format = "cedar";
  std::string entities;           // --entities FILE (parsed with the schema, if any)
  std::string expression;         // --expression EXPR
  std::istream* input = nullptr;  // policies when no file is named at all; null: std::cin
};

// Runs one authorization request; returns the exit code (0 allow, 2 deny, 1 error).
int RunPolicyAuthorize(const PolicyAuthorizeOptions& options, std::ostream& out, std::ostream& err);

// Checks that the given inputs parse (with no inputs named, the policies on stdin); prints
// nothing on success. Returns 0, or 1 after printing the errors.
int RunPolicyCheckParse(const PolicyCheckParseOptions& options, std::ostream& out,
                        std::ostream& err);

// Adds `authorize` and `check-parse` to `policy_app`; each stores its exit code in *exit_code.
void RegisterPolicyLocalCommands(CLI::App& policy_app, int* exit_code);

}  // namespace custody::cli
