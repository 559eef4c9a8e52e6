// The scanner: gitleaks' detection semantics, each with a small rule set written here; PII and
// dictionaries; the output contract (redaction, fingerprints, order, limits); stream mode giving
// the same findings as block mode; gitleaks' full default set; hostile input.
#include "dlp/scanner.h"

#include <gtest/gtest.h>
#include <re2/re2.h>
#include <sodium.h>

#include <map>
#include <random>
#include <set>
#include <thread>

#include "base/encoding.h"
#include "dlp/tests/test_util.h"

namespace custody::dlp {
namespace {

// Deterministic random strings for tokens (never real credentials).
class TokenGen {
 public:
  explicit TokenGen(uint32_t seed) : rng_(seed) {}
  std::string Chars(std::string_view alphabet, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out.push_back(alphabet[rng_() % alphabet.size()]);
    return out;
  }
  std::string Alnum(size_t n) {
    return Chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", n);
  }
  std::string Hex(size_t n) { return Chars("0123456789abcdef", n); }
  std::string Upper32(size_t n) { return Chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", n); }
  std::string B64(size_t n) {
    return Chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", n);
  }
  std::string Url(size_t n) {
    return Chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", n);
  }
  std::mt19937& rng() { return rng_; }

 private:
  std::mt19937 rng_;
};

RuleSet Rules(std::string_view toml) {
  auto r = ParseRules(toml, {});
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  return r.ok() ? std::move(r).value() : RuleSet{};
}

std::unique_ptr<Scanner> Make(const RuleSet& rules, ScannerOptions options = {}) {
  auto s = Scanner::Create(rules, std::move(options));
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

std::unique_ptr<Scanner> SecretsOnly(std::string_view toml) {
  ScannerOptions o;
  o.pii = false;
  return Make(Rules(toml), o);
}

std::vector<Finding> Scan(const Scanner& s, std::string_view text, std::string_view path = {}) {
  auto r = s.Scan(text, path);
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  return r.ok() ? r->findings : std::vector<Finding>{};
}

std::vector<std::string> Secrets(const std::vector<Finding>& fs, std::string_view text) {
  std::vector<std::string> out;
  for (const Finding& f : fs) out.emplace_back(text.substr(f.offset, f.length));
  return out;
}

std::vector<std::string> RuleIds(const std::vector<Finding>& fs) {
  std::vector<std::string> out;
  for (const Finding& f : fs) out.push_back(f.rule_id);
  return out;
}

using Strings = std::vector<std::string>;

// --- gitleaks semantics ---

TEST(ScannerSemanticsTest, KeywordsGateRulesCaseInsensitively) {
  auto s = SecretsOnly(R"toml(
[[rules]]
id = "tok"
regex = '''tok_[a-z0-9]{8}'''
keywords = ["Vendor"]
)toml");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(Scan(*s, "x = tok_a1b2c3d4").empty());
  EXPECT_EQ(Secrets(Scan(*s, "VENDOR config\nx = tok_a1b2c3d4"), "VENDOR config\nx = tok_a1b2c3d4"),
            Strings{"tok_a1b2c3d4"});
  // The keyword may come after the match.
  const std::string later = "x = tok_a1b2c3d4 # from vEnDoR";
  EXPECT_EQ(Secrets(Scan(*s, later), later), Strings{"tok_a1b2c3d4"});
}

// gitleaks gates each 100 kB fragment of a file by its keywords; Custody gates each match by the
// keywords within 100 kB of it (1 KiB granularity), so a keyword at one end of a large text does
// not enable its rule at the other. Both a rule with a literal (in the main database) and one
// without (bare 40-hex: scanned only near its keywords) behave so, in block and stream mode.
TEST(ScannerSemanticsTest, KeywordsGateMatchesWithinReach) {
  auto s = SecretsOnly(R"toml(
[[rules]]
id = "tok"
regex = '''tok_[a-z0-9]{8}'''
keywords = ["vendor"]

[[rules]]
id = "hex40"
regex = '''\b([a-f0-9]{40})\b'''
keywords = ["hexvendor"]
)toml");
  ASSERT_NE(s, nullptr);
  const std::string hex = "0123456789abcdef0123456789abcdef01234567";
  const auto filler = [](size_t bytes) {
    std::string out;
    while (out.size() < bytes) out += std::string(99, '.') + "\n";
    return out;
  };
  // vendor, hexvendor | 20 kB | A | 180 kB | B | 20 kB | vendor
  const std::string text = "vendor hexvendor\n" + filler(20'000) + "x = tok_aaaa0001 " + hex +
                           "\n" + filler(180'000) + "y = tok_bbbb0002 " + hex + "\n" +
                           filler(20'000) + "VENDOR\n";
  const auto block = Scan(*s, text);
  // A is near both keywords; B only near the trailing "vendor".
  EXPECT_EQ(RuleIds(block), (Strings{"tok", "hex40", "tok"}));
  EXPECT_EQ(Secrets(block, text), (Strings{"tok_aaaa0001", hex, "tok_bbbb0002"}));
  auto stream = s->OpenStream();
  for (size_t at = 0; at < text.size(); at += 4093) {
    ASSERT_TRUE(stream->Write(AsBytes(std::string_view(text).substr(at, 4093))).ok());
  }
  auto r = stream->Finish();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(RuleIds(r->findings), RuleIds(block));
  EXPECT_EQ(Secrets(r->findings, text), Secrets(block, text));
  // Without any keyword, nothing; a text shorter than the reach is one fragment.
  const std::string none = "x = tok_aaaa0001 " + hex + "\n" + filler(50'000);
  EXPECT_TRUE(Scan(*s, none).empty());
  const std::string small = none + "hexvendor";
  EXPECT_EQ(RuleIds(Scan(*s, small)), (Strings{"tok", "hex40"}));  // "hexvendor" holds "vendor"
}

TEST(ScannerSemanticsTest, EntropyMustExceedTheThreshold) {
  auto s = SecretsOnly(R"toml(
[[rules]]
id = "tok"
regex = '''tok_([a-z0-9]{12})'''
entropy = 3.0
)toml");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(Scan(*s, "tok_aaaaaaaaaaaa").empty());  // entropy 0
  EXPECT_TRUE(Scan(*s, "tok_abababababab").empty());  // entropy 1
  EXPECT_TRUE(Scan(*s, "tok_abcdefgaaaaa").empty());  // 7 symbols, skewed: < 3
  const auto f = Scan(*s, "tok_a1b2c3d4e5f6");        // 12 distinct: log2(12) = 3.58
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NEAR(f[0].entropy, std::log2(12.0), 1e-9);
}

TEST(ScannerSemanticsTest, SecretIsSecretGroupElseFirstNonEmptyGroupElseMatch) {
  const std::string text = "user=alice pass=Sup3rS3cret! end";
  {
    auto s = SecretsOnly(R"toml(
[[rules]]
id = "g2"
regex = '''user=(\w+) pass=(\S+)'''
secretGroup = 2
)toml");
    EXPECT_EQ(Secrets(Scan(*s, text), text), Strings{"Sup3rS3cret!"});
  }
  {
    auto s = SecretsOnly(R"toml(
[[rules]]
id = "first"
regex = '''(nomatch)?user=(\w+) pass=(\S+)'''
)toml");
    EXPECT_EQ(Secrets(Scan(*s, text), text), Strings{"alice"});
  }
  {
    auto s = SecretsOnly(R"toml(
[[rules]]
id = "whole"
regex = '''pass=\S+'''
)toml");
    const auto f = Scan(*s, text);
    EXPECT_EQ(Secrets(f, text), Strings{"pass=Sup3rS3cret!"});
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].line, 1u);
    EXPECT_EQ(f[0].column, 12u);
  }
}

TEST(ScannerSemanticsTest, MatchesAreLeftmostFirstAndNonOverlapping) {
  // Hyperscan reports every end offset; the findings are Go's FindAll matches.
  auto s = SecretsOnly(R"toml(
[[rules]]
id = "run"
regex = '''k[a-z]{3,6}'''
)toml");
  const std::string text = "kabcdefghij kxyz kab";
  EXPECT_EQ(Secrets(Scan(*s, text), text), (Strings{"kabcdef", "kxyz"}));
}

TEST(ScannerSemanticsTest, WordBoundariesAndAnchorsSeeTheWholeText) {
  auto s = SecretsOnly(R"toml(
[[rules]]
id = "b"
regex = '''\bKEY[0-9]{4}\b'''
[[rules]]
id = "start"
regex = '''^BEGIN[0-9]{3}'''
[[rules]]
id = "end"
regex = '''END[0-9]{3}$'''
)toml");
  const std::string text = "BEGIN123 xKEY1234 KEY5678 KEY99999 BEGIN456 END111 END222";
  EXPECT_EQ(Secrets(Scan(*s, text), text), (Strings{"BEGIN123", "KEY5678", "END222"}));
}

TEST(ScannerSemanticsTest, NewlinesAroundTheMatchAreTrimmed) {
  auto s = SecretsOnly(R"toml(
[[rules]]
id = "nl"
regex = '''\s*secret-[0-9]{4}\s*'''
)toml");
  const std::string text = "a\n\nsecret-1234\n\nb";
  EXPECT_EQ(Secrets(Scan(*s, text), text), Strings{"secret-1234"});
}

class AllowlistTest : public ::testing::Test {
 protected:
  // A rule `tok` (secret in group 1) plus the allowlist table given, then the findings' secrets.
  Strings Run(const std::string& allowlist, const std::string& text, std::string_view path = {}) {
    const std::string toml = R"toml(
[[rules]]
id = "tok"
regex = '''(?:token|TOKEN)\s*=\s*"([^"]+)"'''
)toml" + allowlist;
    auto s = SecretsOnly(toml);
    if (s == nullptr) return {"<no scanner>"};
    return Secrets(Scan(*s, text, path), text);
  }
};

TEST_F(AllowlistTest, RegexTargets) {
  const std::string text = "token = \"abc123\" # fixture\ntoken = \"zzz999\"";
  EXPECT_EQ(Run("[[rules.allowlists]]\nregexes = ['''^abc''']\n", text), Strings{"zzz999"});
  EXPECT_EQ(Run("[[rules.allowlists]]\nregexTarget = \"match\"\nregexes = ['''= \"z''']\n", text),
            Strings{"abc123"});
  EXPECT_EQ(
      Run("[[rules.allowlists]]\nregexTarget = \"line\"\nregexes = ['''# fixture''']\n", text),
      Strings{"zzz999"});
  // Secret-targeted regexes see only the secret, not the rest of the line.
  EXPECT_EQ(Run("[[rules.allowlists]]\nregexes = ['''fixture''']\n", text),
            (Strings{"abc123", "zzz999"}));
}

TEST_F(AllowlistTest, StopwordsAreCaseInsensitiveSubstringsOfTheSecret) {
  const std::string text = "token = \"myDUMMYvalue\"\ntoken = \"real-Value-42\"";
  EXPECT_EQ(Run("[[rules.allowlists]]\nstopwords = [\"Dummy\"]\n", text), Strings{"real-Value-42"});
  // A stopword elsewhere on the line does not count.
  EXPECT_EQ(Run("[[rules.allowlists]]\nstopwords = [\"token\"]\n", text),
            (Strings{"myDUMMYvalue", "real-Value-42"}));
}

TEST_F(AllowlistTest, PathsSkipTheObject) {
  const std::string text = "token = \"abc123\"";
  const std::string al = "[[rules.allowlists]]\npaths = ['''(?:^|/)test/''']\n";
  EXPECT_TRUE(Run(al, text, "src/test/a.py").empty());
  EXPECT_EQ(Run(al, text, "src/main.py"), Strings{"abc123"});
  EXPECT_EQ(Run(al, text), Strings{"abc123"});  // no path: path checks never allow
}

TEST_F(AllowlistTest, AndConditionNeedsEveryCheck) {
  const std::string text = "token = \"mock-1\"\ntoken = \"real-2\"";
  const std::string al =
      "[[rules.allowlists]]\ncondition = \"AND\"\npaths = ['''^node_modules/''']\n"
      "stopwords = [\"mock\"]\n";
  EXPECT_EQ(Run(al, text, "node_modules/x.js"), Strings{"real-2"});
  EXPECT_EQ(Run(al, text, "src/x.js"), (Strings{"mock-1", "real-2"}));
  // AND with a regex and a stopword: both must hold for the same finding.
  const std::string al2 =
      "[[rules.allowlists]]\ncondition = \"AND\"\nregexes = ['''-1$''']\nstopwords = [\"real\"]\n";
  EXPECT_EQ(Run(al2, text), (Strings{"mock-1", "real-2"}));
  const std::string al3 =
      "[[rules.allowlists]]\ncondition = \"AND\"\nregexes = ['''-2$''']\nstopwords = [\"real\"]\n";
  EXPECT_EQ(Run(al3, text), Strings{"mock-1"});
  // AND with commits never holds: Custody scans no commits.
  const std::string al4 =
      "[[rules.allowlists]]\ncondition = \"AND\"\ncommits = [\"abc\"]\nstopwords = [\"mock\"]\n";
  EXPECT_EQ(Run(al4, text), (Strings{"mock-1", "real-2"}));
}

TEST_F(AllowlistTest, GlobalAllowlistsAndTargetRules) {
  const std::string toml = R"toml(
[[rules]]
id = "a"
regex = '''a_[0-9]{4}'''
[[rules]]
id = "b"
regex = '''b_[0-9]{4}'''
[[allowlists]]
regexes = ['''_0000$''']
[[allowlists]]
targetRules = ["b"]
stopwords = ["_1111"]
[[allowlists]]
paths = ['''\.lock$''']
)toml";
  auto s = SecretsOnly(toml);
  ASSERT_NE(s, nullptr);
  const std::string text = "a_0000 b_0000 a_1111 b_1111 a_2222 b_2222";
  EXPECT_EQ(Secrets(Scan(*s, text), text), (Strings{"a_1111", "a_2222", "b_2222"}));
  EXPECT_TRUE(Scan(*s, text, "deps/yarn.lock").empty());
}

TEST(ScannerSemanticsTest, RulePathsRestrictAndPathOnlyRulesReportTheObject) {
  auto s = SecretsOnly(R"toml(
[[rules]]
id = "py-secret"
path = '''\.py$'''
regex = '''SECRET_[0-9]{4}'''
[[rules]]
id = "pem-file"
description = "Key file"
path = '''(?i)\.pem$'''
)toml");
  ASSERT_NE(s, nullptr);
  const std::string text = "SECRET_1234";
  EXPECT_TRUE(Scan(*s, text).empty());
  EXPECT_TRUE(Scan(*s, text, "a.js").empty());
  EXPECT_EQ(RuleIds(Scan(*s, text, "a.py")), Strings{"py-secret"});
  const auto f = Scan(*s, "anything", "keys/server.PEM");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_id, "pem-file");
  EXPECT_EQ(f[0].length, 0u);
  EXPECT_EQ(f[0].line, 0u);
  EXPECT_EQ(f[0].redacted, "file detected: keys/server.PEM");
  EXPECT_EQ(f[0].description, "Key file");
}

TEST(ScannerSemanticsTest, CompositeRulesNeedTheirRequiredRulesNearby) {
  auto s = SecretsOnly(R"toml(
[[rules]]
id = "password"
regex = '''password\s*=\s*"([^"]+)"'''
[[rules.required]]
id = "username"
withinLines = 1
[[rules]]
id = "username"
regex = '''username\s*=\s*"([^"]+)"'''
skipReport = true
keywords = ["never-present"]
)toml");
  ASSERT_NE(s, nullptr);
  const std::string near = "username = \"bob\"\npassword = \"hunter22\"\n";
  // The required rule's keywords do not gate it (gitleaks runs it for the composite rule), and
  // skipReport keeps it out of the findings.
  EXPECT_EQ(Secrets(Scan(*s, near), near), Strings{"hunter22"});
  const std::string far = "username = \"bob\"\n\n\npassword = \"hunter22\"\n";
  EXPECT_TRUE(Scan(*s, far).empty());
  const std::string alone = "password = \"hunter22\"\n";
  EXPECT_TRUE(Scan(*s, alone).empty());
}

TEST(ScannerSemanticsTest, CompositeWithinColumns) {
  auto s = SecretsOnly(R"toml(
[[rules]]
id = "p"
regex = '''P[0-9]{3}'''
[[rules.required]]
id = "q"
withinColumns = 5
[[rules]]
id = "q"
regex = '''Q[0-9]{3}'''
skipReport = true
)toml");
  const std::string text = "P111\nQ222\n          P333\n";
  // P111 (column 1) has Q222 (column 1); P333 (column 11) has none within 5 columns.
  EXPECT_EQ(Secrets(Scan(*s, text), text), Strings{"P111"});
}

TEST(ScannerSemanticsTest, GenericRulesGiveWayToSpecificOnesOnTheSameLine) {
  auto s = SecretsOnly(R"toml(
[[rules]]
id = "generic-assign"
regex = '''key\s*=\s*"([^"]+)"'''
[[rules]]
id = "vendor-key"
regex = '''vk_[a-z0-9]{10}'''
)toml");
  const std::string text = "key = \"vk_abc1234567\"\nkey = \"other-value\"";
  const auto f = Scan(*s, text);
  EXPECT_EQ(RuleIds(f), (Strings{"vendor-key", "generic-assign"}));
  EXPECT_EQ(Secrets(f, text), (Strings{"vk_abc1234567", "other-value"}));
}

TEST(ScannerSemanticsTest, RulesHyperscanRejectsFallBackToRe2) {
  auto s = SecretsOnly(R"toml(
[[rules]]
id = "greek"
regex = '''secret-\p{Greek}{3,}-([0-9a-f]{8})'''
[[rules]]
id = "plain"
regex = '''plain-[0-9]{4}'''
)toml");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->fallback_rules(), Strings{"greek"});
  EXPECT_EQ(s->rule_count(), 2u);
  const std::string text = "x secret-\xce\xb1\xce\xb2\xce\xb3-0123abcd plain-1234 y";
  EXPECT_EQ(Secrets(Scan(*s, text), text), (Strings{"0123abcd", "plain-1234"}));
}

// The scanner's matches equal RE2 FindAll over the whole text (Go's FindAllStringIndex, which
// gitleaks runs), for bounded patterns, unbounded ones whose repeats cannot cross lines (windows
// bounded by lines), unbounded ones that can (capped windows), several runs and anchors.
std::vector<std::pair<size_t, size_t>> FindAll(const RE2& re, std::string_view text) {
  std::vector<std::pair<size_t, size_t>> out;
  re2::StringPiece m;
  size_t pos = 0;
  while (pos <= text.size() && re.Match(text, pos, text.size(), RE2::UNANCHORED, &m, 1)) {
    size_t b = static_cast<size_t>(m.data() - text.data()), e = b + m.size();
    if (e == b) {
      pos = b + 1;
      continue;
    }
    pos = e;
    while (b < e && text[b] == '\n') ++b;
    while (e > b && text[e - 1] == '\n') --e;
    if (b < e) out.emplace_back(b, e - b);
  }
  return out;
}

TEST(ScannerSemanticsTest, MatchesEqualRe2FindAllOverTheWholeText) {
  const std::vector<std::string> patterns = {
      R"re((?i)[\w.-]{0,50}?(?:key|token)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|:)[\x60'"\s=]{0,5}[a-z0-9][a-z0-9+/]{11,}(?:[\x60'"\s;]|$))re",
      R"re(tok[a-z0-9]{3,12})re",
      R"re(-----BEGIN X-----[\s\S]+?-----END X-----)re",
      R"re(key[a-z]+=[0-9]+:[A-Z]+)re",
      R"re((?m)^[a-z]+=\S+$)re",
      R"re(\bAB[0-9]*\b)re",
  };
  std::string toml;
  for (size_t i = 0; i < patterns.size(); ++i) {
    toml += "[[rules]]\nid = \"p" + std::to_string(i) + "\"\nregex = '''" + patterns[i] + "'''\n";
  }
  auto s = SecretsOnly(toml);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->fallback_rules().empty());
  const std::vector<std::string> pieces = {"key",
                                           "token",
                                           "Key",
                                           "=",
                                           " ",
                                           " ",
                                           "\n",
                                           "\n\n",
                                           "'",
                                           "\"",
                                           ":",
                                           ",",
                                           ";",
                                           "tok",
                                           "abc123",
                                           "ZZ9",
                                           "AB",
                                           "AB12",
                                           "-----BEGIN X-----",
                                           "-----END X-----",
                                           "x=",
                                           "keyab=12:",
                                           "QQ",
                                           "+",
                                           "/",
                                           "\t"};
  std::mt19937 rng(99);
  TokenGen gen(98);
  for (int round = 0; round < 40; ++round) {
    std::string text;
    const size_t target = 200 + rng() % (round < 30 ? 4000 : 30000);
    while (text.size() < target) {
      if (rng() % 4 == 0) {
        text += gen.Chars("abcdefghijklmnopqrstuvwxyz0123456789+/",
                          1 + rng() % (rng() % 10 == 0 ? 3000 : 30));
      } else {
        text += pieces[rng() % pieces.size()];
      }
    }
    std::map<std::string, std::vector<std::pair<size_t, size_t>>> got, want;
    for (const Finding& f : Scan(*s, text)) got[f.rule_id].emplace_back(f.offset, f.length);
    for (size_t i = 0; i < patterns.size(); ++i) {
      RE2 re(patterns[i]);
      ASSERT_TRUE(re.ok());
      auto all = FindAll(re, text);
      if (!all.empty()) want["p" + std::to_string(i)] = all;
    }
    ASSERT_EQ(got, want) << "round " << round;
    if (round % 8 == 0) {
      const auto block = Scan(*s, text);
      auto stream = s->OpenStream();
      for (size_t at = 0; at < text.size();) {
        const size_t n = 1 + rng() % 500;
        ASSERT_TRUE(stream->Write(AsBytes(std::string_view(text).substr(at, n))).ok());
        at += n;
      }
      auto r = stream->Finish();
      ASSERT_TRUE(r.ok());
      std::vector<std::pair<size_t, size_t>> a, b;
      for (const Finding& f : block) a.emplace_back(f.offset, f.length);
      for (const Finding& f : r->findings) b.emplace_back(f.offset, f.length);
      EXPECT_EQ(a, b) << "round " << round;
    }
  }
}

TEST(ScannerSemanticsTest, InvalidRuleSetsAreRefused) {
  RuleSet bad;
  bad.rules.push_back(Rule{.id = "x", .regex = "(unclosed"});
  auto r = Scanner::Create(bad, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("rule x"), std::string::npos);
  RuleSet req;
  req.rules.push_back(Rule{.id = "x", .regex = "x", .required = {{.id = "nope"}}});
  EXPECT_FALSE(Scanner::Create(req, {}).ok());
  ScannerOptions o;
  o.dictionaries.push_back({"d", {"a"}, {}});
  EXPECT_FALSE(Scanner::Create({}, o).ok());  // a term of one byte
}

// --- PII and dictionaries ---

TEST(ScannerPiiTest, EachKindWithPositivesAndNegatives) {
  ScannerOptions o;
  auto s = Make(RuleSet{}, o);
  ASSERT_NE(s, nullptr);
  struct Case {
    std::string text;
    Strings ids;
  } cases[] = {
      {"pay with 4111 1111 1111 1111 today", {"pii-credit-card"}},
      {"pay with 4111 1111 1111 1112 today", {}},  // Luhn fails
      {"order 1234567890123456 shipped", {}},      // no issuer
      {"IBAN: GB82 WEST 1234 5698 7654 32.", {"pii-iban"}},
      {"IBAN: GB82 WEST 1234 5698 7654 33.", {}},
      {"write to jane.doe@acme-corp.io please", {"pii-email"}},
      {"write to jane.doe@example.com please", {}},
      {"db at postgres://jane:pw@db.acme-corp.io", {}},
      {"call +44 20 7946 0958 or (415) 867-5309", {"pii-phone", "pii-phone"}},
      {"call 555-0123 or +999 12345678", {}},
      {"SSN 536-22-8745 on file", {"pii-us-ssn"}},
      {"SSN 666-22-8745 on file", {}},
      {"from 81.2.69.160 and 2a02:8070:abcd:1::42", {"pii-ip-address", "pii-ip-address"}},
      {"localhost 127.0.0.1, docs 192.0.2.1, 2001:db8::1, std::string x", {}},
      {"version 1.2.3.4 and v10.0.0.1 and 1.3.6.1.4.1 OID", {}},
      {"Cafe::brew(); dead::beef; Abc::Def", {}},
      {"host 2a02:8070:1234:5678:9abc:def0:1234:5678 up", {"pii-ip-address"}},
      {"card 3782 822463 10005 and 6011000990139424", {"pii-credit-card", "pii-credit-card"}},
      // Generator seeds that pass Luhn with an issuer prefix are not cards.
      {"{\"noise_seed\": 6011000990139424, \"steps\": 20}", {}},
      {"Steps: 20, Seed: 4111111111111111, Size: 512x512", {}},
      {"{\"card\": \"4111111111111111\", \"seed\": 3}", {"pii-credit-card"}},
      {"\"widgets_values\": [6011000990139424, \"randomize\", 30]", {}},
      {"\"noise_augmentation\": 0.4111111111111111, \"x\": 6011000990139424.5", {}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(RuleIds(Scan(*s, c.text)), c.ids) << c.text;
  }
  const auto f = Scan(*s, "write to jane.doe@acme-corp.io please");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].kind, FindingKind::kPii);
  EXPECT_EQ(f[0].redacted, "\u2588\u2588\u2588\u2588@\u2588\u2588\u2588\u2588.io");
  EXPECT_EQ(f[0].tags, (Strings{"pii", "contact"}));
  EXPECT_EQ(FindingKindName(f[0].kind), "pii");
}

TEST(ScannerDictionaryTest, TermsMatchCaselessOnWordBoundaries) {
  ScannerOptions o;
  o.pii = false;
  o.dictionaries.push_back({"customers", {"Acme Corp", "Globex", "C++ Guild"}, {"customer"}});
  o.dictionaries.push_back({"projects", {"Project Nightingale"}, {}});
  auto s = Make(RuleSet{}, o);
  ASSERT_NE(s, nullptr);
  const std::string text =
      "Met ACME CORP and globex; AcmeCorporation, Globexx and xGlobex do not count. "
      "The c++ guild's PROJECT nightingale.";
  const auto f = Scan(*s, text);
  EXPECT_EQ(Secrets(f, text), (Strings{"ACME CORP", "globex", "c++ guild", "PROJECT nightingale"}));
  EXPECT_EQ(RuleIds(f), (Strings{"dictionary:customers", "dictionary:customers",
                                 "dictionary:customers", "dictionary:projects"}));
  EXPECT_EQ(f[0].kind, FindingKind::kDictionary);
  EXPECT_EQ(f[0].description, "customers");
  EXPECT_EQ(f[0].tags, Strings{"customer"});
  // Fingerprints use the configured spelling, so case variants correlate.
  EXPECT_EQ(Scan(*s, "globex")[0].fingerprint, Scan(*s, "GLOBEX")[0].fingerprint);
}

// --- Output contract ---

TEST(ScannerOutputTest, RedactedExcerptsNeverHoldTheSecret) {
  auto s = SecretsOnly(R"toml(
[[rules]]
id = "kv"
regex = '''(api_key|pin)\s*=\s*"([^"]+)"'''
secretGroup = 2
)toml");
  TokenGen gen(11);
  const std::string long_secret = "sk-p" + gen.Alnum(40);
  const std::string text = "api_key = \"" + long_secret + "\"\npin = \"98765\"\napi_key = \"" +
                           std::string(300, 'Z') + gen.Alnum(20) + "\"";
  const auto f = Scan(*s, text);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].redacted, "api_key = \"sk-p\u2026\u2588\u2588\u2588\u2588\"");
  EXPECT_EQ(f[1].redacted, "pin = \"\u2588\u2588\u2588\u2588\"");  // short: nothing shown
  for (const Finding& x : f) {
    const std::string secret = text.substr(x.offset, x.length);
    EXPECT_EQ(x.redacted.find(secret), std::string::npos);
    EXPECT_EQ(x.redacted.find(secret.substr(4)), std::string::npos);
    EXPECT_LE(x.redacted.size(), 120u);
  }
}

