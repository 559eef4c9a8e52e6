// The gitleaks rule loader against gitleaks' own configurations: the default set, every file of
// testdata/config (with what gitleaks' config/config_test.go expects of it), and Custody's
// refusals where gitleaks is silent.
#include "dlp/rules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "dlp/tests/test_util.h"

namespace custody::dlp {
namespace {

namespace fs = std::filesystem;
using testing::DlpFixtures;

const Rule* FindRule(const RuleSet& set, std::string_view id) {
  for (const Rule& r : set.rules) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

std::vector<std::string> Ids(const RuleSet& set) {
  std::vector<std::string> ids;
  for (const Rule& r : set.rules) ids.push_back(r.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

class GitleaksConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { CUSTODY_DLP_REQUIRE_PATH(DlpFixtures() / "testdata" / "config"); }

  static fs::path Config(const std::string& name) {
    return DlpFixtures() / "testdata" / "config" / (name + ".toml");
  }
  static Result<RuleSet> Load(const std::string& name, const RuleSet* defaults = nullptr) {
    return LoadRules(Config(name), defaults);
  }
  // gitleaks' default set, loaded once for the useDefault cases.
  static const RuleSet& Defaults() {
    static const RuleSet set = [] {
      auto r = LoadRules(DlpFixtures() / "config" / "gitleaks.toml");
      return r.ok() ? std::move(r).value() : RuleSet{};
    }();
    return set;
  }
  static void ExpectError(const std::string& name, std::string_view message,
                          const RuleSet* defaults = nullptr) {
    Result<RuleSet> r = Load(name, defaults);
    ASSERT_FALSE(r.ok()) << name << " loaded";
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find(message), std::string::npos)
        << name << ": " << r.error().message();
    EXPECT_NE(r.error().message().find(name), std::string::npos)
        << "the message names the file: " << r.error().message();
  }
};

TEST_F(GitleaksConfigTest, DefaultSetLoadsUnchanged) {
  CUSTODY_DLP_FIXTURE(text, "config/gitleaks.toml");
  auto r = LoadRules(DlpFixtures() / "config" / "gitleaks.toml");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const RuleSet& set = *r;
  EXPECT_EQ(set.title, "gitleaks config");
  EXPECT_EQ(set.min_version, "v8.25.0");
  ASSERT_EQ(set.rules.size(), 222u);
  size_t with_regex = 0, with_path = 0, with_entropy = 0, rule_allowlists = 0;
  std::set<std::string> distinct_keywords;
  size_t keywords = 0;
  for (const Rule& rule : set.rules) {
    with_regex += rule.regex.empty() ? 0 : 1;
    with_path += rule.path.empty() ? 0 : 1;
    with_entropy += rule.entropy.has_value() ? 1 : 0;
    rule_allowlists += rule.allowlists.size();
    keywords += rule.keywords.size();
    for (const std::string& k : rule.keywords) {
      distinct_keywords.insert(k);
      EXPECT_EQ(k, [&] {
        std::string l = k;
        for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return l;
      }()) << rule.id;
    }
  }
  // The counts of notes/governance.md §4.1.
  EXPECT_EQ(with_regex, 221u);
  EXPECT_EQ(with_path, 5u);
  EXPECT_EQ(with_entropy, 130u);
  EXPECT_EQ(rule_allowlists, 13u);
  EXPECT_EQ(keywords, 290u);
  EXPECT_EQ(distinct_keywords.size(), 244u);
  const Rule* pkcs12 = FindRule(set, "pkcs12-file");
  ASSERT_NE(pkcs12, nullptr);
  EXPECT_TRUE(pkcs12->regex.empty());
  EXPECT_FALSE(pkcs12->path.empty());
  const Rule* sonar = FindRule(set, "sonar-api-token");
  ASSERT_NE(sonar, nullptr);
  EXPECT_EQ(sonar->secret_group, 2);
  ASSERT_EQ(set.allowlists.size(), 1u);  // the old-style [allowlist]
  EXPECT_EQ(set.allowlists[0].description, "global allow lists");
  EXPECT_EQ(set.allowlists[0].paths.size(), 25u);
  EXPECT_EQ(set.allowlists[0].regexes.size(), 13u);
  EXPECT_EQ(set.allowlists[0].stopwords.size(), 2u);
  EXPECT_EQ(set.allowlists[0].condition, Condition::kOr);
  EXPECT_EQ(set.allowlists[0].regex_target, RegexTarget::kSecret);
  // Parsing the text gives the same as loading the file.
  auto again = ParseRules(text, DlpFixtures() / "config");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Ids(*again), Ids(set));
}

TEST_F(GitleaksConfigTest, GenericRule) {
  auto r = Load("generic");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->title, "gitleaks config");
  ASSERT_EQ(r->rules.size(), 1u);
  const Rule& g = r->rules[0];
  EXPECT_EQ(g.id, "generic-api-key");
  EXPECT_EQ(g.description, "Generic API Key");
  EXPECT_EQ(g.entropy, 3.5);
  EXPECT_EQ(g.keywords, (std::vector<std::string>{"key", "api", "token", "secret", "client",
                                                  "passwd", "password", "auth", "access"}));
  EXPECT_TRUE(g.tags.empty());
  EXPECT_EQ(g.regex.rfind("(?i)(?:key|api|token|secret|client|passwd|password|auth|access)", 0),
            0u);
}

TEST_F(GitleaksConfigTest, RulePathOnly) {
  auto r = Load("valid/rule_path_only");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->rules.size(), 1u);
  EXPECT_EQ(r->rules[0].id, "python-files-only");
  EXPECT_EQ(r->rules[0].description, "Python Files");
  EXPECT_EQ(r->rules[0].path, ".py");
  EXPECT_TRUE(r->rules[0].regex.empty());
}

