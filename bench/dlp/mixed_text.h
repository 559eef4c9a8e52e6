// Deterministic mixed text for the DLP benchmarks (dlp_bench, dlp_scan_file --generate): the clean
// text of the DLP recall test (English prose, source code, JSON, logs, CSV, with the look-alikes
// the detectors must reject; src/dlp/tests/synthetic_text.h) with planted items at a realistic
// density: synthetic secrets (true positives of the given gitleaks rules, generated from their
// regexes by src/dlp/tests/regex_sample) and personal data (Luhn-valid card numbers, mod-97
// IBANs, e-mail addresses, phone numbers, SSNs, public IPv4 addresses, from the same
// SyntheticText). The same seed and options give the same bytes on every machine (built with the
// same compiler: see synthetic_text.h).
//
// Not thread-safe; one generator per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "dlp/rules.h"
#include "dlp/tests/synthetic_text.h"

namespace custody::dlp::bench {

struct MixedTextOptions {
  uint64_t seed = 1;
  // One planted secret per `secret_every` bytes and one PII item per `pii_every` bytes, on
  // average; 0 disables them.
  size_t secret_every = 256 * 1024;
  size_t pii_every = 16 * 1024;
};

class MixedTextGenerator {
 public:
  // `rules`: the rules whose true positives are planted (rules with a `path` are skipped); null
  // or empty: no secrets. Generating a true positive per rule takes a moment (RE2 compiles every
  // rule once).
  static Result<std::unique_ptr<MixedTextGenerator>> Create(const RuleSet* rules,
                                                            const MixedTextOptions& options);
  ~MixedTextGenerator();

  // Appends blocks (each a few hundred bytes to a few KiB, ending with a newline) until `out`
  // holds at least `bytes` bytes.
  void Append(size_t bytes, std::string* out);
  // Writes a corpus of at least `bytes` bytes to `path`.
  Status WriteFile(const std::filesystem::path& path, size_t bytes);

  size_t planted_secrets() const { return planted_secrets_; }
  size_t planted_pii() const { return planted_pii_; }
  size_t secret_pool_size() const { return secrets_.size(); }

 private:
  explicit MixedTextGenerator(const MixedTextOptions& options);
  std::string NextBlock();

  MixedTextOptions options_;
  testing::SyntheticText text_;       // every random draw
  std::vector<std::string> secrets_;  // one true-positive snippet per rule
  size_t generated_ = 0;
  size_t next_secret_at_ = 0;
  size_t next_pii_at_ = 0;
  size_t planted_secrets_ = 0;
  size_t planted_pii_ = 0;
};

}  // namespace custody::dlp::bench
