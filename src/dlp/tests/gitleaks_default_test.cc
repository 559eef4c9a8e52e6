// Conformance with gitleaks' default configuration (the fixture's config/gitleaks.toml, 222
// rules), rule by rule:
//   * every rule is reported on a synthetic true positive generated from its own regex
//     (RegexSampler), where "true positive" is decided by GitleaksOracle: a keyword occurs, the
//     secret's entropy is above the threshold, no allowlist applies;
//   * every rule allowlist (regexes on the secret, the match or the line, stopwords, paths, the
//     AND-condition one) suppresses an input built to hit it, while the same input without the
//     allowlisted part is reported; likewise every entry of the global allowlist.
// No secret is stored here: all of them are generated from the rules at run time.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "dlp/rules.h"
#include "dlp/scanner.h"
#include "dlp/tests/regex_sample.h"
#include "dlp/tests/test_util.h"

namespace custody::dlp::testing {
namespace {

constexpr int kMaxAttempts = 400;  // seeds tried per rule for a true positive

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

class GitleaksDefaultTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto path = DlpFixtures() / "config" / "gitleaks.toml";
    if (!std::filesystem::exists(path)) return;
    auto rules = LoadRules(path);
    ASSERT_TRUE(rules.ok()) << rules.error().ToString();
    rules_ = std::make_unique<RuleSet>(std::move(*rules));
    auto oracle = GitleaksOracle::Create(*rules_);
    ASSERT_TRUE(oracle.ok()) << oracle.error().ToString();
    oracle_ = std::move(*oracle);
    auto scanner = Scanner::Create(*rules_, SecretsOnly());
    ASSERT_TRUE(scanner.ok()) << scanner.error().ToString();
    scanner_ = std::move(*scanner);
  }
  static void TearDownTestSuite() {
    scanner_.reset();
    oracle_.reset();
    rules_.reset();
  }

  void SetUp() override {
    const std::filesystem::path path = DlpFixtures() / "config" / "gitleaks.toml";
    CUSTODY_DLP_REQUIRE_PATH(path);
    ASSERT_NE(scanner_, nullptr);
  }

  static ScannerOptions SecretsOnly() {
    ScannerOptions o;
    o.secrets = true;
    o.pii = false;
    o.max_findings = 100000;
    return o;
  }

  static const Rule& RuleAt(size_t i) { return rules_->rules[i]; }
  static size_t IndexOf(std::string_view id) {
    auto i = oracle_->RuleIndex(id);
    EXPECT_TRUE(i.has_value()) << id;
    return i.value_or(0);
  }

  // The findings of `rule_id` when `scanner` scans `text` as `path`.
  static std::vector<Finding> FindingsOf(const Scanner& scanner, std::string_view rule_id,
                                         std::string_view text, std::string_view path) {
    auto result = scanner.Scan(text, path);
    EXPECT_TRUE(result.ok()) << result.error().ToString();
    std::vector<Finding> out;
    if (!result.ok()) return out;
    for (const Finding& f : result->findings) {
      if (f.rule_id == rule_id) out.push_back(f);
    }
    return out;
  }

  // A sample of `pattern` for seed `seed`, or nullopt.
  static std::optional<Sample> SampleOf(const std::string& pattern, uint64_t seed) {
    auto sampler = RegexSampler::Parse(pattern);
    EXPECT_TRUE(sampler.ok()) << sampler.error().ToString();
    if (!sampler.ok()) return std::nullopt;
    std::mt19937_64 rng(seed);
    auto sample = sampler->Generate(rng);
    EXPECT_TRUE(sample.ok()) << sample.error().ToString();
    if (!sample.ok()) return std::nullopt;
    return *sample;
  }

  // A path matching `path_regex`.
  static std::optional<std::string> PathFor(const std::string& path_regex, uint64_t seed) {
    return SamplePath(path_regex, seed);
  }

