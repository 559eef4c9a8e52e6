#include "app/config.h"

#include <toml++/toml.h>

#include <charconv>

extern char** environ;

namespace custody::app {

Result<std::vector<workflow::Destination>> ParseDestinations(std::string_view spec) {
  std::vector<workflow::Destination> out;
  size_t start = 0;
  while (start < spec.size()) {
    size_t comma = spec.find(',', start);
    std::string_view item =
        spec.substr(start, comma == std::string_view::npos ? spec.npos : comma - start);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size())
      return InvalidArgument("destination '" + std::string(item) + "' must be name=DIR");
    std::string name(item.substr(0, eq));
    RETURN_IF_ERROR(ValidateName(name, "destination name"));
    out.push_back({name, std::filesystem::path(std::string(item.substr(eq + 1)))});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Status ParseListen(std::string_view spec, Config* config) {
  size_t colon = spec.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return InvalidArgument("listen address must be HOST:PORT (got '" + std::string(spec) + "')");
  std::string host(spec.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  std::string_view port = spec.substr(colon + 1);
  unsigned p = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || ptr != port.data() + port.size() || p > 65535)
    return InvalidArgument("bad port in listen address '" + std::string(spec) + "'");
  config->listen_host = host;
  config->listen_port = uint16_t(p);
  return OkStatus();
}

Result<Duration> ParseDuration(std::string_view s) {
  if (s.size() < 2)
    return InvalidArgument("duration '" + std::string(s) + "' must look like 90s, 15m, 12h or 7d");
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size() - 1, n);
  if (ec != std::errc() || ptr != s.data() + s.size() - 1 || n < 0)
    return InvalidArgument("duration '" + std::string(s) + "' must look like 90s, 15m, 12h or 7d");
  switch (s.back()) {
    case 's':
      return Duration(std::chrono::seconds(n));
    case 'm':
      return Duration(std::chrono::minutes(n));
    case 'h':
      return Duration(std::chrono::hours(n));
    case 'd':
      return Duration(std::chrono::hours(24 * n));
  }
  return InvalidArgument("duration '" + std::string(s) + "' must end in s, m, h or d");
}

Status ParseHttpUrl(std::string_view url, std::string* base, std::string* target) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind("https://", 0) == 0)
    return InvalidArgument("only http:// URLs are supported for the time-stamp authority (" +
                           std::string(url.substr(0, 200)) +
                           "): RFC 3161 responses are signed, TLS adds nothing");
  if (url.rfind(kScheme, 0) != 0)
    return InvalidArgument("a URL must start with http:// (got '" +
                           std::string(url.substr(0, 200)) + "')");
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos ||
      authority.find_first_of(" \t\r\n") != std::string_view::npos)
    return InvalidArgument("bad host in URL '" + std::string(url.substr(0, 200)) + "'");
  *base = std::string(kScheme) + std::string(authority);
  *target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (target->find_first_of(" \t\r\n#") != std::string::npos)
    return InvalidArgument("bad path in URL '" + std::string(url.substr(0, 200)) + "'");
  return OkStatus();
}

namespace {

// A comma-separated list of names, spaces around them ignored.
std::set<std::string, std::less<>> NameList(const std::string& v) {
  std::set<std::string, std::less<>> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t end = v.find(',', start);
    if (end == std::string::npos) end = v.size();
    std::string name = v.substr(start, end - start);
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (!name.empty()) out.insert(name);
    start = end + 1;
  }
  return out;
}

// One setting, reachable from TOML ("section.key"), the environment (CUSTODY_SECTION_KEY) and
// sometimes a flag. Values arrive as strings.
using Setter = std::function<Status(const std::string&, Config*)>;

Result<bool> ToBool(const std::string& v, const std::string& key) {
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return InvalidArgument(key + " must be true or false, not '" + v.substr(0, 40) + "'");
}

Result<int64_t> ToInt(const std::string& v, const std::string& key) {
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size())
    return InvalidArgument(key + " must be an integer (got '" + v + "')");
  return n;
}

