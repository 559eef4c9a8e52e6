// Recall and precision on a generated corpus: a few MB of mixed text (English prose, source code,
// JSON, logs, CSV) that holds no credentials and no personal data, with items planted at recorded
// offsets: synthetic secrets for 40 gitleaks rules (RegexSampler), payment cards (Luhn, issuer
// prefixes), IBANs (mod 97) for eight countries, e-mail addresses, E.164 and NANP phone numbers,
// SSNs, public IPv4/IPv6 addresses, and customer names from a test dictionary. Scanning it with
// gitleaks' default rules + PII + the dictionary must find every planted item and nothing in the
// clean text; scanning it as a stream in random chunk sizes must give the same findings. The text
// and the PII values come from SyntheticText (synthetic_text.h), which the DLP benchmark's corpus
// shares.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "dlp/pii.h"
#include "dlp/rules.h"
#include "dlp/scanner.h"
#include "dlp/tests/regex_sample.h"
#include "dlp/tests/synthetic_text.h"
#include "dlp/tests/test_util.h"

namespace custody::dlp::testing {
namespace {

constexpr uint64_t kCorpusSeed = 20240917;
constexpr size_t kCorpusBytes = 4 << 20;
constexpr int kSecretsPerRule = 2;

// Rules planted in the corpus (none has a `path`): the common providers plus generic-api-key.
const std::vector<std::string>& PlantedRules() {
  static const std::vector<std::string> ids = {
      "aws-access-token",
      "github-pat",
      "github-fine-grained-pat",
      "github-oauth",
      "gitlab-pat",
      "slack-bot-token",
      "slack-webhook-url",
      "stripe-access-token",
      "openai-api-key",
      "anthropic-api-key",
      "gcp-api-key",
      "private-key",
      "jwt",
      "npm-access-token",
      "pypi-upload-token",
      "sendgrid-api-token",
      "twilio-api-key",
      "shopify-access-token",
      "digitalocean-pat",
      "doppler-api-token",
      "hashicorp-tf-api-token",
      "heroku-api-key-v2",
      "huggingface-access-token",
      "mailgun-private-api-token",
      "linear-api-key",
      "postman-api-token",
      "pulumi-api-token",
      "databricks-api-token",
      "dropbox-long-lived-api-token",
      "discord-api-token",
      "telegram-bot-api-token",
      "azure-ad-client-secret",
      "age-secret-key",
      "alibaba-access-key-id",
      "grafana-service-account-token",
      "vault-service-token",
      "generic-api-key",
      "sentry-user-token",
      "notion-api-token",
      "perplexity-api-key",
  };
  return ids;
}

const std::vector<std::string>& CustomerNames() {
  static const std::vector<std::string> names = {
      "Zantrovex", "Quillmere Analytics", "Brackwater Foods", "Oystergate Partners", "Velloran",
  };
  return names;
}

struct Planted {
  FindingKind kind = FindingKind::kSecret;
  std::string id;    // rule id, PII detector id or "dictionary:customers"
  size_t begin = 0;  // the planted item itself
  size_t end = 0;
  size_t line_begin = 0;  // the snippet holding it; findings inside it are expected
  size_t line_end = 0;
  std::string value;
};

// A snippet to plant: its text, ending with a newline, and the item's range in it.
struct Plant {
  FindingKind kind = FindingKind::kSecret;
  std::string id;
  std::string snippet;
  size_t item_begin = 0;
  size_t item_end = 0;
};

struct Corpus {
  std::string text;
  std::vector<Planted> planted;
};

Plant InSentence(FindingKind kind, std::string id, const std::string& before,
                 const std::string& item, const std::string& after) {
  Plant p;
  p.kind = kind;
  p.id = std::move(id);
  p.snippet = before + item + after + "\n";
  p.item_begin = before.size();
  p.item_end = before.size() + item.size();
  return p;
}

// The planted items. Each PII value is checked against the validator it must pass.
std::vector<Plant> MakePlants(SyntheticText& gen, const GitleaksOracle& oracle) {
  std::vector<Plant> plants;
  for (const std::string& id : PlantedRules()) {
    std::optional<size_t> index = oracle.RuleIndex(id);
    EXPECT_TRUE(index.has_value()) << id;
    if (!index) continue;
    for (int k = 0; k < kSecretsPerRule; ++k) {
      TruePositiveOptions options;
      options.embeddable = true;
      std::optional<TruePositive> tp =
          MakeTruePositive(oracle, *index, gen.Below(1ull << 62), options);
      EXPECT_TRUE(tp.has_value() && tp->match.has_value()) << id;
      if (!tp || !tp->match) continue;
      Plant p;
      p.kind = FindingKind::kSecret;
      p.id = id;
      p.snippet = tp->text;
      p.item_begin = tp->match->secret_begin;
      p.item_end = tp->match->secret_end;
      plants.push_back(std::move(p));
    }
  }
  for (int i = 0; i < 30; ++i) {
    std::string v = gen.CardNumber();
    EXPECT_TRUE(ValidCreditCard(v)) << v;
    plants.push_back(InSentence(FindingKind::kPii, "pii-credit-card", "Customer paid with card ", v,
                                " at the web shop."));
  }
  for (int i = 0; i < 24; ++i) {
    std::string v = gen.Iban();
    EXPECT_TRUE(ValidIban(v)) << v;
    plants.push_back(
        InSentence(FindingKind::kPii, "pii-iban", "Refund to IBAN ", v, " was approved today."));
  }
  for (int i = 0; i < 20; ++i) {
    std::string v = gen.Email();
    EXPECT_TRUE(ValidEmail(v)) << v;
    plants.push_back(
        InSentence(FindingKind::kPii, "pii-email", "Contact: ", v, " for the delivery."));
  }
  for (int i = 0; i < 21; ++i) {
    std::string v = gen.Phone();
    EXPECT_TRUE(ValidPhone(v)) << v;
    plants.push_back(
        InSentence(FindingKind::kPii, "pii-phone", "Call back on ", v, " after lunch."));
  }
  for (int i = 0; i < 10; ++i) {
    std::string v = gen.Ssn();
    EXPECT_TRUE(ValidUsSsn(v)) << v;
    plants.push_back(InSentence(FindingKind::kPii, "pii-us-ssn", "SSN on file: ", v, " (HR)."));
  }
  for (int i = 0; i < 15; ++i) {
    std::string v = gen.PublicIpv4();
    EXPECT_TRUE(ValidIpv4(v) && !NonPersonalIp(v)) << v;
    plants.push_back(InSentence(FindingKind::kPii, "pii-ip-address", "Login from ", v,
                                " was flagged by the firewall."));
  }
  for (int i = 0; i < 10; ++i) {
    std::string v = gen.PublicIpv6();
    EXPECT_TRUE(ValidIpv6(v) && !NonPersonalIp(v)) << v;
    plants.push_back(InSentence(FindingKind::kPii, "pii-ip-address", "Session opened from ", v,
                                " this morning."));
  }
  for (int i = 0; i < 20; ++i) {
    const std::string& name = CustomerNames()[static_cast<size_t>(i) % CustomerNames().size()];
    plants.push_back(InSentence(FindingKind::kDictionary, "dictionary:customers",
                                "The renewal call with ", name, " moved to next week."));
  }
  return plants;
}

// Clean blocks up to `bytes`, with the plants (shuffled) between blocks at random places.
Corpus BuildCorpus(SyntheticText& gen, std::vector<Plant> plants, size_t bytes) {
  for (size_t i = plants.size(); i > 1; --i) std::swap(plants[i - 1], plants[gen.Below(i)]);
  Corpus c;
  c.text.reserve(bytes + 64 * 1024);
  size_t next = 0;
  size_t blocks = 0;
  while (c.text.size() < bytes || next < plants.size()) {
    std::string block = gen.Block();
    c.text += block;
    ++blocks;
    if (next >= plants.size()) continue;
    // Spread the plants over the corpus: the expected number of blocks left decides.
    const double avg = static_cast<double>(c.text.size()) / static_cast<double>(blocks);
    const double left =
        c.text.size() >= bytes ? 1.0 : static_cast<double>(bytes - c.text.size()) / avg;
    const double p = static_cast<double>(plants.size() - next) / std::max(1.0, left);
    while (next < plants.size() &&
           (p >= 1.0 || static_cast<double>(gen.Below(1000000)) < p * 1000000.0)) {
      const Plant& plant = plants[next++];
      Planted pl;
      pl.kind = plant.kind;
      pl.id = plant.id;
      pl.line_begin = c.text.size();
      pl.begin = pl.line_begin + plant.item_begin;
      pl.end = pl.line_begin + plant.item_end;
      c.text += plant.snippet;
      c.text += "\n";
      pl.line_end = c.text.size();
      pl.value = plant.snippet.substr(plant.item_begin, plant.item_end - plant.item_begin);
      c.planted.push_back(std::move(pl));
      if (p < 1.0) break;
    }
  }
  return c;
}

bool Overlaps(uint64_t a_begin, uint64_t a_end, uint64_t b_begin, uint64_t b_end) {
  return a_begin < b_end && b_begin < a_end;
}

class CorpusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::filesystem::path path = DlpFixtures() / "config" / "gitleaks.toml";
    if (!std::filesystem::exists(path)) return;
    auto rules = LoadRules(path);
    ASSERT_TRUE(rules.ok()) << rules.error().ToString();
    rules_ = std::make_unique<RuleSet>(std::move(*rules));
    auto oracle = GitleaksOracle::Create(*rules_);
    ASSERT_TRUE(oracle.ok()) << oracle.error().ToString();
    oracle_ = std::move(*oracle);
    ScannerOptions options;
    options.secrets = true;
    options.pii = true;
    options.max_findings = 1000000;
    options.dictionaries.push_back(Dictionary{"customers", CustomerNames(), {"customer"}});
    auto scanner = Scanner::Create(*rules_, options);
    ASSERT_TRUE(scanner.ok()) << scanner.error().ToString();
    scanner_ = std::move(*scanner);

