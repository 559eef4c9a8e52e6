#include "mixed_text.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>

#include "dlp/tests/regex_sample.h"

namespace custody::dlp::bench {

namespace {

using testing::UniformBelow;

// Words of at most 10 letters, so no run of prose is a high-entropy token.
const std::vector<std::string> kWords = {
    "the",     "of",       "and",      "to",       "in",       "a",        "is",       "that",
    "for",     "it",       "as",       "was",      "with",     "be",       "by",       "on",
    "not",     "this",     "are",      "or",       "from",     "at",       "which",    "but",
    "have",    "an",       "they",     "you",      "were",     "their",    "one",      "all",
    "we",      "can",      "has",      "team",     "market",   "quarter",  "report",   "customer",
    "product", "design",   "review",   "budget",   "meeting",  "schedule", "office",   "project",
    "release", "planning", "summary",  "feedback", "delivery", "shipment", "invoice",  "contract",
    "partner", "supplier", "growth",   "revenue",  "forecast", "strategy", "campaign", "audience",
    "channel", "content",  "creative", "brand",    "launch",   "region",   "morning",  "evening",
    "weekly",  "monthly",  "annual",   "simple",   "careful",  "quick",    "steady",   "modest",
    "strong",  "bright",   "quiet",    "early",    "version",  "update",   "change",   "detail",
    "picture", "video",    "image",    "photo",    "studio",   "gallery",  "story",    "chapter",
    "editor",  "writer",   "garden",   "river",    "mountain", "forest",   "harbor",   "island",
    "coffee",  "travel",   "hotel",    "flight",   "station",  "window",   "table",    "light",
    "color",   "paper",    "number",   "letter",   "answer",   "question", "problem",  "reason",
    "result",  "decision", "approval", "request",  "process",  "system",   "service",  "network",
    "storage", "archive",  "backup",   "folder",   "document", "record",   "history",  "notice",
    "policy",  "rule",     "owner",    "member",   "group",    "people",   "family",   "student",
    "teacher", "artist",   "because",  "before",   "after",    "during",   "between",  "without",
    "within",  "about",    "through",  "across",   "often",    "always",   "never",    "usually",
    "again",   "improve",  "prepare",  "deliver",  "explain",  "consider", "discuss",  "measure",
    "compare", "choose",   "follow",   "support",  "reduce",   "increase", "publish",  "access",
    "keys",    "secure",   "private",  "public",   "approve",  "token",
};

// Identifier parts for code: no gitleaks keyword among them, so no generated assignment looks
// like a credential.
const std::vector<std::string> kIdentParts = {
    "count", "total",  "index", "item",  "items", "value", "result", "buffer", "offset", "size",
    "name",  "path",   "file",  "user",  "order", "price", "amount", "limit",  "page",   "row",
    "width", "height", "frame", "layer", "node",  "edge",  "queue",  "task",   "job",    "cache",
    "entry", "batch",  "chunk", "retry", "delay", "scale", "ratio",  "label",  "color",  "state",
};

class Text {
 public:
  explicit Text(std::mt19937_64& rng) : rng_(rng) {}

  uint64_t Below(uint64_t n) { return UniformBelow(rng_, n); }
  int Between(int lo, int hi) { return lo + static_cast<int>(Below(hi - lo + 1)); }
  const std::string& Pick(const std::vector<std::string>& v) { return v[Below(v.size())]; }
  std::string Num(int lo, int hi) { return std::to_string(Between(lo, hi)); }
  std::string Chars(const char* alphabet, size_t alphabet_size, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(alphabet[Below(alphabet_size)]);
    return s;
  }
  std::string Digits(int n) { return Chars("0123456789", 10, n); }
  std::string Hex(int n) { return Chars("0123456789abcdef", 16, n); }
  std::string Upper(int n) { return Chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 26, n); }
  std::string Base64(int n) {
    static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    return Chars(kB64, 64, n) + std::string((4 - n % 4) % 4, '=');
  }

  std::string Sentence() {
    int n = Between(6, 16);
    std::string s;
    for (int i = 0; i < n; ++i) {
      std::string w = Pick(kWords);
      if (i == 0) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
      if (i > 0) s += (Below(12) == 0 && i + 1 < n) ? ", " : " ";
      s += w;
      if (Below(40) == 0) s += " " + Num(2, 99) + " percent";
      if (Below(60) == 0) s += " in " + Num(1990, 2030);
    }
    return s + (Below(10) == 0 ? "?" : ".");
  }