TEST(ScannerOutputTest, FingerprintsAreKeyedAndStable) {
  const std::string toml = "[[rules]]\nid = \"t\"\nregex = '''tok_[a-z0-9]{8}'''\n";
  ScannerOptions a, b, none;
  a.pii = b.pii = none.pii = false;
  a.fingerprint_key = "key-one";
  b.fingerprint_key = "key-two";
  auto sa = Make(Rules(toml), a), sb = Make(Rules(toml), b), sn = Make(Rules(toml), none);
  const std::string text = "tok_a1b2c3d4 and again tok_a1b2c3d4 and tok_zzzz9999";
  const auto fa = Scan(*sa, text), fb = Scan(*sb, text), fn = Scan(*sn, text);
  ASSERT_EQ(fa.size(), 3u);
  EXPECT_EQ(fa[0].fingerprint.size(), 32u);
  EXPECT_EQ(fa[0].fingerprint, fa[1].fingerprint);  // equal secrets correlate
  EXPECT_NE(fa[0].fingerprint, fa[2].fingerprint);
  EXPECT_NE(fa[0].fingerprint, fb[0].fingerprint);  // the key matters
  // HMAC-SHA-256(key, rule_id || 0 || secret), first 16 bytes; plain SHA-256 without a key.
  const std::string msg = std::string("t") + '\0' + "tok_a1b2c3d4";
  unsigned char mac[32];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>("key-one"), 7);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(msg.data()),
                                msg.size());
  crypto_auth_hmacsha256_final(&st, mac);
  EXPECT_EQ(fa[0].fingerprint, HexEncode(std::span<const uint8_t>(mac, 16)));
  unsigned char digest[32];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  EXPECT_EQ(fn[0].fingerprint, HexEncode(std::span<const uint8_t>(digest, 16)));
}

