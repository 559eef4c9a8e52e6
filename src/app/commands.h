// The custody binary's command line: `custody serve`, the local commands that work on a data
// directory without a server (`custody pki …`), and the client commands of cli/ (`custody
// verify` among them). main.cc calls Main; tests run commands in-process through it.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace custody::app {

// Parses argv and runs the command; returns the process exit code (0 ok, 1 error, 2 usage or
// invalid input, and the codes each command documents).
int Main(int argc, const char* const* argv);

// custody pki init | import | show | trust: the data directory's C2PA signing identity, with the
// same --config / --data handling as `custody serve`.
void RegisterPkiCommands(CLI::App& app, int* exit_code);

}  // namespace custody::app
