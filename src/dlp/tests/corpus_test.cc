// Recall and precision on a generated corpus: a few MB of mixed text (English prose, source code,
// JSON, logs, CSV) that holds no credentials and no personal data, with items planted at recorded
// offsets: synthetic secrets for 40 gitleaks rules (RegexSampler), payment cards (Luhn, issuer
// prefixes), IBANs (mod 97) for eight countries, e-mail addresses, E.164 and NANP phone numbers,
// SSNs, public IPv4/IPv6 addresses, and customer names from a test dictionary. Scanning it with
// gitleaks' default rules + PII + the dictionary must find every planted item and nothing in the
// clean text; scanning it as a stream in random chunk sizes must give the same findings.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
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

// Common English words of at most 10 letters: no run of prose can then be a high-entropy value.
const std::vector<std::string>& Words() {
  static const std::vector<std::string> words = {
      "the",      "of",       "and",      "to",        "in",       "a",        "is",
      "that",     "for",      "it",       "as",        "was",      "with",     "be",
      "by",       "on",       "not",      "he",        "this",     "are",      "or",
      "his",      "from",     "at",       "which",     "but",      "have",     "an",
      "had",      "they",     "you",      "were",      "their",    "one",      "all",
      "we",       "can",      "her",      "has",       "there",    "been",     "if",
      "more",     "when",     "will",     "would",     "who",      "so",       "no",
      "team",     "market",   "quarter",  "report",    "customer", "product",  "design",
      "review",   "budget",   "meeting",  "schedule",  "office",   "project",  "release",
      "planning", "summary",  "feedback", "delivery",  "shipment", "invoice",  "contract",
      "partner",  "supplier", "growth",   "revenue",   "forecast", "strategy", "campaign",
      "audience", "channel",  "content",  "creative",  "brand",    "launch",   "region",
      "north",    "south",    "east",     "west",      "morning",  "evening",  "weekly",
      "monthly",  "annual",   "simple",   "careful",   "quick",    "steady",   "modest",
      "strong",   "bright",   "quiet",    "early",     "late",     "open",     "closed",
      "ready",    "draft",    "final",    "shared",    "local",    "global",   "version",
      "update",   "change",   "detail",   "picture",   "video",    "image",    "photo",
      "studio",   "gallery",  "story",    "chapter",   "editor",   "writer",   "reader",
      "garden",   "river",    "mountain", "forest",    "valley",   "harbor",   "island",
      "coffee",   "lunch",    "dinner",   "travel",    "hotel",    "flight",   "station",
      "window",   "door",     "table",    "chair",     "light",    "color",    "paper",
      "number",   "letter",   "answer",   "question",  "problem",  "reason",   "result",
      "decision", "approval", "request",  "process",   "system",   "service",  "network",
      "storage",  "archive",  "backup",   "folder",    "document", "record",   "history",
      "notice",   "policy",   "rule",     "owner",     "member",   "group",    "board",
      "people",   "friend",   "family",   "student",   "teacher",  "doctor",   "artist",
      "because",  "before",   "after",    "during",    "between",  "without",  "within",
      "about",    "around",   "through",  "across",    "against",  "toward",   "under",
      "often",    "always",   "never",    "sometimes", "usually",  "rarely",   "again",
      "improve",  "prepare",  "deliver",  "explain",   "consider", "discuss",  "measure",
      "compare",  "choose",   "follow",   "support",   "reduce",   "increase", "publish",
      "access",   "keys",     "secure",   "private",   "public",   "approve",  "archive",
  };
  return words;
}

