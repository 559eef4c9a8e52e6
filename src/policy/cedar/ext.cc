// Cedar's extension types (decimal, ipaddr, datetime, duration): literal parsers, canonical text,
// and the pure extension functions, following the Lean model (cedar-lean/Cedar/Spec/Ext/*.lean)
// and, where the two differ, the Rust implementation (cedar-policy-core/src/extensions/*.rs).
//
// Grammars accepted (all ASCII; no whitespace anywhere):
//   decimal   -?D+.D{1,4}            within i64 after scaling by 10^4 (Lean Decimal.parse: no '+',
//                                    no "1." or ".5", leading zeros allowed, "-0.5" is -0.5)
//   ipaddr    IPv4 a.b.c.d[/p]       each octet 0..255 in 1..3 digits without leading zeros ("0"
//                                    alone is fine); p is 0..32 in 1..2 digits, no leading zero
//             IPv6 h:h:...[/p]       8 groups of 1..4 hex digits, or fewer with one "::" standing
//                                    for at least one zero group; no embedded IPv4 ("::1.2.3.4");
//                                    p is 0..128 in 1..3 digits, no leading zero
//             The address is kept as written: "10.0.0.1/24" != "10.0.0.0/24" (Lean IPNet equality),
//             but the bits beyond the prefix never matter to isInRange/isLoopback/isMulticast.
//   datetime  YYYY-MM-DD[Thh:mm:ss[.SSS](Z|(+|-)hhmm)]   (Rust parse_datetime, Lean parse)
//             a real proleptic-Gregorian date with year 0000..9999, hh<24, mm<60, ss<60 (no leap
//             second), offset hh<24 and mm<60; the offset is subtracted to get UTC.
//   duration  -?(Nd)?(Nh)?(Nm)?(Ns)?(Nms)?  at least one unit, in this order, each at most once; N
//             is any run of digits; the total must fit in i64 milliseconds (so
//             "-9223372036854775808ms" is accepted and "9223372036854775808ms" is not).
//
// Arithmetic (offset, durationSince, toDate) reports i64 overflow as an error, as Rust does;
// for toDate that is the datetimes within a day of i64::MIN, whose day starts before i64::MIN.
//
// Checked against the Rust implementation (cedar-wasm 4.13) on every extension literal of the
// conformance corpus and on ~15,000 generated edge cases: same accept/reject decisions, values,
// method results and canonical text.
#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <string>

#include "policy/cedar/functions.h"

