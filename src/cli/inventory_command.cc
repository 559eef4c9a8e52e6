// custody inventory DIR: walks a local folder and reports, per file, what it carries (AI tool,
// prompts, workflows, secrets and personal data, C2PA state, names matching the dictionaries),
// then a summary (inventory::RunInventory). With --import, each analysed file is uploaded to the
// server the user is logged in to as an owned, classified asset whose lineage records the
// original path and hash.
//
// Exit codes (docs/inventory.md): 0 the walk completed and every import succeeded (findings do
// not change the exit code); 1 some files could not be read or some imports failed (each is
// reported, a policy denial included, and the walk goes on), or the run stopped (the server
// became unreachable, the session expired); 2 invalid arguments (DIR unreadable, a bad rules or
// dictionary file, --import without --project).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/fd.h"
#include "cli/command_util.h"
#include "cli/terminal.h"
#include "crypto/sha256.h"
#include "dlp/rules.h"
#include "dlp/scanner.h"
#include "http/url.h"
#include "inventory/inventory.h"
#include "provenance/c2pa/certificates.h"

namespace custody::cli {
namespace {

namespace fs = std::filesystem;

// Finding lines printed per file in the human report (all of them are in --json).
constexpr size_t kFindingLinesPerFile = 8;

struct InventoryCommandOptions {
  CommonFlags common;
  std::string dir;
  std::string rules;
  std::vector<std::string> dictionaries;  // NAME=FILE
  bool no_pii = false;
  bool no_secrets = false;
  std::string trust;
  int threads = 0;
  uint64_t max_file_size = uint64_t(1) << 30;
  bool prompts = false;
  bool follow_symlinks = false;
  bool no_hidden = false;
  bool import = false;
  std::string project;
  std::string owner;
  std::string classification;
  std::vector<std::string> labels;
};

Result<std::string> ReadTextFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot read " + std::string(what) + " " + path);
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return InvalidArgument("error reading " + std::string(what) + " " + path);
  return s.str();
}

// NAME=FILE: one term per line; blank lines and lines starting with '#' are ignored.
Result<dlp::Dictionary> LoadDictionary(const std::string& spec) {
  size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    return InvalidArgument("--dictionary takes NAME=FILE, got '" + spec + "'");
  dlp::Dictionary d;
  d.name = spec.substr(0, eq);
  const std::string file = spec.substr(eq + 1);
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(file, "dictionary"));
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    size_t e = line.find_last_not_of(" \t\r");
    d.terms.push_back(line.substr(b, e - b + 1));
  }
  if (d.terms.empty()) return InvalidArgument("dictionary " + file + " has no terms");
  return d;
}

std::string ErrnoText() { return std::strerror(errno); }

// Uploads analysed files to the server (POST /v1/assets with source_path/source_sha256/owner).
class Importer {
 public:
  Importer(Session session, std::string project, const InventoryCommandOptions& o)
      : session_(std::move(session)), project_(std::move(project)), options_(o) {
    char host[256] = {};
    if (::gethostname(host, sizeof(host) - 1) == 0) host_ = host;
  }