  // A true positive of the rule; `salt` selects another sequence of seeds.
  static std::optional<TruePositive> MakeTruePositive(size_t rule_index, uint64_t salt = 0) {
    TruePositiveOptions options;
    options.max_attempts = kMaxAttempts;
    return testing::MakeTruePositive(*oracle_, rule_index,
                                     Fnv1a(RuleAt(rule_index).id) + salt * 0x51ed27ull, options);
  }

  static std::unique_ptr<RuleSet> rules_;
  static std::unique_ptr<GitleaksOracle> oracle_;
  static std::unique_ptr<Scanner> scanner_;
};

std::unique_ptr<RuleSet> GitleaksDefaultTest::rules_;
std::unique_ptr<GitleaksOracle> GitleaksDefaultTest::oracle_;
std::unique_ptr<Scanner> GitleaksDefaultTest::scanner_;

TEST_F(GitleaksDefaultTest, LoadsAll222Rules) {
  EXPECT_EQ(rules_->rules.size(), 222u);
  EXPECT_EQ(scanner_->rule_count(), 222u);
  size_t path_only = 0;
  size_t with_allowlists = 0;
  size_t allowlists = 0;
  for (const Rule& r : rules_->rules) {
    if (r.regex.empty()) ++path_only;
    if (!r.allowlists.empty()) ++with_allowlists;
    allowlists += r.allowlists.size();
  }
  EXPECT_EQ(path_only, 1u);        // pkcs12-file
  EXPECT_EQ(with_allowlists, 9u);  // notes/governance.md §4.1
  EXPECT_EQ(allowlists, 13u);
  ASSERT_EQ(rules_->allowlists.size(), 1u);
  EXPECT_EQ(rules_->allowlists[0].paths.size(), 25u);
  EXPECT_EQ(rules_->allowlists[0].regexes.size(), 13u);
  EXPECT_EQ(rules_->allowlists[0].stopwords.size(), 2u);
}

// Every rule, on a true positive generated from its own regex: the scanner reports the rule, and
// reports the secret gitleaks would extract (same byte range).
TEST_F(GitleaksDefaultTest, EveryRuleIsReportedOnASyntheticTruePositive) {
  int max_attempts = 0;
  std::string hardest;
  long total_attempts = 0;
  size_t reported = 0;
  for (size_t i = 0; i < rules_->rules.size(); ++i) {
    const Rule& rule = RuleAt(i);
    SCOPED_TRACE("rule " + rule.id);
    std::optional<TruePositive> tp = MakeTruePositive(i);
    // Every default rule can be satisfied: the sampler draws high-entropy secrets and the
    // keyword is added when the regex does not contain one.
    ASSERT_TRUE(tp.has_value()) << "no true positive for " << rule.id << " in " << kMaxAttempts
                                << " attempts";
    total_attempts += tp->attempts;
    if (tp->attempts > max_attempts) {
      max_attempts = tp->attempts;
      hardest = rule.id;
    }
    std::vector<Finding> found = FindingsOf(*scanner_, rule.id, tp->text, tp->path);
    EXPECT_FALSE(found.empty()) << "rule " << rule.id << " not reported\ntext: [" << tp->text
                                << "]\npath: [" << tp->path << "]"
                                << (tp->match ? "\nsecret: [" + tp->match->secret + "]" : "");
    if (found.empty()) continue;
    ++reported;
    if (tp->match) {
      const OracleMatch& m = *tp->match;
      bool same_range = std::any_of(found.begin(), found.end(), [&](const Finding& f) {
        return f.offset == m.secret_begin && f.length == m.secret_end - m.secret_begin;
      });
      EXPECT_TRUE(same_range) << "rule " << rule.id << ": secret at [" << m.secret_begin << ", "
                              << m.secret_end << ") not reported as such; first finding at ["
                              << found[0].offset << ", " << found[0].offset + found[0].length
                              << ")\ntext: [" << tp->text << "]";
      EXPECT_EQ(found[0].kind, FindingKind::kSecret);
    }
  }
  EXPECT_EQ(reported, 222u);
  std::cout << "[ gitleaks ] true positives for " << rules_->rules.size()
            << " rules; attempts: max " << max_attempts << " (" << hardest << "), mean "
            << static_cast<double>(total_attempts) / static_cast<double>(rules_->rules.size())
            << "\n";
  RecordProperty("max_attempts", max_attempts);
}

