#include "dlp/tests/synthetic_text.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "dlp/tests/regex_sample.h"

namespace custody::dlp::testing {
namespace {

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

}  // namespace

// The order of the draws inside each expression below is the compiler's (operands of `+` are
// unsequenced); corpus_test's corpus was tuned on GCC's order, so keep the expressions' shape.

uint64_t SyntheticText::Below(uint64_t n) { return UniformBelow(rng_, n); }

std::string SyntheticText::Chars(std::string_view alphabet, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(alphabet[Below(alphabet.size())]);
  return s;
}

std::string SyntheticText::Base64(int n) {
  return Chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", n) +
         std::string((4 - n % 4) % 4, '=');
}

// --- clean text ---------------------------------------------------------------------------------

std::string SyntheticText::Sentence() {
  int n = Between(6, 16);
  std::string s;
  for (int i = 0; i < n; ++i) {
    std::string w = Pick(Words());
    if (i == 0) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
    if (i > 0) s += (Below(12) == 0 && i + 1 < n) ? ", " : " ";
    s += w;
    if (Below(40) == 0) s += " " + Num(2, 99) + " percent";
    if (Below(60) == 0) s += " in " + Num(1990, 2030);
  }
  return s + (Below(10) == 0 ? "?" : ".");
}

std::string SyntheticText::Ident() {
  std::string id = Pick(IdentParts());
  if (Below(2) == 0) id += "_" + Pick(IdentParts());
  return id;
}

std::string SyntheticText::Date() {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "2024-%02d-%02d", Between(1, 12), Between(1, 28));
  return buf;
}

std::string SyntheticText::Time() {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%02d:%02d:%02d.%03d", Between(0, 23), Between(0, 59),
                Between(0, 59), Between(0, 999));
  return buf;
}

std::string SyntheticText::DocIpv4() {
  static const std::vector<std::string> nets = {"192.0.2.", "198.51.100.", "203.0.113."};
  return Pick(nets) + Num(1, 254);
}

std::string SyntheticText::Uuid() {
  return Hex(8) + "-" + Hex(4) + "-4" + Hex(3) + "-a" + Hex(3) + "-" + Hex(12);
}

std::string SyntheticText::Prose() {
  std::string p;
  int sentences = Between(3, 8);
  for (int i = 0; i < sentences; ++i) p += (i ? " " : "") + Sentence();
  // Documentation values the PII detectors must reject: the 555-01XX numbers reserved for
  // fiction and an advertised sample SSN.
  if (Below(8) == 0) {
    p += " For questions call the front desk at (" + Num(2, 9) + Digits(2) + ") 555-01" +
         Digits(2) + ".";
  }
  if (Below(40) == 0) p += " The form shows the sample number 078-05-1120.";
  return p + "\n\n";
}

std::string SyntheticText::Code() {
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
            out += "  size_t " + Ident() + " = " + Num(0, 4096) + ";\n";
            break;
          case 1:
            out += "  for (size_t i = 0; i < " + Ident() + ".size(); ++i) total += " + Ident() +
                   "[i] * " + Num(2, 9) + ";\n";
            break;
          case 2:
            out += "  if (" + Ident() + " == nullptr) return NotFound(\"" + Pick(Words()) +
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
    case 1: {  // Python
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
    case 2: {  // JavaScript
      out += "export function " + Ident() + "(" + Ident() + ") {\n";
      out += "  const " + Ident() + " = " + Ident() + ".map((x) => x * " + Num(2, 12) + ");\n";
      out += "  if (" + Ident() + ".length > " + Num(1, 100) + ") console.warn('" + Sentence() +
             "');\n";
      out += "  return " + Ident() + ".filter(Boolean);\n}\n\n";
      break;
    }
    default: {  // YAML
      out += Ident() + ":\n  replicas: " + Num(1, 12) + "\n";
      out += "  image: registry.internal/" + Pick(IdentParts()) + ":" + Num(1, 9) + "." +
             Num(0, 30) + "\n";
      out += "  labels:\n    tier: " + Pick(Words()) + "\n    owner: " + Pick(Words()) + "\n\n";
    }
  }
  return out;
}

