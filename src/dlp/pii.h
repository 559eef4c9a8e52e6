// Validators for personal data: pure functions that decide whether a candidate the scanner's
// patterns found is real (checksums, invalid ranges), after Microsoft Presidio's recognizers.
// Each takes the candidate exactly as matched (separators included) and is thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace custody::dlp {

// Payment card numbers: 13–19 digits (spaces or dashes between groups allowed), Luhn checksum,
// and an issuer prefix (Visa 4, Mastercard 51–55/2221–2720, Amex 34/37, Discover 6011/65/644–649,
// Diners 36/38/300–305, JCB 3528–3589, UnionPay 62). All-same-digit numbers are rejected.
bool ValidCreditCard(std::string_view candidate);
bool LuhnValid(std::string_view digits);  // digits only

// IBAN (ISO 13616): a known country code with its registered length, mod-97 == 1 over the
// rearranged number; spaces allowed between groups of four.
bool ValidIban(std::string_view candidate);

// E-mail address (RFC 5321 shape): local part ≤ 64 of [A-Za-z0-9.!#$%&'*+/=?^_`{|}~-], no
// leading/trailing/double dot; domain of ≥ 2 labels (LDH, ≤ 63 each, ≤ 253 in all), a TLD of
// ≥ 2 letters; reserved example domains (example.com/.org/.net, *.example, *.test, *.invalid,
// localhost) are rejected so documentation samples are not reported.
bool ValidEmail(std::string_view candidate);

// Phone numbers: E.164 "+<country><number>" (8–15 digits, a real country calling code) or North
// American NANP "(NPA) NXX-XXXX" forms with a valid area code and exchange (N = 2–9, not N11, not
// 555-01xx fiction numbers). Separators: spaces, dots, dashes, parentheses.
bool ValidPhone(std::string_view candidate);

// US Social Security numbers, by invalidation (no checksum exists): AAA-GG-SSSS with area not
// 000, 666 or 900–999, group not 00, serial not 0000, and not the advertised samples
// (078-05-1120, 219-09-9999, 123-45-6789). Requires the dashed or spaced form; 9 bare digits are
// too ambiguous to report.
bool ValidUsSsn(std::string_view candidate);

// IPv4 dotted quads (each 0–255, no leading zeros) and IPv6 (RFC 4291 text forms, incl. "::" and
// an embedded IPv4 tail). Loopback, unspecified, documentation (192.0.2/24, 198.51.100/24,
// 203.0.113/24, 2001:db8::/32) and version-number look-alikes ("1.2.3.4" preceded by "v" or
// "version") are rejected by the scanner, not here; here: syntax only.
bool ValidIpv4(std::string_view candidate);
bool ValidIpv6(std::string_view candidate);
// True for addresses that are not personal data: loopback, unspecified ("this network"),
// link-local (169.254/16, fe80::/10), link-local multicast, documentation ranges, broadcast, and
// IPv4-mapped forms of those. Private ranges (10/8, 192.168/16, ...) stay personal.
// The "pii-ip-address" detector's validator is (ValidIpv4 || ValidIpv6) && !NonPersonalIp, and
// IPv6 text must hold a decimal digit ("cafe::" is code). Its pattern finds IPv4, IPv6 in global
// unicast space (2000::/3) and any compressed ("::") form; uncompressed addresses elsewhere
// (fd00:…, fe80:… written out) are not looked for, to keep the pattern cheap.
bool NonPersonalIp(std::string_view candidate);

// The PII detectors the scanner compiles: a Hyperscan/RE2-compatible candidate pattern per kind,
// and the validator that confirms it. Ids: "pii-credit-card", "pii-iban", "pii-email",
// "pii-phone", "pii-us-ssn", "pii-ip-address".
struct PiiDetector {
  std::string id;
  std::string description;
  std::string pattern;  // RE2 syntax, also accepted by Hyperscan (no lookaround, no backrefs)
  bool (*validate)(std::string_view candidate);
  std::vector<std::string> tags;  // e.g. {"pii", "financial"}
};
const std::vector<PiiDetector>& PiiDetectors();

}  // namespace custody::dlp