TEST_F(GitleaksConfigTest, RuleRegexEscapedCharacterGroup) {
  auto r = Load("valid/rule_regex_escaped_character_group");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->rules.size(), 1u);
  EXPECT_EQ(r->rules[0].regex, R"(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9\-_]{50,1000})");
  EXPECT_EQ(r->rules[0].tags, (std::vector<std::string>{"key", "pypi"}));
}

TEST_F(GitleaksConfigTest, RuleEntropyGroup) {
  auto r = Load("valid/rule_entropy_group");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->rules.size(), 1u);
  EXPECT_EQ(r->rules[0].id, "discord-api-key");
  EXPECT_EQ(r->rules[0].secret_group, 3);
  EXPECT_EQ(r->rules[0].entropy, 3.5);
}

TEST_F(GitleaksConfigTest, InvalidRulesAreRefusedWithGitleaksMessages) {
  ExpectError("invalid/rule_missing_id",
              R"(rule |id| is missing or empty, regex: (?i)(discord[a-z0-9_ .\-,]{0,25}))");
  ExpectError("invalid/rule_no_regex_or_path",
              "discord-api-key: both |regex| and |path| are empty, this rule will have no effect");
  ExpectError("invalid/rule_bad_entropy_group",
              "discord-api-key: invalid regex secret group 5, max regex secret group 3");
}

TEST_F(GitleaksConfigTest, GlobalAllowlists) {
  {
    auto r = Load("valid/allowlist_global_old_compat");
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_TRUE(r->rules.empty());
    ASSERT_EQ(r->allowlists.size(), 1u);
    EXPECT_EQ(r->allowlists[0].stopwords,
              (std::vector<std::string>{"0989c462-69c9-49fa-b7d2-30dc5c576a97"}));
  }
  {
    auto r = Load("valid/allowlist_global_multiple");
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    ASSERT_EQ(r->rules.size(), 1u);
    EXPECT_EQ(r->rules[0].regex, R"x(token = "(.+)")x");
    ASSERT_EQ(r->allowlists.size(), 2u);
    EXPECT_EQ(r->allowlists[0].regexes, (std::vector<std::string>{"^changeit$"}));
    EXPECT_EQ(r->allowlists[0].condition, Condition::kOr);
    EXPECT_EQ(r->allowlists[1].condition, Condition::kAnd);
    EXPECT_EQ(r->allowlists[1].paths, (std::vector<std::string>{"^node_modules/.*"}));
    EXPECT_EQ(r->allowlists[1].stopwords, (std::vector<std::string>{"mock"}));
  }
  {
    auto r = Load("valid/allowlist_global_regex");
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    ASSERT_EQ(r->allowlists.size(), 1u);
    EXPECT_EQ(r->allowlists[0].regexes, (std::vector<std::string>{"AKIALALEM.L33243OLIA"}));
  }
}

