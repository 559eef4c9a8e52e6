// RegexSampler: every sample it generates is matched by RE2 (in full, and inside a text), for
// hand-written patterns covering each supported construct, for every regex in gitleaks' default
// configuration (rules, paths, allowlists), and for random patterns RE2 accepts; generation is
// deterministic per seed, mixes characters for entropy, and malformed patterns are errors.
#include "dlp/tests/regex_sample.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <set>
#include <string>
#include <vector>

#include "dlp/rules.h"
#include "dlp/tests/test_util.h"

namespace custody::dlp::testing {
namespace {

RE2::Options QuietOptions() {
  RE2::Options o;
  o.set_log_errors(false);
  return o;
}

// The text a sample is embedded in for the PartialMatch check: non-word neighbours, unless the
// sample is anchored to an edge of the input.
std::string InContext(const Sample& s) {
  return (s.anchored_start ? "" : "= ") + s.text + (s.anchored_end ? "" : " ;");
}

// Samples `pattern` with seeds [0, seeds) and checks each against RE2. Returns the distinct
// samples.
std::set<std::string> ExpectSamplesMatch(const std::string& pattern, int seeds,
                                         const SampleOptions& options = {}) {
  std::set<std::string> distinct;
  RE2 re(pattern, QuietOptions());
  EXPECT_TRUE(re.ok()) << pattern << ": " << re.error();
  if (!re.ok()) return distinct;
  auto sampler = RegexSampler::Parse(pattern);
  EXPECT_TRUE(sampler.ok()) << sampler.error().ToString();
  if (!sampler.ok()) return distinct;
  for (int seed = 0; seed < seeds; ++seed) {
    std::mt19937_64 rng(static_cast<uint64_t>(seed));
    auto sample = sampler->Generate(rng, options);
    EXPECT_TRUE(sample.ok()) << pattern << " seed " << seed << ": " << sample.error().ToString();
    if (!sample.ok()) continue;
    EXPECT_TRUE(RE2::FullMatch(sample->text, re))
        << "pattern " << pattern << "\nseed " << seed << "\nsample [" << sample->text << "]";
    EXPECT_TRUE(RE2::PartialMatch(InContext(*sample), re))
        << "pattern " << pattern << "\nseed " << seed << "\nin context [" << InContext(*sample)
        << "]";
    distinct.insert(sample->text);
  }
  return distinct;
}

TEST(RegexSamplerTest, SamplesOfEveryConstructMatchUnderRe2) {
  const std::vector<std::string> patterns = {
      // literals and escapes
      R"(abc)",
      R"(a\.b\/c\"d\-e)",
      R"(\x41\x{42}\x60)",
      R"(\t\n\r\f\v)",
      R"(\0101\12)",
      R"(\Qa.b*c\E+)",
      R"(caf\x{e9})",
      "caf\xc3\xa9+",
      // Perl classes and bracket classes
      R"(\d\D\w\W\s\S)",
      R"([a-z0-9_\-]{20})",
      R"([^a-z]{10})",
      R"([\w.-]{5,9})",
      R"([\w .-/]+)",
      R"([^]]+])",
      R"([]a]{4})",
      R"([\x60'"\s;])",
      R"([[:alnum:]]{14})",
      R"([[:^digit:]x]{6})",
      R"([+\-# 0]?[bcdeEfFgGoOpqstTUvxX])",
      R"([a-]{3}[-a]{3})",
      // dot and flags
      R"(.{10})",
      R"((?s:.){10})",
      R"((?s).{10})",
      R"((?i)abc[a-f]{8})",
      R"((?i:[a-z]{5})(?-i:[a-z]{5}))",
      R"(p8e-(?i)[a-z0-9]{32})",
      R"((?i)a(?-i)[a-z]{6})",
      R"((?is-m:x.y))",
      R"((?U)a+b*?)",
      R"((?)a)",
      // groups
      R"((ab)(?:cd)(?P<name>ef)(gh))",
      R"(((a|b)|(c|d)){3})",
      // alternation and quantifiers
      R"(cat|dog|bird)",
      R"(a*b+c?)",
      R"(a{3}b{2,}c{1,4})",
      R"(a*?b+?c??d{2,5}?)",
      R"((?:ab|cd)*ef)",
      R"(x{0})",
      R"((?:)a)",
      R"(a|)",
      R"({\d+}|\{x})",
      R"(a{,3})",
      // anchors and word boundaries
      R"(^abc$)",
      R"(\Aabc\z)",
      R"(\bword\b)",
      R"([a-z]{2}\B[a-z]{3}-\B-)",
      R"(\b[\w-]{8}\b)",
      R"((?:^|[\\'"\x60\s>=:(,)])([a-z]{3}\dQ~[a-z~.-]{31,34})(?:$|[\\'"\x60\s<),]))",
      R"((?m)^a$\n^b$)",
      R"((?:[\x60'"\s;]|\\[nr]|$))",
      R"(\b(AIza[\w-]{35})(?:[\x60'"\s;]|$))",
  };
  for (const std::string& p : patterns) {
    SCOPED_TRACE(p);
    ExpectSamplesMatch(p, 50);
  }
}