// Short identifier parts for code: no gitleaks keyword among them, so no assignment in the
// generated code looks like a credential.
const std::vector<std::string>& IdentParts() {
  static const std::vector<std::string> parts = {
      "count", "total", "index",  "item",  "items", "value", "result", "buffer", "offset", "size",
      "name",  "path",  "file",   "user",  "order", "price", "amount", "limit",  "page",   "row",
      "col",   "width", "height", "frame", "layer", "node",  "edge",   "queue",  "task",   "job",
      "cache", "entry", "batch",  "chunk", "retry", "delay", "scale",  "ratio",  "label",  "color",
  };
  return parts;
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

class CorpusGenerator {
 public:
  explicit CorpusGenerator(uint64_t seed) : rng_(seed) {}

  uint64_t Below(uint64_t n) { return UniformBelow(rng_, n); }
  int Between(int lo, int hi) { return lo + static_cast<int>(Below(hi - lo + 1)); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }
  std::string Digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + Below(10)));
    return s;
  }
  std::string Base64(int n) {
    static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(kB64[Below(64)]);
    return s + std::string((4 - n % 4) % 4, '=');
  }
  std::string Hex(int n) {
    static const char kHex[] = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(kHex[Below(16)]);
    return s;
  }

  std::string Sentence() {
    int n = Between(6, 16);
    std::string s;
    for (int i = 0; i < n; ++i) {
      std::string w = Pick(Words());
      if (i == 0) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
      if (i > 0) s += (Below(12) == 0 && i + 1 < n) ? ", " : " ";
      s += w;
      if (Below(40) == 0) s += " " + std::to_string(Between(2, 99)) + " percent";
      if (Below(60) == 0) s += " in " + std::to_string(Between(1990, 2030));
    }
    return s + (Below(10) == 0 ? "?" : ".");
  }

  std::string Ident() {
    std::string id = Pick(IdentParts());
    if (Below(2) == 0) id += "_" + Pick(IdentParts());
    return id;
  }

  std::string Prose() {
    std::string p;
    int sentences = Between(3, 8);
    for (int i = 0; i < sentences; ++i) p += (i ? " " : "") + Sentence();
    // Documentation values the PII detectors must reject: the 555-01XX numbers reserved for
    // fiction and an advertised sample SSN.
    if (Below(8) == 0) {
      p += " For questions call the front desk at (" + std::to_string(Between(2, 9)) + Digits(2) +
           ") 555-01" + Digits(2) + ".";
    }
    if (Below(40) == 0) p += " The form shows the sample number 078-05-1120.";
    return p + "\n\n";
  }

  std::string Code() {
    std::string out;
    switch (Below(4)) {
      case 0: {  // C++
        std::string fn = Ident();
        out += "// " + Sentence() + "\n";
        out += "Result<size_t> " + fn + "(const std::vector<int>& " + Ident() + ") {\n";
        int lines = Between(3, 10);
        for (int i = 0; i < lines; ++i) {
          switch (Below(5)) {
            case 0:
              out += "  size_t " + Ident() + " = " + std::to_string(Between(0, 4096)) + ";\n";
              break;
            case 1:
              out += "  for (size_t i = 0; i < " + Ident() + ".size(); ++i) total += " + Ident() +
                     "[i] * " + std::to_string(Between(2, 9)) + ";\n";
              break;
            case 2:
              out += "  if (" + Ident() + " == nullptr) return NotFound(\"" + Pick(Words()) +
                     " missing\");\n";
              break;
            case 3:
              out += "  " + Ident() + ".push_back(" + Ident() + " / " +
                     std::to_string(Between(2, 64)) + ");\n";
              break;
            default:
              out += "  // " + Sentence() + "\n";
          }
        }
        out += "  return " + Ident() + ";\n}\n\n";
        break;
      }
      case 1: {  // Python
        out += "def " + Ident() + "(" + Ident() + ", " + Ident() + "=None):\n";
        out += "    \"\"\"" + Sentence() + "\"\"\"\n";
        int lines = Between(2, 8);
        for (int i = 0; i < lines; ++i) {
          switch (Below(4)) {
            case 0:
              out += "    " + Ident() + " = [x for x in " + Ident() + " if x > " +
                     std::to_string(Between(0, 500)) + "]\n";
              break;
            case 1:
              out +=
                  "    if not " + Ident() + ":\n        raise ValueError(\"" + Sentence() + "\")\n";
              break;
            case 2:
              out += "    log.info(\"%s done in %d ms\", " + Ident() + ", " +
                     std::to_string(Between(1, 900)) + ")\n";
              break;
            default:
              out += "    # " + Sentence() + "\n";
          }
        }
        out += "    return " + Ident() + "\n\n";
        break;
      }
      case 2: {  // JavaScript
        out += "export function " + Ident() + "(" + Ident() + ") {\n";
        out += "  const " + Ident() + " = " + Ident() + ".map((x) => x * " +
               std::to_string(Between(2, 12)) + ");\n";
        out += "  if (" + Ident() + ".length > " + std::to_string(Between(1, 100)) +
               ") console.warn('" + Sentence() + "');\n";
        out += "  return " + Ident() + ".filter(Boolean);\n}\n\n";
        break;
      }
      default: {  // YAML
        out += Ident() + ":\n  replicas: " + std::to_string(Between(1, 12)) + "\n";
        out += "  image: registry.internal/" + Pick(IdentParts()) + ":" +
               std::to_string(Between(1, 9)) + "." + std::to_string(Between(0, 30)) + "\n";
        out += "  labels:\n    tier: " + Pick(Words()) + "\n    owner: " + Pick(Words()) + "\n\n";
      }
    }
    return out;
  }

  // Documentation addresses (RFC 5737 / 3849), which are not personal data.
  std::string DocIpv4() {
    static const std::vector<std::string> nets = {"192.0.2.", "198.51.100.", "203.0.113."};
    return Pick(nets) + std::to_string(Between(1, 254));
  }
  std::string Date() {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "2024-%02d-%02d", Between(1, 12), Between(1, 28));
    return buf;
  }
  std::string Time() {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%02d:%02d:%02d.%03d", Between(0, 23), Between(0, 59),
                  Between(0, 59), Between(0, 999));
    return buf;
  }

  std::string Json() {
    std::string out = "[\n";
    int n = Between(2, 6);
    for (int i = 0; i < n; ++i) {
      out += "  {\"id\": " + std::to_string(Between(1000, 999999)) + ", \"title\": \"" +
             Pick(Words()) + " " + Pick(Words()) + "\", \"status\": \"" +
             Pick(std::vector<std::string>{"draft", "review", "approved", "published"}) +
             "\", \"owner\": \"" + Pick(Words()) + "." + Pick(Words()) +
             "@example.com\", \"price\": " + std::to_string(Between(1, 999)) + "." +
             std::to_string(Between(10, 99)) + ", \"currency\": \"EUR\", \"tags\": [\"" +
             Pick(Words()) + "\", \"" + Pick(Words()) + "\"], \"commit\": \"" + Hex(40) +
             "\", \"thumbnail\": \"" + Base64(Between(40, 90)) + "\", \"created_at\": \"" + Date() +
             "T" + Time() + "Z\"}" + (i + 1 < n ? "," : "") + "\n";
    }
    return out + "]\n\n";
  }

  std::string Log() {
    static const std::vector<std::string> levels = {"INFO ", "INFO ", "DEBUG", "WARN ", "ERROR"};
    static const std::vector<std::string> methods = {"GET", "POST", "PUT", "DELETE"};
    std::string out;
    int n = Between(5, 20);
    std::string day = Date();
    for (int i = 0; i < n; ++i) {
      out += day + "T" + Time() + "Z " + Pick(levels) + " [worker-" +
             std::to_string(Between(1, 16)) + "] ";
      switch (Below(4)) {
        case 0:
          out += Pick(methods) + " /v1/assets/" + std::to_string(Between(1, 99999)) + " " +
                 std::to_string(Pick(std::vector<int>{200, 201, 204, 304, 404, 500})) + " " +
                 std::to_string(Between(1, 900)) +
                 "ms client=" + (Below(4) == 0 ? "2001:db8::" + Hex(4) : DocIpv4()) +
                 " request_id=" + Hex(16) + "\n";
          break;
        case 1:
          out += "job " + std::to_string(Between(1, 99999)) + " " + Pick(Words()) + " " +
                 Pick(Words()) + " finished after " + std::to_string(Between(1, 120)) +
                 " s, queue depth " + std::to_string(Between(0, 64)) + "\n";
          break;
        case 2:
          // Look-alikes the detectors must reject: a version number that is also a dotted
          // quad, a UUID.
          out += "agent version " + std::to_string(Between(1, 9)) + "." +
                 std::to_string(Between(0, 9)) + "." + std::to_string(Between(0, 20)) + "." +
                 std::to_string(Between(1, 99)) + " started, trace=" + Uuid() + "\n";
          break;
        default:
          out += Sentence() + "\n";
      }
    }
    return out + "\n";
  }

  std::string Uuid() {
    return Hex(8) + "-" + Hex(4) + "-4" + Hex(3) + "-a" + Hex(3) + "-" + Hex(12);
  }

  std::string Csv() {
    static const std::vector<std::string> regions = {"EMEA", "APAC", "AMER", "LATAM"};
    std::string out = "order_id,date,region,sku,qty,unit_price,total\n";
    int n = Between(10, 40);
    for (int i = 0; i < n; ++i) {
      int qty = Between(1, 20);
      int cents = Between(100, 99999);
      out += std::to_string(Between(100000, 999999)) + "," + Date() + "," + Pick(regions) +
             ",SKU-" + std::to_string(Between(1000, 9999)) + "," + std::to_string(qty) + "," +
             std::to_string(cents / 100) + "." + std::to_string(10 + cents % 90) + "," +
             std::to_string(qty * cents / 100) + ".00\n";
    }
    return out + "\n";
  }

  std::string Block() {
    switch (Below(6)) {
      case 0:
      case 1:
        return Prose();
      case 2:
        return Code();
      case 3:
        return Json();
      case 4:
        return Log();
      default:
        return Csv();
    }
  }

  // --- personal data ---------------------------------------------------------------------------

  static char LuhnCheckDigit(const std::string& body) {
    int sum = 0;
    bool twice = true;  // the check digit will be appended on the right
    for (size_t i = body.size(); i-- > 0;) {
      int d = body[i] - '0';
      if (twice) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
      twice = !twice;
    }
    return static_cast<char>('0' + (10 - sum % 10) % 10);
  }

  std::string CardNumber() {
    struct Issuer {
      std::string prefix;
      int length;
    };
    const std::vector<Issuer> issuers = {
        {"4", 16},
        {std::to_string(Between(51, 55)), 16},
        {std::to_string(Between(2221, 2720)), 16},
        {Below(2) ? "34" : "37", 15},
        {"6011", 16},
        {"65", 16},
        {std::to_string(Between(3528, 3589)), 16},
        {"36", 14},
        {"62", 16},
    };
    const Issuer& is = Pick(issuers);
    std::string body = is.prefix + Digits(is.length - 1 - static_cast<int>(is.prefix.size()));
    std::string number = body + LuhnCheckDigit(body);
    // Printed forms: compact, or in groups (4-4-4-4; Amex 4-6-5; Diners 4-6-4).
    const uint64_t style = Below(3);
    if (style == 0) return number;
    const char sep = style == 1 ? ' ' : '-';
    std::vector<int> groups = is.length == 16   ? std::vector<int>{4, 4, 4, 4}
                              : is.length == 15 ? std::vector<int>{4, 6, 5}
                                                : std::vector<int>{4, 6, 4};
    std::string out;
    size_t pos = 0;
    for (int g : groups) {
      if (!out.empty()) out.push_back(sep);
      out += number.substr(pos, static_cast<size_t>(g));
      pos += static_cast<size_t>(g);
    }
    return out;
  }

  std::string Iban() {
    struct Country {
      std::string code;
      std::string (CorpusGenerator::*bban)();
    };
    static const std::vector<Country> countries = {
        {"DE", &CorpusGenerator::BbanDigits<18>}, {"FR", &CorpusGenerator::BbanDigits<23>},
        {"ES", &CorpusGenerator::BbanDigits<20>}, {"BE", &CorpusGenerator::BbanDigits<12>},
        {"CH", &CorpusGenerator::BbanDigits<17>}, {"GB", &CorpusGenerator::BbanGb},
        {"NL", &CorpusGenerator::BbanNl},         {"IT", &CorpusGenerator::BbanIt},
    };
    const Country& c = Pick(countries);
    const std::string bban = (this->*c.bban)();
    // ISO 7064 mod 97-10: check digits make BBAN + country + check ≡ 1 (mod 97).
    int rem = 0;
    for (char ch : bban + c.code + "00") {
      if (ch >= '0' && ch <= '9') {
        rem = (rem * 10 + (ch - '0')) % 97;
      } else {
        rem = (rem * 100 + (ch - 'A' + 10)) % 97;
      }
    }
    const int check = 98 - rem;  // 2..98
    const std::string iban =
        c.code + static_cast<char>('0' + check / 10) + static_cast<char>('0' + check % 10) + bban;
    if (Below(2) == 0) return iban;
    std::string grouped;
    for (size_t i = 0; i < iban.size(); i += 4) {
      if (i) grouped.push_back(' ');
      grouped += iban.substr(i, 4);
    }
    return grouped;
  }
  template <int N>
  std::string BbanDigits() {
    return Digits(N);
  }
  std::string Letters(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('A' + Below(26)));
    return s;
  }
  std::string BbanGb() { return Letters(4) + Digits(14); }
  std::string BbanNl() { return Letters(4) + Digits(10); }
  std::string BbanIt() { return Letters(1) + Digits(22); }

  std::string Email() {
    static const std::vector<std::string> first = {"jana",   "marco", "priya", "lars", "amelie",
                                                   "tomasz", "ines",  "kofi",  "yuki", "omar"};
    static const std::vector<std::string> last = {"novak",    "ortega", "raman",  "berg", "dubois",
                                                  "kowalski", "silva",  "mensah", "sato", "haddad"};
    static const std::vector<std::string> domains = {
        "gmail.com", "outlook.com", "proton.me",  "fastmail.com", "yahoo.co.uk",
        "web.de",    "orange.fr",   "icloud.com", "hey.com",      "zoho.eu"};
    switch (Below(3)) {
      case 0:
        return Pick(first) + "." + Pick(last) + "@" + Pick(domains);
      case 1:
        return Pick(first).substr(0, 1) + "." + Pick(last) + "@" + Pick(domains);
      default:
        return Pick(first) + Pick(last) + std::to_string(Between(1, 99)) + "@" + Pick(domains);
    }
  }

  std::string NanpLine() {  // NXX-XXXX with N = 2..9, not N11, not 555-01XX
    std::string nxx;
    do {
      nxx = std::to_string(Between(2, 9)) + Digits(2);
    } while (nxx[1] == '1' && nxx[2] == '1');
    std::string line = Digits(4);
    if (nxx == "555" && line[0] == '0' && line[1] == '1') line[0] = '2';
    return nxx + "|" + line;
  }
  std::string Phone() {
    static const std::vector<std::string> npas = {"212", "312", "415", "617", "646", "303", "206"};
    std::string nanp = NanpLine();
    const std::string nxx = nanp.substr(0, 3);
    const std::string line = nanp.substr(4);
    switch (Below(7)) {
      case 0:
        return "(" + Pick(npas) + ") " + nxx + "-" + line;
      case 1:
        return Pick(npas) + "-" + nxx + "-" + line;
      case 2:
        return Pick(npas) + "." + nxx + "." + line;
      case 3:
        return "+1 " + Pick(npas) + " " + nxx + " " + line;
      case 4:
        return "+44 20 " + Digits(4) + " " + Digits(4);
      case 5:
        return "+49 30 " + Digits(7);
      default:
        return "+33 1 " + Digits(2) + " " + Digits(2) + " " + Digits(2) + " " + Digits(2);
    }
  }

  std::string Ssn() {
    int area;
    do {
      area = Between(1, 899);
    } while (area == 666);
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%03d-%02d-%04d", area, Between(1, 99), Between(1, 9999));
    return buf;
  }

  std::string PublicIpv4() {
    while (true) {
      int a = Between(1, 223);
      int b = Between(0, 255);
      if (a == 10 || a == 127 || (a == 100 && b >= 64 && b < 128) || (a == 169 && b == 254) ||
          (a == 172 && b >= 16 && b < 32) || (a == 192 && (b == 168 || b == 0)) ||
          (a == 198 && (b == 18 || b == 19 || b == 51)) || (a == 203 && b == 0)) {
        continue;
      }
      return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(Between(0, 255)) +
             "." + std::to_string(Between(1, 254));
    }
  }

  std::string PublicIpv6() {
    static const std::vector<std::string> prefixes = {"2a00", "2a01", "2a02", "2606",
                                                      "2607", "2400", "2403", "2804"};
    std::string out = Pick(prefixes);
    auto group = [&] {
      std::string g = Hex(4);
      g.erase(0, std::min(g.find_first_not_of('0'), g.size() - 1));
      return g;
    };
    if (Below(2) == 0) {
      for (int i = 0; i < 7; ++i) out += ":" + group();
    } else {
      for (int i = 0; i < 3; ++i) out += ":" + group();
      out += "::" + group();
    }
    return out;
  }

 private:
  std::mt19937_64 rng_;
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
std::vector<Plant> MakePlants(CorpusGenerator& gen, const GitleaksOracle& oracle) {
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
Corpus BuildCorpus(CorpusGenerator& gen, std::vector<Plant> plants, size_t bytes) {
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

    CorpusGenerator clean_gen(kCorpusSeed ^ 0xc1ea);
    clean_ = std::make_unique<Corpus>(BuildCorpus(clean_gen, {}, kCorpusBytes));
    CorpusGenerator gen(kCorpusSeed);
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
  CorpusGenerator a(kCorpusSeed ^ 0xc1ea);
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
