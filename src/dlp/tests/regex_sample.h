// Synthetic secrets for the DLP tests (test-only; nothing in src/ links it):
//
//   * RegexSampler parses a regex in RE2/Go syntax (the constructs gitleaks' rules use) and
//     generates random strings that the regex matches, from a seeded std::mt19937_64. It is how
//     the conformance tests get a true-positive sample for each of gitleaks' 222 rules without
//     storing real-looking credentials in the repository.
//   * GitleaksOracle decides, with RE2 alone and gitleaks' own order of checks (keywords, path,
//     match, secret group, entropy, global then rule allowlists; gitleaks detect/detect.go), what
//     gitleaks would report for one rule in a text. The Scanner (Hyperscan prefilter + RE2
//     confirmation) is tested against it; the oracle is slow (RE2 over the whole text per rule)
//     and meant for small inputs.
//
// Both are thread-compatible: const methods may be called concurrently, nothing is mutated after
// construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "dlp/rules.h"

namespace custody::dlp::testing {

struct SampleOptions {
  // `x*`, `x+` and `x{n,}` repeat at most this many times more than their minimum.
  int unbounded_extra = 16;
  // Lazy bounded repeats (`{0,50}?`) draw their count from [min, min + lazy_extra] (capped at
  // max): a lazy prefix such as gitleaks' `[\w.-]{0,50}?` stays short, as it is in real text.
  // Greedy bounded repeats draw from their whole range.
  int lazy_extra = 8;
  // Characters are drawn from a class without \n, \r, \f and \v when the class has any other
  // member, so samples stay on one line (as secrets do); `[\r\n]` still produces a newline.
  bool single_line = true;
  // At an alternation, branches that always need ^, $, \A or \z are avoided when another branch
  // exists, so samples can be embedded anywhere in a text.
  bool avoid_anchors = true;
  // A sample longer than this fails the attempt (nested repeats can multiply to gigabytes).
  size_t max_length = 1 << 20;
  // Attempts before Generate gives up; an attempt fails when a \b, \B, ^ or $ cannot be met by
  // the characters drawn (e.g. \b after a '-' drawn from [\w-]).
  int max_attempts = 1000;
};

// A generated string. The regex matches all of `text` (RE2::FullMatch succeeds), and it matches
// `text` inside a larger input when the characters next to it are not word characters (or are
// the input's edges), and `text` is at the input's start (end) if anchored_start (anchored_end).
struct Sample {
  std::string text;
  bool anchored_start = false;  // a ^ or \A was used
  bool anchored_end = false;    // a $ or \z was used
};

// Generates strings matching a regex. Supported syntax (RE2 / Go regexp, byte-oriented, ASCII
// output): literals and escaped punctuation, \d \D \w \W \s \S, \b \B \A \z, \n \r \t \f \v \a,
// \xHH \x{H..}, octal \0nn, \Q..\E, classes [...] with ranges, negation, escapes and POSIX
// [[:name:]] items, `.`, flags (?imsU-imsU) and (?flags:...), capturing, non-capturing and named
// (?P<n>...) groups, alternation, * + ? {n} {n,} {n,m} and their lazy forms, ^ and $ (with (?m)
// too). Not supported (kInvalidArgument): \p{..} classes, and what the installed RE2 rejects
// (backreferences, lookaround, (?<n>...), bad repeats, repeat counts > 1000, unbalanced
// parentheses or brackets).
// Negated classes and `.` draw from printable ASCII plus \t \n \r \f (no bytes >= 0x80).
// Characters are drawn uniformly from a class, preferring ones not yet used by the same class in
// this sample, which maximises the Shannon entropy of random runs.
class RegexSampler {
 public:
  struct Node;

  static Result<RegexSampler> Parse(std::string_view pattern);

  // One sample; deterministic for a given rng state and options. kInvalidArgument after
  // options.max_attempts failed attempts (a regex whose assertions cannot be satisfied, such as
  // `a\bb` or `x^`).
  Result<Sample> Generate(std::mt19937_64& rng, const SampleOptions& options = {}) const;

  const std::string& pattern() const { return pattern_; }

 private:
  RegexSampler(std::string pattern, std::shared_ptr<const Node> root)
      : pattern_(std::move(pattern)), root_(std::move(root)) {}

