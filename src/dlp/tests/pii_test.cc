// The PII validators with known-valid and known-invalid values, and the candidate patterns'
// compatibility with both engines (RE2 here; Hyperscan through the scanner tests).
#include "dlp/pii.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <random>
#include <string>

namespace custody::dlp {
namespace {

// A Luhn-valid number of `length` digits starting with `prefix` (deterministic digits).
std::string LuhnNumber(const std::string& prefix, size_t length, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string digits = prefix;
  while (digits.size() < length - 1) digits.push_back(static_cast<char>('0' + rng() % 10));
  for (char check = '0'; check <= '9'; ++check) {
    if (LuhnValid(digits + check)) return digits + check;
  }
  return {};
}

std::string Grouped(const std::string& digits, const std::vector<size_t>& groups, char sep) {
  std::string out;
  size_t at = 0;
  for (size_t g : groups) {
    if (!out.empty()) out.push_back(sep);
    out += digits.substr(at, g);
    at += g;
  }
  return out;
}

TEST(LuhnTest, KnownValues) {
  EXPECT_TRUE(LuhnValid("79927398713"));
  EXPECT_FALSE(LuhnValid("79927398710"));
  EXPECT_TRUE(LuhnValid("4111111111111111"));
  EXPECT_FALSE(LuhnValid(""));
  EXPECT_FALSE(LuhnValid("4111-1111"));
}

TEST(CreditCardTest, GeneratedNumbersOfEachIssuerAreValid) {
  struct Issuer {
    std::string prefix;
    size_t length;
  } issuers[] = {{"4", 16},    {"4", 13},    {"51", 16}, {"55", 16},   {"2221", 16},
                 {"2720", 16}, {"34", 15},   {"37", 15}, {"6011", 16}, {"65", 16},
                 {"644", 16},  {"649", 19},  {"36", 14}, {"300", 14},  {"305", 16},
                 {"3528", 16}, {"3589", 19}, {"62", 16}, {"62", 19}};
  uint32_t seed = 1;
  for (const Issuer& i : issuers) {
    for (int k = 0; k < 5; ++k) {
      const std::string n = LuhnNumber(i.prefix, i.length, seed++);
      EXPECT_TRUE(ValidCreditCard(n)) << n;
      // A wrong check digit breaks it.
      std::string bad = n;
      bad.back() = static_cast<char>('0' + (bad.back() - '0' + 1) % 10);
      EXPECT_FALSE(ValidCreditCard(bad)) << bad;
    }
  }
}

TEST(CreditCardTest, SeparatorsBetweenGroups) {
  const std::string visa = LuhnNumber("4", 16, 7);
  EXPECT_TRUE(ValidCreditCard(Grouped(visa, {4, 4, 4, 4}, ' ')));
  EXPECT_TRUE(ValidCreditCard(Grouped(visa, {4, 4, 4, 4}, '-')));
  const std::string amex = LuhnNumber("37", 15, 8);
  EXPECT_TRUE(ValidCreditCard(Grouped(amex, {4, 6, 5}, ' ')));
  // Mixed, doubled, leading or trailing separators are not a card number's shape.
  EXPECT_FALSE(ValidCreditCard(visa.substr(0, 4) + " " + visa.substr(4, 4) + "-" + visa.substr(8)));
  EXPECT_FALSE(ValidCreditCard(visa.substr(0, 4) + "  " + visa.substr(4)));
  EXPECT_FALSE(ValidCreditCard(" " + visa));
  EXPECT_FALSE(ValidCreditCard(visa + "-"));
  EXPECT_FALSE(ValidCreditCard(visa.substr(0, 8) + "x" + visa.substr(9)));
}

TEST(CreditCardTest, RejectsWrongIssuerLengthAndRepeats) {
  EXPECT_FALSE(ValidCreditCard(LuhnNumber("1", 16, 3)));  // no issuer starts with 1
  EXPECT_FALSE(ValidCreditCard(LuhnNumber("9", 16, 4)));
  EXPECT_FALSE(ValidCreditCard(LuhnNumber("34", 16, 5)));  // Amex is 15 digits
  EXPECT_FALSE(ValidCreditCard(LuhnNumber("4", 12, 6)));   // too short
  EXPECT_FALSE(ValidCreditCard(LuhnNumber("4", 20, 6)));   // too long
  EXPECT_FALSE(ValidCreditCard("0000000000000000"));
  EXPECT_FALSE(ValidCreditCard("5555555555555555"));  // Luhn-valid? no matter: all the same
}

TEST(IbanTest, RegistryExamplesAreValid) {
  for (const char* iban :
       {"GB82WEST12345698765432", "GB82 WEST 1234 5698 7654 32", "DE89370400440532013000",
        "DE89 3704 0044 0532 0130 00", "FR1420041010050500013M02606", "NL91ABNA0417164300",
        "BE68539007547034", "CH9300762011623852957", "NO9386011117947",
        "MT84MALT011000012345MTLCAST001S"}) {
    EXPECT_TRUE(ValidIban(iban)) << iban;
  }
}

TEST(IbanTest, RejectsBadChecksumLengthCountryAndShape) {
  EXPECT_FALSE(ValidIban("GB82WEST12345698765433"));  // check digits off
  EXPECT_FALSE(ValidIban("GB83WEST12345698765432"));
  EXPECT_FALSE(ValidIban("GB82WEST1234569876543"));       // GB is 22 characters
  EXPECT_FALSE(ValidIban("XX82WEST12345698765432"));      // no such country
  EXPECT_FALSE(ValidIban("gb82west12345698765432"));      // electronic form is upper-case
  EXPECT_FALSE(ValidIban("GB82 WEST1234 5698 7654 32"));  // spaces only between fours
  EXPECT_FALSE(ValidIban("GB82  WEST 1234 5698 7654 32"));
  EXPECT_FALSE(ValidIban("GB82 WEST 1234 5698 7654 32 "));
  EXPECT_FALSE(ValidIban(""));
}

TEST(EmailTest, ValidAddresses) {
  for (const char* e : {"john.smith@gmail.com", "a@b.co", "first+tag@sub.domain.org",
                        "o'brien@company.ie", "x_y-z@my-host.example-corp.de"}) {
    EXPECT_TRUE(ValidEmail(e)) << e;
  }
}

TEST(EmailTest, InvalidAndReservedAddresses) {
  for (const char* e :
       {"@gmail.com", "john@", "john@gmail", "john..smith@gmail.com", ".john@gmail.com",
        "john.@gmail.com", "john@-gmail.com", "john@gmail-.com", "john@gmail.c", "john@gmail.c0m",
        "john@example.com", "jane@mail.example.org", "a@b.example", "a@b.test", "a@x.invalid",
        "a@localhost", "jo hn@gmail.com"}) {
    EXPECT_FALSE(ValidEmail(e)) << e;
  }
  EXPECT_FALSE(ValidEmail(std::string(65, 'a') + "@gmail.com"));
  EXPECT_FALSE(ValidEmail("a@" + std::string(64, 'b') + ".com"));
}

TEST(PhoneTest, E164AndNanp) {
  for (const char* p : {"+44 20 7946 0958", "+442079460958", "+1 415 555 2671", "+1-212-456-7890",
                        "+49 30 901820", "+33 1 42 68 53 00", "(415) 867-5309", "415-867-5309",
                        "415.867.5309", "+353 1 234 5678", "+44 (0)20 7946 0958"}) {
    EXPECT_TRUE(ValidPhone(p)) << p;
  }
}

TEST(PhoneTest, InvalidNumbers) {
  for (const char* p : {"+0 20 7946 0958",          // no country code 0
                        "+999 1234 5678",           // 999 is not assigned
                        "+44 20",                   // too short
                        "+44 2079 4609 5812 3456",  // too long
                        "+1 115 555 2671",          // NPA starting with 1
                        "+1 411 555 2671",          // N11 area code
                        "(415) 155-5309",           // exchange starting with 1
                        "415-555-0123",             // fiction range
                        "+1 415 555 267",           // NANP needs 10 digits
                        "415--867-5309", "(415 867-5309", "415-867-5309)", "4158675309x"}) {
    EXPECT_FALSE(ValidPhone(p)) << p;
  }
}

TEST(SsnTest, ValidAndInvalid) {
  EXPECT_TRUE(ValidUsSsn("536-22-8745"));
  EXPECT_TRUE(ValidUsSsn("536 22 8745"));
  for (const char* s : {"000-22-8745", "666-22-8745", "900-22-8745", "999-22-8745", "536-00-8745",
                        "536-22-0000", "078-05-1120", "219-09-9999", "123-45-6789", "536228745",
                        "536-22 8745", "536-2-28745", "53a-22-8745"}) {
    EXPECT_FALSE(ValidUsSsn(s)) << s;
  }
}

TEST(IpTest, Ipv4) {
  for (const char* a : {"81.2.69.160", "0.0.0.0", "255.255.255.255", "10.0.0.1"}) {
    EXPECT_TRUE(ValidIpv4(a)) << a;
  }
  for (const char* a : {"256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1..3.4", "1.2.3.4 ",
                        "a.b.c.d", "1.2.3.1000"}) {
    EXPECT_FALSE(ValidIpv4(a)) << a;
  }
}

TEST(IpTest, Ipv6TextForms) {
  for (const char* a : {"2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:db8:85a3::8a2e:370:7334",
                        "::1", "::", "fe80::1", "2a02:8070:abcd::", "::ffff:192.0.2.128",
                        "64:ff9b::203.0.113.7", "1:2:3:4:5:6:7:8", "1::8", "1:2:3:4:5:6:7::"}) {
    EXPECT_TRUE(ValidIpv6(a)) << a;
  }
  for (const char* a :
       {"1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::1", ":1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:", "g::1", "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4", "std::", "12:30:45"}) {
    EXPECT_FALSE(ValidIpv6(a)) << a;
  }
}

TEST(IpTest, NonPersonalRanges) {
  for (const char* a : {"127.0.0.1", "0.0.0.0", "169.254.1.1", "224.0.0.251", "255.255.255.255",
                        "192.0.2.10", "198.51.100.7", "203.0.113.99", "::1", "::", "ff02::fb",
                        "fe80::1", "2001:db8::1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(NonPersonalIp(a)) << a;
  }
  for (const char* a : {"81.2.69.160", "10.1.2.3", "192.168.1.20", "8.8.8.8", "2a02:8070:abcd::1",
                        "::ffff:81.2.69.160"}) {
    EXPECT_FALSE(NonPersonalIp(a)) << a;
  }
}

TEST(PiiDetectorsTest, PatternsCompileInRe2AndMatchTheirExamples) {
  const std::map<std::string, std::pair<std::string, std::string>> examples = {
      // id -> (text containing a valid candidate, the candidate)
      {"pii-credit-card", {"card: 4111 1111 1111 1111.", "4111 1111 1111 1111"}},
      {"pii-iban", {"IBAN DE89 3704 0044 0532 0130 00 paid", "DE89 3704 0044 0532 0130 00"}},
      {"pii-email", {"mail john.smith@gmail.com now", "john.smith@gmail.com"}},
      {"pii-phone", {"call (415) 867-5309 today", "(415) 867-5309"}},
      {"pii-us-ssn", {"SSN: 536-22-8745.", "536-22-8745"}},
      {"pii-ip-address", {"from 81.2.69.160 at", "81.2.69.160"}},
  };
  ASSERT_EQ(PiiDetectors().size(), examples.size());
  for (const PiiDetector& d : PiiDetectors()) {
    SCOPED_TRACE(d.id);
    RE2 re(d.pattern);
    ASSERT_TRUE(re.ok()) << re.error();
    EXPECT_FALSE(d.tags.empty());
    EXPECT_EQ(d.tags[0], "pii");
    const auto& [text, want] = examples.at(d.id);
    re2::StringPiece m;
    ASSERT_TRUE(re.Match(text, 0, text.size(), RE2::UNANCHORED, &m, 1));
    EXPECT_EQ(std::string(m), want);
    EXPECT_TRUE(d.validate(want));
  }
}

TEST(PiiDetectorsTest, PatternsDoNotFireOnProse) {
  const std::string prose =
      "The quick brown fox jumps over the lazy dog. In 2024, version 3 shipped with 12 fixes; "
      "see chapter 7, page 143. Meeting at 10:30 on 2024-05-17 with the team (about 20 people).";
  for (const PiiDetector& d : PiiDetectors()) {
    RE2 re(d.pattern);
    re2::StringPiece input(prose), m;
    size_t pos = 0;
    while (re.Match(prose, pos, prose.size(), RE2::UNANCHORED, &m, 1)) {
      EXPECT_FALSE(d.validate(std::string_view(m.data(), m.size())))
          << d.id << " validated " << std::string(m);
      pos = static_cast<size_t>(m.data() - prose.data()) + std::max<size_t>(1, m.size());
    }
  }
}

}  // namespace
}  // namespace custody::dlp