// Candidate edits that put `piece` into a true positive where an allowlist of the given target
// looks: into or over the secret, the match, or the line.
std::vector<std::string> EditsPlacing(const TruePositive& tp, std::string_view piece,
                                      RegexTarget target) {
  const OracleMatch& m = *tp.match;
  const std::string& t = tp.text;
  std::vector<std::string> out;
  auto insert_at = [&](size_t pos) {
    out.push_back(t.substr(0, pos) + std::string(piece) + t.substr(pos));
  };
  auto replace = [&](size_t begin, size_t end) {
    out.push_back(t.substr(0, begin) + std::string(piece) + t.substr(end));
  };
  const size_t sb = m.secret_begin;
  const size_t se = m.secret_end;
  const size_t mid = sb + (se - sb) / 2;
  replace(sb, se);
  insert_at(mid);
  if (se - sb > piece.size()) {
    const size_t centred = std::max(sb, mid - std::min(mid, piece.size() / 2));
    replace(centred, centred + piece.size());
    replace(sb, sb + piece.size());
    replace(se - piece.size(), se);
  }
  insert_at(sb);
  insert_at(se);
  if (target != RegexTarget::kSecret) {
    insert_at(m.match_begin);
    insert_at(m.match_end);
    out.push_back(std::string(piece) + "\n" + t);
  }
  if (target == RegexTarget::kLine) {
    size_t line_begin = 0;
    if (m.match_begin > 0) {
      size_t nl = t.rfind('\n', m.match_begin - 1);
      if (nl != std::string::npos) line_begin = nl + 1;
    }
    insert_at(line_begin);
    out.push_back(t.substr(0, line_begin) + std::string(piece) + " " + t.substr(line_begin));
    size_t line_end = t.find('\n', m.match_end);
    if (line_end == std::string::npos) line_end = t.size();
    out.push_back(t.substr(0, line_end) + " " + std::string(piece) + t.substr(line_end));
  }
  return out;
}

// Gitleaks would report `text` but for allowlist `ref`: nothing of the rule is reported, and some
// match of it is allowed by exactly that allowlist (so without it the match would be reported);
// with `exclusive` false, by that allowlist and possibly others.
// `in_secret`: the suppressed match's secret must contain it (case-insensitively).
bool SuppressedBy(const GitleaksOracle& oracle, size_t rule_index, const AllowlistRef& ref,
                  const std::string& text, const std::string& path, bool exclusive = true,
                  std::string_view in_secret = {}) {
  OracleResult r = oracle.Evaluate(rule_index, text, path);
  if (r.reported()) return false;
  if (r.path_allowed_by) return *r.path_allowed_by == ref;
  for (const OracleMatch& m : r.matches) {
    if (!m.entropy_ok) continue;
    if (Lower(m.secret).find(Lower(in_secret)) == std::string::npos) continue;
    if (exclusive
            ? (m.allowed_by.size() == 1 && m.allowed_by[0] == ref)
            : std::find(m.allowed_by.begin(), m.allowed_by.end(), ref) != m.allowed_by.end()) {
      return true;
    }
  }
  return false;
}
bool SuppressedOnlyBy(const GitleaksOracle& oracle, size_t rule_index, const AllowlistRef& ref,
                      const std::string& text, const std::string& path) {
  return SuppressedBy(oracle, rule_index, ref, text, path, true);
}

struct AllowlistCase {
  std::string what;       // e.g. "regex 3", "stopword 'about'", "path 1"
  bool exclusive = true;  // no other allowlist applies to the suppressed input
  std::string text;
  std::string path;
  std::string baseline_text;  // the same input without the allowlisted part
  std::string baseline_path;
};