const std::map<std::string, Setter>& Settings() {
  static const std::map<std::string, Setter> s = {
      {"data",
       [](const std::string& v, Config* c) {
         c->data_dir = v;
         return OkStatus();
       }},
      {"listen", [](const std::string& v, Config* c) { return ParseListen(v, c); }},
      {"log_level",
       [](const std::string& v, Config* c) {
         c->log_level = v;
         return OkStatus();
       }},
      {"destinations",
       [](const std::string& v, Config* c) -> Status {
         ASSIGN_OR_RETURN(c->destinations, ParseDestinations(v));
         return OkStatus();
       }},
      {"http.max_connections",
       [](const std::string& v, Config* c) -> Status {
         ASSIGN_OR_RETURN(int64_t n, ToInt(v, "http.max_connections"));
         if (n < 1 || n > 100000) return InvalidArgument("http.max_connections out of range");
         c->max_connections = size_t(n);
         return OkStatus();
       }},
      {"http.max_upload_bytes",
       [](const std::string& v, Config* c) -> Status {
         ASSIGN_OR_RETURN(int64_t n, ToInt(v, "http.max_upload_bytes"));
         if (n < 1) return InvalidArgument("http.max_upload_bytes must be positive");
         c->max_upload_bytes = uint64_t(n);
         return OkStatus();
       }},
      {"http.read_timeout",
       [](const std::string& v, Config* c) -> Status {
         ASSIGN_OR_RETURN(Duration d, ParseDuration(v));
         c->read_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(d);
         return OkStatus();
       }},
      {"review.window",
       [](const std::string& v, Config* c) -> Status {
         ASSIGN_OR_RETURN(c->review_window, ParseDuration(v));
         return OkStatus();
       }},
      {"review.restricted_approvals",
       [](const std::string& v, Config* c) -> Status {
         ASSIGN_OR_RETURN(int64_t n, ToInt(v, "review.restricted_approvals"));
         if (n < 1 || n > 10) return InvalidArgument("review.restricted_approvals must be 1..10");
         c->restricted_approvals = int(n);
         return OkStatus();
       }},
      {"export.grant_ttl",
       [](const std::string& v, Config* c) -> Status {
         ASSIGN_OR_RETURN(c->grant_ttl, ParseDuration(v));
         if (c->grant_ttl > std::chrono::minutes(60))
           return InvalidArgument("export.grant_ttl must be at most 60m (grants are just-in-time)");
         return OkStatus();
       }},
      {"auth.access_token_ttl",
       [](const std::string& v, Config* c) -> Status {
         ASSIGN_OR_RETURN(c->access_token_ttl, ParseDuration(v));
         return OkStatus();
       }},
      {"auth.refresh_token_ttl",
       [](const std::string& v, Config* c) -> Status {
         ASSIGN_OR_RETURN(c->refresh_token_ttl, ParseDuration(v));
         return OkStatus();
       }},
      {"jobs.workers",
       [](const std::string& v, Config* c) -> Status {
         ASSIGN_OR_RETURN(int64_t n, ToInt(v, "jobs.workers"));
         if (n < 0 || n > 64) return InvalidArgument("jobs.workers must be 0..64");
         c->workers = int(n);
         return OkStatus();
       }},
      {"jobs.max_attempts",
       [](const std::string& v, Config* c) -> Status {
         ASSIGN_OR_RETURN(int64_t n, ToInt(v, "jobs.max_attempts"));
         if (n < 1 || n > 20) return InvalidArgument("jobs.max_attempts must be 1..20");
         c->job_max_attempts = int(n);
         return OkStatus();
       }},
      {"audit.origin",
       [](const std::string& v, Config* c) {
         c->audit_origin = v;
         return OkStatus();
       }},
      {"engines.external",
       [](const std::string& v, Config* c) -> Status {
         // A comma-separated list of engine names.
         c->external_engines = NameList(v);
         return OkStatus();
       }},
      {"engines.generative",
       [](const std::string& v, Config* c) -> Status {
         c->generative_engines = NameList(v);
         return OkStatus();
       }},
      {"c2pa.tsa_url",
       [](const std::string& v, Config* c) -> Status {
         if (!v.empty()) {
           std::string base, target;
           RETURN_IF_ERROR(ParseHttpUrl(v, &base, &target));
         }
         c->c2pa_tsa_url = v;
         return OkStatus();
       }},
      {"c2pa.trust_bundle",
       [](const std::string& v, Config* c) {
         c->c2pa_trust_bundle = v;
         return OkStatus();
       }},
      {"c2pa.max_verify_bytes",
       [](const std::string& v, Config* c) -> Status {
         ASSIGN_OR_RETURN(int64_t n, ToInt(v, "c2pa.max_verify_bytes"));
         if (n < 1) return InvalidArgument("c2pa.max_verify_bytes must be positive");
         c->c2pa_max_verify_bytes = uint64_t(n);
         return OkStatus();
       }},
      {"dlp.rules",
       [](const std::string& v, Config* c) {
         c->dlp_rules = v;
         return OkStatus();
       }},
      {"dlp.dictionaries",
       [](const std::string& v, Config* c) -> Status {
         c->dlp_dictionaries.clear();
         for (const std::string& item : NameList(v)) {
           size_t eq = item.find('=');
           if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
             return InvalidArgument("dlp.dictionaries: '" + item + "' is not name=path");
           c->dlp_dictionaries.emplace_back(item.substr(0, eq), item.substr(eq + 1));
         }
         return OkStatus();
       }},
      {"dlp.secrets",
       [](const std::string& v, Config* c) -> Status {
         ASSIGN_OR_RETURN(c->dlp_secrets, ToBool(v, "dlp.secrets"));
         return OkStatus();
       }},
      {"dlp.pii",
       [](const std::string& v, Config* c) -> Status {
         ASSIGN_OR_RETURN(c->dlp_pii, ToBool(v, "dlp.pii"));
         return OkStatus();
       }},
      {"dlp.max_scan_bytes",
       [](const std::string& v, Config* c) -> Status {
         ASSIGN_OR_RETURN(int64_t n, ToInt(v, "dlp.max_scan_bytes"));
         if (n < 1) return InvalidArgument("dlp.max_scan_bytes must be positive");
         c->dlp_max_scan_bytes = uint64_t(n);
         return OkStatus();
       }},
      {"maintenance.interval",
       [](const std::string& v, Config* c) -> Status {
         ASSIGN_OR_RETURN(Duration d, ParseDuration(v));
         c->maintenance_interval = std::chrono::duration_cast<std::chrono::seconds>(d);
         if (c->maintenance_interval.count() < 1)
           return InvalidArgument("maintenance.interval must be at least 1s");
         return OkStatus();
       }},
  };
  return s;
}

