// PII validators (after Microsoft Presidio's predefined recognizers) and the candidate patterns
// the scanner compiles for them. The patterns are deliberately loose and cheap for Hyperscan
// (each is anchored on digits, '@', '+' or ':' with word boundaries so ordinary prose produces
// no events); precision comes from the validators.
#include "dlp/pii.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>

namespace custody::dlp {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Digits of `s` if it is digits separated by single occurrences of one separator from `seps`
// (the same separator throughout), else nullopt.
std::optional<std::string> DigitsWithOneSeparator(std::string_view s, std::string_view seps) {
  std::string digits;
  char sep = 0;
  bool last_was_sep = true;  // a leading separator is refused
  for (char c : s) {
    if (IsDigit(c)) {
      digits.push_back(c);
      last_was_sep = false;
    } else if (seps.find(c) != std::string_view::npos) {
      if (last_was_sep) return std::nullopt;
      if (sep != 0 && c != sep) return std::nullopt;
      sep = c;
      last_was_sep = true;
    } else {
      return std::nullopt;
    }
  }
  if (last_was_sep) return std::nullopt;
  return digits;
}

int PrefixNumber(std::string_view digits, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n && i < digits.size(); ++i) v = v * 10 + (digits[i] - '0');
  return v;
}

// --- IBAN registry: country code and total length (SWIFT IBAN Registry). ---
struct IbanCountry {
  char code[3];
  uint8_t length;
};
constexpr IbanCountry kIbanCountries[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
    {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27},
    {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
    {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20}, {"MR", 27},
    {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24}, {"PL", 28},
    {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24}, {"SC", 31},
    {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28},
    {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
};

// --- ITU-T E.164 country calling codes in service (prefix-free). ---
constexpr int kCallingCodes[] = {
    1,   7,   20,  27,  30,  31,  32,  33,  34,  36,  39,  40,  41,  43,  44,  45,  46,  47,
    48,  49,  51,  52,  53,  54,  55,  56,  57,  58,  60,  61,  62,  63,  64,  65,  66,  81,
    82,  84,  86,  90,  91,  92,  93,  94,  95,  98,  211, 212, 213, 216, 218, 220, 221, 222,
    223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240,
    241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258,
    260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 290, 291, 297, 298, 299, 350, 351, 352,
    353, 354, 355, 356, 357, 358, 359, 370, 371, 372, 373, 374, 375, 376, 377, 378, 380, 381,
    382, 383, 385, 386, 387, 389, 420, 421, 423, 500, 501, 502, 503, 504, 505, 506, 507, 508,
    509, 590, 591, 592, 593, 594, 595, 596, 597, 598, 599, 670, 672, 673, 674, 675, 676, 677,
    678, 679, 680, 681, 682, 683, 685, 686, 687, 688, 689, 690, 691, 692, 800, 808, 850, 852,
    853, 855, 856, 870, 878, 880, 881, 882, 883, 886, 888, 960, 961, 962, 963, 964, 965, 966,
    967, 968, 970, 971, 972, 973, 974, 975, 976, 977, 979, 992, 993, 994, 995, 996, 998,
};

bool IsCallingCode(int code) {
  return std::find(std::begin(kCallingCodes), std::end(kCallingCodes), code) !=
         std::end(kCallingCodes);
}

// NANP: NPA and NXX are [2-9]XX and not N11; 555-0100..0199 are reserved for fiction.
bool ValidNanp(std::string_view ten) {
  if (ten.size() != 10) return false;
  const auto n11 = [](std::string_view d) { return d[1] == '1' && d[2] == '1'; };
  if (ten[0] < '2' || n11(ten.substr(0, 3))) return false;
  if (ten[3] < '2' || n11(ten.substr(3, 3))) return false;
  if (ten.substr(3, 3) == "555" && ten.substr(6, 2) == "01") return false;
  return true;
}

// Phone candidates: digits, spaces, dots, dashes and balanced, non-nested parentheses; no two
// separators in a row except ") " / ")-" / ")." and " (".
std::optional<std::string> PhoneDigits(std::string_view s) {
  std::string digits;
  int depth = 0;
  char prev = 0;
  for (char c : s) {
    if (IsDigit(c)) {
      digits.push_back(c);
    } else if (c == '(') {
      if (depth != 0 || (prev != 0 && prev != ' ' && prev != '+' && !IsDigit(prev))) {
        return std::nullopt;
      }
      depth = 1;
    } else if (c == ')') {
      if (depth != 1 || !IsDigit(prev)) return std::nullopt;
      depth = 0;
    } else if (c == ' ' || c == '.' || c == '-') {
      if (!IsDigit(prev) && prev != ')') return std::nullopt;
    } else if (c == '+') {
      if (prev != 0) return std::nullopt;
    } else {
      return std::nullopt;
    }
    prev = c;
  }
  if (depth != 0 || !IsDigit(prev)) return std::nullopt;
  return digits;
}

bool ParseIpv4(std::string_view s, std::array<uint8_t, 4>* out) {
  int part = 0;
  size_t i = 0;
  while (part < 4) {
    size_t start = i;
    int value = 0;
    while (i < s.size() && IsDigit(s[i]) && i - start < 3) value = value * 10 + (s[i++] - '0');
    const size_t len = i - start;
    if (len == 0 || value > 255 || (len > 1 && s[start] == '0')) return false;
    if (out != nullptr) (*out)[part] = static_cast<uint8_t>(value);
    ++part;
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

// RFC 4291 §2.2 text forms; on success the 16 address bytes.
bool ParseIpv6(std::string_view s, std::array<uint8_t, 16>* out) {
  if (s.size() < 2 || s.size() > 45) return false;
  std::array<uint16_t, 8> head{}, tail{};
  int nhead = 0, ntail = 0;
  bool compressed = false;
  size_t i = 0;
  if (s.substr(0, 2) == "::") {
    compressed = true;
    i = 2;
  } else if (s[0] == ':') {
    return false;
  }
  std::array<uint8_t, 4> v4{};
  bool has_v4 = false;
  while (i < s.size()) {
    // An embedded IPv4 address ends the text and counts as two groups.
    const size_t next_colon = s.find(':', i);
    const std::string_view rest =
        s.substr(i, next_colon == std::string_view::npos ? std::string_view::npos : next_colon - i);
    if (next_colon == std::string_view::npos && rest.find('.') != std::string_view::npos) {
      if (!ParseIpv4(rest, &v4)) return false;
      has_v4 = true;
      i = s.size();
      break;
    }
    if (rest.empty() || rest.size() > 4) return false;
    uint16_t group = 0;
    for (char c : rest) {
      if (!IsHex(c)) return false;
      group = static_cast<uint16_t>(group * 16 + (IsDigit(c)   ? c - '0'
                                                  : (c >= 'a') ? c - 'a' + 10
                                                               : c - 'A' + 10));
    }
    if (compressed) {
      if (ntail == 8) return false;
      tail[ntail++] = group;
    } else {
      if (nhead == 8) return false;
      head[nhead++] = group;
    }
    i += rest.size();
    if (i == s.size()) break;
    // i is at a ':'.
    if (i + 1 < s.size() && s[i + 1] == ':') {
      if (compressed) return false;  // "::" at most once
      compressed = true;
      i += 2;
    } else {
      ++i;
      if (i == s.size()) return false;  // trailing single ':'
    }
  }
  const int groups = nhead + ntail + (has_v4 ? 2 : 0);
  if (compressed ? groups > 7 : groups != 8) return false;
  std::array<uint16_t, 8> all{};
  for (int k = 0; k < nhead; ++k) all[k] = head[k];
  const int tail_start = 8 - ntail - (has_v4 ? 2 : 0);
  for (int k = 0; k < ntail; ++k) all[tail_start + k] = tail[k];
  if (out != nullptr) {
    for (int k = 0; k < 8; ++k) {
      (*out)[2 * k] = static_cast<uint8_t>(all[k] >> 8);
      (*out)[2 * k + 1] = static_cast<uint8_t>(all[k] & 0xff);
    }
    if (has_v4) std::copy(v4.begin(), v4.end(), out->begin() + 12);
  }
  return true;
}

bool NonPersonalIpv4(const std::array<uint8_t, 4>& a) {
  if (a[0] == 0 || a[0] == 127) return true;               // this network, loopback
  if (a[0] == 169 && a[1] == 254) return true;             // link-local
  if (a[0] == 224 && a[1] == 0 && a[2] == 0) return true;  // link-local multicast
  if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255) return true;  // broadcast
  if (a[0] == 192 && a[1] == 0 && a[2] == 2) return true;                     // TEST-NET-1
  if (a[0] == 198 && a[1] == 51 && a[2] == 100) return true;                  // TEST-NET-2
  if (a[0] == 203 && a[1] == 0 && a[2] == 113) return true;                   // TEST-NET-3
  return false;
}

// The detector's validator: an address that is personal data. IPv6 text without a decimal digit
// ("cafe::", "dead::beef") is far more often code (C++/Rust paths) than an address.
bool ValidIpAddress(std::string_view candidate) {
  if (ValidIpv4(candidate)) return !NonPersonalIp(candidate);
  if (std::none_of(candidate.begin(), candidate.end(), IsDigit)) return false;
  return ValidIpv6(candidate) && !NonPersonalIp(candidate);
}

}  // namespace

bool LuhnValid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    if (!IsDigit(digits[i])) return false;
    int d = digits[i] - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool ValidCreditCard(std::string_view candidate) {
  const std::optional<std::string> digits = DigitsWithOneSeparator(candidate, " -");
  if (!digits || digits->size() < 13 || digits->size() > 19) return false;
  const std::string& d = *digits;
  if (std::all_of(d.begin(), d.end(), [&](char c) { return c == d[0]; })) return false;
  const size_t n = d.size();
  const int p1 = PrefixNumber(d, 1), p2 = PrefixNumber(d, 2), p3 = PrefixNumber(d, 3),
            p4 = PrefixNumber(d, 4);
  bool issuer = false;
  if (p1 == 4) {
    issuer = n == 13 || n == 16 || n == 19;  // Visa
  } else if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) {
    issuer = n == 16;  // Mastercard
  } else if (p2 == 34 || p2 == 37) {
    issuer = n == 15;  // American Express
  } else if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649)) {
    issuer = n >= 16;  // Discover
  } else if (p2 == 36 || p2 == 38 || (p3 >= 300 && p3 <= 305)) {
    issuer = n >= 14;  // Diners Club
  } else if (p4 >= 3528 && p4 <= 3589) {
    issuer = n >= 16;  // JCB
  } else if (p2 == 62) {
    issuer = n >= 16;  // UnionPay
  }
  return issuer && LuhnValid(d);
}

