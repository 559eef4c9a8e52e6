// The DLP scanner: finds secrets (gitleaks rules), personal data (validated PII detectors) and
// names from user dictionaries (customers, products, campaigns) in text.
//
// How it works (notes/governance.md §4.2):
//   1. One Hyperscan database, block mode (and stream mode for uploads), holds every rule regex,
//      every PII candidate pattern, every dictionary term and every rule keyword (caseless
//      literals). Compiled with flags 0 (no SOM: 69 gitleaks rules are "too large" with SOM), so
//      a hit is a (pattern, end offset) pair. A rule whose regex has no required literal of 3
//      bytes (gitleaks' bare 40-hex sourcegraph-access-token: such a pattern alone costs
//      Hyperscan a third of its time on every byte) and that has keywords gets a block database
//      of its own, scanned only over the parts of the text within reach of its keywords.
//   2. A hit is confirmed by RE2 on a window ending at the hit: [end − max width − slack, end] for
//      patterns of bounded width; for unbounded ones, a window bounded by lines when their
//      unbounded repeats cannot match a newline, else 8 KiB. Overlapping windows of a pattern are
//      merged and RE2 runs leftmost-first over each on the whole text, which gives exactly the
//      matches of gitleaks' FindAll, with their capture groups. Regions with no keyword of their
//      rule within reach are not confirmed.
//   3. gitleaks semantics then apply, in gitleaks' order: keywords (a match of a rule with
//      keywords is only reported if one of them occurs, case-insensitively, within 100 kB of it:
//      gitleaks reads files in 100 kB fragments and gates each by its keywords, so on texts up to
//      100 kB the two agree exactly, and a keyword at one end of a large file does not enable its
//      rule at the other), the secret (secretGroup,
//      else the first non-empty group, else the whole match), entropy (> the rule's threshold),
//      rule allowlists then global allowlists (regexes on secret/match/line, stopwords, paths;
//      condition OR/AND), and composite `required` rules.
//   4. PII candidates go through their validator (pii.h); dictionary terms must sit on word
//      boundaries.
// Findings are deduplicated by (rule, range) and returned in text order.
//
// Secrets never leave the scanner in full: a Finding carries the location, a redacted excerpt
// and a fingerprint (a keyed hash, so equal secrets can be correlated without being stored).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "dlp/rules.h"

namespace custody::dlp {

enum class FindingKind { kSecret, kPii, kDictionary };
std::string_view FindingKindName(FindingKind k);  // "secret", "pii", "dictionary"

struct Finding {
  std::string rule_id;      // gitleaks id, "pii-email", ..., or "dictionary:<name>"
  std::string description;  // the rule's description, or the dictionary's name
  FindingKind kind = FindingKind::kSecret;
  std::vector<std::string> tags;
  uint64_t offset = 0;  // byte range of the secret (the reported part) in the scanned text
  uint64_t length = 0;
  uint32_t line = 0;  // 1-based line and byte column of `offset`
  uint32_t column = 0;
  std::string redacted;  // the matched text with the secret masked, e.g. `api_key = "sk-p…████"`;
                         // at most 4 characters of a secret of ≥ 16 shown, none of a shorter
                         // one; PII shows its shape only ("████@████.com"); ≤ 120 bytes
  std::string fingerprint;  // hex, 16 bytes of HMAC-SHA-256(key, rule_id || 0 || secret)
  double entropy = 0;       // Shannon entropy of the secret (bits per byte)
};

// A user dictionary: names that must not leak (customers, unreleased products, campaigns).
// Terms match case-insensitively on word boundaries; a term is 2..256 bytes.
struct Dictionary {
  std::string name;  // e.g. "customers"; findings are "dictionary:customers"
  std::vector<std::string> terms;
  std::vector<std::string> tags;
};

struct ScannerOptions {
  bool secrets = true;  // the gitleaks rules
  bool pii = true;      // the PII detectors (pii.h)
  std::vector<Dictionary> dictionaries;
  // Key of the findings' fingerprints (any length; a deployment keeps it stable so fingerprints
  // correlate across scans). Empty: fingerprints are plain SHA-256, only for tests and tools.
  std::string fingerprint_key;
  size_t max_findings = 1000;  // per Scan / per stream; further findings are counted, not kept
};

struct ScanResult {
  std::vector<Finding> findings;
  uint64_t dropped = 0;  // findings past max_findings
  uint64_t bytes = 0;    // bytes scanned
};

class Scanner;

// Scans a stream of chunks as one text (an upload as it arrives). Findings that span chunk
// boundaries are found. Not thread-safe; one per stream.
class ScanStream {
 public:
  virtual ~ScanStream() = default;
  virtual Status Write(std::span<const uint8_t> chunk) = 0;
  // Ends the stream and returns everything found.
  virtual Result<ScanResult> Finish() = 0;
};

class Scanner {
 public:
  // Compiles `rules` (and the PII detectors and dictionaries of `options`). kInvalidArgument
  // naming the rule if a regex is rejected by RE2 (a regex only Hyperscan rejects falls back to
  // RE2 alone, see fallback_rules()). Compiling gitleaks' default set takes about 2 s of CPU
  // (block, stream and keyword databases); share one Scanner.
  static Result<std::unique_ptr<Scanner>> Create(const RuleSet& rules, ScannerOptions options);
  virtual ~Scanner() = default;

  // Scans `text` (any bytes; UTF-8 expected). `path`: the object's name, for rules and allowlists
  // with a `path` (a file name, "prompt", "metadata:png:tEXt:parameters", ...). Thread-safe.
  virtual Result<ScanResult> Scan(std::string_view text, std::string_view path = {}) const = 0;
  virtual std::unique_ptr<ScanStream> OpenStream(std::string_view path = {}) const = 0;

  virtual size_t rule_count() const = 0;     // gitleaks rules compiled (path-only ones included)
  virtual size_t pattern_count() const = 0;  // patterns in the Hyperscan database
  // Ids of rules whose regex Hyperscan rejected (RE2 accepted it): they are scanned by RE2 alone,
  // over the whole text (streams: over overlapping 16 KiB segments), which is much slower.
  virtual const std::vector<std::string>& fallback_rules() const = 0;
};

// `text` with every finding's secret (its [offset, offset + length) range) replaced by
// "[REDACTED:<rule id>]"; overlapping ranges are merged. Pure function.
std::string RedactText(std::string_view text, const std::vector<Finding>& findings);

}  // namespace custody::dlp
