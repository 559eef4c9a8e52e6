// AnalyzeFile: sniffing, hashing, metadata, C2PA and DLP in one pass over a file's bytes.
#include "inventory/analysis.h"

#include <algorithm>
#include <string_view>

#include "crypto/sha256.h"
#include "media/media.h"
#include "provenance/c2pa/cbor.h"
#include "provenance/c2pa/container.h"
#include "provenance/c2pa/manifest.h"
#include "provenance/c2pa/validate.h"

namespace custody::inventory {
namespace {

namespace pv = provenance;

// Findings kept per file over all its parts (each scan has its own limit too); the rest are
// counted in findings_dropped.
constexpr size_t kMaxFindingsPerFile = 1000;
// The bytes SniffMediaType looks at: enough for every binary signature and for judging text.
constexpr size_t kSniffBytes = 64 * 1024;
// The failure code for a file whose C2PA parts exist but whose container cannot be read (the same
// code the workflow records, workflow/credentials.h).
constexpr std::string_view kUnreadable = "custody.unreadable";

std::string_view LastSegment(std::string_view uri) {
  size_t slash = uri.find_last_of("/#");
  return slash == std::string_view::npos ? uri : uri.substr(slash + 1);
}

void AddUnique(std::vector<std::string>& list, std::string_view item) {
  if (item.empty()) return;
  if (std::find(list.begin(), list.end(), item) == list.end()) list.emplace_back(item);
}

std::string_view LastPathComponent(std::string_view name) {
  while (!name.empty() && name.back() == '/') name.remove_suffix(1);
  size_t slash = name.rfind('/');
  return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

// The name of a claim generator as recorded: v2 {"name", "version"}, v1 an array of those, or
// the v1 claim_generator string ("make_test_images/0.33.1 c2pa-rs/0.33.1").
std::string GeneratorName(const boost::json::value& info) {
  if (info.is_string()) return std::string(info.as_string());
  if (info.is_object()) {
    if (const auto* n = info.as_object().if_contains("name"); n != nullptr && n->is_string())
      return std::string(n->as_string());
    return "";
  }
  if (info.is_array())
    for (const boost::json::value& v : info.as_array())
      if (std::string name = GeneratorName(v); !name.empty()) return name;
  return "";
}

// softwareAgent is a string in actions v1 and a ClaimGeneratorInfo map in v2.
std::string AgentName(const pv::cbor::Value& action) {
  const pv::cbor::Value* agent = action.Find("softwareAgent");
  if (agent == nullptr) return "";
  if (agent->is_text()) return agent->text();
  if (const pv::cbor::Value* name = agent->Find("name"); name != nullptr && name->is_text())
    return name->text();
  return "";
}

// Looks for an action of the active manifest whose digitalSourceType says generative AI; returns
// the tool that made it (the action's softwareAgent, else the claim generator), or nullopt.
std::optional<std::string> C2paAiTool(const pv::Manifest& m) {
  for (const pv::Assertion& a : m.assertions) {
    if (a.base_label != "c2pa.actions" && a.base_label != "c2pa.actions.v2") continue;
    if (!a.cbor || !a.cbor->is_map()) continue;
    const pv::cbor::Value* actions = a.cbor->Find("actions");
    if (actions == nullptr || !actions->is_array()) continue;
    for (const pv::cbor::Value& action : actions->array()) {
      const pv::cbor::Value* type = action.Find("digitalSourceType");
      if (type == nullptr || !type->is_text() || !IsAiDigitalSourceType(type->text())) continue;
      std::string tool = AgentName(action);
      if (tool.empty()) tool = GeneratorName(m.claim_generator_info);
      return tool.empty() ? std::string("unknown") : tool;
    }
  }
  return std::nullopt;
}

bool Contains(std::span<const uint8_t> data, std::string_view needle) {
  auto it = std::search(data.begin(), data.end(), needle.begin(), needle.end());
  return it != data.end();
}

void VerifyC2pa(std::span<const uint8_t> data, const AnalyzerOptions& options, FileAnalysis& a) {
  if (pv::DetectFormat(data) == pv::AssetFormat::kUnknown) return;
  pv::VerifyOptions vo;
  vo.trust = options.trust;
  vo.now = options.now;
  Result<pv::VerifyReport> report = pv::VerifyAsset(data, vo);
  if (!report.ok()) {
    // The container could not be read. It matters only if it claims Content Credentials: then
    // they cannot be relied on. Without a metadata report, the store's JUMBF label is the clue.
    bool carries = a.metadata ? a.metadata->c2pa : Contains(data, "c2pa");
    if (carries && report.error().code() != ErrorCode::kUnsupportedMedia) {
      a.c2pa_state = "invalid";
      a.c2pa_failures.push_back(std::string(kUnreadable));
    }
    return;
  }
  if (!report->has_manifest) return;
  switch (report->state) {
    case pv::ValidationState::kInvalid:
      a.c2pa_state = "invalid";
      break;
    case pv::ValidationState::kValid:
      a.c2pa_state = "valid";
      break;
    case pv::ValidationState::kTrusted:
      a.c2pa_state = "trusted";
      break;
  }
  a.c2pa_manifest = report->active_manifest;
  for (const pv::StatusEntry& e : report->active.failure) AddUnique(a.c2pa_failures, e.code);
  if (report->store) {
    const pv::Manifest* m = report->store->Find(report->active_manifest);
    if (m == nullptr) m = report->store->active();
    if (m != nullptr)
      if (std::optional<std::string> tool = C2paAiTool(*m)) {
        a.ai_generated = true;
        if (*tool != "unknown") AddUnique(a.ai_tools, *tool);
      }
  }
}

// Scans one part and files its findings under `where`.
void ScanPart(const dlp::Scanner& scanner, std::string_view text, std::string_view path,
              std::string_view where, FileAnalysis& a) {
  Result<dlp::ScanResult> r = scanner.Scan(text, path);
  if (!r.ok()) {
    if (a.scan_error.empty()) a.scan_error = std::string(where) + ": " + r.error().message();
    return;
  }
  a.findings_dropped += r->dropped;
  for (dlp::Finding& f : r->findings) {
    if (a.findings.size() >= kMaxFindingsPerFile) {
      ++a.findings_dropped;
      continue;
    }
    a.findings.push_back(LocatedFinding{std::string(where), std::move(f)});
  }
}

void ScanAll(std::span<const uint8_t> data, std::string_view name, const AnalyzerOptions& options,
             FileAnalysis& a) {
  const dlp::Scanner& scanner = *options.scanner;
  std::string_view base = LastPathComponent(name);
  if (!base.empty()) ScanPart(scanner, base, name, "name", a);
  if (a.media_type == "text/plain" && data.size() <= options.max_text_scan_bytes)
    ScanPart(scanner, AsChars(data), name, "content", a);
  if (!a.metadata) return;
  std::string where;
  for (const metadata::Entry& e : a.metadata->entries) {
    if (e.binary || e.value.empty()) continue;
    where.assign("metadata:").append(e.carrier).append(":").append(e.key);
    ScanPart(scanner, e.value, where, where, a);
  }
}

// Replaces the secrets found in `text` with "[REDACTED:<rule>]" (personal data and dictionary
// terms are left: they are what a reviewer of prompts needs to see, and are reported anyway).
void RedactSecrets(const dlp::Scanner& scanner, std::string& text) {
  if (text.empty()) return;
  Result<dlp::ScanResult> r = scanner.Scan(text, "prompt");
  if (!r.ok()) {
    // Unscannable text is not shown at all rather than shown unchecked.
    text = "[REDACTED: " + r.error().message() + "]";
    return;
  }
  std::vector<dlp::Finding> secrets;
  for (dlp::Finding& f : r->findings)
    if (f.kind == dlp::FindingKind::kSecret) secrets.push_back(std::move(f));
  if (!secrets.empty()) text = dlp::RedactText(text, secrets);
}

json::array Strings(const std::vector<std::string>& v) {
  json::array out;
  out.reserve(v.size());
  for (const std::string& s : v) out.emplace_back(s);
  return out;
}

}  // namespace

bool IsAiDigitalSourceType(std::string_view uri) {
  std::string_view term = LastSegment(uri);
  return term == "trainedAlgorithmicMedia" || term == "compositeWithTrainedAlgorithmicMedia";
}

FileAnalysis AnalyzeFile(std::span<const uint8_t> data, std::string_view name,
                         const AnalyzerOptions& options) {
  FileAnalysis a;
  a.size = data.size();
  a.media_type = SniffMediaType(data.first(std::min(data.size(), kSniffBytes)));
  a.sha256 = crypto::Sha256Hex(data);

  if (a.media_type != "text/plain") {
    Result<metadata::Report> report = metadata::ReadMetadata(data, options.read);
    if (report.ok()) {
      a.metadata = std::move(*report);
    } else {
      a.metadata_error = report.error().message();
    }
  } else {
    a.metadata_error = "text files carry no metadata";
  }
  if (a.metadata) {
    for (metadata::Generation& g : a.metadata->generations) {
      if (options.scanner != nullptr) {
        // Prompts are shown (--prompts, the API) apart from the entries they came from, whose
        // findings are reported: show them with those secrets masked.
        RedactSecrets(*options.scanner, g.prompt);
        RedactSecrets(*options.scanner, g.negative_prompt);
      }
      a.ai_generated = true;
      if (g.tool != "unknown") AddUnique(a.ai_tools, g.tool);
      if (!g.prompt.empty()) AddUnique(a.prompts, g.prompt);
      if (g.workflow) a.workflow_embedded = true;
    }
    if (IsAiDigitalSourceType(a.metadata->digital_source_type)) a.ai_generated = true;
  }

  if (options.verify_c2pa) VerifyC2pa(data, options, a);
  if (options.scanner != nullptr) ScanAll(data, name, options, a);
  return a;
}

json::object FindingJson(const LocatedFinding& f) {
  const dlp::Finding& d = f.finding;
  json::object o;
  o["where"] = f.where;
  o["rule"] = d.rule_id;
  o["kind"] = dlp::FindingKindName(d.kind);
  o["description"] = d.description;
  o["tags"] = Strings(d.tags);
  o["offset"] = d.offset;
  o["length"] = d.length;
  o["line"] = d.line;
  o["column"] = d.column;
  o["redacted"] = d.redacted;
  o["fingerprint"] = d.fingerprint;
  if (d.kind == dlp::FindingKind::kSecret) o["entropy"] = d.entropy;
  return o;
}

json::object AnalysisJson(const FileAnalysis& a, bool with_prompts) {
  json::object o;
  o["media_type"] = a.media_type;
  o["size"] = a.size;
  o["sha256"] = a.sha256;
  o["ai_generated"] = a.ai_generated;
  o["ai_tools"] = Strings(a.ai_tools);
  json::array ai_keys;
  json::array generations;
  if (a.metadata) {
    std::vector<std::string> keys;
    for (const metadata::Entry& e : a.metadata->entries)
      if (e.category == metadata::Category::kGeneration ||
          (e.category == metadata::Category::kProvenance && !e.binary &&
           IsAiDigitalSourceType(e.value)))
        AddUnique(keys, e.carrier + ":" + e.key);
    for (const metadata::Generation& g : a.metadata->generations) AddUnique(keys, g.evidence);
    ai_keys = Strings(keys);
    for (const metadata::Generation& g : a.metadata->generations) {
      json::object j{{"tool", g.tool}, {"evidence", g.evidence}, {"workflow", g.workflow}};
      if (!g.model.empty()) j["model"] = g.model;
      if (!g.seed.empty()) j["seed"] = g.seed;
      if (with_prompts) {
        if (!g.prompt.empty()) j["prompt"] = g.prompt;
        if (!g.negative_prompt.empty()) j["negative_prompt"] = g.negative_prompt;
      }
      generations.push_back(std::move(j));
    }
  }
  o["ai_keys"] = std::move(ai_keys);
  o["generations"] = std::move(generations);
  o["prompt_count"] = a.prompts.size();
  if (with_prompts) o["prompts"] = Strings(a.prompts);
  o["workflow_embedded"] = a.workflow_embedded;
  if (a.metadata) {
    std::vector<std::string> carriers;
    for (const metadata::Entry& e : a.metadata->entries) AddUnique(carriers, e.carrier);
    json::object m{{"entries", a.metadata->entries.size()},
                   {"carriers", Strings(carriers)},
                   {"warnings", Strings(a.metadata->warnings)}};
    if (!a.metadata->digital_source_type.empty())
      m["digital_source_type"] = a.metadata->digital_source_type;
    o["metadata"] = std::move(m);
  } else {
    o["metadata_error"] = a.metadata_error;
  }
  o["c2pa"] = json::object{{"state", a.c2pa_state},
                           {"manifest", a.c2pa_manifest},
                           {"failures", Strings(a.c2pa_failures)}};
  json::array findings;
  findings.reserve(a.findings.size());
  for (const LocatedFinding& f : a.findings) findings.push_back(FindingJson(f));
  o["findings"] = std::move(findings);
  o["findings_dropped"] = a.findings_dropped;
  if (!a.scan_error.empty()) o["scan_error"] = a.scan_error;
  return o;
}

}  // namespace custody::inventory
