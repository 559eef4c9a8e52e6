// Synthetic text for the DLP tests and benchmarks (test-only; nothing in src/ links it): the one
// generator behind the recall test's corpus (tests/corpus_test.cc) and the benchmark corpus
// (bench/dlp/mixed_text.h).
//
//   * Clean text: English prose, source code (C++, Python, JavaScript, YAML), JSON, logs and CSV
//     that hold no credentials and no personal data, yet carry the look-alikes the detectors must
//     reject (documentation IPs and e-mail domains, 555-01XX numbers, the advertised sample SSN,
//     version numbers, UUIDs, hashes, base64). Scanned with gitleaks' default rules + PII it
//     gives no finding; corpus_test checks this on 4 MB.
//   * Valid synthetic personal data: payment card numbers (issuer prefixes, Luhn), IBANs (eight
//     countries, ISO 7064 mod 97-10), e-mail addresses, NANP and international phone numbers,
//     US SSNs, public IPv4 and IPv6 addresses. Each passes the matching validator in dlp/pii.h.
//
// Everything is drawn from a std::mt19937_64 seeded at construction (UniformBelow, no
// distribution objects, no clock): the same seed and calls give the same bytes on every machine
// built with the same compiler. corpus_test's expectations were tuned on this output; changing
// what any method draws or returns changes its corpus, so rerun it after any change.
//
// Not thread-safe; one SyntheticText per thread.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace custody::dlp::testing {

class SyntheticText {
 public:
  explicit SyntheticText(uint64_t seed) : rng_(seed) {}

  // --- random helpers ---------------------------------------------------------------------------

  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n);
  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  int Between(int lo, int hi) { return lo + static_cast<int>(Below(hi - lo + 1)); }
  // REQUIRES: !v.empty().
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }
  // Between(lo, hi) in decimal.
  std::string Num(int lo, int hi) { return std::to_string(Between(lo, hi)); }
  // `n` random characters: decimal digits, upper-case letters, lower-case hex digits.
  std::string Digits(int n) { return Chars("0123456789", n); }
  std::string Letters(int n) { return Chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ", n); }
  std::string Hex(int n) { return Chars("0123456789abcdef", n); }
  // `n` standard base64 characters, padded with '=' to a multiple of 4.
  std::string Base64(int n);

  // --- clean text -------------------------------------------------------------------------------

  std::string Sentence();  // 6 to 16 common English words of at most 10 letters
  std::string Ident();     // a code identifier with no gitleaks keyword in it
  std::string Date();      // 2024-MM-DD
  std::string Time();      // HH:MM:SS.mmm
  std::string DocIpv4();   // RFC 5737 documentation address: not personal data
  std::string Uuid();      // version 4 form
  // Blocks, each ending with a blank line.
  std::string Prose();
  std::string Code();
  std::string Json();
  std::string Log();
  std::string Csv();
  // One of the above: prose 2/6, the others 1/6 each.
  std::string Block();

  // --- synthetic personal data ------------------------------------------------------------------

  // Visa, Mastercard (51-55, 2221-2720), Amex, Discover, JCB, Diners, UnionPay; compact or
  // grouped by spaces or dashes as printed (4-4-4-4, Amex 4-6-5, Diners 4-6-4).
  std::string CardNumber();
  // The Luhn check digit to append to `digits` (decimal digits only).
  static char LuhnCheckDigit(std::string_view digits);
  // DE, FR, ES, BE, CH, GB, NL or IT; compact or in groups of four.
  std::string Iban();
  std::string Email();  // at a public mail provider's domain
  // NANP (never N11 exchanges nor the fictional 555-01XX) or +44, +49, +33 numbers.
  std::string Phone();
  std::string Ssn();         // area 001-899 but 666, group and serial non-zero
  std::string PublicIpv4();  // outside private, loopback, link-local, CGN, benchmark, doc ranges
  std::string PublicIpv6();  // in allocated global unicast prefixes, full or `::`-compressed

 private:
  std::string Chars(std::string_view alphabet, int n);

  std::mt19937_64 rng_;
};

}  // namespace custody::dlp::testing