TEST(ScannerOutputTest, OrderDedupeLinesAndLimits) {
  const std::string toml = R"toml(
[[rules]]
id = "a"
regex = '''A[0-9]{3}'''
[[rules]]
id = "b"
regex = '''A[0-9]{3}'''
)toml";
  const std::string text = "x\nA111\n  A222 A333\n";
  auto s = SecretsOnly(toml);
  const auto f = Scan(*s, text);
  ASSERT_EQ(f.size(), 6u);
  EXPECT_EQ(RuleIds(f), (Strings{"a", "b", "a", "b", "a", "b"}));
  EXPECT_EQ(f[0].line, 2u);
  EXPECT_EQ(f[0].column, 1u);
  EXPECT_EQ(f[2].line, 3u);
  EXPECT_EQ(f[2].column, 3u);
  EXPECT_EQ(f[4].column, 8u);
  ScannerOptions o;
  o.pii = false;
  o.max_findings = 4;
  auto limited = Make(Rules(toml), o);
  auto r = limited->Scan(text);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->findings.size(), 4u);
  EXPECT_EQ(r->dropped, 2u);
  EXPECT_EQ(r->bytes, text.size());
}

TEST(RedactTextTest, ReplacesAndMergesRanges) {
  std::vector<Finding> f(3);
  f[0].rule_id = "a";
  f[0].offset = 2;
  f[0].length = 3;
  f[1].rule_id = "b";
  f[1].offset = 4;
  f[1].length = 3;
  f[2].rule_id = "c";
  f[2].offset = 9;
  f[2].length = 100;  // clamped to the text
  EXPECT_EQ(RedactText("0123456789ab", f), "01[REDACTED:a]78[REDACTED:c]");
  EXPECT_EQ(RedactText("plain", {}), "plain");
}

