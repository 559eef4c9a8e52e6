#include "app/server.h"

#include <fstream>
#include <ostream>
#include <sstream>

#include "api/api.h"
#include "audit/audit_log.h"
#include "blob/fs_blob_store.h"
#include "crypto/master_key.h"
#include "crypto/signing_key.h"
#include "dlp/rules.h"
#include "dlp/scanner.h"
#include "http/client.h"
#include "http/server.h"
#include "identity/identity.h"
#include "jobs/engines/builtin_engines.h"
#include "jobs/worker_pool.h"
#include "media/media.h"
#include "policy/cedar_authorizer.h"
#include "provenance/c2pa/certificates.h"
#include "provenance/pki.h"
#include "store/store.h"
#include "workflow/workflow.h"

namespace custody::app {
namespace fs = std::filesystem;

struct Server::Parts {
  Config config;
  const Clock* clock = nullptr;
  Random* random = nullptr;
  std::unique_ptr<crypto::MasterKey> master;
  std::unique_ptr<Store> store;
  std::unique_ptr<blob::FsBlobStore> blobs;
  std::unique_ptr<audit::AuditLog> audit;
  std::unique_ptr<identity::IdentityService> identity;
  // Starts on the built-in set; InstallPolicies() activates the stored version before serving.
  std::unique_ptr<policy::CedarAuthorizer> authorizer;
  jobs::EngineRegistry engines;
  EventBus events;
  MetricsRegistry metrics;
  std::unique_ptr<workflow::Workflow> workflow;
  std::unique_ptr<jobs::WorkerPool> pool;
  std::unique_ptr<api::Api> api;
  std::unique_ptr<http::HttpServer> http;
  uint16_t port = 0;
};

namespace {

Status EnsureDir(const fs::path& p) {
  std::error_code ec;
  fs::create_directories(p, ec);
  if (ec)
    return Error(ErrorCode::kUnavailable, "cannot create " + p.string() + ": " + ec.message());
  fs::permissions(p, fs::perms::owner_all, fs::perm_options::replace, ec);
  return OkStatus();
}

struct OpenedKeys {
  std::unique_ptr<crypto::MasterKey> master;
  std::optional<crypto::SigningKey> audit_key;
};

Result<OpenedKeys> OpenKeys(const fs::path& data, Random& random, bool create) {
  OpenedKeys k;
  fs::path keys = data / "keys";
  if (create) RETURN_IF_ERROR(EnsureDir(keys));
  if (!create && !fs::exists(keys / "master.key"))
    return NotFound("no master key in " + (keys / "master.key").string() +
                    ": is this a Custody data directory?");
  bool created = false;
  ASSIGN_OR_RETURN(crypto::MasterKey master,
                   crypto::MasterKey::LoadOrCreate(keys / "master.key", random, &created));
  k.master = std::make_unique<crypto::MasterKey>(std::move(master));
  ASSIGN_OR_RETURN(
      crypto::SigningKey sk,
      crypto::SigningKey::LoadOrCreate(keys / "audit-signing.key", *k.master, random, &created));
  k.audit_key.emplace(std::move(sk));
  return k;
}

// The audit log signs checkpoints with the installation's audit key under the origin's name.
Result<audit::NoteSigner> MakeSigner(const crypto::SigningKey& key, const std::string& origin) {
  return audit::NoteSigner::Create(origin, key.secret_key());
}

std::string ReadTextFile(const fs::path& p, Status* status) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    *status = Error(ErrorCode::kNotFound, "cannot read " + p.string());
    return "";
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<std::unique_ptr<Store>> OpenStore(const fs::path& data) {
  SqliteOptions so;
  so.path = (data / "custody.db").string();
  return OpenSqliteStore(so);
}

}  // namespace

Result<std::unique_ptr<crypto::MasterKey>> OpenMasterKey(const fs::path& data_dir, Random& random,
                                                         bool create) {
  if (create) RETURN_IF_ERROR(EnsureDir(data_dir));
  ASSIGN_OR_RETURN(OpenedKeys keys, OpenKeys(data_dir, random, create));
  return std::move(keys.master);
}

Result<provenance::cose::TimestampTransport> MakeTimestampTransport(const std::string& url) {
  std::string base, target;
  RETURN_IF_ERROR(ParseHttpUrl(url, &base, &target));
  return provenance::cose::TimestampTransport(
      [base, target](std::span<const uint8_t> request) -> Result<Bytes> {
        // One client per request: exports run concurrently and HttpClient is not thread-safe.
        http::ClientOptions o;
        o.connect_timeout = std::chrono::seconds(10);
        o.read_timeout = std::chrono::seconds(30);
        o.write_timeout = std::chrono::seconds(30);
        o.max_body_bytes = 1 << 20;  // a TimeStampResp is a few kilobytes
        o.user_agent = "custody-tsa";
        http::HttpClient client(base, o);
        RETURN_IF_ERROR(client.status());
        auto r = client.Send(
            "POST", target,
            {{"Content-Type", "application/timestamp-query"},
             {"Accept", "application/timestamp-reply"}},
            std::string_view(reinterpret_cast<const char*>(request.data()), request.size()));
        if (!r.ok())
          return Error(ErrorCode::kUnavailable,
                       "time-stamp authority " + base + ": " + r.error().message());
        if (r->status != 200)
          return Error(ErrorCode::kUnavailable, "time-stamp authority " + base + " answered HTTP " +
                                                    std::to_string(r->status));
        return Bytes(r->body.begin(), r->body.end());
      });
}

// The key of DLP findings' fingerprints (HMAC), so equal secrets correlate across scans without
// being stored: 32 random bytes, wrapped by the master key in keys/dlp-fingerprint.key.
Result<std::string> LoadOrCreateFingerprintKey(const fs::path& data,
                                               const crypto::MasterKey& master, Random& random) {
  constexpr std::string_view kContext = "custody.dlp.fingerprint";
  fs::path file = data / "keys" / "dlp-fingerprint.key";
  if (!fs::exists(file)) {
    Bytes key(32);
    random.Fill(key);
    ASSIGN_OR_RETURN(Bytes wrapped, master.Wrap(key, kContext, random));
    fs::path tmp = file;
    tmp += ".tmp";
    {
      std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
      o.write(reinterpret_cast<const char*>(wrapped.data()), std::streamsize(wrapped.size()));
      if (!o) return Error(ErrorCode::kUnavailable, "cannot write " + tmp.string());
    }
    std::error_code ec;
    fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace,
                    ec);
    fs::rename(tmp, file, ec);
    if (ec) return Error(ErrorCode::kUnavailable, "cannot create " + file.string());
  }
  Status read;
  std::string wrapped = ReadTextFile(file, &read);
  RETURN_IF_ERROR(read);
  ASSIGN_OR_RETURN(Bytes key, master.Unwrap(AsBytes(wrapped), kContext));
  return std::string(key.begin(), key.end());
}