TEST(RegexSamplerTest, SameSeedSameSampleOtherSeedsDiffer) {
  auto sampler = RegexSampler::Parse(R"((?i)token\s*=\s*"[a-z0-9]{24}")");
  ASSERT_TRUE(sampler.ok()) << sampler.error().ToString();
  std::mt19937_64 a(42);
  std::mt19937_64 b(42);
  for (int i = 0; i < 20; ++i) {
    auto sa = sampler->Generate(a);
    auto sb = sampler->Generate(b);
    ASSERT_TRUE(sa.ok() && sb.ok());
    EXPECT_EQ(sa->text, sb->text);
  }
  std::set<std::string> distinct;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    std::mt19937_64 rng(seed);
    distinct.insert(sampler->Generate(rng)->text);
  }
  EXPECT_EQ(distinct.size(), 100u);
}

TEST(RegexSamplerTest, RandomRunsHaveTheHighestEntropyTheirClassAllows) {
  // 16 characters from a class of 36: all distinct, so exactly 4 bits per character.
  auto sampler = RegexSampler::Parse(R"([a-z0-9]{16})");
  ASSERT_TRUE(sampler.ok());
  for (uint64_t seed = 0; seed < 50; ++seed) {
    std::mt19937_64 rng(seed);
    auto s = sampler->Generate(rng);
    ASSERT_TRUE(s.ok());
    EXPECT_DOUBLE_EQ(ShannonEntropy(s->text), 4.0) << s->text;
  }
  // 64 hex digits: each of the 16 used exactly 4 times.
  auto hex = RegexSampler::Parse(R"([a-f0-9]{64})");
  ASSERT_TRUE(hex.ok());
  std::mt19937_64 rng(7);
  EXPECT_DOUBLE_EQ(ShannonEntropy(hex->Generate(rng)->text), 4.0);
}

TEST(RegexSamplerTest, RepeatCountsFollowTheOptions) {
  SampleOptions options;
  options.unbounded_extra = 5;
  options.lazy_extra = 2;
  struct Case {
    std::string pattern;
    size_t min;
    size_t max;
  };
  const std::vector<Case> cases = {
      {"a*", 0, 5},       {"a+", 1, 6},       {"a{3,}", 3, 8},
      {"a{2,40}?", 2, 4}, {"a{2,40}", 2, 40}, {"a{7}", 7, 7},
  };
  for (const Case& c : cases) {
    auto sampler = RegexSampler::Parse(c.pattern);
    ASSERT_TRUE(sampler.ok()) << c.pattern;
    std::set<size_t> lengths;
    for (uint64_t seed = 0; seed < 300; ++seed) {
      std::mt19937_64 rng(seed);
      auto s = sampler->Generate(rng, options);
      ASSERT_TRUE(s.ok());
      EXPECT_GE(s->text.size(), c.min) << c.pattern;
      EXPECT_LE(s->text.size(), c.max) << c.pattern;
      lengths.insert(s->text.size());
    }
    // Every count in range is drawn.
    EXPECT_EQ(lengths.size(), c.max - c.min + 1) << c.pattern;
  }
}

TEST(RegexSamplerTest, SamplesStayOnOneLineUnlessTheRegexNeedsANewline) {
  auto sampler = RegexSampler::Parse(R"(\s{40}[^a]{40}(?s:.){40})");
  ASSERT_TRUE(sampler.ok());
  auto newline = RegexSampler::Parse(R"(a[\r\n]b)");
  ASSERT_TRUE(newline.ok());
  for (uint64_t seed = 0; seed < 50; ++seed) {
    std::mt19937_64 rng(seed);
    auto s = sampler->Generate(rng);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->text.find_first_of("\r\n\f\v"), std::string::npos) << s->text;
    auto n = newline->Generate(rng);
    ASSERT_TRUE(n.ok());
    EXPECT_TRUE(n->text == "a\nb" || n->text == "a\rb") << n->text;
  }
  SampleOptions multi_line;
  multi_line.single_line = false;
  std::mt19937_64 rng(1);
  auto s = sampler->Generate(rng, multi_line);
  ASSERT_TRUE(s.ok());
  EXPECT_NE(s->text.find_first_of("\r\n\f"), std::string::npos);
}