TEST_F(GitleaksConfigTest, GlobalAllowlistWithTargetRulesMovesIntoTheRules) {
  auto r = Load("valid/allowlist_global_target_rules");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->rules.size(), 3u);
  ASSERT_EQ(r->allowlists.size(), 1u);
  EXPECT_EQ(r->allowlists[0].regexes, (std::vector<std::string>{".*fake.*"}));
  for (const char* id : {"github-app-token", "github-pat"}) {
    const Rule* rule = FindRule(*r, id);
    ASSERT_NE(rule, nullptr);
    ASSERT_EQ(rule->allowlists.size(), 1u) << id;
    EXPECT_EQ(rule->allowlists[0].paths,
              (std::vector<std::string>{R"((?:^|/)@octokit/auth-token/README\.md$)"}));
  }
  EXPECT_TRUE(FindRule(*r, "github-oauth")->allowlists.empty());
}

TEST_F(GitleaksConfigTest, InvalidGlobalAllowlists) {
  ExpectError("invalid/allowlist_global_empty",
              "[[allowlists]] must contain at least one check for: commits, paths, regexes, or "
              "stopwords");
  ExpectError("invalid/allowlist_global_old_and_new",
              "[allowlist] is deprecated, it cannot be used alongside [[allowlists]]");
  ExpectError("invalid/allowlist_global_target_rule_id",
              "[[allowlists]] target rule ID 'github-pat' does not exist");
  ExpectError("invalid/allowlist_global_regextarget",
              "[[allowlists]] unknown allowlist |regexTarget| 'mtach' (expected 'match', 'line')");
}

TEST_F(GitleaksConfigTest, RuleAllowlists) {
  {
    auto r = Load("valid/allowlist_rule_old_compat");
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    ASSERT_EQ(r->rules.size(), 1u);
    ASSERT_EQ(r->rules[0].allowlists.size(), 1u);
    EXPECT_EQ(r->rules[0].allowlists[0].regexes, (std::vector<std::string>{"123"}));
  }
  {
    auto r = Load("valid/allowlist_rule_regex");
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->title, "simple config with allowlist for aws");
    ASSERT_EQ(r->rules[0].allowlists.size(), 1u);
    EXPECT_EQ(r->rules[0].allowlists[0].regexes,
              (std::vector<std::string>{"AKIALALEMEL33243OLIA"}));
    EXPECT_EQ(r->rules[0].tags, (std::vector<std::string>{"key", "AWS"}));
  }
  {
    auto r = Load("valid/allowlist_rule_commit");
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->rules[0].allowlists[0].commits, (std::vector<std::string>{"allowthiscommit"}));
  }
  {
    auto r = Load("valid/allowlist_rule_path");
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->rules[0].allowlists[0].paths, (std::vector<std::string>{".go"}));
  }
}

TEST_F(GitleaksConfigTest, InvalidRuleAllowlists) {
  ExpectError("invalid/allowlist_rule_empty",
              "example: [[rules.allowlists]] must contain at least one check for: commits, "
              "paths, regexes, or stopwords");
  ExpectError(
      "invalid/allowlist_rule_old_and_new",
      "example: [rules.allowlist] is deprecated, it cannot be used alongside [[rules.allowlist]]");
  ExpectError("invalid/allowlist_rule_regextarget",
              "example: [[rules.allowlists]] unknown allowlist |regexTarget| 'mtach' (expected "
              "'match', 'line')");
}