// Builds one suppressed input for a piece (a regex sample or a stopword) of allowlist `ref` of
// rule `rule_index`, from true positives of the rule.
std::optional<AllowlistCase> FindCase(const GitleaksOracle& oracle, size_t rule_index,
                                      const AllowlistRef& ref, RegexTarget target,
                                      const std::vector<TruePositive>& positives,
                                      const std::vector<std::string>& pieces,
                                      const std::string& path_override,
                                      bool piece_in_secret = false) {
  // Preferably an input only this allowlist suppresses; failing that (an entry that overlaps
  // another allowlist, such as gcp-api-key's example key containing the global stopword
  // "abcdefghijklmnopqrstuvwxyz"), one it suppresses together with others.
  for (bool exclusive : {true, false}) {
    for (const TruePositive& tp : positives) {
      if (!tp.match) continue;
      for (const std::string& piece : pieces) {
        for (const std::string& text : EditsPlacing(tp, piece, target)) {
          const std::string path = path_override.empty() ? tp.path : path_override;
          if (SuppressedBy(oracle, rule_index, ref, text, path, exclusive,
                           piece_in_secret ? std::string_view(piece) : std::string_view())) {
            return AllowlistCase{"", exclusive, text, path, tp.text, tp.path};
          }
        }
      }
    }
  }
  return std::nullopt;
}

// Every rule-level allowlist, entry by entry: each regex (a sample of it placed in the secret,
// the match or the line, as the allowlist targets), each path, each stopword. The rule must not
// be reported on the suppressed input and must be reported on the same input without the
// allowlisted part.
TEST_F(GitleaksDefaultTest, EveryRuleRespectsItsAllowlists) {
  size_t cases = 0;
  size_t rules_checked = 0;
  for (size_t i = 0; i < rules_->rules.size(); ++i) {
    const Rule& rule = RuleAt(i);
    if (rule.allowlists.empty()) continue;
    ++rules_checked;
    SCOPED_TRACE("rule " + rule.id);
    std::vector<TruePositive> positives;
    for (uint64_t salt = 1; salt <= 6; ++salt) {
      if (auto tp = MakeTruePositive(i, salt)) positives.push_back(std::move(*tp));
    }
    ASSERT_FALSE(positives.empty());
    for (size_t a = 0; a < rule.allowlists.size(); ++a) {
      const Allowlist& list = rule.allowlists[a];
      const AllowlistRef ref{false, a};
      std::vector<AllowlistCase> found;
      const bool is_and = list.condition == Condition::kAnd;
      // With AND, a path of the allowlist is part of every case (checked separately below).
      std::string and_path;
      if (is_and && !list.paths.empty()) and_path = PathFor(list.paths[0], 11).value_or("");

      for (size_t k = 0; k < list.regexes.size(); ++k) {
        std::vector<std::string> pieces;
        for (uint64_t seed = 0; seed < 24; ++seed) {
          if (auto s = SampleOf(list.regexes[k], seed * 7919 + k)) pieces.push_back(s->text);
        }
        auto c = FindCase(*oracle_, i, ref, list.regex_target, positives, pieces, and_path);
        ASSERT_TRUE(c.has_value()) << "allowlist " << a << " regex " << k << " (" << list.regexes[k]
                                   << "): no suppressed input found";
        c->what = "regex " + std::to_string(k) + " " + list.regexes[k];
        found.push_back(std::move(*c));
      }
      if (!is_and) {
        for (size_t k = 0; k < list.paths.size(); ++k) {
          auto path = PathFor(list.paths[k], k + 1);
          ASSERT_TRUE(path.has_value());
          const TruePositive& tp = positives[0];
          ASSERT_TRUE(SuppressedOnlyBy(*oracle_, i, ref, tp.text, *path)) << *path;
          found.push_back(
              AllowlistCase{"path " + list.paths[k], true, tp.text, *path, tp.text, tp.path});
        }
      }
      // Stopwords: each one inside a secret. Those the rule's secret cannot contain are counted
      // and checked below.
      std::vector<std::string> unplaceable;
      for (const std::string& word : list.stopwords) {
        auto c = FindCase(*oracle_, i, ref, RegexTarget::kSecret, positives, {word}, and_path,
                          /*piece_in_secret=*/true);
        if (!c) {
          unplaceable.push_back(word);
          continue;
        }
        c->what = "stopword '" + word + "'";
        found.push_back(std::move(*c));
      }
      if (!unplaceable.empty()) {
        // generic-api-key's secret is [\w.=-]{10,150} or [a-z0-9][a-z0-9+/]{11,}={0,3}: stopwords
        // with other characters ("don't", "conway'") can never be inside it.
        EXPECT_EQ(rule.id, "generic-api-key");
        for (const std::string& w : unplaceable) {
          EXPECT_NE(w.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.=-+/"),
                    std::string::npos)
              << "stopword '" << w << "' could be in a secret but no case was found";
        }
      }
      for (const AllowlistCase& c : found) {
        SCOPED_TRACE("allowlist " + std::to_string(a) + " " + c.what);
        ++cases;
        if (!c.exclusive) {
          std::cout << "[ gitleaks ] " << rule.id << " allowlist " << a << " " << c.what
                    << ": every input it suppresses is also suppressed by another allowlist\n";
        }
        EXPECT_TRUE(FindingsOf(*scanner_, rule.id, c.text, c.path).empty())
            << "reported although allowlisted\ntext: [" << c.text << "]\npath: [" << c.path << "]";
        EXPECT_FALSE(FindingsOf(*scanner_, rule.id, c.baseline_text, c.baseline_path).empty())
            << "baseline not reported\ntext: [" << c.baseline_text << "]";
        if (is_and && !list.paths.empty()) {
          // AND: the line regex alone (no matching path) does not suppress.
          ASSERT_TRUE(oracle_->Evaluate(i, c.text, "").reported()) << c.text;
          EXPECT_FALSE(FindingsOf(*scanner_, rule.id, c.text, "").empty())
              << "AND allowlist applied without its path\ntext: [" << c.text << "]";
          // ... and the path alone does not either.
          ASSERT_TRUE(oracle_->Evaluate(i, c.baseline_text, c.path).reported());
          EXPECT_FALSE(FindingsOf(*scanner_, rule.id, c.baseline_text, c.path).empty())
              << "AND allowlist applied without its regex\npath: [" << c.path << "]";
        }
      }
      std::cout << "[ gitleaks ] " << rule.id << " allowlist " << a << ": " << found.size()
                << " suppressed inputs"
                << (unplaceable.empty() ? std::string()
                                        : " (" + std::to_string(unplaceable.size()) +
                                              " stopwords cannot occur in its secret)")
                << "\n";
    }
  }
  EXPECT_EQ(rules_checked, 9u);
  EXPECT_GT(cases, 1000u);  // generic-api-key alone has ~1,500 stopwords
}