TEST(RegexSamplerTest, AnchorsAreAvoidedWhenABranchAllowsAndReportedWhenUsed) {
  auto optional_end = RegexSampler::Parse(R"(key[a-z]{4}(?:;|$))");
  auto forced = RegexSampler::Parse(R"(^key[a-z]{4}$)");
  ASSERT_TRUE(optional_end.ok() && forced.ok());
  for (uint64_t seed = 0; seed < 50; ++seed) {
    std::mt19937_64 rng(seed);
    auto s = optional_end->Generate(rng);
    ASSERT_TRUE(s.ok());
    EXPECT_FALSE(s->anchored_start || s->anchored_end);
    EXPECT_EQ(s->text.back(), ';');
    auto f = forced->Generate(rng);
    ASSERT_TRUE(f.ok());
    EXPECT_TRUE(f->anchored_start && f->anchored_end);
  }
}

TEST(RegexSamplerTest, WordBoundariesAreSatisfiedByTheDrawnCharacters) {
  // After [\w-], \b needs a word character last when a non-word one follows.
  auto sampler = RegexSampler::Parse(R"(=[\w-]{3}\b[-.]{2}\B[-.])");
  ASSERT_TRUE(sampler.ok());
  RE2 re(sampler->pattern());
  for (uint64_t seed = 0; seed < 200; ++seed) {
    std::mt19937_64 rng(seed);
    auto s = sampler->Generate(rng);
    ASSERT_TRUE(s.ok());
    EXPECT_NE(s->text[3], '-') << s->text;
    EXPECT_TRUE(RE2::FullMatch(s->text, re)) << s->text;
  }
}

TEST(RegexSamplerTest, UnsatisfiableAssertionsAreErrors) {
  SampleOptions options;
  options.max_attempts = 20;
  for (const char* p : {R"(a\bb)", R"(x^)", R"($x)", R"(\Ba)", R"(a\z\n)"}) {
    auto sampler = RegexSampler::Parse(p);
    ASSERT_TRUE(sampler.ok()) << p;
    std::mt19937_64 rng(1);
    auto s = sampler->Generate(rng, options);
    EXPECT_FALSE(s.ok()) << p << " gave " << s->text;
  }
}

TEST(RegexSamplerTest, MalformedPatternsAreErrorsAsInRe2) {
  for (const char* p :
       {"(",           ")",   "a)",     "(a",      "[a",   "[z-a]", "a{2,1}",    "a{1001}",
        "\\",          "a**", "*a",     "+",       "a|*",  "(?=a)", "(?!a)",     "(?<=a)",
        "(?<!a)",      "\\1", "(a)\\1", "(?P<>a)", "(?x)", "(?i",   "[[:foo:]]", "\\xZZ",
        "\\x{110000}", "\\8", "(?i-)",  "(?-)",    "\\Z",  "\\q"}) {
    auto sampler = RegexSampler::Parse(p);
    EXPECT_FALSE(sampler.ok()) << p;
    RE2 re(p, QuietOptions());
    EXPECT_FALSE(re.ok()) << p << " (RE2 accepts it)";
  }
  // RE2 accepts Unicode classes; the sampler does not generate them and says so. (?<name>) is
  // accepted by newer RE2 releases only.
  EXPECT_FALSE(RegexSampler::Parse(R"(\p{L}+)").ok());
  EXPECT_FALSE(RegexSampler::Parse(R"((?<name>a))").ok());
  // Deep nesting is refused rather than recursing without bound.
  EXPECT_FALSE(RegexSampler::Parse(std::string(5000, '(') + std::string(5000, ')')).ok());
}

TEST(RegexSamplerTest, HugeNestedRepeatsFailInsteadOfExhaustingMemory) {
  auto sampler = RegexSampler::Parse("((a{1000}){1000}){1000}");
  ASSERT_TRUE(sampler.ok());
  SampleOptions options;
  options.max_attempts = 2;
  options.max_length = 10000;
  std::mt19937_64 rng(3);
  EXPECT_FALSE(sampler->Generate(rng, options).ok());
}