// The DLP scanner of the configuration: dlp.rules (gitleaks TOML) or the built-in rules, the PII
// detectors, and the dictionaries.
Result<std::shared_ptr<const dlp::Scanner>> LoadDlpScanner(const Config& config,
                                                           const crypto::MasterKey& master,
                                                           Random& random) {
  dlp::RuleSet rules;
  if (config.dlp_rules.empty()) {
    rules = dlp::BuiltinRules();
  } else {
    auto loaded = dlp::LoadRules(config.dlp_rules, &dlp::BuiltinRules());
    if (!loaded.ok()) return Error(loaded.error().code(), "dlp.rules: " + loaded.error().message());
    rules = std::move(*loaded);
  }
  dlp::ScannerOptions so;
  so.secrets = config.dlp_secrets;
  so.pii = config.dlp_pii;
  for (const auto& [name, path] : config.dlp_dictionaries) {
    Status read;
    std::string text = ReadTextFile(path, &read);
    if (!read.ok())
      return Error(read.error().code(), "dlp.dictionaries: " + read.error().message());
    dlp::Dictionary d;
    d.name = name;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string term = text.substr(start, end - start);
      start = end + 1;
      while (!term.empty() && (term.back() == '\r' || term.back() == ' ')) term.pop_back();
      while (!term.empty() && term.front() == ' ') term.erase(0, 1);
      if (term.empty() || term[0] == '#') continue;
      d.terms.push_back(std::move(term));
    }
    so.dictionaries.push_back(std::move(d));
  }
  ASSIGN_OR_RETURN(so.fingerprint_key, LoadOrCreateFingerprintKey(config.data_dir, master, random));
  auto scanner = dlp::Scanner::Create(rules, std::move(so));
  if (!scanner.ok()) return Error(scanner.error().code(), "dlp: " + scanner.error().message());
  return std::shared_ptr<const dlp::Scanner>(std::move(*scanner));
}