  std::string pattern_;
  std::shared_ptr<const Node> root_;
};

// Shannon entropy in bits per byte, as gitleaks computes it for ASCII secrets.
double ShannonEntropy(std::string_view s);

// A uniform integer in [0, n) from `rng` (rejection sampling, so the same on every standard
// library, unlike std::uniform_int_distribution). REQUIRES: n > 0.
uint64_t UniformBelow(std::mt19937_64& rng, uint64_t n);

// Which allowlist let a match go: a global one (RuleSet::allowlists) or one of the rule's own.
struct AllowlistRef {
  bool global = false;
  size_t index = 0;
  bool operator==(const AllowlistRef&) const = default;
};

// One match of a rule's regex in a text, with everything gitleaks decides about it.
struct OracleMatch {
  size_t match_begin = 0;  // the match, without leading/trailing newlines (gitleaks trims them)
  size_t match_end = 0;
  size_t secret_begin = 0;  // the secret (capture group, or the match) as offsets in the text
  size_t secret_end = 0;
  std::string secret;
  double entropy = 0;
  bool entropy_ok = true;  // entropy > the rule's threshold (true when the rule has none)
  // Every allowlist that allows this match (empty: not allowlisted).
  std::vector<AllowlistRef> allowed_by;
  // Reported by gitleaks: entropy_ok and no allowlist allows it.
  bool reported() const { return entropy_ok && allowed_by.empty(); }
};

struct OracleResult {
  bool keyword_found = false;  // true for rules without keywords
  bool path_ok = true;         // the rule's `path` matches (true for rules without one)
  // A global or rule allowlist allows the path (OR-condition or path-only AND allowlists):
  // gitleaks skips the rule before matching.
  std::optional<AllowlistRef> path_allowed_by;
  bool path_only_reported = false;   // a path-only rule reported the object
  std::vector<OracleMatch> matches;  // empty unless keyword_found && path_ok && !path_allowed_by

  // Whether gitleaks reports the rule at all.
  bool reported() const;
  // The first reported match, if any.
  const OracleMatch* first_reported() const;
};

// Gitleaks' decision for one rule, recomputed with RE2 from the RuleSet. Thread-compatible.
class GitleaksOracle {
 public:
  // Compiles every regex of `rules` with RE2 (POSIX-free, Perl-like defaults, as the scanner).
  // kInvalidArgument naming the rule if one does not compile.
  static Result<std::unique_ptr<GitleaksOracle>> Create(const RuleSet& rules);
  ~GitleaksOracle();

  const RuleSet& rules() const;
  // Index of the rule with this id, or nullopt.
  std::optional<size_t> RuleIndex(std::string_view id) const;

  // What gitleaks reports for rule `rule_index` in `text` scanned as `path` (empty: no path).
  OracleResult Evaluate(size_t rule_index, std::string_view text, std::string_view path) const;
  // Whether one allowlist allows a match (gitleaks' checkFindingAllowed for one allowlist):
  // `line` is the text from the start of the match's first line to the end of its last line.
  bool AllowlistAllows(const AllowlistRef& ref, size_t rule_index, std::string_view secret,
                       std::string_view match, std::string_view line, std::string_view path) const;

 private:
  struct Impl;
  explicit GitleaksOracle(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A text (and path) on which gitleaks reports a rule.
struct TruePositive {
  std::string text;
  std::string path;                  // empty unless the rule has a `path`
  std::optional<OracleMatch> match;  // the first reported match; none for path-only rules
  int attempts = 0;                  // samples generated until this one
};

struct TruePositiveOptions {
  int max_attempts = 400;
  // The text can be embedded in a larger one: no ^/$ anchors used, ends with a newline.
  bool embeddable = false;
};

// Samples the rule's regex (seeds derived from `seed`) until the oracle says gitleaks reports the
// rule: the text is the sample, preceded by "<keyword> = " when it contains none of the rule's
// keywords, and a newline; rules with a `path` get a path sampled from it ("pkg/<sample>");
// path-only rules get a fixed text. nullopt after options.max_attempts samples.
std::optional<TruePositive> MakeTruePositive(const GitleaksOracle& oracle, size_t rule_index,
                                             uint64_t seed,
                                             const TruePositiveOptions& options = {});

// A path matching `path_regex` (sampled with `seed`), under "pkg/" unless the regex anchors it at
// the start; nullopt if the regex cannot be sampled.
std::optional<std::string> SamplePath(const std::string& path_regex, uint64_t seed);

}  // namespace custody::dlp::testing