  // The outcome for one file: {"asset": id, "existing"?: true} (existing: imported from the same
  // path and bytes before, nothing new stored), {"skipped": why} or {"error", "status"?,
  // "determining"?}. An Error return means importing cannot go on (the server is unreachable, the
  // session is not valid).
  Result<json::object> Import(const inventory::InventoryEntry& e) {
    const inventory::FileAnalysis& a = *e.analysis;
    if (a.size == 0) return json::object{{"skipped", "empty file"}};
    http::QueryParams q = {{"project", project_},
                           {"kind", "upload"},
                           {"title", e.path.filename().string()},
                           {"source_path", e.absolute.string()},
                           {"source_sha256", a.sha256}};
    if (!host_.empty()) q.emplace_back("source_host", host_);
    if (!options_.owner.empty()) q.emplace_back("owner", options_.owner);
    if (!options_.classification.empty()) q.emplace_back("classification", options_.classification);
    if (!options_.labels.empty()) {
      std::string joined;
      for (const std::string& l : options_.labels) joined += (joined.empty() ? "" : ",") + l;
      q.emplace_back("labels", joined);
    }
    const std::string target = "/v1/assets" + http::BuildQuery(q);
    const std::string path = e.absolute.string();
    const uint64_t size = a.size;
    Result<http::ClientResponse> r = session_.Authorized(
        [&](http::HttpClient& c, const http::Headers& auth) -> Result<http::ClientResponse> {
          // Opened afresh on every attempt: a retry after a token refresh starts from byte 0.
          UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
          if (fd.get() < 0) return NotFound("cannot open " + path + ": " + ErrnoText());
          uint64_t sent = 0;
          http::BodyProducer source = [&](std::span<uint8_t> buf) -> Result<size_t> {
            size_t want = size_t(std::min<uint64_t>(buf.size(), size - sent));
            if (want == 0) return size_t(0);
            ssize_t n;
            do {
              n = ::read(fd.get(), buf.data(), want);
            } while (n < 0 && errno == EINTR);
            if (n < 0) return Internal("reading " + path + ": " + ErrnoText());
            if (n == 0) return Conflict(path + " shrank after it was analysed");
            sent += uint64_t(n);
            return size_t(n);
          };
          http::Headers h = auth;
          h.emplace_back("Content-Type", "application/octet-stream");
          h.emplace_back("Accept", "application/json");
          return c.SendStream("POST", target, h, source, size);
        });
    if (!r.ok()) {
      // The file itself could not be sent (changed or vanished): that file fails, the rest go on.
      if (r.error().code() == ErrorCode::kNotFound || r.error().code() == ErrorCode::kConflict)
        return json::object{{"error", r.error().message()}};
      return r.error();
    }
    if (r->status == 401) return session_.ResponseError(*r);
    if (r->status / 100 != 2) {
      Error err = session_.ResponseError(*r);
      json::object out{{"error", err.message()}, {"status", r->status}};
      if (const json::value* p = err.details().if_contains("problem"); p && p->is_object())
        if (const json::value* d = p->as_object().if_contains("decision"); d && d->is_object())
          if (const json::value* det = d->as_object().if_contains("determining"))
            out["determining"] = *det;
      return out;
    }
    boost::system::error_code ec;
    json::value asset = json::parse(r->body, ec);
    if (ec || !asset.is_object()) return json::object{{"error", "malformed JSON from the server"}};
    // The server checked the bytes it received against source_sha256; what it stored differs
    // only when policy changed the content on ingest (secrets redacted from a text file).
    json::object out{{"asset", Str(asset, "id")}};
    if (const json::value* ex = asset.as_object().if_contains("existing");
        ex && ex->is_bool() && ex->as_bool())
      out["existing"] = true;
    if (std::string stored = Str(asset, "sha256"); stored != a.sha256)
      out["stored_sha256"] = stored;
    return out;
  }

 private:
  Session session_;
  std::string project_;
  std::string host_;  // this machine's name: source_path is only meaningful with it
  const InventoryCommandOptions& options_;
};