// --- Streams ---

// A small text with several secrets, PII and dictionary terms, some straddling any split.
struct Corpus {
  std::string toml = R"toml(
[[rules]]
id = "tok"
regex = '''\btok_([a-z0-9]{16})\b'''
keywords = ["tok_"]
entropy = 2.5
[[rules]]
id = "kv"
regex = '''(?i)(?:password|secret)\s*[:=]\s*"([^"]{6,40})"'''
keywords = ["password", "secret"]
[[rules.allowlists]]
stopwords = ["example"]
[[rules]]
id = "tail-anchor"
regex = '''END-[0-9]{4}$'''
[[rules]]
id = "pem"
regex = '''-----BEGIN KEY-----[\s\S]{10,}?-----END KEY-----'''
keywords = ["-----begin"]
[[rules]]
id = "greek"
regex = '''secret-\p{Greek}{2,}-([0-9a-f]{8})'''
)toml";
  std::string text;
  Corpus() {
    TokenGen gen(5);
    text = "# config\nuser = \"tok_" + gen.Chars("abcdefghijklmnopqrstuvwxyz0123456789", 16) +
           "\"\npassword: \"" + gen.Alnum(20) + "\"\nsecret = \"example-123\"\n" +
           "-----BEGIN KEY-----\n" + gen.B64(64) + "\n" + gen.B64(30) +
           "\n-----END KEY-----\nmail bob.jones@acme-corp.io about Project Nightingale and "
           "4111 1111 1111 1111, secret-\xce\xb1\xce\xb2-deadbeef; tok_" +
           gen.Chars("abcdefghijklmnopqrstuvwxyz0123456789", 16) + "\nlast END-1234";
  }
};