bool ValidIban(std::string_view candidate) {
  std::string iban;
  for (const char c : candidate) {
    if (c == ' ') continue;
    if (!IsUpper(c) && !IsDigit(c)) return false;
    iban.push_back(c);
  }
  if (candidate.empty() || candidate.back() == ' ') return false;
  if (iban.size() < 15 || iban.size() > 34) return false;
  if (iban.size() != candidate.size()) {
    // The printed form: groups of four separated by single spaces, throughout.
    std::string printed;
    for (size_t i = 0; i < iban.size(); ++i) {
      if (i > 0 && i % 4 == 0) printed.push_back(' ');
      printed.push_back(iban[i]);
    }
    if (printed != candidate) return false;
  }
  if (!IsUpper(iban[0]) || !IsUpper(iban[1]) || !IsDigit(iban[2]) || !IsDigit(iban[3])) {
    return false;
  }
  const auto* country = std::find_if(
      std::begin(kIbanCountries), std::end(kIbanCountries),
      [&](const IbanCountry& c) { return c.code[0] == iban[0] && c.code[1] == iban[1]; });
  if (country == std::end(kIbanCountries) || country->length != iban.size()) return false;
  // ISO 7064 mod 97-10 over BBAN + country + check digits, letters as 10..35.
  int rem = 0;
  const std::string rearranged = iban.substr(4) + iban.substr(0, 4);
  for (char c : rearranged) {
    if (IsDigit(c)) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else {
      rem = (rem * 100 + (c - 'A' + 10)) % 97;
    }
  }
  return rem == 1;
}