TEST_F(GitleaksConfigTest, ExtendFollowsTwoLevels) {
  // extend.toml → extend_base_1 → extend_base_2 → (extend_3.toml, not followed: too deep).
  auto r = Load("valid/extend");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->title, "");  // the extending file's title, which it does not set
  EXPECT_EQ(Ids(*r),
            (std::vector<std::string>{"aws-access-key", "aws-secret-key", "aws-secret-key-again"}));
  EXPECT_EQ(r->rules[0].id, "aws-secret-key");  // the file's own rules first
  const Rule* again = FindRule(*r, "aws-secret-key-again");
  EXPECT_EQ(again->description, "AWS Secret Key");
  EXPECT_EQ(again->tags, (std::vector<std::string>{"key", "AWS"}));
  // extend_base_1 and _2 on their own reach extend_3.toml, which does not exist.
  EXPECT_FALSE(Load("valid/extend_base_1").ok());
  EXPECT_FALSE(Load("valid/extend_base_2").ok());
}

TEST_F(GitleaksConfigTest, ExtendDisabledRules) {
  auto r = Load("valid/extend_disabled");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->title, "gitleaks extend disable");
  EXPECT_EQ(Ids(*r), (std::vector<std::string>{"aws-secret-key", "pypi-upload-token"}));
  EXPECT_EQ(FindRule(*r, "aws-secret-key")->tags, (std::vector<std::string>{"key", "AWS"}));
}

TEST_F(GitleaksConfigTest, ExtendRuleWithoutRegexOrPathTakesTheBase) {
  auto r = Load("valid/extend_rule_no_regexpath");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->rules.size(), 1u);
  const Rule& rule = r->rules[0];
  EXPECT_EQ(rule.id, "aws-secret-key-again-again");
  EXPECT_EQ(rule.description, "AWS Secret Key");
  EXPECT_EQ(rule.regex, R"((?i)aws_(.{0,20})?=?.[\'\"0-9a-zA-Z\/+]{40})");
  ASSERT_EQ(rule.allowlists.size(), 1u);
  EXPECT_EQ(rule.allowlists[0].description,
            "False positive. Keys used for colors match the rule, and should be excluded.");
  EXPECT_EQ(rule.allowlists[0].paths, (std::vector<std::string>{"something.py"}));
}

TEST_F(GitleaksConfigTest, ExtendOverridesFieldByField) {
  const std::string base_regex = "(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}";
  struct Case {
    std::string file;
    std::string description = "AWS Access Key";
    std::string regex;
    std::string path;
    int secret_group = 0;
    std::optional<double> entropy;
    std::vector<std::string> keywords;
    std::vector<std::string> tags = {"key", "AWS"};
  };
  std::vector<Case> cases(7);
  cases[0].file = "description";
  cases[0].description = "Puppy Doggy";
  cases[1].file = "path";
  cases[1].path = "(?:puppy)";
  cases[2].file = "regex";
  cases[2].regex = "(?:a)";
  cases[3].file = "secret_group";
  cases[3].regex = "(a)(a)";
  cases[3].secret_group = 2;
  cases[4].file = "entropy";
  cases[4].entropy = 999.0;
  cases[5].file = "keywords";
  cases[5].keywords = {"puppy"};
  cases[6].file = "tags";
  cases[6].tags = {"key", "AWS", "puppy"};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    auto r = Load("valid/extend_rule_override_" + c.file);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->rules.size(), 36u);  // simple.toml's rules
    const Rule* rule = FindRule(*r, "aws-access-key");
    ASSERT_NE(rule, nullptr);
    EXPECT_EQ(rule->description, c.description);
    EXPECT_EQ(rule->regex, c.regex.empty() ? base_regex : c.regex);
    EXPECT_EQ(rule->path, c.path);
    EXPECT_EQ(rule->secret_group, c.secret_group);
    EXPECT_EQ(rule->entropy, c.entropy);
    EXPECT_EQ(rule->keywords, c.keywords);
    EXPECT_EQ(rule->tags, c.tags);
  }
}

