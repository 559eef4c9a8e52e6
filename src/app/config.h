// Server configuration: defaults, then a TOML file, then CUSTODY_* environment variables, then
// command-line flags — each later source overrides the earlier ones.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "workflow/workflow.h"

namespace custody::app {

struct Config {
  std::filesystem::path data_dir = "data";
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;

  // HTTP limits.
  size_t max_connections = 256;
  uint64_t max_json_body = 1 << 20;
  uint64_t max_upload_bytes = uint64_t(4) << 30;
  std::chrono::milliseconds read_timeout{30000};
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds shutdown_grace{10000};

  // Workflow.
  Duration review_window = std::chrono::hours(24 * 7);
  Duration grant_ttl = std::chrono::minutes(5);
  Duration access_token_ttl = std::chrono::minutes(15);
  Duration refresh_token_ttl = std::chrono::hours(24 * 30);
  int restricted_approvals = 2;
  std::vector<workflow::Destination> destinations;
  // engines.external: names of engines that send inputs outside the studio (model egress policy).
  std::set<std::string, std::less<>> external_engines;
  bool scrub_keep_icc = true;
  // engines.generative: edit engines whose output is generative AI (their edits are marked
  // compositeWithTrainedAlgorithmicMedia in Content Credentials).
  std::set<std::string, std::less<>> generative_engines;

  // Content Credentials (C2PA).
  std::string c2pa_tsa_url;  // c2pa.tsa_url: an RFC 3161 time-stamp authority (http://), optional
  std::filesystem::path c2pa_trust_bundle;  // c2pa.trust_bundle: extra PEM anchors (verification)
  uint64_t c2pa_max_verify_bytes = uint64_t(256) << 20;  // c2pa.max_verify_bytes

  // Data loss prevention (docs/dlp.md).
  std::filesystem::path dlp_rules;  // dlp.rules: a gitleaks TOML file; empty: the built-in rules
  // dlp.dictionaries: "name=path,name=path": files of terms (one per line, # comments).
  std::vector<std::pair<std::string, std::filesystem::path>> dlp_dictionaries;
  bool dlp_secrets = true;                            // dlp.secrets
  bool dlp_pii = true;                                // dlp.pii
  uint64_t dlp_max_scan_bytes = uint64_t(256) << 20;  // dlp.max_scan_bytes

  // Jobs.
  int workers = 2;
  int job_max_attempts = 3;

  // Audit.
  std::string audit_origin = "custody.local/audit";
  std::chrono::seconds maintenance_interval{30};

  std::string log_level = "info";

  // Tests only (not settable from files or the environment): the cheapest Argon2id parameters.
  bool fast_password_hashing = false;
};

// Parses "name=DIR[,name=DIR…]".
Result<std::vector<workflow::Destination>> ParseDestinations(std::string_view spec);
// Parses "HOST:PORT" (IPv6 as "[::1]:PORT").
Status ParseListen(std::string_view spec, Config* config);
// Parses durations such as "90s", "15m", "12h", "7d".
Result<Duration> ParseDuration(std::string_view s);
// Splits an "http://host[:port]/path" URL (a time-stamp authority's) into the client's base URL
// and the request target. Only http: RFC 3161 responses are signed, so TLS adds nothing, and the
// project's HTTP client speaks plain HTTP only.
Status ParseHttpUrl(std::string_view url, std::string* base, std::string* target);

// Applies a TOML file (see docs/operations.md for the keys). Unknown keys are errors.
Status ApplyTomlFile(const std::filesystem::path& file, Config* config);
// Applies CUSTODY_* variables from `env` (e.g. CUSTODY_LISTEN, CUSTODY_DATA, CUSTODY_DESTINATIONS).
Status ApplyEnvironment(const std::map<std::string, std::string>& env, Config* config);
// The process environment's CUSTODY_* variables.
std::map<std::string, std::string> CustodyEnvironment();

// The configuration of `custody serve` and of the local commands (pki): defaults, then the TOML
// file (`config_file`, else DATA/custody.toml when it exists), then the CUSTODY_* environment,
// then `data` (--data) when not empty.
Result<Config> LoadConfig(const std::string& config_file, const std::string& data);

}  // namespace custody::app