Result<ContentCredentialsSetup> LoadContentCredentials(const Config& config,
                                                       const crypto::MasterKey& master,
                                                       std::ostream& out, const Clock& clock,
                                                       Random& random) {
  ContentCredentialsSetup setup;
  const fs::path& data = config.data_dir;
  auto credential = provenance::LoadSigningCredential(data, master);
  if (!credential.ok() && credential.error().code() == ErrorCode::kNotFound) {
    // A fresh data directory: the studio gets its own root and signing certificate, so exports
    // carry Content Credentials from the first run (custody pki import replaces them).
    RETURN_IF_ERROR(provenance::PkiInit(data, master, random, clock, {}));
    out << "Content Credentials: created the studio's signing certificate in "
        << provenance::PkiPathsFor(data).dir.string()
        << " (custody pki show; custody pki trust gives validators its root)" << std::endl;
    credential = provenance::LoadSigningCredential(data, master);
  }
  if (!credential.ok())
    return Error(credential.error().code(),
                 "Content Credentials signing identity: " + credential.error().message());
  setup.signer = *credential;
  // Verification trusts the studio's own roots and the configured extra anchors.
  auto studio = provenance::ReadTrustBundle(data);
  if (studio.ok()) {
    ASSIGN_OR_RETURN(setup.trust, provenance::TrustSettingsFromPem(*studio));
  } else if (studio.error().code() != ErrorCode::kNotFound) {
    return studio.error();
  }
  if (!config.c2pa_trust_bundle.empty()) {
    Status read;
    std::string pem = ReadTextFile(config.c2pa_trust_bundle, &read);
    RETURN_IF_ERROR(read);
    auto extra = provenance::ParsePemCertificates(pem);
    if (!extra.ok())
      return InvalidArgument("c2pa.trust_bundle " + config.c2pa_trust_bundle.string() + ": " +
                             extra.error().message());
    setup.trust.anchors.insert(setup.trust.anchors.end(), extra->begin(), extra->end());
  }
  if (!config.c2pa_tsa_url.empty()) {
    ASSIGN_OR_RETURN(setup.timestamp, MakeTimestampTransport(config.c2pa_tsa_url));
  }
  return setup;
}