TEST_F(GitleaksConfigTest, ExtendAppendsRuleAllowlists) {
  for (const char* name : {"valid/extend_rule_allowlist_or", "valid/extend_rule_allowlist_and"}) {
    SCOPED_TRACE(name);
    auto r = Load(name);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->title, "gitleaks extended 3");
    ASSERT_EQ(r->rules.size(), 1u);
    const Rule& rule = r->rules[0];
    EXPECT_EQ(rule.description, "AWS Secret Key");
    ASSERT_EQ(rule.allowlists.size(), 2u);
    EXPECT_EQ(rule.allowlists[0].stopwords, (std::vector<std::string>{"fake"}));
    const Allowlist& a = rule.allowlists[1];
    EXPECT_EQ(a.condition, std::string(name).ends_with("_and") ? Condition::kAnd : Condition::kOr);
    EXPECT_EQ(a.commits, (std::vector<std::string>{"abcdefg1"}));
    EXPECT_EQ(a.paths, (std::vector<std::string>{R"(ignore\.xaml)"}));
    EXPECT_EQ(a.regexes, (std::vector<std::string>{"foo.+bar"}));
    EXPECT_EQ(a.regex_target, RegexTarget::kLine);
    EXPECT_EQ(a.stopwords, (std::vector<std::string>{"example"}));
  }
}

TEST_F(GitleaksConfigTest, ExtendedKeywordsAreLowerCased) {
  auto r = Load("valid/extend_base_rule_including_keywords_with_attribute");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const Rule* rule = FindRule(*r, "aws-secret-key-again-again");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->description, "A new description");
  EXPECT_EQ(rule->keywords, (std::vector<std::string>{"aws"}));
}

TEST_F(GitleaksConfigTest, NewRuleWithOnlyKeywordsIsRefused) {
  // extend_rule_new adds a rule with keywords but neither regex nor path. gitleaks' own test of it
  // passes only because gitleaks' global extendDepth is left non-zero by the tests before it,
  // which skips validation; loaded on its own, gitleaks refuses it exactly like this.
  ExpectError("valid/extend_rule_new",
              "aws-rule-that-is-not-in-base: both |regex| and |path| are empty");
}

TEST_F(GitleaksConfigTest, ExtendDefault) {
  if (Defaults().rules.empty()) GTEST_SKIP() << "gitleaks.toml fixture missing";
  auto r = Load("valid/allowlist_rule_extend_default", &Defaults());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->rules.size(), 222u);
  const Rule* generic = FindRule(*r, "generic-api-key");
  const Rule* base = FindRule(Defaults(), "generic-api-key");
  ASSERT_NE(generic, nullptr);
  ASSERT_EQ(generic->allowlists.size(), base->allowlists.size() + 1);
  EXPECT_EQ(generic->allowlists.back().description,
            "Exclude a specific file from generic-api-key rule");
  EXPECT_EQ(generic->regex, base->regex);
  EXPECT_EQ(r->allowlists.size(), Defaults().allowlists.size());
  // Without Custody's copy of the default set, useDefault cannot be honoured.
  auto no_default = Load("valid/allowlist_rule_extend_default");
  ASSERT_FALSE(no_default.ok());
  EXPECT_NE(no_default.error().message().find("useDefault"), std::string::npos);
}

TEST_F(GitleaksConfigTest, InvalidExtensions) {
  ExpectError("invalid/extend_invalid_base", "failed to load extended config");
  if (Defaults().rules.empty()) GTEST_SKIP() << "gitleaks.toml fixture missing";
  ExpectError("invalid/extend_invalid_ruleid", "rule |id| is missing or empty", &Defaults());
}

TEST_F(GitleaksConfigTest, TopLevelTestConfigurationsLoad) {
  for (const char* name : {"simple", "archives", "composite", "encoded", "generic_with_py_path"}) {
    auto r = Load(name);
    EXPECT_TRUE(r.ok()) << name << ": " << r.error().ToString();
  }
  auto composite = Load("composite");
  ASSERT_TRUE(composite.ok());
  const Rule* primary = FindRule(*composite, "primary-rule");
  ASSERT_NE(primary, nullptr);
  ASSERT_EQ(primary->required.size(), 1u);
  EXPECT_EQ(primary->required[0].id, "username-rule");
  EXPECT_FALSE(primary->required[0].within_lines.has_value());
  EXPECT_TRUE(FindRule(*composite, "username-rule")->skip_report);
  // simple.toml defines "google" twice; the later definition wins, in the earlier's place.
  auto simple = Load("simple");
  ASSERT_TRUE(simple.ok());
  EXPECT_EQ(simple->rules.size(), 36u);
  EXPECT_EQ(FindRule(*simple, "google")->description, "Google (GCP) Service Account");
  auto py = Load("generic_with_py_path");
  ASSERT_TRUE(py.ok());
  EXPECT_EQ(py->rules[0].secret_group, 4);
  EXPECT_EQ(py->rules[0].path, ".py");
}