bool ValidEmail(std::string_view candidate) {
  const size_t at = candidate.rfind('@');
  if (at == std::string_view::npos || at == 0) return false;
  const std::string_view local = candidate.substr(0, at);
  const std::string_view domain = candidate.substr(at + 1);
  if (local.size() > 64 || domain.empty() || domain.size() > 253) return false;
  static constexpr std::string_view kLocalSpecials = ".!#$%&'*+/=?^_`{|}~-";
  for (char c : local) {
    if (!IsAlnum(c) && kLocalSpecials.find(c) == std::string_view::npos) return false;
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return false;
  }
  int labels = 0;
  size_t start = 0;
  std::string_view last;
  while (start <= domain.size()) {
    size_t dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    const std::string_view label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!IsAlnum(c) && c != '-') return false;
    }
    ++labels;
    last = label;
    start = dot + 1;
    if (dot == domain.size()) break;
  }
  if (labels < 2 || last.size() < 2) return false;
  if (!std::all_of(last.begin(), last.end(), IsAlpha)) return false;
  const std::string d = LowerAscii(domain);
  for (std::string_view reserved : {"example.com", "example.org", "example.net"}) {
    if (d == reserved || EndsWith(d, "." + std::string(reserved))) return false;
  }
  for (std::string_view tld : {".example", ".test", ".invalid", ".localhost"}) {
    if (EndsWith(d, tld)) return false;
  }
  return d != "localhost";
}