    SyntheticText clean_gen(kCorpusSeed ^ 0xc1ea);
    clean_ = std::make_unique<Corpus>(BuildCorpus(clean_gen, {}, kCorpusBytes));
    SyntheticText gen(kCorpusSeed);
    std::vector<Plant> plants = MakePlants(gen, *oracle_);
    mixed_ = std::make_unique<Corpus>(BuildCorpus(gen, std::move(plants), kCorpusBytes));
  }
  static void TearDownTestSuite() {
    mixed_.reset();
    clean_.reset();
    scanner_.reset();
    oracle_.reset();
    rules_.reset();
  }
  void SetUp() override {
    const std::filesystem::path path = DlpFixtures() / "config" / "gitleaks.toml";
    CUSTODY_DLP_REQUIRE_PATH(path);
    ASSERT_NE(scanner_, nullptr);
  }

  // Text of a finding's line, for failure messages.
  static std::string Context(const std::string& text, uint64_t offset) {
    size_t b = text.rfind('\n', offset == 0 ? 0 : offset - 1);
    b = (b == std::string::npos || offset == 0) ? 0 : b + 1;
    size_t e = text.find('\n', offset);
    if (e == std::string::npos) e = text.size();
    return text.substr(b, std::min<size_t>(e - b, 300));
  }