Server::Server(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Server::~Server() { Stop(); }

Result<std::unique_ptr<Server>> Server::Create(const Config& config, std::ostream& out,
                                               const Clock& clock, Random& random) {
  auto p = std::make_unique<Parts>();
  p->config = config;
  p->clock = &clock;
  p->random = &random;
  const fs::path data = config.data_dir;
  // The admin password is checked before anything is created, so a refused password leaves no
  // half-initialised data directory behind.
  std::optional<std::string> admin_password;
  if (const char* env = std::getenv("CUSTODY_ADMIN_PASSWORD"); env && *env) {
    if (std::string_view(env).size() < 12)
      return InvalidArgument("CUSTODY_ADMIN_PASSWORD must have at least 12 characters");
    admin_password = env;
  }

  for (const auto& d : config.destinations) {
    std::error_code ec;
    if (!fs::is_directory(d.root, ec))
      return InvalidArgument("destination '" + d.name + "': " + d.root.string() +
                             " is not a directory");
  }

  RETURN_IF_ERROR(EnsureDir(data));
  RETURN_IF_ERROR(EnsureDir(data / "blobs"));
  RETURN_IF_ERROR(EnsureDir(data / "tmp"));
  RETURN_IF_ERROR(InitMedia());

  ASSIGN_OR_RETURN(OpenedKeys keys, OpenKeys(data, random, true));
  p->master = std::move(keys.master);
  // The signing identity and trust anchors before the database: a configuration mistake (an
  // unreadable c2pa.trust_bundle) stops the start before the database and the administrator.
  ASSIGN_OR_RETURN(ContentCredentialsSetup credentials,
                   LoadContentCredentials(config, *p->master, out, clock, random));
  ASSIGN_OR_RETURN(p->store, OpenStore(data));
  p->blobs = std::make_unique<blob::FsBlobStore>(data / "blobs", data / "tmp", *p->master, random);
  ASSIGN_OR_RETURN(audit::NoteSigner signer, MakeSigner(*keys.audit_key, config.audit_origin));
  audit::AuditLog::Options ao;
  ao.origin = config.audit_origin;
  ao.checkpoint_file = data / "audit-checkpoint";
  ASSIGN_OR_RETURN(p->audit, audit::AuditLog::Open(*p->store, std::move(signer), ao, clock));

  identity::IdentityOptions io;
  io.access_ttl = config.access_token_ttl;
  io.refresh_ttl = config.refresh_token_ttl;
  if (config.fast_password_hashing) io.password = crypto::PasswordParams::ForTests();
  p->identity = std::make_unique<identity::IdentityService>(*p->store, clock, random, io);

  // Bootstrap administrator.
  bool empty = false;
  RETURN_IF_ERROR(p->store->ReadTransaction([&](ReadTx& tx) -> Status {
    ASSIGN_OR_RETURN(auto all, tx.ListPrincipals());
    empty = all.empty();
    return OkStatus();
  }));
  if (empty) {
    std::string password;
    if (admin_password) {
      password = *admin_password;
    } else {
      uint8_t raw[15];
      random.Fill(raw);
      password = Base32Encode(raw);  // 24 characters, 120 bits
    }
    ASSIGN_OR_RETURN(std::string hash, p->identity->HashPassword(password));
    RETURN_IF_ERROR(p->store->WriteTransaction([&](WriteTx& tx) -> Status {
      ASSIGN_OR_RETURN(auto admin, p->identity->Bootstrap(tx, hash));
      if (!admin) return OkStatus();
      audit::AuditEvent e = audit::SystemEvent("principal.bootstrap", admin->id.str(), "succeeded");
      e.details["name"] = admin->name;
      e.details["password_source"] = admin_password ? "CUSTODY_ADMIN_PASSWORD" : "generated";
      RETURN_IF_ERROR(p->audit->Append(tx, e));
      return OkStatus();
    }));
    if (!admin_password) {
      out << "\n  Bootstrap administrator created.\n"
          << "    name:     admin\n"
          << "    password: " << password << "\n"
          << "  This password is shown once; store it now.\n\n";
      out.flush();
    } else {
      out << "Bootstrap administrator 'admin' created with the password from "
             "CUSTODY_ADMIN_PASSWORD.\n";
    }
  }

  p->engines.Register(jobs::MakeProceduralEngine());
  p->engines.Register(jobs::MakeEditEngine());

  {
    std::vector<policy::PolicyProblem> problems;
    ASSIGN_OR_RETURN(auto defaults,
                     policy::PolicyBundle::Build(policy::PolicyBundle::DefaultFiles(), &problems));
    p->authorizer = std::make_unique<policy::CedarAuthorizer>(std::move(defaults), 0);
  }
  workflow::WorkflowOptions wo;
  ASSIGN_OR_RETURN(wo.dlp.scanner, LoadDlpScanner(config, *p->master, random));
  wo.dlp.max_scan_bytes = config.dlp_max_scan_bytes;
  wo.review_window = config.review_window;
  wo.grant_ttl = config.grant_ttl;
  wo.max_upload_bytes = config.max_upload_bytes;
  wo.restricted_approvals = config.restricted_approvals;
  wo.job_max_attempts = config.job_max_attempts;
  wo.destinations = config.destinations;
  wo.external_engines = config.external_engines;
  wo.scrub.keep_icc = config.scrub_keep_icc;
  wo.credentials.signer = std::move(credentials.signer);
  wo.credentials.trust = std::move(credentials.trust);
  wo.credentials.timestamp = std::move(credentials.timestamp);
  wo.credentials.generative_edit_engines = config.generative_engines;
  wo.credentials.max_verify_bytes = config.c2pa_max_verify_bytes;
  p->workflow =
      std::make_unique<workflow::Workflow>(*p->store, *p->blobs, *p->audit, *p->authorizer,
                                           *p->identity, p->engines, p->events, clock, random, wo);
  jobs::WorkerPoolOptions po;
  po.threads = config.workers;
  p->pool = std::make_unique<jobs::WorkerPool>(*p->store, p->engines, *p->workflow, clock, po);
  p->workflow->SetWorkerPool(p->pool.get());
  // The stored policy set (or the built-in one, stored as version 1) before the first request.
  RETURN_IF_ERROR(p->workflow->InstallPolicies());

  api::ApiOptions apio;
  apio.max_json_body = config.max_json_body;
  p->api = std::make_unique<api::Api>(*p->workflow, *p->audit, p->events, p->metrics, apio);
  Parts* raw = p.get();
  p->metrics.AddGauge("custody_audit_entries", "Entries in the audit log.",
                      [raw] { return double(raw->audit->size()); });
  p->metrics.AddGauge("custody_jobs_running", "Jobs running in this process.",
                      [raw] { return double(raw->pool->busy()); });
  p->metrics.AddGauge("custody_http_connections", "Open HTTP connections.",
                      [raw] { return raw->http ? double(raw->http->active_connections()) : 0.0; });

  http::ServerOptions so;
  so.host = config.listen_host;
  so.port = config.listen_port;
  so.max_connections = config.max_connections;
  so.max_body_bytes = config.max_json_body;
  so.read_timeout = config.read_timeout;
  so.idle_timeout = config.idle_timeout;
  p->http = std::make_unique<http::HttpServer>(so, p->api->router());
  return std::unique_ptr<Server>(new Server(std::move(p)));
}

Result<uint16_t> Server::Start() {
  Parts& p = *parts_;
  ASSIGN_OR_RETURN(int recovered, p.workflow->RecoverJobs());
  ASSIGN_OR_RETURN(int orphans, p.workflow->SweepOrphanBlobs());
  (void)recovered;
  (void)orphans;
  RunMaintenance();
  p.pool->Start();
  ASSIGN_OR_RETURN(p.port, p.http->Start());
  maintenance_ = std::thread([this] { MaintenanceLoop(); });
  return p.port;
}

void Server::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  Parts& p = *parts_;
  p.api->set_draining(true);
  p.events.Close();  // ends SSE streams
  p.http->Stop(p.config.shutdown_grace);
  p.pool->Stop();
  (void)p.audit->Flush();
}