std::string SyntheticText::Json() {
  static const std::vector<std::string> status = {"draft", "review", "approved", "published"};
  std::string out = "[\n";
  int n = Between(2, 6);
  for (int i = 0; i < n; ++i) {
    out += "  {\"id\": " + Num(1000, 999999) + ", \"title\": \"" + Pick(Words()) + " " +
           Pick(Words()) + "\", \"status\": \"" + Pick(status) + "\", \"owner\": \"" +
           Pick(Words()) + "." + Pick(Words()) + "@example.com\", \"price\": " + Num(1, 999) + "." +
           Num(10, 99) + ", \"currency\": \"EUR\", \"tags\": [\"" + Pick(Words()) + "\", \"" +
           Pick(Words()) + "\"], \"commit\": \"" + Hex(40) + "\", \"thumbnail\": \"" +
           Base64(Between(40, 90)) + "\", \"created_at\": \"" + Date() + "T" + Time() + "Z\"}" +
           (i + 1 < n ? "," : "") + "\n";
  }
  return out + "]\n\n";
}

std::string SyntheticText::Log() {
  static const std::vector<std::string> levels = {"INFO ", "INFO ", "DEBUG", "WARN ", "ERROR"};
  static const std::vector<std::string> methods = {"GET", "POST", "PUT", "DELETE"};
  static const std::vector<std::string> codes = {"200", "201", "204", "304", "404", "500"};
  std::string out;
  int n = Between(5, 20);
  std::string day = Date();
  for (int i = 0; i < n; ++i) {
    out += day + "T" + Time() + "Z " + Pick(levels) + " [worker-" + Num(1, 16) + "] ";
    switch (Below(4)) {
      case 0:
        out += Pick(methods) + " /v1/assets/" + Num(1, 99999) + " " + Pick(codes) + " " +
               Num(1, 900) + "ms client=" + (Below(4) == 0 ? "2001:db8::" + Hex(4) : DocIpv4()) +
               " request_id=" + Hex(16) + "\n";
        break;
      case 1:
        out += "job " + Num(1, 99999) + " " + Pick(Words()) + " " + Pick(Words()) +
               " finished after " + Num(1, 120) + " s, queue depth " + Num(0, 64) + "\n";
        break;
      case 2:
        // Look-alikes the detectors must reject: a version number that is also a dotted quad,
        // a UUID.
        out += "agent version " + Num(1, 9) + "." + Num(0, 9) + "." + Num(0, 20) + "." +
               Num(1, 99) + " started, trace=" + Uuid() + "\n";
        break;
      default:
        out += Sentence() + "\n";
    }
  }
  return out + "\n";
}

std::string SyntheticText::Csv() {
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

std::string SyntheticText::Block() {
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

// --- synthetic personal data
// ----------------------------------------------------------------------

char SyntheticText::LuhnCheckDigit(std::string_view digits) {
  int sum = 0;
  bool twice = true;  // the check digit will be appended on the right
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string SyntheticText::CardNumber() {
  struct Issuer {
    std::string prefix;
    int length;
  };
  const std::vector<Issuer> issuers = {
      {"4", 16},    {Num(51, 55), 16}, {Num(2221, 2720), 16}, {Below(2) ? "34" : "37", 15},
      {"6011", 16}, {"65", 16},        {Num(3528, 3589), 16}, {"36", 14},
      {"62", 16},
  };
  const Issuer& is = Pick(issuers);
  std::string body = is.prefix + Digits(is.length - 1 - static_cast<int>(is.prefix.size()));
  std::string number = body + LuhnCheckDigit(body);
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

std::string SyntheticText::Iban() {
  struct Country {
    std::string code;
    int letters;  // the BBAN: this many letters, then `digits` digits
    int digits;
  };
  static const std::vector<Country> countries = {
      {"DE", 0, 18}, {"FR", 0, 23}, {"ES", 0, 20}, {"BE", 0, 12},
      {"CH", 0, 17}, {"GB", 4, 14}, {"NL", 4, 10}, {"IT", 1, 22},
  };
  const Country& c = Pick(countries);
  const std::string bban = Letters(c.letters) + Digits(c.digits);
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

std::string SyntheticText::Email() {
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
      return Pick(first) + Pick(last) + Num(1, 99) + "@" + Pick(domains);
  }
}

std::string SyntheticText::Phone() {
  static const std::vector<std::string> npas = {"212", "312", "415", "617", "646", "303", "206"};
  // NXX-XXXX with N = 2..9, not N11, not 555-01XX.
  std::string nxx;
  do {
    nxx = Num(2, 9) + Digits(2);
  } while (nxx[1] == '1' && nxx[2] == '1');
  std::string line = Digits(4);
  if (nxx == "555" && line[0] == '0' && line[1] == '1') line[0] = '2';
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

std::string SyntheticText::Ssn() {
  int area;
  do {
    area = Between(1, 899);
  } while (area == 666);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%03d-%02d-%04d", area, Between(1, 99), Between(1, 9999));
  return buf;
}

std::string SyntheticText::PublicIpv4() {
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

std::string SyntheticText::PublicIpv6() {
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

}  // namespace custody::dlp::testing