ScannerOptions CorpusOptions() {
  ScannerOptions o;
  o.fingerprint_key = "k";
  o.dictionaries.push_back({"projects", {"Project Nightingale"}, {"project"}});
  return o;
}

std::string Describe(const std::vector<Finding>& fs) {
  std::string out;
  for (const Finding& f : fs) {
    out += f.rule_id + "@" + std::to_string(f.offset) + "+" + std::to_string(f.length) + " L" +
           std::to_string(f.line) + ":" + std::to_string(f.column) + " " + f.fingerprint + " " +
           f.redacted + "\n";
  }
  return out;
}

Result<ScanResult> StreamScan(const Scanner& s, std::string_view text,
                              const std::vector<size_t>& cuts) {
  auto stream = s.OpenStream();
  size_t at = 0;
  for (size_t cut : cuts) {
    RETURN_IF_ERROR(stream->Write(AsBytes(text.substr(at, cut - at))));
    at = cut;
  }
  RETURN_IF_ERROR(stream->Write(AsBytes(text.substr(at))));
  return stream->Finish();
}

TEST(ScanStreamTest, SameFindingsAsBlockModeForEverySplit) {
  Corpus c;
  auto s = Make(Rules(c.toml), CorpusOptions());
  ASSERT_NE(s, nullptr);
  const auto block = Scan(*s, c.text);
  ASSERT_EQ(RuleIds(block), (Strings{"tok", "kv", "pem", "pii-email", "dictionary:projects",
                                     "pii-credit-card", "greek", "tok", "tail-anchor"}))
      << Describe(block);
  const std::string want = Describe(block);
  for (size_t cut = 0; cut <= c.text.size(); ++cut) {
    auto r = StreamScan(*s, c.text, {cut});
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    ASSERT_EQ(Describe(r->findings), want) << "split at " << cut;
    EXPECT_EQ(r->bytes, c.text.size());
  }
  std::vector<size_t> every(c.text.size());
  for (size_t i = 0; i < every.size(); ++i) every[i] = i + 1;
  auto bytewise = StreamScan(*s, c.text, every);
  ASSERT_TRUE(bytewise.ok());
  EXPECT_EQ(Describe(bytewise->findings), want);
}

