// DLP in the workflow: DlpScan's views of a scan, and the Workflow helpers that scan and decide.
#include "workflow/dlp.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "workflow/workflow.h"

namespace custody::workflow {

std::string FindingKind(const dlp::Finding& f) { return std::string(dlp::FindingKindName(f.kind)); }

policy::DlpFacts DlpScan::Facts() const {
  policy::DlpFacts d;
  d.stage = stage;
  for (size_t i = 0; i < findings.size(); ++i) {
    if (redact[i]) {
      ++d.redacted;
      continue;
    }
    const dlp::Finding& f = findings[i].finding;
    ++d.findings;
    switch (f.kind) {
      case dlp::FindingKind::kSecret:
        ++d.secrets;
        break;
      case dlp::FindingKind::kPii:
        ++d.pii;
        break;
      case dlp::FindingKind::kDictionary:
        ++d.dictionary;
        break;
    }
    d.rules.insert(f.rule_id);
    d.tags.insert(f.tags.begin(), f.tags.end());
  }
  return d;
}

std::vector<DlpFindingRecord> DlpScan::Records(bool blocked) const {
  std::vector<DlpFindingRecord> out;
  out.reserve(findings.size());
  for (size_t i = 0; i < findings.size(); ++i) {
    const dlp::Finding& f = findings[i].finding;
    DlpFindingRecord r;
    r.stage = stage;
    r.location = findings[i].where;
    r.rule_id = f.rule_id;
    r.kind = FindingKind(f);
    r.offset = f.offset;
    r.length = f.length;
    r.line = f.line;
    r.column = f.column;
    r.redacted = f.redacted;
    r.fingerprint = f.fingerprint;
    r.action = redact[i] ? "redacted" : blocked ? "blocked" : "flagged";
    out.push_back(std::move(r));
  }
  return out;
}

DlpSummary DlpScan::Summary(TimePoint now) const {
  DlpSummary s;
  std::set<std::string> rules;
  for (size_t i = 0; i < findings.size(); ++i) {
    const dlp::Finding& f = findings[i].finding;
    ++s.findings;
    if (redact[i]) ++s.redacted;
    if (f.kind == dlp::FindingKind::kSecret) ++s.secrets;
    if (f.kind == dlp::FindingKind::kPii) ++s.pii;
    if (f.kind == dlp::FindingKind::kDictionary) ++s.dictionary;
    rules.insert(f.rule_id);
  }
  s.rules.assign(rules.begin(), rules.end());
  s.scanned_at = now;
  return s;
}

json::object DlpScan::AuditJson(bool blocked) const {
  DlpSummary s = Summary(TimePoint{});
  json::object o{{"stage", stage},    {"findings", s.findings},     {"secrets", s.secrets},
                 {"pii", s.pii},      {"dictionary", s.dictionary}, {"redacted", s.redacted},
                 {"dropped", dropped}};
  json::array rules;
  for (const auto& r : s.rules) rules.emplace_back(r);
  o["rules"] = std::move(rules);
  // Audit entries are bounded (64 KiB): the first findings in full, the rest counted.
  constexpr size_t kMaxListed = 50;
  json::array list;
  std::vector<DlpFindingRecord> records = Records(blocked);
  for (size_t i = 0; i < records.size() && i < kMaxListed; ++i) {
    const DlpFindingRecord& r = records[i];
    list.push_back(json::object{{"rule", r.rule_id},
                                {"kind", r.kind},
                                {"where", r.location},
                                {"line", r.line},
                                {"column", r.column},
                                {"excerpt", r.redacted},
                                {"fingerprint", r.fingerprint},
                                {"action", r.action}});
  }
  o["list"] = std::move(list);
  if (records.size() > kMaxListed) o["not_listed"] = records.size() - kMaxListed;
  if (!decisions.empty()) o["decisions"] = decisions;
  return o;
}

std::string RedactContent(std::string_view text, const DlpScan& scan) {
  std::vector<dlp::Finding> chosen;
  for (size_t i = 0; i < scan.findings.size(); ++i)
    if (scan.redact[i] && scan.findings[i].where == "content")
      chosen.push_back(scan.findings[i].finding);
  return dlp::RedactText(text, chosen);
}

DlpScan Workflow::ScanForDlp(std::span<const uint8_t> bytes, std::string_view name,
                             std::string stage) const {
  DlpScan scan;
  scan.stage = std::move(stage);
  if (!options_.dlp.scanner || bytes.size() > options_.dlp.max_scan_bytes) return scan;
  inventory::AnalyzerOptions ao;
  ao.scanner = options_.dlp.scanner.get();
  ao.verify_c2pa = false;  // ingest verifies Content Credentials on its own (VerifyFile)
  ao.now = clock_.Now();
  inventory::FileAnalysis a = inventory::AnalyzeFile(bytes, name, ao);
  scan.findings = std::move(a.findings);
  scan.dropped = a.findings_dropped;
  scan.redact.assign(scan.findings.size(), false);
  return scan;
}

void Workflow::DecideRedactions(const Caller& c, const policy::ResourceFacts& resource,
                                DlpScan& scan) const {
  // One decision per distinct (rule, location, kind): the answer cannot differ between two
  // findings that agree on everything the policy sees.
  std::map<std::tuple<std::string, std::string>, bool> decided;
  for (size_t i = 0; i < scan.findings.size(); ++i) {
    const inventory::LocatedFinding& lf = scan.findings[i];
    if (lf.where != "content") continue;  // only text content can be rewritten
    auto key = std::make_tuple(lf.finding.rule_id, lf.where);
    auto it = decided.find(key);
    if (it == decided.end()) {
      policy::RequestContext ctx;
      ctx.finding = policy::FindingFacts{scan.stage,
                                         lf.finding.rule_id,
                                         FindingKind(lf.finding),
                                         {lf.finding.tags.begin(), lf.finding.tags.end()},
                                         lf.where};
      policy::Decision d = Decide(c, policy::Action::kRedactFinding, resource, ctx);
      json::object dj = d.ToJson();
      dj["rule"] = lf.finding.rule_id;
      dj["where"] = lf.where;
      scan.decisions.push_back(std::move(dj));
      it = decided.emplace(key, d.allowed).first;
    }
    scan.redact[i] = it->second;
  }
}

}  // namespace custody::workflow