bool ValidPhone(std::string_view candidate) {
  const std::optional<std::string> digits = PhoneDigits(candidate);
  if (!digits) return false;
  const std::string& d = *digits;
  if (!candidate.empty() && candidate.front() == '+') {
    if (d.size() < 8 || d.size() > 15 || d[0] == '0') return false;
    int code = 0;
    for (size_t len = 1; len <= 3; ++len) {
      code = PrefixNumber(d, len);
      if (IsCallingCode(code)) {
        if (code == 1) return d.size() == 11 && ValidNanp(std::string_view(d).substr(1));
        return true;
      }
    }
    return false;
  }
  // National forms: NANP only, written in groups (3-3-4, optionally "(NPA)").
  if (d.size() == 11 && d[0] == '1') return ValidNanp(std::string_view(d).substr(1));
  return d.size() == 10 && ValidNanp(d);
}

bool ValidUsSsn(std::string_view candidate) {
  if (candidate.size() != 11) return false;
  const char sep = candidate[3];
  if ((sep != '-' && sep != ' ') || candidate[6] != sep) return false;
  for (size_t i : {0, 1, 2, 4, 5, 7, 8, 9, 10}) {
    if (!IsDigit(candidate[i])) return false;
  }
  const int area = PrefixNumber(candidate, 3);
  const int group = PrefixNumber(candidate.substr(4), 2);
  const int serial = PrefixNumber(candidate.substr(7), 4);
  if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) return false;
  std::string digits;
  for (char c : candidate) {
    if (IsDigit(c)) digits.push_back(c);
  }
  return digits != "078051120" && digits != "219099999" && digits != "123456789";
}

bool ValidIpv4(std::string_view candidate) { return ParseIpv4(candidate, nullptr); }

bool ValidIpv6(std::string_view candidate) { return ParseIpv6(candidate, nullptr); }

bool NonPersonalIp(std::string_view candidate) {
  std::array<uint8_t, 4> v4{};
  if (ParseIpv4(candidate, &v4)) return NonPersonalIpv4(v4);
  std::array<uint8_t, 16> v6{};
  if (!ParseIpv6(candidate, &v6)) return false;
  const bool zero_prefix =
      std::all_of(v6.begin(), v6.begin() + 10, [](uint8_t b) { return b == 0; });
  if (zero_prefix && v6[10] == 0xff && v6[11] == 0xff) {  // IPv4-mapped
    return NonPersonalIpv4({v6[12], v6[13], v6[14], v6[15]});
  }
  const bool zero_first15 =
      std::all_of(v6.begin(), v6.begin() + 15, [](uint8_t b) { return b == 0; });
  if (zero_first15 && (v6[15] == 0 || v6[15] == 1)) return true;  // unspecified, loopback
  if (v6[0] == 0xff && v6[1] == 0x02) return true;                // link-local multicast
  if (v6[0] == 0xfe && (v6[1] & 0xc0) == 0x80) return true;       // link-local unicast
  if (v6[0] == 0x20 && v6[1] == 0x01 && v6[2] == 0x0d && v6[3] == 0xb8) return true;  // docs
  return false;
}

const std::vector<PiiDetector>& PiiDetectors() {
  // Patterns: RE2 syntax that Hyperscan also compiles in its default mode; every one ends on a
  // word boundary or a fixed character so Hyperscan reports few end offsets per candidate.
  static const std::vector<PiiDetector> detectors = {
      {"pii-credit-card",
       "Payment card number",
       R"(\b[2-6][0-9]{3}(?:[0-9]{9,15}|[ \-][0-9]{4}[ \-][0-9]{4}[ \-][0-9]{1,4}(?:[ \-][0-9]{1,3})?|[ \-][0-9]{6}[ \-][0-9]{4,5})\b)",
       &ValidCreditCard,
       {"pii", "financial"}},
      {"pii-iban",
       "International bank account number (IBAN)",
       R"(\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b)",
       &ValidIban,
       {"pii", "financial"}},
      {"pii-email",
       "E-mail address",
       R"([A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,8}\b)",
       &ValidEmail,
       {"pii", "contact"}},
      {"pii-phone",
       "Phone number",
       R"((?:\+[1-9][0-9 .\-()]{6,22}[0-9]|(?:\([2-9][0-9]{2}\) ?|\b[2-9][0-9]{2}[ .\-])[2-9][0-9]{2}[ .\-][0-9]{4})\b)",
       &ValidPhone,
       {"pii", "contact"}},
      {"pii-us-ssn",
       "US Social Security number",
       R"(\b[0-9]{3}[ \-][0-9]{2}[ \-][0-9]{4}\b)",
       &ValidUsSsn,
       {"pii", "government-id"}},
      {"pii-ip-address",
       "IP address",
       R"(\b(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b|[23][0-9A-Fa-f]{3}:(?:[0-9A-Fa-f]{0,4}:){2,6}(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b|[0-9A-Fa-f]{1,4}\b)?|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4}\b)?))",
       &ValidIpAddress,
       {"pii", "network"}},
  };
  return detectors;
}

}  // namespace custody::dlp