  // Why a finding in clean text was reported, and whether gitleaks (the oracle, run on the
  // finding's line alone) reports it too.
  static std::string Explain(const std::string& text, const Finding& f) {
    std::string line = Context(text, f.offset);
    std::string out = f.rule_id + " at " + std::to_string(f.offset) + " (line " +
                      std::to_string(f.line) + "): [" + line + "] redacted [" + f.redacted + "]";
    if (f.kind == FindingKind::kSecret) {
      if (auto i = oracle_->RuleIndex(f.rule_id)) {
        out += oracle_->Evaluate(*i, line, "").reported() ? " (gitleaks reports this line too)"
                                                          : " (gitleaks does not report this line)";
      }
    }
    return out;
  }

  static std::unique_ptr<RuleSet> rules_;
  static std::unique_ptr<GitleaksOracle> oracle_;
  static std::unique_ptr<Scanner> scanner_;
  static std::unique_ptr<Corpus> clean_;
  static std::unique_ptr<Corpus> mixed_;
};

std::unique_ptr<RuleSet> CorpusTest::rules_;
std::unique_ptr<GitleaksOracle> CorpusTest::oracle_;
std::unique_ptr<Scanner> CorpusTest::scanner_;
std::unique_ptr<Corpus> CorpusTest::clean_;
std::unique_ptr<Corpus> CorpusTest::mixed_;