void Server::RunMaintenance() { (void)parts_->workflow->LapseApprovals(); }

void Server::MaintenanceLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, parts_->config.maintenance_interval, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    RunMaintenance();
    lock.lock();
  }
}

uint16_t Server::port() const { return parts_->port; }

std::vector<Server::RouteInfo> Server::Routes() const {
  std::vector<RouteInfo> out;
  for (const http::Route& r : parts_->api->router().routes())
    out.push_back({r.method, r.pattern, r.name, r.action});
  return out;
}

Result<json::object> VerifyAuditOffline(const fs::path& data_dir) {
  SystemRandom random;
  SystemClock clock;
  ASSIGN_OR_RETURN(OpenedKeys keys, OpenKeys(data_dir, random, false));
  ASSIGN_OR_RETURN(auto store, OpenStore(data_dir));
  // The origin is read from the latest checkpoint (it is part of what was signed).
  std::string note = audit::AuditLog::ReadCheckpointFile(data_dir / "audit-checkpoint");
  std::string origin = note.substr(0, note.find('\n'));
  if (origin.empty()) {
    ASSIGN_OR_RETURN(auto latest, store->Read([](ReadTx& tx) { return tx.LatestCheckpoint(); }));
    if (latest) origin = latest->note.substr(0, latest->note.find('\n'));
  }
  if (origin.empty()) origin = Config().audit_origin;
  ASSIGN_OR_RETURN(audit::NoteSigner signer, MakeSigner(*keys.audit_key, origin));
  ASSIGN_OR_RETURN(audit::NoteVerifier v, audit::NoteVerifier::Parse(signer.VerifierKey()));
  std::vector<audit::NoteVerifier> verifiers{v};
  ASSIGN_OR_RETURN(audit::VerifyReport report,
                   audit::VerifyAuditLog(*store, origin, verifiers, note));
  json::object o = report.ToJson();
  o["origin"] = origin;
  o["verifier_key"] = signer.VerifierKey();
  return o;
}

}  // namespace custody::app
