// Server: assembles one Custody process from a Config — data directory, keys, store, blobs,
// audit log, identity, policy, engines, workflow, worker pool, API and HTTP server — and runs the
// periodic maintenance (approval lapsing).
//
// Data directory layout (created on first start):
//   custody.db (+ -wal, -shm)   the SQLite database
//   blobs/                      encrypted blobs
//   tmp/                        partial uploads and per-job scratch, cleaned at start
//   keys/master.key             the master key (0600); wraps every data key and signing key
//   keys/audit-signing.key      the Ed25519 checkpoint key, wrapped by the master key
//   pki/                        the C2PA signing identity (provenance/pki.h), created on first
//                               start unless `custody pki init` or `import` made one
//   audit-checkpoint            the latest signed audit checkpoint, outside the database
//
// Lifecycle: Create → Start → Stop (graceful). Not thread-safe except Stop, which may be called
// from a signal-watching thread.
#pragma once

#include <condition_variable>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/config.h"
#include "crypto/master_key.h"
#include "provenance/c2pa/certificates.h"
#include "provenance/c2pa/cose.h"

namespace custody::app {

class Server {
 public:
  // Opens (or initialises) the data directory. On first start, creates the keys and the
  // bootstrap administrator "admin"; its password comes from CUSTODY_ADMIN_PASSWORD (if given,
  // ≥ 12 characters) or is generated and printed once to `out`.
  static Result<std::unique_ptr<Server>> Create(const Config& config, std::ostream& out,
                                                const Clock& clock, Random& random);
  ~Server();

  // Recovers unfinished jobs, sweeps orphans, starts workers, maintenance and the HTTP server.
  // Returns the bound port.
  Result<uint16_t> Start();
  // Stops accepting, lets in-flight requests and running jobs finish (up to the grace period),
  // then closes the store.
  void Stop();
  // One maintenance pass (lapsed approvals); also run every config.maintenance_interval.
  void RunMaintenance();

  uint16_t port() const;

  struct RouteInfo {
    std::string method, pattern, name, action;
  };
  // The API's route → action table (for tests and docs).
  std::vector<RouteInfo> Routes() const;

 private:
  struct Parts;
  explicit Server(std::unique_ptr<Parts> parts);
  void MaintenanceLoop();

  std::unique_ptr<Parts> parts_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread maintenance_;
};

// The data directory's master key (keys/master.key), for the local commands that need it (pki).
// With `create`, a missing data directory and key are created as `custody serve` would.
Result<std::unique_ptr<crypto::MasterKey>> OpenMasterKey(const std::filesystem::path& data_dir,
                                                         Random& random, bool create);

// What exports are signed with and files verified against.
struct ContentCredentialsSetup {
  std::shared_ptr<const provenance::cose::Signer> signer;
  provenance::TrustSettings trust;                 // studio roots + c2pa.trust_bundle
  provenance::cose::TimestampTransport timestamp;  // empty without c2pa.tsa_url
};
// Loads the data directory's signing identity (running PkiInit once, and saying so on `out`, when
// there is none yet), the trust anchors and the time-stamp authority of `config`.
Result<ContentCredentialsSetup> LoadContentCredentials(const Config& config,
                                                       const crypto::MasterKey& master,
                                                       std::ostream& out, const Clock& clock,
                                                       Random& random);
// An RFC 3161 transport for `url` (http:// only): POSTs the request as
// application/timestamp-query with the project's HTTP client and returns the response body.
Result<provenance::cose::TimestampTransport> MakeTimestampTransport(const std::string& url);

// Reads and checks the data directory's audit log without a server (`custody audit verify
// --data DIR`); the report is printed by the caller.
Result<json::object> VerifyAuditOffline(const std::filesystem::path& data_dir);

}  // namespace custody::app
