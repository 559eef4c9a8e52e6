// DLP rules: gitleaks' TOML rule format, loaded unchanged.
//
// The format (gitleaks config/config.go, v8.25+): `title`, `description`, `minVersion`,
// `[extend] {path, useDefault, disabledRules}`, `[[rules]]` with `id`, `description`, `regex`,
// `path`, `secretGroup`, `entropy`, `keywords`, `tags`, `skipReport`, `[[rules.allowlists]]`
// ({description, condition "OR"|"AND", commits, paths, regexTarget "secret"|"match"|"line",
// regexes, stopwords}; the pre-8.21 single `[rules.allowlist]` table too), `[[rules.required]]`
// ({id, withinLines, withinColumns}); the global `[allowlist]` and `[[allowlists]]` (with
// `targetRules`). Loading rejects what gitleaks rejects (testdata/config/invalid): an empty
// allowlist, old and new allowlist forms together, an unknown regexTarget, a global allowlist
// with targetRules naming an unknown rule, a rule with neither regex nor path (after [extend]:
// a rule that only adds to an extended rule of the same id is fine). Two rules with one id in a
// file: the later one wins, as in gitleaks.
//
// Custody adds nothing to the file: what happens to a finding (block, redact, flag) is decided by
// policy (docs/dlp.md), so a gitleaks configuration can be used as it is and vice versa.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace custody::dlp {

enum class RegexTarget { kSecret, kMatch, kLine };
enum class Condition { kOr, kAnd };

struct Allowlist {
  std::string description;
  Condition condition = Condition::kOr;
  std::vector<std::string> commits;  // kept for fidelity; Custody scans no commits
  std::vector<std::string> paths;    // regexes on the scanned object's path
  RegexTarget regex_target = RegexTarget::kSecret;
  std::vector<std::string> regexes;
  std::vector<std::string> stopwords;     // substrings of the secret (case-insensitive)
  std::vector<std::string> target_rules;  // global [[allowlists]] only; empty = every rule
};

struct RequiredRule {
  std::string id;
  std::optional<int> within_lines;
  std::optional<int> within_columns;
};

struct Rule {
  std::string id;
  std::string description;
  std::string regex;                  // empty for path-only rules
  std::string path;                   // regex on the path; empty if none
  int secret_group = 0;               // 0: the first non-empty capture group
  std::optional<double> entropy;      // the secret's Shannon entropy must be greater
  std::vector<std::string> keywords;  // lower-cased; any one must occur in the text
  std::vector<std::string> tags;
  bool skip_report = false;  // only used as a required rule of another
  std::vector<Allowlist> allowlists;
  std::vector<RequiredRule> required;  // composite rules
};

struct RuleSet {
  std::string title;
  std::string description;
  std::string min_version;
  std::vector<Rule> rules;            // the file's rules in order, then the extended ones'
  std::vector<Allowlist> allowlists;  // global
};

// Parses a gitleaks TOML configuration. `[extend] path` is resolved relative to `base_dir` (the
// directory of the file the text came from), or, if not found there, relative to up to three of
// its parent directories (gitleaks resolves it against its working directory, so its own test
// configurations say "../testdata/config/…"); `[extend] useDefault = true` extends
// `default_rules` (the deployment's copy of gitleaks' config/gitleaks.toml, loaded first), as
// gitleaks extends its own. Extension follows gitleaks: a rule with the same id overrides the
// base rule field by field (non-empty fields win; keywords, tags and allowlists are appended),
// `disabledRules` removes base rules, and extension is followed at most 2 levels deep (deeper
// [extend] tables are ignored, as in gitleaks). Keys are case-insensitive (gitleaks reads them
// with Viper); keywords and stopwords are lower-cased. Where gitleaks is silent, Custody refuses:
// `extend.url` (gitleaks ignores it), a negative secretGroup, a TOML value of the wrong type.
// kInvalidArgument with the file name and gitleaks' own message for anything malformed;
// LoadRules: kNotFound if `file` does not exist.
Result<RuleSet> ParseRules(std::string_view toml_text, const std::filesystem::path& base_dir,
                           const RuleSet* default_rules = nullptr);
Result<RuleSet> LoadRules(const std::filesystem::path& file,
                          const RuleSet* default_rules = nullptr);

// Custody's built-in rules (the TOML text in src/dlp/builtin_rules.cc): a compact set in the same
// format, written for this project (cloud keys, AI-provider keys, VCS tokens, chat and payment
// tokens, private keys, JWTs, generic assignments). Deployments that want gitleaks' full default
// set point `dlp.rules` at their copy of gitleaks' config/gitleaks.toml, which loads unchanged.
// Parsed once, on first use (thread-safe); src/dlp/README.md lists the rules.
const RuleSet& BuiltinRules();
// The TOML text BuiltinRules() parses, for tools that write it out or extend it.
std::string_view BuiltinRulesToml();

}  // namespace custody::dlp