TEST_F(CorpusTest, GeneratorIsDeterministicAndSizedAsAsked) {
  SyntheticText a(kCorpusSeed ^ 0xc1ea);
  Corpus again = BuildCorpus(a, {}, kCorpusBytes);
  EXPECT_EQ(again.text, clean_->text);
  EXPECT_GE(clean_->text.size(), kCorpusBytes);
  EXPECT_LT(clean_->text.size(), kCorpusBytes + 64 * 1024);
  const size_t secrets =
      std::count_if(mixed_->planted.begin(), mixed_->planted.end(),
                    [](const Planted& p) { return p.kind == FindingKind::kSecret; });
  EXPECT_EQ(secrets, PlantedRules().size() * kSecretsPerRule);
  EXPECT_EQ(mixed_->planted.size(), secrets + 30 + 24 + 20 + 21 + 10 + 15 + 10 + 20);
  // Plants are spread over the corpus, not bunched at its end.
  EXPECT_LT(mixed_->planted.front().line_begin, mixed_->text.size() / 10);
  size_t in_first_half =
      std::count_if(mixed_->planted.begin(), mixed_->planted.end(),
                    [&](const Planted& p) { return p.line_begin < mixed_->text.size() / 2; });
  EXPECT_GT(in_first_half, mixed_->planted.size() / 4);
  for (const Planted& p : mixed_->planted) {
    ASSERT_LE(p.end, mixed_->text.size());
    EXPECT_EQ(mixed_->text.substr(p.begin, p.end - p.begin), p.value);
  }
}

TEST_F(CorpusTest, CleanTextHasNoFindings) {
  auto result = scanner_->Scan(clean_->text);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(result->bytes, clean_->text.size());
  for (const Finding& f : result->findings) ADD_FAILURE() << Explain(clean_->text, f);
  EXPECT_EQ(result->findings.size(), 0u);
}