TEST(ScanStreamTest, LongStreamsTrimTheirBufferAndKeepLineNumbers) {
  // Secrets spread over ~1.5 MB so the rolling buffer is trimmed many times.
  Corpus c;
  auto s = Make(Rules(c.toml), CorpusOptions());
  ASSERT_NE(s, nullptr);
  TokenGen gen(9);
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    text += "line " + std::to_string(i) + " " + gen.Alnum(400) + "\n";
    if (i % 97 == 0) text += c.text + "\n";
  }
  const auto block = Scan(*s, text);
  EXPECT_GT(block.size(), 100u);
  std::vector<size_t> cuts;
  std::mt19937 rng(3);
  for (size_t at = 0;;) {
    at += 1 + rng() % 70000;
    if (at >= text.size()) break;
    cuts.push_back(at);
  }
  auto r = StreamScan(*s, text, cuts);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Describe(r->findings), Describe(block));
}

TEST(ScanStreamTest, FinishTwiceAndWriteAfterFinishAreErrors) {
  auto s = SecretsOnly("[[rules]]\nid = \"t\"\nregex = '''t_[0-9]{3}'''\n");
  auto stream = s->OpenStream();
  ASSERT_TRUE(stream->Write(AsBytes(std::string_view("t_123"))).ok());
  auto r = stream->Finish();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->findings.size(), 1u);
  EXPECT_FALSE(stream->Finish().ok());
  EXPECT_FALSE(stream->Write(AsBytes(std::string_view("x"))).ok());
}