std::string Plural(uint64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string Counts(const std::map<std::string, uint64_t>& m) {
  std::string out;
  for (const auto& [k, v] : m) out += (out.empty() ? "" : ", ") + k + " " + std::to_string(v);
  return out.empty() ? "none" : out;
}

std::string HumanBytes(uint64_t b) {
  char buf[32];
  if (b >= (uint64_t(1) << 30)) {
    std::snprintf(buf, sizeof(buf), "%.1f GiB", double(b) / double(uint64_t(1) << 30));
  } else if (b >= (uint64_t(1) << 20)) {
    std::snprintf(buf, sizeof(buf), "%.1f MiB", double(b) / double(uint64_t(1) << 20));
  } else if (b >= 1024) {
    std::snprintf(buf, sizeof(buf), "%.1f KiB", double(b) / 1024.0);
  } else {
    std::snprintf(buf, sizeof(buf), "%llu bytes", static_cast<unsigned long long>(b));
  }
  return buf;
}

// The human report for one file: a headline and indented detail lines; nothing when the file
// has nothing to say.
std::vector<std::string> HumanLines(const inventory::InventoryEntry& e,
                                    const std::optional<json::object>& imported, bool prompts) {
  std::vector<std::string> lines;
  const std::string path = e.path.generic_string();
  if (!e.error.empty()) {
    lines.push_back(path + ": error: " + e.error);
    return lines;
  }
  if (!e.analysis) {
    lines.push_back(path + ": skipped: " + e.skipped);
    return lines;
  }
  const inventory::FileAnalysis& a = *e.analysis;
  std::vector<std::string> parts;
  if (a.ai_generated) {
    std::string tools;
    for (const std::string& t : a.ai_tools) tools += (tools.empty() ? "" : ", ") + t;
    parts.push_back("AI-generated" + (tools.empty() ? std::string() : " by " + tools));
  }
  if (!a.prompts.empty()) parts.push_back(Plural(a.prompts.size(), "prompt", "prompts"));
  if (a.workflow_embedded) parts.push_back("workflow embedded");
  if (a.c2pa_state != "none") {
    std::string c = "C2PA " + a.c2pa_state;
    if (!a.c2pa_failures.empty()) {
      c += " (";
      for (size_t i = 0; i < a.c2pa_failures.size(); ++i) c += (i ? ", " : "") + a.c2pa_failures[i];
      c += ")";
    }
    parts.push_back(c);
  }
  if (!a.findings.empty() || a.findings_dropped > 0)
    parts.push_back(Plural(a.findings.size() + a.findings_dropped, "finding", "findings"));
  if (!a.scan_error.empty()) parts.push_back("scan error: " + a.scan_error);
  if (parts.empty() && !imported) return lines;
  std::string head = path + " (" + a.media_type + ")";
  for (size_t i = 0; i < parts.size(); ++i) head += (i ? "; " : ": ") + parts[i];
  lines.push_back(head);
  for (size_t i = 0; i < a.findings.size() && i < kFindingLinesPerFile; ++i) {
    const auto& f = a.findings[i];
    lines.push_back("  " + std::string(dlp::FindingKindName(f.finding.kind)) + " " +
                    f.finding.rule_id + " in " + f.where + " (line " +
                    std::to_string(f.finding.line) + "): " + f.finding.redacted);
  }
  if (a.findings.size() > kFindingLinesPerFile)
    lines.push_back("  … and " + std::to_string(a.findings.size() - kFindingLinesPerFile) +
                    " more (--json lists them all)");
  if (prompts)
    for (const std::string& p : a.prompts) {
      std::string one = p.size() > 300 ? p.substr(0, 300) + "…" : p;
      for (char& ch : one)
        if (ch == '\n' || ch == '\r') ch = ' ';
      lines.push_back("  prompt: " + one);
    }
  if (imported) {
    if (!Str(*imported, "error").empty()) {
      std::string line = "  import failed: " + Str(*imported, "error");
      for (const json::value& r : Arr(*imported, "determining"))
        if (r.is_string()) line += " [" + std::string(r.as_string()) + "]";
      lines.push_back(line);
    } else if (!Str(*imported, "skipped").empty()) {
      lines.push_back("  not imported: " + Str(*imported, "skipped"));
    } else if (imported->contains("existing")) {
      lines.push_back("  already imported as " + Str(*imported, "asset"));
    } else {
      std::string line = "  imported as " + Str(*imported, "asset");
      if (!Str(*imported, "stored_sha256").empty())
        line += " (stored as changed by the server's policy, sha256 " +
                Str(*imported, "stored_sha256") + ")";
      lines.push_back(line);
    }
  }
  return lines;
}

struct ImportCounts {
  uint64_t imported = 0;  // new assets
  uint64_t existing = 0;  // imported before from the same path and bytes
  uint64_t skipped = 0;   // not sent (empty files)
  uint64_t failed = 0;
};

void PrintSummary(const inventory::InventorySummary& s, const std::optional<ImportCounts>& imports,
                  std::ostream& out) {
  char secs[32];
  std::snprintf(secs, sizeof(secs), "%.2f", s.seconds);
  out << "\nsummary: " << Plural(s.files, "file", "files") << " (" << HumanBytes(s.bytes)
      << " analysed) in " << secs << " s: " << s.analysed << " analysed, " << s.skipped
      << " skipped, " << Plural(s.errors, "error", "errors") << "\n"
      << "  AI-generated:    " << s.ai_generated;
  if (!s.by_tool.empty()) out << " (" << Counts(s.by_tool) << ")";
  out << "\n"
      << "  with prompts:    " << s.with_prompts << ", with workflows: " << s.with_workflows << "\n"
      << "  secrets:         " << Plural(s.with_secrets, "file", "files") << "\n"
      << "  personal data:   " << Plural(s.with_pii, "file", "files") << "\n"
      << "  dictionary:      " << Plural(s.with_dictionary, "file", "files") << " ("
      << s.names_matching << " by name)\n"
      << "  findings:        " << Counts(s.by_rule) << "\n"
      << "  C2PA:            " << Counts(s.c2pa) << "\n"
      << "  media types:     " << Counts(s.media_types) << "\n";
  if (imports)
    out << "  imported:        " << imports->imported << ", already imported: " << imports->existing
        << ", not imported: " << imports->skipped << ", failed: " << imports->failed << "\n";
}

Status InventoryCommand(const InventoryCommandOptions& o) {
  if (o.import && o.project.empty()) return InvalidArgument("--import needs --project");
  if (!o.import && (!o.owner.empty() || !o.classification.empty() || !o.labels.empty()))
    return InvalidArgument("--owner, --classification and --labels only apply with --import");
  for (const std::string& l : o.labels)
    if (l.find(',') != std::string::npos || l.empty())
      return InvalidArgument("invalid label '" + l + "'");
  if (o.threads < 0) return InvalidArgument("--threads must be 0 (automatic) or more");

  // The scanner: the built-in rules or a gitleaks file, the PII detectors, the dictionaries.
  std::unique_ptr<dlp::Scanner> scanner;
  {
    dlp::RuleSet rules;
    if (o.rules.empty()) {
      rules = dlp::BuiltinRules();
    } else {
      auto loaded = dlp::LoadRules(o.rules, &dlp::BuiltinRules());
      if (!loaded.ok()) return InvalidArgument(loaded.error().message());
      rules = std::move(*loaded);
    }
    dlp::ScannerOptions so;
    so.secrets = !o.no_secrets;
    so.pii = !o.no_pii;
    for (const std::string& spec : o.dictionaries) {
      ASSIGN_OR_RETURN(dlp::Dictionary d, LoadDictionary(spec));
      so.dictionaries.push_back(std::move(d));
    }
    // A key of this run only: fingerprints correlate equal secrets within one report without
    // being a plain hash anyone could test guesses (of an e-mail address, say) against.
    Bytes key(32);
    SystemRandom().Fill(key);
    so.fingerprint_key = HexEncode(key);
    auto created = dlp::Scanner::Create(rules, std::move(so));
    if (!created.ok()) return InvalidArgument(created.error().message());
    scanner = std::move(*created);
  }
  std::optional<provenance::TrustSettings> trust;
  if (!o.trust.empty()) {
    ASSIGN_OR_RETURN(std::string pem, ReadTextFile(o.trust, "trust bundle"));
    auto parsed = provenance::TrustSettingsFromPem(pem);
    if (!parsed.ok())
      return InvalidArgument("trust bundle " + o.trust + ": " + parsed.error().message());
    trust = std::move(*parsed);
  }

  std::optional<Importer> importer;
  if (o.import) {
    ASSIGN_OR_RETURN(Session s, Session::Open(o.common.server));
    ASSIGN_OR_RETURN(std::string project, ResolveProject(s, o.project));
    importer.emplace(std::move(s), std::move(project), o);
  }

  inventory::InventoryOptions io;
  io.analyzer.scanner = scanner.get();
  io.analyzer.trust = trust ? &*trust : nullptr;
  io.analyzer.now = SystemClock().Now();
  io.follow_symlinks = o.follow_symlinks;
  io.hidden = !o.no_hidden;
  io.max_file_bytes = o.max_file_size;
  io.threads = o.threads;

  const bool bar_on = ::isatty(STDERR_FILENO) == 1;
  const bool stdout_tty = StdoutIsTerminal();
  std::optional<ProgressDisplay> bar;
  if (bar_on) bar.emplace(std::cerr, true, "inventory");
  // On one terminal, report lines go above the bar (Note) rather than through it.
  auto emit = [&](const std::string& line) {
    if (bar && stdout_tty) {
      std::cout << std::flush;
      bar->Note(line);
    } else {
      std::cout << line << "\n";
    }
  };

  ImportCounts imports;
  auto on_entry = [&](const inventory::InventoryEntry& e) -> Status {
    std::optional<json::object> outcome;
    if (importer && e.analysis) {
      ASSIGN_OR_RETURN(json::object r, importer->Import(e));
      if (r.contains("error")) {
        ++imports.failed;
      } else if (r.contains("skipped")) {
        ++imports.skipped;
      } else if (r.contains("existing")) {
        ++imports.existing;
      } else {
        ++imports.imported;
      }
      outcome = std::move(r);
    }
    if (o.common.json) {
      json::object line{{"type", "file"}, {"path", e.path.generic_string()}};
      if (e.analysis) {
        for (auto& kv : inventory::AnalysisJson(*e.analysis, o.prompts))
          line[kv.key()] = std::move(kv.value());
      } else if (!e.error.empty()) {
        line["error"] = e.error;
      } else {
        line["skipped"] = e.skipped;
      }
      if (outcome) line["import"] = std::move(*outcome);
      emit(json::serialize(line));
    } else {
      for (const std::string& l : HumanLines(e, outcome, o.prompts)) emit(l);
    }
    return OkStatus();
  };
  uint64_t last_shown = 0;
  auto on_progress = [&](uint64_t done, uint64_t total) {
    if (!bar) return;
    // Redrawing for each of thousands of small files costs more than analysing them.
    uint64_t step = std::max<uint64_t>(1, total / 200);
    if (done != total && done - last_shown < step) return;
    last_shown = done;
    bar->Update(total == 0 ? 1.0 : double(done) / double(total),
                std::to_string(done) + "/" + std::to_string(total) + " files");
  };

  auto summary = inventory::RunInventory(o.dir, io, on_entry, on_progress);
  if (bar) bar->Finish();
  if (!summary.ok()) {
    if (summary.error().code() == ErrorCode::kInvalidArgument) return summary.error();
    return ExitError(summary.error().code(), summary.error().message(), 1);
  }
  if (o.common.json) {
    json::object s{{"type", "summary"}};
    for (auto& kv : summary->ToJson()) s[kv.key()] = std::move(kv.value());
    if (importer) {
      s["imported"] = imports.imported;
      s["already_imported"] = imports.existing;
      s["not_imported"] = imports.skipped;
      s["import_failed"] = imports.failed;
    }
    std::cout << json::serialize(s) << "\n";
  } else {
    PrintSummary(*summary, importer ? std::optional<ImportCounts>(imports) : std::nullopt,
                 std::cout);
  }
  if (summary->errors > 0 || imports.failed > 0) {
    std::string what;
    if (summary->errors > 0) what = Plural(summary->errors, "file", "files") + " could not be read";
    if (imports.failed > 0)
      what += (what.empty() ? "" : ", ") + Plural(imports.failed, "import", "imports") + " failed";
    return ExitError(ErrorCode::kInternal, what, 1);
  }
  return OkStatus();
}

}  // namespace

void RegisterInventoryCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<InventoryCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "inventory",
      "Report what the files of a folder carry (AI tools, prompts, workflows, secrets, personal "
      "data, C2PA, dictionary names); --import brings them into the library (exit 0 done, 1 "
      "unreadable files or failed imports, 2 invalid arguments)");
  AddCommonFlags(cmd, &o->common);
  cmd->add_option("DIR", o->dir, "The folder to walk")->required();
  cmd->add_option(
      "--rules", o->rules,
      "gitleaks TOML rules (default: the built-in set; [extend] useDefault extends it)");
  cmd->add_option("--dictionary", o->dictionaries,
                  "NAME=FILE: terms (one per line, # comments) reported as dictionary:NAME; "
                  "repeatable");
  cmd->add_flag("--no-pii", o->no_pii, "Do not look for personal data");
  cmd->add_flag("--no-secrets", o->no_secrets, "Do not look for secrets");
  cmd->add_option("--trust", o->trust, "PEM bundle of C2PA trust anchors");
  cmd->add_option("--threads", o->threads, "Analysis threads (default: one per core)");
  cmd->add_option("--max-file-size", o->max_file_size,
                  "Skip files larger than this many bytes (default 1 GiB)");
  cmd->add_flag("--prompts", o->prompts, "Show the embedded prompts' text");
  cmd->add_flag("--follow-symlinks", o->follow_symlinks, "Follow symbolic links");
  cmd->add_flag("--no-hidden", o->no_hidden, "Leave out dot files and dot folders");
  cmd->add_flag("--import", o->import,
                "Upload every analysed file to the server as an asset (needs --project)");
  cmd->add_option("--project", o->project, "Project (id or name) to import into");
  cmd->add_option("--owner", o->owner,
                  "Principal (id or name) the imported assets belong to (project admins only)");
  cmd->add_option("--classification", o->classification,
                  "Classification of the imported assets (public, internal, confidential, "
                  "restricted)");
  cmd->add_option("--labels", o->labels, "Labels of the imported assets (l1,l2)")->delimiter(',');
  SetAction(cmd, exit_code, [o] { return InventoryCommand(*o); });
}

}  // namespace custody::cli