Status Apply(const std::string& key, const std::string& value, Config* c) {
  auto it = Settings().find(key);
  if (it == Settings().end()) return InvalidArgument("unknown setting '" + key + "'");
  return it->second(value, c);
}

}  // namespace

Status ApplyTomlFile(const std::filesystem::path& file, Config* config) {
  toml::table tbl;
  try {
    tbl = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    return InvalidArgument("config " + file.string() + ": " + std::string(e.description()) +
                           " at line " + std::to_string(e.source().begin.line));
  }
  Status status;
  auto visit = [&](const std::string& key, const toml::node& node) -> Status {
    if (key == "destinations" && node.is_table()) {
      // [destinations] name = "DIR"
      std::vector<workflow::Destination> dests;
      for (const auto& [name, dir] : *node.as_table()) {
        if (!dir.is_string())
          return InvalidArgument("destinations." + std::string(name.str()) + " must be a path");
        RETURN_IF_ERROR(ValidateName(name.str(), "destination name"));
        dests.push_back({std::string(name.str()), std::filesystem::path(dir.as_string()->get())});
      }
      config->destinations = std::move(dests);
      return OkStatus();
    }
    std::string value;
    if (node.is_string())
      value = node.as_string()->get();
    else if (node.is_integer())
      value = std::to_string(node.as_integer()->get());
    else if (node.is_boolean())
      value = node.as_boolean()->get() ? "true" : "false";
    else
      return InvalidArgument("config " + file.string() + ": '" + key + "' has an unsupported type");
    Status s = Apply(key, value, config);
    if (!s.ok()) return InvalidArgument("config " + file.string() + ": " + s.error().message());
    return OkStatus();
  };
  for (const auto& [k, v] : tbl) {
    std::string key(k.str());
    if (v.is_table() && key != "destinations") {
      for (const auto& [k2, v2] : *v.as_table())
        RETURN_IF_ERROR(visit(key + "." + std::string(k2.str()), v2));
    } else {
      RETURN_IF_ERROR(visit(key, v));
    }
  }
  return OkStatus();
}

Status ApplyEnvironment(const std::map<std::string, std::string>& env, Config* config) {
  for (const auto& [name, value] : env) {
    if (name.rfind("CUSTODY_", 0) != 0) continue;
    std::string key = name.substr(8);
    for (char& ch : key) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    // CUSTODY_REVIEW_WINDOW → review.window; only the first '_' after a section is a dot.
    std::string dotted = key;
    for (const char* section : {"http_", "review_", "export_", "auth_", "jobs_", "audit_",
                                "maintenance_", "engines_", "c2pa_"}) {
      if (key.rfind(section, 0) == 0) {
        dotted = key;
        dotted[std::string(section).size() - 1] = '.';
        break;
      }
    }
    if (!Settings().count(dotted)) continue;  // CUSTODY_ADMIN_PASSWORD, CUSTODY_FIXTURES, …
    Status s = Apply(dotted, value, config);
    if (!s.ok()) return InvalidArgument(name + ": " + s.error().message());
  }
  return OkStatus();
}

std::map<std::string, std::string> CustodyEnvironment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (kv.rfind("CUSTODY_", 0) != 0) continue;
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return out;
}

Result<Config> LoadConfig(const std::string& config_file, const std::string& data) {
  Config config;
  std::string file = config_file;
  std::filesystem::path data_dir = data.empty() ? config.data_dir : std::filesystem::path(data);
  if (file.empty() && std::filesystem::exists(data_dir / "custody.toml"))
    file = (data_dir / "custody.toml").string();
  if (!file.empty()) RETURN_IF_ERROR(ApplyTomlFile(file, &config));
  RETURN_IF_ERROR(ApplyEnvironment(CustodyEnvironment(), &config));
  if (!data.empty()) config.data_dir = data;
  return config;
}

}  // namespace custody::app