// --- gitleaks' default set ---

class GitleaksDefaultScanTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto rules = LoadRules(testing::DlpFixtures() / "config" / "gitleaks.toml");
    if (!rules.ok()) return;
    ScannerOptions o;
    o.fingerprint_key = "test";
    auto s = Scanner::Create(*rules, o);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    scanner_ = std::move(s).value().release();
  }
  static void TearDownTestSuite() {
    delete scanner_;
    scanner_ = nullptr;
  }
  void SetUp() override {
    CUSTODY_DLP_REQUIRE_PATH(testing::DlpFixtures() / "config" / "gitleaks.toml");
    ASSERT_NE(scanner_, nullptr);
  }
  static Scanner* scanner_;
};
Scanner* GitleaksDefaultScanTest::scanner_ = nullptr;

TEST_F(GitleaksDefaultScanTest, CompilesEveryRule) {
  EXPECT_EQ(scanner_->rule_count(), 222u);
  EXPECT_TRUE(scanner_->fallback_rules().empty());
  EXPECT_GT(scanner_->pattern_count(), 221u + 6u);
}

TEST_F(GitleaksDefaultScanTest, FindsAGitHubPatAndAnAwsKeyInCode) {
  TokenGen gen(21);
  const std::string pat = "ghp_" + gen.Alnum(36);
  const std::string aws = "AKIA" + gen.Upper32(16);
  const std::string text =
      "import boto3\n\nclient = boto3.client(\n    's3',\n"
      "    aws_access_key_id='" +
      aws +
      "',\n)\n"
      "headers = {\"Authorization\": \"token " +
      pat + "\"}\n";
  const auto f = Scan(*scanner_, text, "deploy/upload.py");
  std::set<std::string> ids;
  for (const Finding& x : f) ids.insert(x.rule_id);
  EXPECT_TRUE(ids.count("github-pat")) << Describe(f);
  EXPECT_TRUE(ids.count("aws-access-token")) << Describe(f);
  for (const Finding& x : f) {
    if (x.rule_id == "github-pat") {
      EXPECT_EQ(text.substr(x.offset, x.length), pat);
      EXPECT_EQ(x.line, 7u);
    }
    if (x.rule_id == "aws-access-token") {
      EXPECT_EQ(text.substr(x.offset, x.length), aws);
    }
  }
  // The same text under a globally allowed path (the default set ignores lock files and the
  // like) reports nothing.
  EXPECT_TRUE(Scan(*scanner_, text, "docs/gitleaks.toml").empty());
  // gitleaks' AWS rule allowlists the documentation key.
  const std::string doc = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n";
  for (const Finding& x : Scan(*scanner_, doc)) {
    EXPECT_NE(x.rule_id, "aws-access-token");
  }
}

TEST_F(GitleaksDefaultScanTest, StreamMatchesBlockOnMixedText) {
  TokenGen gen(33);
  std::string text;
  for (int i = 0; i < 200; ++i) {
    text += "const value" + std::to_string(i) + " = \"" + gen.Alnum(24) + "\"; // " +
            gen.Chars("abcdefghij klmnop", 60) + "\n";
    if (i % 25 == 0) {
      text += "token: ghp_" + gen.Alnum(36) + "\nslack = \"xoxb-" + gen.Chars("0123456789", 12) +
              "-" + gen.Chars("0123456789", 12) + "-" + gen.Alnum(24) + "\"\n";
    }
  }
  const auto block = Scan(*scanner_, text, "src/a.ts");
  EXPECT_GE(block.size(), 16u);
  auto stream = scanner_->OpenStream("src/a.ts");
  for (size_t at = 0; at < text.size(); at += 777) {
    ASSERT_TRUE(stream->Write(AsBytes(std::string_view(text).substr(at, 777))).ok());
  }
  auto r = stream->Finish();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Describe(r->findings), Describe(block));
}

// --- Built-in rules ---