// Random patterns over the regex alphabet: the parser never crashes, and whatever it accepts that
// RE2 also accepts is sampled correctly. Patterns RE2 rejects must be rejected too.
TEST(RegexSamplerTest, RandomPatternsAgreeWithRe2) {
  const std::string alphabet = R"(()[]{}|*+?\^$.-,:aZ09_ <>P=!ibswdBzAx12)";
  std::mt19937_64 rng(20240601);
  SampleOptions options;
  options.max_attempts = 50;
  options.max_length = 4096;
  int accepted = 0;
  int sampled = 0;
  for (int i = 0; i < 30000; ++i) {
    std::string p;
    size_t len = 1 + UniformBelow(rng, 16);
    for (size_t k = 0; k < len; ++k) p.push_back(alphabet[UniformBelow(rng, alphabet.size())]);
    auto sampler = RegexSampler::Parse(p);
    RE2 re(p, QuietOptions());
    if (!sampler.ok()) continue;
    EXPECT_TRUE(re.ok()) << "sampler accepts what RE2 rejects: " << p << " (" << re.error() << ")";
    if (!re.ok()) continue;
    ++accepted;
    auto s = sampler->Generate(rng, options);
    if (!s.ok()) continue;  // unsatisfiable assertions such as a\bb
    ++sampled;
    EXPECT_TRUE(RE2::FullMatch(s->text, re)) << "pattern [" << p << "] sample [" << s->text << "]";
  }
  EXPECT_GT(accepted, 3000);
  EXPECT_GT(sampled, 2000);
}

// Every regex in gitleaks' default configuration: rule regexes and paths, rule allowlist regexes
// and paths, the global allowlist's regexes and paths.
TEST(RegexSamplerTest, SamplesOfEveryGitleaksRegexMatchUnderRe2) {
  const auto path = DlpFixtures() / "config" / "gitleaks.toml";
  CUSTODY_DLP_REQUIRE_PATH(path);
  auto rules = LoadRules(path);
  ASSERT_TRUE(rules.ok()) << rules.error().ToString();
  std::vector<std::string> patterns;
  size_t rule_regexes = 0;
  for (const Rule& r : rules->rules) {
    if (!r.regex.empty()) {
      patterns.push_back(r.regex);
      ++rule_regexes;
    }
    if (!r.path.empty()) patterns.push_back(r.path);
    for (const Allowlist& a : r.allowlists) {
      patterns.insert(patterns.end(), a.regexes.begin(), a.regexes.end());
      patterns.insert(patterns.end(), a.paths.begin(), a.paths.end());
    }
  }
  for (const Allowlist& a : rules->allowlists) {
    patterns.insert(patterns.end(), a.regexes.begin(), a.regexes.end());
    patterns.insert(patterns.end(), a.paths.begin(), a.paths.end());
  }
  EXPECT_EQ(rule_regexes, 221u);
  EXPECT_EQ(patterns.size(), 306u);  // notes/governance.md §4.2
  size_t varied = 0;
  for (const std::string& p : patterns) {
    SCOPED_TRACE(p);
    if (ExpectSamplesMatch(p, 20).size() > 1) ++varied;
  }
  // All but the literal allowlist entries (gcp-api-key's 16 example keys and a few fixed
  // strings) produce different samples for different seeds.
  EXPECT_GT(varied, 260u);
}

TEST(ShannonEntropyTest, MatchesGitleaksDefinition) {
  EXPECT_DOUBLE_EQ(ShannonEntropy(""), 0.0);
  EXPECT_DOUBLE_EQ(ShannonEntropy("aaaa"), 0.0);
  EXPECT_DOUBLE_EQ(ShannonEntropy("ab"), 1.0);
  EXPECT_DOUBLE_EQ(ShannonEntropy("abcd"), 2.0);
  EXPECT_NEAR(ShannonEntropy("aab"), 0.9182958340544896, 1e-12);
}

TEST(UniformBelowTest, CoversTheRangeAndIsDeterministic) {
  std::mt19937_64 a(5);
  std::mt19937_64 b(5);
  std::set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    uint64_t x = UniformBelow(a, 7);
    EXPECT_EQ(x, UniformBelow(b, 7));
    EXPECT_LT(x, 7u);
    seen.insert(x);
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(UniformBelow(a, 1), 0u);
}

}  // namespace
}  // namespace custody::dlp::testing