// The global allowlist. Paths: a true positive of a simple rule scanned under each path is not
// reported. Regexes and stopwords target the secret; a probe rule whose secret is any quoted
// string (added to the default set) isolates them from the rules' own patterns, entropy
// thresholds and allowlists.
TEST_F(GitleaksDefaultTest, GlobalAllowlistSuppressesPathsRegexesAndStopwords) {
  const Allowlist& global = rules_->allowlists.at(0);
  const AllowlistRef ref{true, 0};
  const size_t pat = IndexOf("github-pat");
  std::optional<TruePositive> tp = MakeTruePositive(pat);
  ASSERT_TRUE(tp.has_value());
  ASSERT_FALSE(FindingsOf(*scanner_, "github-pat", tp->text, "src/main.go").empty());
  for (size_t k = 0; k < global.paths.size(); ++k) {
    SCOPED_TRACE("global path " + global.paths[k]);
    for (uint64_t seed = 0; seed < 3; ++seed) {
      auto path = PathFor(global.paths[k], seed * 31 + k);
      ASSERT_TRUE(path.has_value());
      ASSERT_TRUE(SuppressedOnlyBy(*oracle_, pat, ref, tp->text, *path)) << *path;
      EXPECT_TRUE(FindingsOf(*scanner_, "github-pat", tp->text, *path).empty())
          << "reported under globally allowed path [" << *path << "]";
    }
  }

  RuleSet with_probe = *rules_;
  Rule probe;
  probe.id = "custody-probe";
  probe.description = "test probe: any quoted value of custody_probe";
  probe.regex = R"re(custody_probe = "([^"\n]+)")re";
  probe.keywords = {"custody_probe"};
  with_probe.rules.push_back(probe);
  auto probe_oracle = GitleaksOracle::Create(with_probe);
  ASSERT_TRUE(probe_oracle.ok());
  auto probe_scanner = Scanner::Create(with_probe, SecretsOnly());
  ASSERT_TRUE(probe_scanner.ok()) << probe_scanner.error().ToString();
  const size_t probe_index = with_probe.rules.size() - 1;
  auto probe_text = [](std::string_view value) {
    return "custody_probe = \"" + std::string(value) + "\"\n";
  };
  const std::string baseline = probe_text("Zq8vK2mW9xLr4TbN");
  ASSERT_TRUE((*probe_oracle)->Evaluate(probe_index, baseline, "").reported());
  ASSERT_FALSE(FindingsOf(**probe_scanner, "custody-probe", baseline, "").empty());

  for (size_t k = 0; k < global.regexes.size(); ++k) {
    SCOPED_TRACE("global regex " + global.regexes[k]);
    int checked = 0;
    for (uint64_t seed = 0; seed < 40 && checked < 3; ++seed) {
      auto s = SampleOf(global.regexes[k], seed * 131 + k);
      ASSERT_TRUE(s.has_value());
      if (s->text.empty() || s->text.find_first_of("\"\n") != std::string::npos) continue;
      const std::string text = probe_text(s->text);
      ASSERT_TRUE(SuppressedOnlyBy(**probe_oracle, probe_index, ref, text, "")) << text;
      EXPECT_TRUE(FindingsOf(**probe_scanner, "custody-probe", text, "").empty())
          << "reported although the secret matches the global allowlist: [" << text << "]";
      ++checked;
    }
    EXPECT_EQ(checked, 3);
  }
  for (const std::string& word : global.stopwords) {
    SCOPED_TRACE("global stopword " + word);
    const std::string text = probe_text("Zq8v" + word + "K2mW");
    ASSERT_TRUE(SuppressedOnlyBy(**probe_oracle, probe_index, ref, text, "")) << text;
    EXPECT_TRUE(FindingsOf(**probe_scanner, "custody-probe", text, "").empty()) << text;
    // Stopwords match case-insensitively.
    const std::string upper = probe_text("Zq8v" + [&] {
      std::string u = word;
      for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return u;
    }() + "K2mW");
    ASSERT_TRUE(SuppressedOnlyBy(**probe_oracle, probe_index, ref, upper, "")) << upper;
    EXPECT_TRUE(FindingsOf(**probe_scanner, "custody-probe", upper, "").empty()) << upper;
  }
}

// Rules with a `path` are reported only on matching paths (and the path-only rule on the path
// alone).
TEST_F(GitleaksDefaultTest, PathRulesNeedTheirPath) {
  size_t checked = 0;
  for (size_t i = 0; i < rules_->rules.size(); ++i) {
    const Rule& rule = RuleAt(i);
    if (rule.path.empty()) continue;
    SCOPED_TRACE("rule " + rule.id);
    std::optional<TruePositive> tp = MakeTruePositive(i);
    ASSERT_TRUE(tp.has_value());
    ASSERT_FALSE(oracle_->Evaluate(i, tp->text, "notes/readme.txt").reported());
    EXPECT_TRUE(FindingsOf(*scanner_, rule.id, tp->text, "notes/readme.txt").empty());
    EXPECT_TRUE(FindingsOf(*scanner_, rule.id, tp->text, "").empty());
    EXPECT_FALSE(FindingsOf(*scanner_, rule.id, tp->text, tp->path).empty()) << tp->path;
    ++checked;
  }
  EXPECT_EQ(checked, 5u);
}

}  // namespace
}  // namespace custody::dlp::testing
