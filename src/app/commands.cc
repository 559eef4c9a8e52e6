// The custody binary's command line: `custody serve`, the local pki commands and the client
// commands from cli/.
#include "app/commands.h"

#include <signal.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/config.h"
#include "app/server.h"
#include "cli/commands.h"

namespace custody::app {
namespace {

int Fail(const Error& e) {
  std::cerr << "custody: " << e.message() << "\n";
  return e.code() == ErrorCode::kInvalidArgument ? 2 : 1;
}

int Serve(const std::string& config_file, const std::string& data, const std::string& listen,
          std::optional<int> workers, const std::vector<std::string>& destinations) {
  auto loaded = LoadConfig(config_file, data);
  if (!loaded.ok()) return Fail(loaded.error());
  Config config = std::move(*loaded);
  if (!listen.empty())
    if (Status s = ParseListen(listen, &config); !s.ok()) return Fail(s.error());
  if (workers) config.workers = *workers;
  for (const std::string& d : destinations) {
    auto parsed = ParseDestinations(d);
    if (!parsed.ok()) return Fail(parsed.error());
    config.destinations.insert(config.destinations.end(), parsed->begin(), parsed->end());
  }

  // SIGTERM/SIGINT are handled by sigwait below; block them before any thread starts so no
  // other thread is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // The database holds wrapped keys and token hashes: nothing the server creates is for other
  // users of the machine.
  ::umask(0077);
  SystemClock clock;
  SystemRandom random;
  auto server = Server::Create(config, std::cout, clock, random);
  if (!server.ok()) return Fail(server.error());
  auto port = (*server)->Start();
  if (!port.ok()) return Fail(port.error());
  std::cout << "custody: serving on http://" << config.listen_host << ":" << *port
            << " (data: " << config.data_dir.string() << ")" << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  std::cout << "custody: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << " received, shutting down"
            << std::endl;
  (*server)->Stop();
  std::cout << "custody: stopped" << std::endl;
  return 0;
}

}  // namespace

int Main(int argc, const char* const* argv) {
  CLI::App app{"Custody: a governed AI media studio"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "custody 0.1.0");

  std::string config_file, data, listen;
  std::vector<std::string> destinations;
  std::optional<int> workers;
  auto* serve = app.add_subcommand("serve", "Run the studio server");
  serve->add_option("--config", config_file, "TOML configuration file");
  serve->add_option("--data", data, "Data directory (database, blobs, keys, tmp/)");
  serve->add_option("--listen", listen, "HOST:PORT to listen on (port 0: any free port)");
  serve->add_option("--workers", workers, "In-process job workers");
  serve->add_option("--destination", destinations, "Export destination name=DIR (repeatable)");
  int rc = 0;
  serve->callback([&] { rc = Serve(config_file, data, listen, workers, destinations); });

  cli::RegisterCommands(app, &rc,
                        [](const std::filesystem::path& dir) { return VerifyAuditOffline(dir); });
  RegisterPkiCommands(app, &rc);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, as documented for the CLI.
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return rc;
}

}  // namespace custody::app