TEST_F(GitleaksConfigTest, EveryFixtureIsClassified) {
  // Every file under valid/ loads (the extend bases that extend further than exists excepted)
  // and every file under invalid/ is refused.
  const RuleSet* defaults = Defaults().rules.empty() ? nullptr : &Defaults();
  size_t valid = 0, invalid = 0;
  for (const char* dir : {"valid", "invalid"}) {
    for (const auto& entry : fs::directory_iterator(DlpFixtures() / "testdata" / "config" / dir)) {
      if (entry.path().extension() != ".toml") continue;
      const std::string stem = entry.path().stem().string();
      auto r = LoadRules(entry.path(), defaults);
      if (std::string(dir) == "valid") {
        ++valid;
        // Bases of extend.toml that, loaded on their own, reach the missing extend_3.toml, and
        // extend_rule_new (see NewRuleWithOnlyKeywordsIsRefused).
        if (stem == "extend_base_1" || stem == "extend_base_2" || stem == "extend_rule_new") {
          EXPECT_FALSE(r.ok()) << stem;
          continue;
        }
        if (stem == "allowlist_rule_extend_default" && defaults == nullptr) continue;
        EXPECT_TRUE(r.ok()) << stem << ": " << r.error().ToString();
      } else {
        ++invalid;
        EXPECT_FALSE(r.ok()) << stem << " loaded";
      }
    }
  }
  EXPECT_EQ(valid, 32u);
  EXPECT_EQ(invalid, 12u);
}

// --- Behaviour beyond gitleaks' fixtures ---

class RulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("dlp_rules_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path Write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  fs::path dir_;
};

TEST_F(RulesTest, KeysAreCaseInsensitiveAsInViper) {
  auto r = ParseRules(R"(
[[rules]]
ID = "x"
Regex = '''x(\d+)'''
SECRETGROUP = 1
Keywords = ["ABC"]
[[rules.allowlists]]
RegexTarget = "line"
StopWords = ["FOO"]
Condition = "&&"
Regexes = ["y"]
)",
                      dir_);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->rules.size(), 1u);
  EXPECT_EQ(r->rules[0].secret_group, 1);
  EXPECT_EQ(r->rules[0].keywords, (std::vector<std::string>{"abc"}));
  ASSERT_EQ(r->rules[0].allowlists.size(), 1u);
  EXPECT_EQ(r->rules[0].allowlists[0].regex_target, RegexTarget::kLine);
  EXPECT_EQ(r->rules[0].allowlists[0].condition, Condition::kAnd);
  EXPECT_EQ(r->rules[0].allowlists[0].stopwords, (std::vector<std::string>{"foo"}));
}

TEST_F(RulesTest, MalformedInputIsRefusedWithAReason) {
  struct Case {
    const char* toml;
    const char* message;
  } cases[] = {
      {"[[rules]]\nid = \"a\"\nregex = '''(unclosed'''\n", "a: regex: invalid regex"},
      {"[[rules]]\nid = 5\n", "rules[0].id: expected a string"},
      {"[[rules]]\nid = \"a\"\nregex = \"a\"\nkeywords = \"a\"\n", "expected an array"},
      {"[[rules]]\nid = \"a\"\nregex = \"a\"\nsecretGroup = -1\n", "invalid regex secret group"},
      {"[[rules]]\nid = \"a\"\nregex = \"a\"\n[[rules.allowlists]]\ncondition = \"XOR\"\n"
       "regexes = [\"b\"]\n",
       "unknown allowlist |condition| 'XOR'"},
      {"[[rules]]\nid = \"a\"\nregex = \"a\"\n[[rules.required]]\nid = \"b\"\n",
       "[[rules.required]] rule ID 'b' does not exist"},
      {"[[rules]]\nid = \"a\"\nregex = \"a\"\n[[rules.required]]\nwithinLines = 1\n",
       "[[rules.required]] rule ID is empty"},
      {"[extend]\nuseDefault = true\npath = \"x.toml\"\n", "extend.path and extend.useDefault"},
      {"[extend]\nurl = \"https://example.com/x.toml\"\n", "extend.url is not supported"},
      {"title = \"unterminated\n", "TOML error at line 1"},
      {"[[rules]]\nid = \"a\"\nregex = \"a\"\n[[rules.allowlists]]\npaths = ['''[''']\n",
       "invalid regex"},
  };
  for (const Case& c : cases) {
    auto r = ParseRules(c.toml, dir_);
    ASSERT_FALSE(r.ok()) << c.toml;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find(c.message), std::string::npos)
        << c.toml << " -> " << r.error().message();
  }
}

