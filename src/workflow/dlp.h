// DLP in the workflow: scanning what enters and leaves the studio, asking policy what to do with
// each finding, and recording the findings (docs/dlp.md).
//
// Every scan follows one shape:
//   analyse (inventory::AnalyzeFile: text content, every metadata value, the file name)
//     → redact-finding, per finding in rewritable text (a prompt, an uploaded text file)
//     → the main decision (generate, edit, upload, export) sees the rest as context.dlp
//     → record: the findings (redacted excerpts, fingerprints) on the asset, the scan in the
//       audit entry of the use case — also when the decision is a denial.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "dlp/scanner.h"
#include "inventory/analysis.h"
#include "model/model.h"
#include "policy/authorizer.h"

namespace custody::workflow {

// Part of WorkflowOptions.
struct DlpOptions {
  // The compiled rules (dlp.rules, or the built-in set), PII detectors and dictionaries. Null:
  // nothing is scanned (tests of unrelated use cases).
  std::shared_ptr<const dlp::Scanner> scanner;
  // Files up to this size are analysed on ingest; larger ones are not scanned (their asset has
  // no DLP summary, which policies and the API show as "not scanned").
  uint64_t max_scan_bytes = uint64_t(256) << 20;
};

// One scan's findings, with what policy decided for each.
struct DlpScan {
  std::string stage;  // "prompt" | "upload" | "output" | "export"
  std::vector<inventory::LocatedFinding> findings;
  std::vector<bool> redact;  // per finding: redact-finding permitted it
  json::array decisions;     // the redact-finding decisions taken (for the audit)
  uint64_t dropped = 0;

  bool empty() const { return findings.empty(); }
  // What the main decision sees: the findings left in place.
  policy::DlpFacts Facts() const;
  // The records stored with the asset; `blocked`: the main decision was a denial.
  std::vector<DlpFindingRecord> Records(bool blocked) const;
  DlpSummary Summary(TimePoint now) const;
  // For audit details: counts, rule ids, and each finding (redacted excerpt, location, action).
  json::object AuditJson(bool blocked) const;
};

// "secret" | "pii" | "dictionary".
std::string FindingKind(const dlp::Finding& f);

// `text` with the findings marked in `scan.redact` replaced by "[REDACTED:<rule>]" (only findings
// located in "content").
std::string RedactContent(std::string_view text, const DlpScan& scan);

}  // namespace custody::workflow