TEST_F(CorpusTest, EveryPlantedItemIsFoundAndNothingElse) {
  auto result = scanner_->Scan(mixed_->text);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  ASSERT_EQ(result->dropped, 0u);
  const std::vector<Finding>& findings = result->findings;
  std::map<std::string, std::pair<int, int>> recall;  // id -> (found, planted)
  for (const Planted& p : mixed_->planted) {
    auto& r = recall[p.id];
    ++r.second;
    bool found = std::any_of(findings.begin(), findings.end(), [&](const Finding& f) {
      return f.kind == p.kind && f.rule_id == p.id &&
             Overlaps(f.offset, f.offset + f.length, p.begin, p.end);
    });
    if (found) {
      ++r.first;
    } else {
      ADD_FAILURE() << "planted " << p.id << " not found: [" << p.value << "] in line ["
                    << Context(mixed_->text, p.begin) << "]";
    }
  }
  // Every finding lies on a planted snippet, and is of its kind: secrets may be reported by
  // several rules (a key assignment is also generic-api-key), PII and names by their detector.
  size_t extra_on_snippets = 0;
  for (const Finding& f : findings) {
    auto it = std::find_if(mixed_->planted.begin(), mixed_->planted.end(), [&](const Planted& p) {
      return Overlaps(f.offset, f.offset + std::max<uint64_t>(f.length, 1), p.line_begin,
                      p.line_end);
    });
    if (it == mixed_->planted.end()) {
      ADD_FAILURE() << "finding in clean text: " << Explain(mixed_->text, f);
      continue;
    }
    EXPECT_EQ(f.kind, it->kind) << f.rule_id << " on the line planted for " << it->id << ": ["
                                << Context(mixed_->text, f.offset) << "]";
    if (it->kind != FindingKind::kSecret) {
      EXPECT_EQ(f.rule_id, it->id) << "on [" << Context(mixed_->text, f.offset) << "]";
    }
    if (f.rule_id != it->id) ++extra_on_snippets;
  }
  for (const auto& [id, r] : recall) {
    std::cout << "[ corpus ] " << id << ": " << r.first << "/" << r.second << "\n";
  }
  std::cout << "[ corpus ] " << mixed_->text.size() << " bytes, " << mixed_->planted.size()
            << " planted items, " << findings.size() << " findings (" << extra_on_snippets
            << " by another secret rule on a planted secret)\n";
}

TEST_F(CorpusTest, StreamingInRandomChunksGivesTheSameFindings) {
  auto block = scanner_->Scan(mixed_->text);
  ASSERT_TRUE(block.ok()) << block.error().ToString();
  using Key = std::tuple<std::string, uint64_t, uint64_t, uint32_t, uint32_t>;
  auto keys = [](const std::vector<Finding>& fs) {
    std::vector<Key> out;
    for (const Finding& f : fs) out.emplace_back(f.rule_id, f.offset, f.length, f.line, f.column);
    std::sort(out.begin(), out.end());
    return out;
  };
  const std::vector<Key> expected = keys(block->findings);
  std::mt19937_64 rng(99);
  for (int run = 0; run < 3; ++run) {
    SCOPED_TRACE("run " + std::to_string(run));
    std::unique_ptr<ScanStream> stream = scanner_->OpenStream();
    ASSERT_NE(stream, nullptr);
    const auto* data = reinterpret_cast<const uint8_t*>(mixed_->text.data());
    size_t pos = 0;
    size_t chunks = 0;
    while (pos < mixed_->text.size()) {
      // Mostly 1 B .. 64 KiB, sometimes single bytes, so boundaries fall inside secrets.
      size_t n =
          UniformBelow(rng, 8) == 0 ? 1 + UniformBelow(rng, 4) : 1 + UniformBelow(rng, 65536);
      n = std::min(n, mixed_->text.size() - pos);
      ASSERT_TRUE(stream->Write(std::span<const uint8_t>(data + pos, n)).ok());
      pos += n;
      ++chunks;
    }
    auto streamed = stream->Finish();
    ASSERT_TRUE(streamed.ok()) << streamed.error().ToString();
    EXPECT_EQ(streamed->bytes, mixed_->text.size());
    const std::vector<Key> got = keys(streamed->findings);
    EXPECT_EQ(got.size(), expected.size()) << chunks << " chunks";
    std::vector<Key> missing;
    std::vector<Key> extra;
    std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(),
                        std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(),
                        std::back_inserter(extra));
    for (const Key& k : missing) {
      ADD_FAILURE() << "stream misses " << std::get<0>(k) << " at " << std::get<1>(k) << ": ["
                    << Context(mixed_->text, std::get<1>(k)) << "]";
    }
    for (const Key& k : extra) {
      ADD_FAILURE() << "stream adds " << std::get<0>(k) << " at " << std::get<1>(k) << ": ["
                    << Context(mixed_->text, std::get<1>(k)) << "]";
    }
  }
}

}  // namespace
}  // namespace custody::dlp::testing