TEST_F(RulesTest, RandomBytesNeverCrashTheLoader) {
  uint64_t state = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < 200; ++i) {
    std::string text;
    const int n = 1 + (i * 37) % 300;
    for (int k = 0; k < n; ++k) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      text.push_back(static_cast<char>(state & 0xff));
    }
    // Half the inputs start as a plausible configuration so the parser gets past line 1.
    if (i % 2 == 0) text = "[[rules]]\nid = \"r\"\nregex = '''" + text;
    auto r = ParseRules(text, dir_);
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    }
  }
}

TEST_F(RulesTest, ExtendStopsAtTwoLevels) {
  Write("d3.toml", "[[rules]]\nid = \"r3\"\nregex = \"c\"\n");
  Write("d2.toml", "[extend]\npath = \"d3.toml\"\n[[rules]]\nid = \"r2\"\nregex = \"b\"\n");
  Write("d1.toml", "[extend]\npath = \"d2.toml\"\n[[rules]]\nid = \"r1\"\nregex = \"a\"\n");
  const fs::path top =
      Write("top.toml", "[extend]\npath = \"d1.toml\"\n[[rules]]\nid = \"r0\"\nregex = \"z\"\n");
  auto r = LoadRules(top);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(Ids(*r), (std::vector<std::string>{"r0", "r1", "r2"}));
  auto d1 = LoadRules(dir_ / "d1.toml");
  ASSERT_TRUE(d1.ok());
  EXPECT_EQ(Ids(*d1), (std::vector<std::string>{"r1", "r2", "r3"}));
}

TEST_F(RulesTest, TargetRulesMayNameExtendedRules) {
  Write("base.toml", "[[rules]]\nid = \"b\"\nregex = \"b+\"\n");
  const fs::path top = Write("top.toml", R"(
[extend]
path = "base.toml"
[[rules]]
id = "a"
regex = "a+"
[[allowlists]]
targetRules = ["b"]
stopwords = ["x"]
)");
  auto r = LoadRules(top);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->rules.size(), 2u);
  EXPECT_TRUE(FindRule(*r, "a")->allowlists.empty());
  ASSERT_EQ(FindRule(*r, "b")->allowlists.size(), 1u);
  EXPECT_TRUE(r->allowlists.empty());
}

TEST_F(RulesTest, MissingFileIsNotFound) {
  auto r = LoadRules(dir_ / "nope.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
}

TEST(BuiltinRulesTest, ParseAndAreWellFormed) {
  const RuleSet& set = BuiltinRules();
  EXPECT_GE(set.rules.size(), 30u);
  std::set<std::string> ids;
  for (const Rule& r : set.rules) {
    EXPECT_TRUE(ids.insert(r.id).second) << r.id;
    EXPECT_FALSE(r.description.empty()) << r.id;
    EXPECT_FALSE(r.tags.empty()) << r.id;
    EXPECT_FALSE(r.keywords.empty()) << r.id;
    EXPECT_FALSE(r.regex.empty()) << r.id;
  }
  auto again = ParseRules(BuiltinRulesToml(), {});
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(again->rules.size(), set.rules.size());
}

}  // namespace
}  // namespace custody::dlp