TEST(BuiltinRulesScanTest, EachRuleFindsAGeneratedTokenAndIgnoresPlaceholders) {
  ScannerOptions o;
  o.pii = false;
  auto s = Make(BuiltinRules(), o);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->fallback_rules().empty());
  TokenGen g(77);
  const std::string lower36 = "abcdefghijklmnopqrstuvwxyz0123456789";
  const std::vector<std::pair<std::string, std::string>> samples = {
      {"aws-access-key-id", "key_id: AKIA" + g.Upper32(16)},
      {"aws-secret-access-key", "AWS_SECRET_ACCESS_KEY = \"" + g.B64(40) + "\""},
      {"azure-storage-connection-string",
       "DefaultEndpointsProtocol=https;AccountName=mystore;AccountKey=" + g.B64(86) +
           "==;EndpointSuffix=core.windows.net"},
      {"google-api-key", "maps_key = AIza" + g.Url(35) + ";"},
      {"google-oauth-client-secret", "client_secret: GOCSPX-" + g.Url(28)},
      {"digitalocean-token", "dop_v1_" + g.Hex(64)},
      {"openai-api-key", "OPENAI_KEY=sk-proj-" + g.Url(100)},
      {"openai-api-key", "key sk-" + g.Alnum(20) + "T3BlbkFJ" + g.Alnum(20)},
      {"anthropic-api-key", "x-api-key: sk-ant-api03-" + g.Url(93) + "AA"},
      {"huggingface-token", "HF_TOKEN hf_" + g.Chars("abcdefghijklmnopqrstuvwxyzABCDEF", 34)},
      {"replicate-api-token", "r8_" + g.Alnum(37)},
      {"stability-api-key", "STABILITY_API_KEY = \"sk-" + g.Alnum(48) + "\""},
      {"github-pat", "ghp_" + g.Alnum(36)},
      {"github-fine-grained-pat", "github_pat_" + g.Alnum(22) + "_" + g.Alnum(59)},
      {"github-oauth-token", "gho_" + g.Alnum(36)},
      {"github-app-token", "ghs_" + g.Alnum(36)},
      {"gitlab-pat", "glpat-" + g.Url(20)},
      {"gitlab-token", "glrt-" + g.Url(24)},
      {"npm-token", "//registry.npmjs.org/:_authToken=npm_" + g.Alnum(36)},
      {"pypi-token", "pypi-AgEIcHlwaS5vcmc" + g.Url(80)},
      {"slack-bot-token",
       "xoxb-" + g.Chars("0123456789", 12) + "-" + g.Chars("0123456789", 13) + "-" + g.Alnum(24)},
      {"slack-user-token", "xoxp-" + g.Chars("0123456789", 12) + "-" + g.Chars("0123456789", 12) +
                               "-" + g.Chars("0123456789", 12) + "-" + g.Hex(32)},
      {"slack-app-token", "xapp-1-A" + g.Chars("ABCDEFGHIJ0123456789", 10) + "-" +
                              g.Chars("0123456789", 13) + "-" + g.Hex(64)},
      {"slack-webhook-url", "https://hooks.slack.com/services/T" + g.Upper32(10) + "/B" +
                                g.Upper32(10) + "/" + g.Alnum(24)},
      {"discord-bot-token",
       "discord token " + std::string("M") + g.Url(25) + "." + g.Url(6) + "." + g.Url(38) + " end"},
      {"sendgrid-api-key", "SG." + g.Url(22) + "." + g.Url(43)},
      {"twilio-api-key", "TWILIO_AUTH_TOKEN = '" + g.Hex(32) + "'"},
      {"stripe-secret-key", "sk_live_" + g.Alnum(99)},
      {"stripe-restricted-key", "rk_test_" + g.Alnum(40)},
      {"stripe-webhook-secret", "whsec_" + g.Alnum(32)},
      {"private-key", "-----BEGIN OPENSSH PRIVATE KEY-----\n" + g.B64(70) + "\n" + g.B64(70) +
                          "\n-----END OPENSSH PRIVATE KEY-----"},
      {"jwt", "Authorization: Bearer eyJ" + g.Url(30) + ".eyJ" + g.Url(60) + "." + g.Url(43)},
      {"url-basic-auth", "DATABASE_URL=postgres://app:" + g.Alnum(16) + "@db.internal:5432/x"},
      {"generic-secret-assignment", "config.client_secret = \"" + g.Alnum(32) + "\""},
      {"generic-env-secret", "export MY_SERVICE_TOKEN=" + g.Alnum(32)},
  };
  std::set<std::string> covered;
  for (const auto& [id, text] : samples) {
    const auto f = Scan(*s, text);
    bool found = false;
    for (const Finding& x : f) found = found || x.rule_id == id;
    EXPECT_TRUE(found) << id << " in: " << text << "\n" << Describe(f);
    covered.insert(id);
  }
  for (const Rule& r : BuiltinRules().rules) EXPECT_TRUE(covered.count(r.id)) << r.id;

  for (const std::string& text :
       {std::string("aws_access_key_id = AKIAIOSFODNN7EXAMPLE"),
        std::string("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        std::string("api_key = \"xxxxxxxxxxxxxxxxxxxxxxxx\""),
        std::string("api_key = \"<your-api-key-goes-here>\""),
        std::string("token = \"${GITHUB_TOKEN_FROM_ENV}\""),
        std::string("password = \"{{ vault_db_password }}\""),
        std::string("ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        std::string("postgres://user:password@localhost/db"),
        std::string("postgres://user:${DB_PASSWORD}@localhost/db"),
        std::string("export API_TOKEN=your_api_token_goes_here")}) {
    EXPECT_TRUE(Scan(*s, text).empty()) << text << "\n" << Describe(Scan(*s, text));
  }
}

// --- Robustness ---

TEST(ScannerRobustnessTest, RandomBytesAndPathologicalTextNeverCrash) {
  ScannerOptions o;
  o.dictionaries.push_back({"d", {"ab", "zz top"}, {}});
  auto s = Make(BuiltinRules(), o);
  ASSERT_NE(s, nullptr);
  std::mt19937 rng(1234);
  for (int i = 0; i < 20; ++i) {
    std::string text(1 + rng() % 20000, '\0');
    for (char& c : text) c = static_cast<char>(rng() & 0xff);
    auto r = s->Scan(text, "x");
    ASSERT_TRUE(r.ok());
    auto stream = s->OpenStream("x");
    for (size_t at = 0; at < text.size();) {
      const size_t n = 1 + rng() % 3000;
      ASSERT_TRUE(stream->Write(AsBytes(std::string_view(text).substr(at, n))).ok());
      at += n;
    }
    ASSERT_TRUE(stream->Finish().ok());
  }
  // Dense candidates: every byte starts a dictionary hit and a PII candidate.
  const std::string dense = [] {
    std::string t;
    for (int i = 0; i < 20000; ++i) t += "ab 1.2.3.4 a@b.cc ";
    return t;
  }();
  ScannerOptions few = o;
  few.max_findings = 10;
  auto limited = Make(BuiltinRules(), few);
  auto r = limited->Scan(dense);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->findings.size(), 10u);
  EXPECT_GT(r->dropped, 10000u);
  EXPECT_TRUE(s->Scan("").ok());
}

TEST(ScannerRobustnessTest, ConcurrentScansAgree) {
  Corpus c;
  auto s = Make(Rules(c.toml), CorpusOptions());
  ASSERT_NE(s, nullptr);
  const std::string want = Describe(Scan(*s, c.text));
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string all;
      for (int i = 0; i < 20; ++i) {
        auto r = s->Scan(c.text);
        all = r.ok() ? Describe(r->findings) : "error";
        if (all != want) break;
      }
      got[t] = all;
    });
  }
  for (std::thread& th : threads) th.join();
  for (const std::string& g : got) EXPECT_EQ(g, want);
}

}  // namespace
}  // namespace custody::dlp