namespace custody::cedar {

namespace {

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr int64_t kMsPerDay = 24 * kMsPerHour;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses a non-empty run of ASCII digits of any length. Values beyond `cap` are clamped to
// cap + 1, which callers treat as "too large" (so a thousand-digit string cannot overflow).
std::optional<unsigned __int128> ParseDigits(std::string_view s, unsigned __int128 cap) {
  if (!AllDigits(s)) return std::nullopt;
  unsigned __int128 v = 0;
  for (char c : s) {
    v = v * 10 + static_cast<unsigned>(c - '0');
    if (v > cap) return cap + 1;
  }
  return v;
}

// Splits `s` at every occurrence of `sep` (empty pieces kept), as Lean's String.split.
std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

// ----- ipaddr -----

// A decimal number of 1..max_digits digits with no leading zero (except "0" itself), at most
// `max`: the rule Lean applies to IPv4 octets and to CIDR prefixes.
std::optional<unsigned> ParseSmallNumber(std::string_view s, size_t max_digits, unsigned max) {
  if (s.empty() || s.size() > max_digits || !AllDigits(s)) return std::nullopt;
  if (s[0] == '0' && s.size() > 1) return std::nullopt;
  unsigned v = 0;
  for (char c : s) v = v * 10 + static_cast<unsigned>(c - '0');
  if (v > max) return std::nullopt;
  return v;
}

// Splits "addr[/prefix]" and parses the prefix; nullopt when there is more than one '/'.
std::optional<std::pair<std::string_view, unsigned>> SplitPrefix(std::string_view s,
                                                                 size_t max_digits, unsigned size) {
  std::vector<std::string_view> parts = Split(s, '/');
  if (parts.size() == 1) return std::make_pair(parts[0], size);
  if (parts.size() != 2) return std::nullopt;
  std::optional<unsigned> prefix = ParseSmallNumber(parts[1], max_digits, size);
  if (!prefix) return std::nullopt;
  return std::make_pair(parts[0], *prefix);
}

std::optional<IpAddr> ParseIpv4(std::string_view s) {
  auto split = SplitPrefix(s, 2, 32);
  if (!split) return std::nullopt;
  std::vector<std::string_view> octets = Split(split->first, '.');
  if (octets.size() != 4) return std::nullopt;
  IpAddr ip;
  ip.v6 = false;
  ip.prefix = static_cast<uint8_t>(split->second);
  for (size_t i = 0; i < 4; ++i) {
    std::optional<unsigned> octet = ParseSmallNumber(octets[i], 3, 255);
    if (!octet) return std::nullopt;
    ip.bytes[i] = static_cast<uint8_t>(*octet);
  }
  return ip;
}

// Colon-separated groups of 1..4 hex digits; "" is the empty list (one side of "::").
std::optional<std::vector<uint16_t>> ParseGroupsV6(std::string_view s) {
  std::vector<uint16_t> groups;
  if (s.empty()) return groups;
  for (std::string_view g : Split(s, ':')) {
    if (g.empty() || g.size() > 4) return std::nullopt;
    unsigned v = 0;
    for (char c : g) {
      int h = HexValue(c);
      if (h < 0) return std::nullopt;
      v = v * 16 + static_cast<unsigned>(h);
    }
    groups.push_back(static_cast<uint16_t>(v));
  }
  return groups;
}

std::optional<IpAddr> ParseIpv6(std::string_view s) {
  auto split = SplitPrefix(s, 3, 128);
  if (!split) return std::nullopt;
  std::string_view addr = split->first;
  std::vector<uint16_t> groups;
  size_t gap = addr.find("::");
  if (gap == std::string_view::npos) {
    auto all = ParseGroupsV6(addr);
    if (!all || all->size() != 8) return std::nullopt;
    groups = std::move(*all);
  } else {
    std::string_view left = addr.substr(0, gap);
    std::string_view right = addr.substr(gap + 2);
    if (right.find("::") != std::string_view::npos) return std::nullopt;
    auto l = ParseGroupsV6(left);
    auto r = ParseGroupsV6(right);
    if (!l || !r || l->size() + r->size() >= 8) return std::nullopt;
    groups = std::move(*l);
    groups.resize(8 - r->size(), 0);
    groups.insert(groups.end(), r->begin(), r->end());
  }
  IpAddr ip;
  ip.v6 = true;
  ip.prefix = static_cast<uint8_t>(split->second);
  for (size_t i = 0; i < 8; ++i) {
    ip.bytes[2 * i] = static_cast<uint8_t>(groups[i] >> 8);
    ip.bytes[2 * i + 1] = static_cast<uint8_t>(groups[i] & 0xff);
  }
  return ip;
}

using U128 = unsigned __int128;

U128 AddressBits(const IpAddr& ip) {
  U128 v = 0;
  const size_t n = ip.v6 ? 16 : 4;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | ip.bytes[i];
  return v;
}

// The first and last address of the network `ip` denotes (Lean IPNet.range).
std::pair<U128, U128> Range(const IpAddr& ip) {
  const unsigned size = ip.v6 ? 128 : 32;
  const unsigned width = size - std::min<unsigned>(ip.prefix, size);
  if (width == 128) return {0, ~U128{0}};
  const U128 host = (U128{1} << width) - 1;
  const U128 lo = AddressBits(ip) & ~host;
  return {lo, lo | host};
}

// Lean IPNet.inRange: same family, and the range of `ip` lies within the range of `net`.
bool InRange(const IpAddr& ip, const IpAddr& net) {
  if (ip.v6 != net.v6) return false;
  auto [lo1, hi1] = Range(ip);
  auto [lo2, hi2] = Range(net);
  return hi2 >= hi1 && lo1 >= lo2;
}

IpAddr MakeNet(bool v6, std::initializer_list<uint8_t> leading, uint8_t prefix) {
  IpAddr ip;
  ip.v6 = v6;
  ip.prefix = prefix;
  std::copy(leading.begin(), leading.end(), ip.bytes.begin());
  return ip;
}

const IpAddr& LoopbackNet(bool v6) {
  static const IpAddr v4 = MakeNet(false, {127}, 8);
  static const IpAddr v6net = [] {
    IpAddr ip = MakeNet(true, {}, 128);
    ip.bytes[15] = 1;
    return ip;
  }();
  return v6 ? v6net : v4;
}

const IpAddr& MulticastNet(bool v6) {
  static const IpAddr v4 = MakeNet(false, {224}, 4);
  static const IpAddr v6net = MakeNet(true, {0xff}, 8);
  return v6 ? v6net : v4;
}

// ----- datetime -----

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[static_cast<size_t>(m - 1)];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = (m + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  int64_t year;
  int month;
  int day;
};

// The inverse of DaysFromCivil (H. Hinnant's civil_from_days).
Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return Civil{yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

// Fixed-width digits at s[pos..pos+n); -1 when any is not a digit or the text is too short.
int FixedDigits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!IsDigit(s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// Floor division and the matching remainder in [0, b), for b > 0. FloorMod avoids computing
// FloorDiv(a, b) * b, which overflows near i64::MIN.
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b < 0 ? 1 : 0); }
int64_t FloorMod(int64_t a, int64_t b) {
  const int64_t r = a % b;
  return r < 0 ? r + b : r;
}

// ----- CallExtension helpers -----

Error TypeError(Type expected, const Value& got) {
  std::string m = "type error: expected ";
  m += TypeName(expected);
  m += ", got ";
  m += TypeName(got.type());
  if (got.is(Type::kString) && expected != Type::kString) {
    // The usual mistake: `context.ip.isLoopback()` where context.ip is the string, not ip(..).
    std::string_view ctor = expected == Type::kIpAddr ? "ip" : TypeName(expected);
    m += " (maybe you forgot to apply the `";
    m += ctor;
    m += "` constructor?)";
  }
  return InvalidArgument(std::move(m));
}

Error ExtensionError(const FnInfo& info, std::string what) {
  return InvalidArgument("error while evaluating `" + std::string(info.name) +
                         "` extension function: " + what);
}

Error OverflowError(const FnInfo& info, std::string what) {
  return ExtensionError(info, "overflow while " + what);
}

constexpr FnInfo kFunctions[] = {
    {Fn::kIp, "ip", false, 1, true},
    {Fn::kDecimal, "decimal", false, 1, true},
    {Fn::kDatetime, "datetime", false, 1, true},
    {Fn::kDuration, "duration", false, 1, true},
    {Fn::kIsIpv4, "isIpv4", true, 1, true},
    {Fn::kIsIpv6, "isIpv6", true, 1, true},
    {Fn::kIsLoopback, "isLoopback", true, 1, true},
    {Fn::kIsMulticast, "isMulticast", true, 1, true},
    {Fn::kIsInRange, "isInRange", true, 2, true},
    {Fn::kLessThan, "lessThan", true, 2, true},
    {Fn::kLessThanOrEqual, "lessThanOrEqual", true, 2, true},
    {Fn::kGreaterThan, "greaterThan", true, 2, true},
    {Fn::kGreaterThanOrEqual, "greaterThanOrEqual", true, 2, true},
    {Fn::kOffset, "offset", true, 2, true},
    {Fn::kDurationSince, "durationSince", true, 2, true},
    {Fn::kToDate, "toDate", true, 1, true},
    {Fn::kToTime, "toTime", true, 1, true},
    {Fn::kToMilliseconds, "toMilliseconds", true, 1, true},
    {Fn::kToSeconds, "toSeconds", true, 1, true},
    {Fn::kToMinutes, "toMinutes", true, 1, true},
    {Fn::kToHours, "toHours", true, 1, true},
    {Fn::kToDays, "toDays", true, 1, true},
    {Fn::kContains, "contains", true, 2, false},
    {Fn::kContainsAll, "containsAll", true, 2, false},
    {Fn::kContainsAny, "containsAny", true, 2, false},
    {Fn::kIsEmpty, "isEmpty", true, 1, false},
    {Fn::kHasTag, "hasTag", true, 2, false},
    {Fn::kGetTag, "getTag", true, 2, false},
};

// The table is indexed by Fn; catch a reordering at compile time.
constexpr bool TableMatchesEnum() {
  for (size_t i = 0; i < std::size(kFunctions); ++i) {
    if (static_cast<size_t>(kFunctions[i].fn) != i) return false;
  }
  return std::size(kFunctions) == static_cast<size_t>(Fn::kGetTag) + 1;
}
static_assert(TableMatchesEnum(), "kFunctions must list every Fn in enum order");

}  // namespace

// ----- parsers -----

std::optional<Decimal> ParseDecimal(std::string_view s) {
  std::vector<std::string_view> parts = Split(s, '.');
  if (parts.size() != 2) return std::nullopt;
  std::string_view left = parts[0];
  const std::string_view right = parts[1];
  if (right.empty() || right.size() > 4 || !AllDigits(right)) return std::nullopt;
  const bool negative = !left.empty() && left[0] == '-';
  if (negative) left.remove_prefix(1);
  // The magnitude of i64::MIN / 10^4, rounded up: anything larger overflows after scaling.
  constexpr U128 kCap = U128{1} << 63;
  std::optional<U128> whole = ParseDigits(left, kCap);
  if (!whole) return std::nullopt;
  U128 frac = 0;
  for (char c : right) frac = frac * 10 + static_cast<unsigned>(c - '0');
  for (size_t i = right.size(); i < 4; ++i) frac *= 10;
  const U128 magnitude = *whole * 10000 + frac;
  if (negative) {
    if (magnitude > (U128{1} << 63)) return std::nullopt;
    return Decimal{static_cast<int64_t>(-static_cast<__int128>(magnitude))};
  }
  if (magnitude > static_cast<U128>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return Decimal{static_cast<int64_t>(magnitude)};
}

std::optional<IpAddr> ParseIp(std::string_view s) {
  if (std::optional<IpAddr> v4 = ParseIpv4(s)) return v4;
  return ParseIpv6(s);
}

std::optional<Datetime> ParseDatetime(std::string_view s) {
  const int year = FixedDigits(s, 0, 4);
  const int month = FixedDigits(s, 5, 2);
  const int day = FixedDigits(s, 8, 2);
  if (year < 0 || month < 0 || day < 0 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  int64_t ms = DaysFromCivil(year, month, day) * kMsPerDay;
  if (s.size() == 10) return Datetime{ms};

  if (s[10] != 'T') return std::nullopt;
  const int hour = FixedDigits(s, 11, 2);
  const int minute = FixedDigits(s, 14, 2);
  const int second = FixedDigits(s, 17, 2);
  if (hour < 0 || minute < 0 || second < 0 || s[13] != ':' || s[16] != ':') return std::nullopt;
  if (hour >= 24 || minute >= 60 || second >= 60) return std::nullopt;
  ms += hour * kMsPerHour + minute * kMsPerMinute + second * kMsPerSecond;

  std::string_view rest = s.substr(19);
  if (!rest.empty() && rest[0] == '.') {
    const int millis = FixedDigits(rest, 1, 3);
    if (millis < 0) return std::nullopt;
    ms += millis;
    rest.remove_prefix(4);
  }
  if (rest == "Z") return Datetime{ms};
  if (rest.size() != 5 || (rest[0] != '+' && rest[0] != '-')) return std::nullopt;
  const int off_h = FixedDigits(rest, 1, 2);
  const int off_m = FixedDigits(rest, 3, 2);
  if (off_h < 0 || off_m < 0 || off_h >= 24 || off_m >= 60) return std::nullopt;
  // "+hhmm" means local time is ahead of UTC, so UTC = local - offset.
  const int64_t offset = off_h * kMsPerHour + off_m * kMsPerMinute;
  ms += rest[0] == '+' ? -offset : offset;
  return Datetime{ms};
}

std::optional<Duration> ParseDuration(std::string_view s) {
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  struct Unit {
    std::string_view suffix;
    int64_t ms;
  };
  static constexpr Unit kUnits[] = {
      {"d", kMsPerDay}, {"h", kMsPerHour}, {"m", kMsPerMinute}, {"s", kMsPerSecond}, {"ms", 1}};
  // Accumulate the magnitude in 128 bits; every term is capped so the sum cannot wrap.
  constexpr U128 kLimit = U128{1} << 63;  // |i64::MIN|
  U128 total = 0;
  size_t next_unit = 0;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t digits_end = pos;
    while (digits_end < s.size() && IsDigit(s[digits_end])) ++digits_end;
    if (digits_end == pos) return std::nullopt;
    size_t suffix_end = digits_end;
    while (suffix_end < s.size() && !IsDigit(s[suffix_end])) ++suffix_end;
    const std::string_view suffix = s.substr(digits_end, suffix_end - digits_end);
    size_t unit = next_unit;
    while (unit < std::size(kUnits) && kUnits[unit].suffix != suffix) ++unit;
    if (unit == std::size(kUnits)) return std::nullopt;  // unknown, repeated or out of order
    std::optional<U128> n = ParseDigits(s.substr(pos, digits_end - pos), kLimit);
    if (!n || *n > kLimit) return std::nullopt;
    total += *n * static_cast<U128>(kUnits[unit].ms);
    if (total > kLimit) return std::nullopt;
    next_unit = unit + 1;
    pos = suffix_end;
  }
  if (negative) return Duration{static_cast<int64_t>(-static_cast<__int128>(total))};
  if (total > static_cast<U128>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return Duration{static_cast<int64_t>(total)};
}

// ----- canonical text -----

std::string ToString(Decimal d) {
  // Lean's ToString Decimal: sign, integer part, '.', exactly four fractional digits.
  const bool negative = d.scaled < 0;
  const uint64_t magnitude =
      negative ? uint64_t{0} - static_cast<uint64_t>(d.scaled) : static_cast<uint64_t>(d.scaled);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%llu.%04llu", negative ? "-" : "",
                static_cast<unsigned long long>(magnitude / 10000),
                static_cast<unsigned long long>(magnitude % 10000));
  return buf;
}

std::string ToString(const IpAddr& ip) {
  std::string out;
  char buf[8];
  if (!ip.v6) {
    for (size_t i = 0; i < 4; ++i) {
      if (i > 0) out += '.';
      out += std::to_string(ip.bytes[i]);
    }
    if (ip.prefix != 32) out += "/" + std::to_string(ip.prefix);
    return out;
  }
  // RFC 5952: lowercase hex without leading zeros, the longest run (first on ties) of two or more
  // zero groups written "::". Never the mixed IPv4 form, which ParseIp rejects.
  std::array<unsigned, 8> g{};
  for (size_t i = 0; i < 8; ++i) g[i] = (unsigned{ip.bytes[2 * i]} << 8) | ip.bytes[2 * i + 1];
  size_t best_start = 8, best_len = 0;
  for (size_t i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best_start = 8;
  size_t i = 0;
  while (i < 8) {
    if (i == best_start) {
      out += "::";
      i += best_len;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[i]);
    out += buf;
    ++i;
  }
  if (ip.prefix != 128) out += "/" + std::to_string(ip.prefix);
  return out;
}

std::string ToString(Datetime d) {
  // The shortest of the accepted forms that denotes the value exactly. Outside years 0000..9999
  // there is no such form; the text is then ISO 8601's expanded year (e.g. "+10000-01-01"), which
  // reads well in messages but does not parse back.
  const int64_t days = FloorDiv(d.ms, kMsPerDay);
  const int64_t in_day = FloorMod(d.ms, kMsPerDay);
  const Civil c = CivilFromDays(days);
  char buf[64];
  if (c.year >= 0 && c.year <= 9999) {
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(c.year), c.month,
                  c.day);
  } else {
    std::snprintf(buf, sizeof buf, "%+05lld-%02d-%02d", static_cast<long long>(c.year), c.month,
                  c.day);
  }
  std::string out = buf;
  if (in_day == 0) return out;
  const int64_t h = in_day / kMsPerHour;
  const int64_t m = in_day / kMsPerMinute % 60;
  const int64_t sec = in_day / kMsPerSecond % 60;
  const int64_t millis = in_day % kMsPerSecond;
  if (millis == 0) {
    std::snprintf(buf, sizeof buf, "T%02lld:%02lld:%02lldZ", static_cast<long long>(h),
                  static_cast<long long>(m), static_cast<long long>(sec));
  } else {
    std::snprintf(buf, sizeof buf, "T%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(h),
                  static_cast<long long>(m), static_cast<long long>(sec),
                  static_cast<long long>(millis));
  }
  return out + buf;
}

std::string ToString(Duration d) {
  // Largest units first ("1d2h3m4s5ms"), zero units omitted, "0ms" for zero; ParseDuration reads
  // it back to the same value (i64::MIN included).
  if (d.ms == 0) return "0ms";
  const bool negative = d.ms < 0;
  uint64_t rest =
      negative ? uint64_t{0} - static_cast<uint64_t>(d.ms) : static_cast<uint64_t>(d.ms);
  std::string out = negative ? "-" : "";
  struct Unit {
    const char* suffix;
    uint64_t ms;
  };
  static constexpr Unit kUnits[] = {
      {"d", kMsPerDay}, {"h", kMsPerHour}, {"m", kMsPerMinute}, {"s", kMsPerSecond}, {"ms", 1}};
  for (const Unit& u : kUnits) {
    const uint64_t n = rest / u.ms;
    rest %= u.ms;
    if (n != 0) {
      out += std::to_string(n);
      out += u.suffix;
    }
  }
  return out;
}

// ----- function table -----

std::optional<FnInfo> LookupFunction(std::string_view name, bool method) {
  for (const FnInfo& info : kFunctions) {
    if (info.name == name && info.method == method) return info;
  }
  return std::nullopt;
}

const FnInfo& InfoOf(Fn fn) { return kFunctions[static_cast<size_t>(fn)]; }

// ----- evaluation -----

Result<Value> CallExtension(Fn fn, std::span<const Value> args) {
  const FnInfo& info = InfoOf(fn);
  if (!info.extension) {
    return Internal("`" + std::string(info.name) + "` is not an extension function");
  }
  if (args.size() != static_cast<size_t>(info.arity)) {
    return InvalidArgument("`" + std::string(info.name) + "` takes " + std::to_string(info.arity) +
                           " argument(s), got " + std::to_string(args.size()));
  }

  // Constructors.
  switch (fn) {
    case Fn::kIp:
    case Fn::kDecimal:
    case Fn::kDatetime:
    case Fn::kDuration: {
      if (!args[0].is(Type::kString)) return TypeError(Type::kString, args[0]);
      const std::string& s = args[0].as_string();
      const std::string quoted = "\"" + EscapeString(s) + "\"";
      if (fn == Fn::kIp) {
        if (auto v = ParseIp(s)) return Value(*v);
        return ExtensionError(info, "invalid IP address " + quoted);
      }
      if (fn == Fn::kDecimal) {
        if (auto v = ParseDecimal(s)) return Value(*v);
        return ExtensionError(info, "invalid decimal " + quoted +
                                        " (expected digits, '.', 1 to 4 fractional digits, within "
                                        "-922337203685477.5808..922337203685477.5807)");
      }
      if (fn == Fn::kDatetime) {
        if (auto v = ParseDatetime(s)) return Value(*v);
        return ExtensionError(info, "invalid datetime " + quoted +
                                        " (expected YYYY-MM-DD[Thh:mm:ss[.SSS](Z|(+|-)hhmm)])");
      }
      if (auto v = ParseDuration(s)) return Value(*v);
      return ExtensionError(info, "invalid duration " + quoted +
                                      " (expected e.g. \"1d2h3m4s5ms\", within the i64 range of "
                                      "milliseconds)");
    }
    default:
      break;
  }

  // Methods: check the receiver's type, then the argument's.
  Type receiver_type = Type::kIpAddr;
  Type arg_type = Type::kIpAddr;
  switch (fn) {
    case Fn::kIsIpv4:
    case Fn::kIsIpv6:
    case Fn::kIsLoopback:
    case Fn::kIsMulticast:
    case Fn::kIsInRange:
      receiver_type = arg_type = Type::kIpAddr;
      break;
    case Fn::kLessThan:
    case Fn::kLessThanOrEqual:
    case Fn::kGreaterThan:
    case Fn::kGreaterThanOrEqual:
      receiver_type = arg_type = Type::kDecimal;
      break;
    case Fn::kOffset:
      receiver_type = Type::kDatetime;
      arg_type = Type::kDuration;
      break;
    case Fn::kDurationSince:
    case Fn::kToDate:
    case Fn::kToTime:
      receiver_type = arg_type = Type::kDatetime;
      break;
    default:
      receiver_type = arg_type = Type::kDuration;
      break;
  }
  if (!args[0].is(receiver_type)) return TypeError(receiver_type, args[0]);
  if (args.size() == 2 && !args[1].is(arg_type)) return TypeError(arg_type, args[1]);

  switch (fn) {
    case Fn::kIsIpv4:
      return Value(!args[0].as_ip().v6);
    case Fn::kIsIpv6:
      return Value(args[0].as_ip().v6);
    case Fn::kIsLoopback: {
      const IpAddr& ip = args[0].as_ip();
      return Value(InRange(ip, LoopbackNet(ip.v6)));
    }
    case Fn::kIsMulticast: {
      const IpAddr& ip = args[0].as_ip();
      return Value(InRange(ip, MulticastNet(ip.v6)));
    }
    case Fn::kIsInRange:
      return Value(InRange(args[0].as_ip(), args[1].as_ip()));
    case Fn::kLessThan:
      return Value(args[0].as_decimal().scaled < args[1].as_decimal().scaled);
    case Fn::kLessThanOrEqual:
      return Value(args[0].as_decimal().scaled <= args[1].as_decimal().scaled);
    case Fn::kGreaterThan:
      return Value(args[0].as_decimal().scaled > args[1].as_decimal().scaled);
    case Fn::kGreaterThanOrEqual:
      return Value(args[0].as_decimal().scaled >= args[1].as_decimal().scaled);
    case Fn::kOffset: {
      int64_t out;
      if (__builtin_add_overflow(args[0].as_datetime().ms, args[1].as_duration().ms, &out)) {
        return OverflowError(info, "adding " + args[1].ToCedar() + " to " + args[0].ToCedar());
      }
      return Value(Datetime{out});
    }
    case Fn::kDurationSince: {
      int64_t out;
      if (__builtin_sub_overflow(args[0].as_datetime().ms, args[1].as_datetime().ms, &out)) {
        return OverflowError(info, "computing the duration between " + args[0].ToCedar() + " and " +
                                       args[1].ToCedar());
      }
      return Value(Duration{out});
    }
    case Fn::kToDate: {
      const int64_t ms = args[0].as_datetime().ms;
      int64_t out;
      if (__builtin_sub_overflow(ms, FloorMod(ms, kMsPerDay), &out)) {
        return OverflowError(info, "computing the date of " + args[0].ToCedar());
      }
      return Value(Datetime{out});
    }
    case Fn::kToTime:
      return Value(Duration{FloorMod(args[0].as_datetime().ms, kMsPerDay)});
    case Fn::kToMilliseconds:
      return Value(args[0].as_duration().ms);
    case Fn::kToSeconds:
      return Value(args[0].as_duration().ms / kMsPerSecond);
    case Fn::kToMinutes:
      return Value(args[0].as_duration().ms / kMsPerMinute);
    case Fn::kToHours:
      return Value(args[0].as_duration().ms / kMsPerHour);
    case Fn::kToDays:
      return Value(args[0].as_duration().ms / kMsPerDay);
    default:
      break;
  }
  return Internal("unhandled extension function `" + std::string(info.name) + "`");
}

}  // namespace custody::cedar