  std::string Ident() {
    std::string id = Pick(kIdentParts);
    if (Below(2) == 0) id += "_" + Pick(kIdentParts);
    return id;
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
  std::string DocIpv4() {  // RFC 5737: not personal data
    static const std::vector<std::string> nets = {"192.0.2.", "198.51.100.", "203.0.113."};
    return Pick(nets) + Num(1, 254);
  }
  std::string Uuid() {
    return Hex(8) + "-" + Hex(4) + "-4" + Hex(3) + "-a" + Hex(3) + "-" + Hex(12);
  }

  std::string Prose() {
    std::string p;
    int sentences = Between(3, 8);
    for (int i = 0; i < sentences; ++i) p += (i ? " " : "") + Sentence();
    if (Below(8) == 0)
      p += " Call the front desk at (" + Num(2, 9) + Digits(2) + ") 555-01" + Digits(2) +
           ".";  // reserved for fiction
    return p + "\n\n";
  }

  std::string Code() {
    std::string out;
    switch (Below(4)) {
      case 0: {
        out += "// " + Sentence() + "\n";
        out += "Result<size_t> " + Ident() + "(const std::vector<int>& " + Ident() + ") {\n";
        int lines = Between(3, 10);
        for (int i = 0; i < lines; ++i) {
          switch (Below(5)) {
            case 0:
              out += "  size_t " + Ident() + " = " + Num(0, 4096) + ";\n";
              break;
            case 1:
              out += "  for (size_t i = 0; i < " + Ident() + ".size(); ++i) total += " + Ident() +
                     "[i] * " + Num(2, 9) + ";\n";
              break;
            case 2:
              out += "  if (" + Ident() + " == nullptr) return NotFound(\"" + Pick(kWords) +
                     " missing\");\n";
              break;
            case 3:
              out += "  " + Ident() + ".push_back(" + Ident() + " / " + Num(2, 64) + ");\n";
              break;
            default:
              out += "  // " + Sentence() + "\n";
          }
        }
        out += "  return " + Ident() + ";\n}\n\n";
        break;
      }
      case 1: {
        out += "def " + Ident() + "(" + Ident() + ", " + Ident() + "=None):\n";
        out += "    \"\"\"" + Sentence() + "\"\"\"\n";
        int lines = Between(2, 8);
        for (int i = 0; i < lines; ++i) {
          switch (Below(4)) {
            case 0:
              out +=
                  "    " + Ident() + " = [x for x in " + Ident() + " if x > " + Num(0, 500) + "]\n";
              break;
            case 1:
              out +=
                  "    if not " + Ident() + ":\n        raise ValueError(\"" + Sentence() + "\")\n";
              break;
            case 2:
              out += "    log.info(\"%s done in %d ms\", " + Ident() + ", " + Num(1, 900) + ")\n";
              break;
            default:
              out += "    # " + Sentence() + "\n";
          }
        }
        out += "    return " + Ident() + "\n\n";
        break;
      }
      case 2:
        out += "export function " + Ident() + "(" + Ident() + ") {\n";
        out += "  const " + Ident() + " = " + Ident() + ".map((x) => x * " + Num(2, 12) + ");\n";
        out += "  if (" + Ident() + ".length > " + Num(1, 100) + ") console.warn('" + Sentence() +
               "');\n";
        out += "  return " + Ident() + ".filter(Boolean);\n}\n\n";
        break;
      default:
        out += Ident() + ":\n  replicas: " + Num(1, 12) + "\n";
        out += "  image: registry.internal/" + Pick(kIdentParts) + ":" + Num(1, 9) + "." +
               Num(0, 30) + "\n";
        out += "  labels:\n    tier: " + Pick(kWords) + "\n    owner: " + Pick(kWords) + "\n\n";
    }
    return out;
  }

  std::string Json() {
    static const std::vector<std::string> status = {"draft", "review", "approved", "published"};
    std::string out = "[\n";
    int n = Between(2, 6);
    for (int i = 0; i < n; ++i) {
      out += "  {\"id\": " + Num(1000, 999999) + ", \"title\": \"" + Pick(kWords) + " " +
             Pick(kWords) + "\", \"status\": \"" + Pick(status) + "\", \"owner\": \"" +
             Pick(kWords) + "." + Pick(kWords) + "@example.com\", \"price\": " + Num(1, 999) + "." +
             Num(10, 99) + ", \"tags\": [\"" + Pick(kWords) + "\", \"" + Pick(kWords) +
             "\"], \"commit\": \"" + Hex(40) + "\", \"thumbnail\": \"" + Base64(Between(40, 90)) +
             "\", \"created_at\": \"" + Date() + "T" + Time() + "Z\"}" + (i + 1 < n ? "," : "") +
             "\n";
    }
    return out + "]\n\n";
  }

  std::string Log() {
    static const std::vector<std::string> levels = {"INFO ", "INFO ", "DEBUG", "WARN ", "ERROR"};
    static const std::vector<std::string> methods = {"GET", "POST", "PUT", "DELETE"};
    static const std::vector<std::string> codes = {"200", "201", "204", "304", "404", "500"};
    std::string out;
    const std::string day = Date();
    int n = Between(5, 20);
    for (int i = 0; i < n; ++i) {
      out += day + "T" + Time() + "Z " + Pick(levels) + " [worker-" + Num(1, 16) + "] ";
      switch (Below(4)) {
        case 0:
          out += Pick(methods) + " /v1/assets/" + Num(1, 99999) + " " + Pick(codes) + " " +
                 Num(1, 900) + "ms client=" + (Below(4) == 0 ? "2001:db8::" + Hex(4) : DocIpv4()) +
                 " request_id=" + Hex(16) + "\n";
          break;
        case 1:
          out += "job " + Num(1, 99999) + " " + Pick(kWords) + " " + Pick(kWords) +
                 " finished after " + Num(1, 120) + " s, queue depth " + Num(0, 64) + "\n";
          break;
        case 2:
          out += "agent version " + Num(1, 9) + "." + Num(0, 9) + "." + Num(0, 20) + "." +
                 Num(1, 99) + " started, trace=" + Uuid() + "\n";
          break;
        default:
          out += Sentence() + "\n";
      }
    }
    return out + "\n";
  }

  std::string Csv() {
    static const std::vector<std::string> regions = {"EMEA", "APAC", "AMER", "LATAM"};
    std::string out = "order_id,date,region,sku,qty,unit_price,total\n";
    int n = Between(10, 40);
    for (int i = 0; i < n; ++i) {
      int qty = Between(1, 20);
      int cents = Between(100, 99999);
      out += Num(100000, 999999) + "," + Date() + "," + Pick(regions) + ",SKU-" + Num(1000, 9999) +
             "," + std::to_string(qty) + "," + std::to_string(cents / 100) + "." +
             std::to_string(10 + cents % 90) + "," + std::to_string(qty * cents / 100) + ".00\n";
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

  // --- personal data -------------------------------------------------------------------------

  std::string Card() {
    struct Issuer {
      std::string prefix;
      int length;
    };
    const std::vector<Issuer> issuers = {
        {"4", 16},    {Num(51, 55), 16}, {Num(2221, 2720), 16}, {Below(2) ? "34" : "37", 15},
        {"6011", 16}, {"65", 16},        {Num(3528, 3589), 16}, {"36", 14},
        {"62", 16},
    };
    const Issuer& is = issuers[Below(issuers.size())];
    std::string body = is.prefix + Digits(is.length - 1 - static_cast<int>(is.prefix.size()));
    int sum = 0;
    bool twice = true;
    for (size_t i = body.size(); i-- > 0;) {
      int d = body[i] - '0';
      if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
      twice = !twice;
    }
    std::string number = body + static_cast<char>('0' + (10 - sum % 10) % 10);
    if (Below(2) == 0 || is.length != 16) return number;
    std::string out;
    for (size_t i = 0; i < number.size(); i += 4) {
      if (i) out.push_back(' ');
      out += number.substr(i, 4);
    }
    return out;
  }

  std::string Iban() {
    struct Country {
      const char* code;
      int digits;  // a BBAN of this many digits after `letters` letters
      int letters;
    };
    static const std::vector<Country> countries = {{"DE", 18, 0}, {"FR", 23, 0}, {"ES", 20, 0},
                                                   {"BE", 12, 0}, {"CH", 17, 0}, {"GB", 14, 4},
                                                   {"NL", 10, 4}, {"IT", 22, 1}};
    const Country& c = countries[Below(countries.size())];
    const std::string bban = Upper(c.letters) + Digits(c.digits);
    int rem = 0;
    for (char ch : bban + c.code + "00") {
      rem = ch >= '0' && ch <= '9' ? (rem * 10 + (ch - '0')) % 97
                                   : (rem * 100 + (ch - 'A' + 10)) % 97;
    }
    const int check = 98 - rem;
    return std::string(c.code) + static_cast<char>('0' + check / 10) +
           static_cast<char>('0' + check % 10) + bban;
  }

  std::string Email() {
    static const std::vector<std::string> first = {"jana",   "marco", "priya", "lars", "amelie",
                                                   "tomasz", "ines",  "kofi",  "yuki", "omar"};
    static const std::vector<std::string> last = {"novak",    "ortega", "raman",  "berg", "dubois",
                                                  "kowalski", "silva",  "mensah", "sato", "haddad"};
    static const std::vector<std::string> domains = {"gmail.com",    "outlook.com", "proton.me",
                                                     "fastmail.com", "web.de",      "orange.fr"};
    return Pick(first) + "." + Pick(last) + "@" + Pick(domains);
  }

  std::string Phone() {
    std::string nxx;
    do {
      nxx = Num(2, 9) + Digits(2);
    } while (nxx[1] == '1' && nxx[2] == '1');
    switch (Below(3)) {
      case 0:
        return "(" + Num(2, 9) + "0" + Num(2, 9) + ") " + nxx + "-" + Num(2000, 9999);
      case 1:
        return "+44 20 " + Digits(4) + " " + Digits(4);
      default:
        return "+49 30 " + Digits(7);
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
      return std::to_string(a) + "." + std::to_string(b) + "." + Num(0, 255) + "." + Num(1, 254);
    }
  }

  std::string PiiLine() {
    switch (Below(7)) {
      case 0:
        return "Customer paid with card " + Card() + " at the web shop.\n";
      case 1:
        return "Refund to IBAN " + Iban() + " was approved today.\n";
      case 2:
        return "Contact: " + Email() + " for the delivery.\n";
      case 3:
        return "Call back on " + Phone() + " after lunch.\n";
      case 4:
        return "SSN on file: " + Ssn() + " (HR).\n";
      default:
        return "Login from " + PublicIpv4() + " was flagged by the firewall.\n";
    }
  }

 private:
  std::mt19937_64& rng_;
};

}  // namespace

MixedTextGenerator::MixedTextGenerator(const MixedTextOptions& options)
    : options_(options), rng_(options.seed) {}
MixedTextGenerator::~MixedTextGenerator() = default;

Result<std::unique_ptr<MixedTextGenerator>> MixedTextGenerator::Create(
    const RuleSet* rules, const MixedTextOptions& options) {
  std::unique_ptr<MixedTextGenerator> g(new MixedTextGenerator(options));
  if (rules != nullptr && !rules->rules.empty() && options.secret_every > 0) {
    ASSIGN_OR_RETURN(auto oracle, testing::GitleaksOracle::Create(*rules));
    testing::TruePositiveOptions tp_options;
    tp_options.embeddable = true;
    for (size_t i = 0; i < rules->rules.size(); ++i) {
      if (!rules->rules[i].path.empty()) continue;  // found by path, not in text
      auto tp = testing::MakeTruePositive(*oracle, i, options.seed * 1000003 + i, tp_options);
      if (tp) g->secrets_.push_back(std::move(tp->text));
    }
  }
  Text t(g->rng_);
  if (!g->secrets_.empty()) g->next_secret_at_ = t.Below(2 * options.secret_every);
  if (options.pii_every > 0) g->next_pii_at_ = t.Below(2 * options.pii_every);
  return g;
}

std::string MixedTextGenerator::NextBlock() {
  Text t(rng_);
  std::string block = t.Block();
  // Planted lines go between blocks, at uniformly random gaps around the configured density.
  if (!secrets_.empty() && generated_ >= next_secret_at_) {
    block += secrets_[t.Below(secrets_.size())] + "\n";
    next_secret_at_ = generated_ + t.Below(2 * options_.secret_every);
    ++planted_secrets_;
  }
  if (options_.pii_every > 0 && generated_ >= next_pii_at_) {
    block += t.PiiLine() + "\n";
    next_pii_at_ = generated_ + t.Below(2 * options_.pii_every);
    ++planted_pii_;
  }
  generated_ += block.size();
  return block;
}

void MixedTextGenerator::Append(size_t bytes, std::string* out) {
  while (out->size() < bytes) *out += NextBlock();
}

Status MixedTextGenerator::WriteFile(const std::filesystem::path& path, size_t bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return InvalidArgument("cannot create " + path.string());
  std::string buffer;
  size_t written = 0;
  while (written < bytes) {
    buffer.clear();
    Append(std::min<size_t>(bytes - written, 1 << 20), &buffer);
    file.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    written += buffer.size();
  }
  file.close();
  if (!file) return Internal("write to " + path.string() + " failed");
  return OkStatus();
}

}  // namespace custody::dlp::bench
