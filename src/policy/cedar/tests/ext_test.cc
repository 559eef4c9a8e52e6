// Tests for the Cedar extension functions (ext.cc): the function table, the literal parsers and
// canonical text of decimal/ipaddr/datetime/duration, every extension method, and the errors of
// CallExtension. Expected values follow the Lean model and the Rust implementation; the tricky
// literal shapes come from the conformance corpus and from differential runs against cedar-wasm.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "policy/cedar/functions.h"

namespace custody::cedar {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kDay = 86400000;

Result<Value> Call(Fn fn, std::vector<Value> args) { return CallExtension(fn, args); }

Value S(std::string s) { return Value(std::move(s)); }

// Calls constructor `fn` on `text`; fails the test when it does not succeed.
Value Make(Fn fn, std::string text) {
  Result<Value> r = Call(fn, {S(text)});
  EXPECT_TRUE(r.ok()) << InfoOf(fn).name << "(\"" << text << "\"): " << r.error().ToString();
  return r.ok() ? *r : Value();
}
Value Dec(std::string s) { return Make(Fn::kDecimal, std::move(s)); }
Value Ip(std::string s) { return Make(Fn::kIp, std::move(s)); }
Value Dt(std::string s) { return Make(Fn::kDatetime, std::move(s)); }
Value Dur(std::string s) { return Make(Fn::kDuration, std::move(s)); }

// The Bool or Long result of a method that must succeed.
bool CallBool(Fn fn, std::vector<Value> args) {
  Result<Value> r = Call(fn, std::move(args));
  EXPECT_TRUE(r.ok() && r->is(Type::kBool)) << InfoOf(fn).name;
  return r.ok() && r->is(Type::kBool) && r->as_bool();
}
int64_t CallLong(Fn fn, std::vector<Value> args) {
  Result<Value> r = Call(fn, std::move(args));
  EXPECT_TRUE(r.ok() && r->is(Type::kLong)) << InfoOf(fn).name;
  return r.ok() && r->is(Type::kLong) ? r->as_long() : 0;
}
std::string ErrorOf(Fn fn, std::vector<Value> args) {
  Result<Value> r = Call(fn, std::move(args));
  EXPECT_FALSE(r.ok()) << InfoOf(fn).name << " unexpectedly returned " << r->ToCedar();
  return r.ok() ? "" : r.error().message();
}

// ----- function table -----

TEST(ExtFunctionsTest, EveryFnHasInfoAndIsFoundByItsNameAndStyle) {
  for (int i = 0; i <= static_cast<int>(Fn::kGetTag); ++i) {
    const Fn fn = static_cast<Fn>(i);
    const FnInfo& info = InfoOf(fn);
    EXPECT_EQ(info.fn, fn);
    std::optional<FnInfo> found = LookupFunction(info.name, info.method);
    ASSERT_TRUE(found.has_value()) << info.name;
    EXPECT_EQ(found->fn, fn);
    EXPECT_FALSE(LookupFunction(info.name, !info.method).has_value()) << info.name;
    EXPECT_GE(info.arity, 1);
    EXPECT_LE(info.arity, 2);
  }
}

TEST(ExtFunctionsTest, TableDescribesCallingStyleArityAndOwner) {
  auto ip = LookupFunction("ip", false);
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->fn, Fn::kIp);
  EXPECT_EQ(ip->arity, 1);
  EXPECT_TRUE(ip->extension);
  auto in_range = LookupFunction("isInRange", true);
  ASSERT_TRUE(in_range);
  EXPECT_EQ(in_range->arity, 2);
  EXPECT_TRUE(in_range->extension);
  EXPECT_EQ(LookupFunction("offset", true)->arity, 2);
  EXPECT_EQ(LookupFunction("toDate", true)->arity, 1);
  EXPECT_EQ(LookupFunction("greaterThanOrEqual", true)->fn, Fn::kGreaterThanOrEqual);
  // Set and tag methods belong to the evaluator.
  for (const char* name :
       {"contains", "containsAll", "containsAny", "isEmpty", "hasTag", "getTag"}) {
    auto f = LookupFunction(name, true);
    ASSERT_TRUE(f) << name;
    EXPECT_FALSE(f->extension) << name;
  }
  EXPECT_EQ(LookupFunction("isEmpty", true)->arity, 1);
  EXPECT_EQ(LookupFunction("getTag", true)->arity, 2);
  // Wrong style, wrong case, unknown names.
  EXPECT_FALSE(LookupFunction("decimal", true));
  EXPECT_FALSE(LookupFunction("lessThan", false));
  EXPECT_FALSE(LookupFunction("contains", false));
  EXPECT_FALSE(LookupFunction("Contains", true));
  EXPECT_FALSE(LookupFunction("IP", false));
  EXPECT_FALSE(LookupFunction("", false));
  EXPECT_FALSE(LookupFunction("toMillis", true));
}

// ----- decimal -----

TEST(DecimalTest, ParsesUpToFourFractionalDigits) {
  EXPECT_EQ(ParseDecimal("1.5"), Decimal{15000});
  EXPECT_EQ(ParseDecimal("-1.5"), Decimal{-15000});
  EXPECT_EQ(ParseDecimal("0.0001"), Decimal{1});
  EXPECT_EQ(ParseDecimal("-0.0001"), Decimal{-1});
  EXPECT_EQ(ParseDecimal("-0.5"), Decimal{-5000});  // the sign applies to the fraction too
  EXPECT_EQ(ParseDecimal("-0.0"), Decimal{0});
  EXPECT_EQ(ParseDecimal("1.2345"), Decimal{12345});
  EXPECT_EQ(ParseDecimal("007.10"), Decimal{71000});  // leading zeros are fine
  EXPECT_EQ(ParseDecimal("0000000000000000000000000001.0"), Decimal{10000});
  EXPECT_EQ(ParseDecimal("922337203685477.5807"), Decimal{kMax});
  EXPECT_EQ(ParseDecimal("-922337203685477.5808"), Decimal{kMin});
  // Real shapes from the conformance corpus.
  EXPECT_EQ(ParseDecimal("330986553505061.2223"), Decimal{3309865535050612223});
  EXPECT_EQ(ParseDecimal("-73245982.801"), Decimal{-732459828010});
}

TEST(DecimalTest, RejectsMalformedAndOutOfRangeText) {
  for (const char* s : {"922337203685477.5808",
                        "-922337203685477.5809",
                        "99999999999999999999999999999.0",
                        "-22440011991199802363.1057",
                        "1",
                        "1.",
                        ".5",
                        "-.5",
                        "+1.0",
                        "1.23456",
                        "1.2.3",
                        "",
                        "-",
                        "--1.0",
                        "-+1.0",
                        " 1.0",
                        "1.0 ",
                        "1_0.0",
                        "1.0_1",
                        "1e3.0",
                        "0x1.0",
                        "1,0",
                        "\xd9\xa1.\xd9\xa0" /* Arabic-Indic digits */,
                        "1..0",
                        "-92233,203685477.5808"}) {
    EXPECT_FALSE(ParseDecimal(s).has_value()) << s;
  }
}

TEST(DecimalTest, ToStringAlwaysHasFourFractionalDigits) {
  EXPECT_EQ(ToString(Decimal{15000}), "1.5000");
  EXPECT_EQ(ToString(Decimal{-1}), "-0.0001");
  EXPECT_EQ(ToString(Decimal{0}), "0.0000");
  EXPECT_EQ(ToString(Decimal{-123456789}), "-12345.6789");
  EXPECT_EQ(ToString(Decimal{kMax}), "922337203685477.5807");
  EXPECT_EQ(ToString(Decimal{kMin}), "-922337203685477.5808");
}

TEST(DecimalTest, ComparisonMethods) {
  const Value a = Dec("1.23");
  const Value b = Dec("1.2300");
  const Value c = Dec("-1.5");
  EXPECT_FALSE(CallBool(Fn::kLessThan, {a, b}));
  EXPECT_TRUE(CallBool(Fn::kLessThanOrEqual, {a, b}));
  EXPECT_FALSE(CallBool(Fn::kGreaterThan, {a, b}));
  EXPECT_TRUE(CallBool(Fn::kGreaterThanOrEqual, {a, b}));
  EXPECT_TRUE(CallBool(Fn::kLessThan, {c, a}));
  EXPECT_TRUE(CallBool(Fn::kLessThanOrEqual, {c, a}));
  EXPECT_FALSE(CallBool(Fn::kGreaterThan, {c, a}));
  EXPECT_FALSE(CallBool(Fn::kGreaterThanOrEqual, {c, a}));
  EXPECT_TRUE(CallBool(Fn::kGreaterThan, {a, c}));
  EXPECT_TRUE(CallBool(Fn::kLessThan, {Dec("-922337203685477.5808"), Dec("922337203685477.5807")}));
}

// ----- ipaddr -----

TEST(IpTest, ParsesIpv4WithAndWithoutPrefix) {
  IpAddr ip = *ParseIp("192.168.0.1");
  EXPECT_FALSE(ip.v6);
  EXPECT_EQ(ip.prefix, 32);
  EXPECT_EQ(ip.bytes[0], 192);
  EXPECT_EQ(ip.bytes[3], 1);
  EXPECT_EQ(ip.bytes[4], 0);
  ip = *ParseIp("10.0.0.0/8");
  EXPECT_EQ(ip.prefix, 8);
  EXPECT_EQ(ParseIp("0.0.0.0/0")->prefix, 0);
  EXPECT_EQ(ParseIp("255.255.255.255/32")->bytes[3], 255);
  EXPECT_TRUE(ParseIp("101.101.101.102/2"));  // corpus
}

TEST(IpTest, ParsesIpv6Forms) {
  IpAddr ip = *ParseIp("::");
  EXPECT_TRUE(ip.v6);
  EXPECT_EQ(ip.prefix, 128);
  EXPECT_EQ(ip.bytes, (std::array<uint8_t, 16>{}));
  ip = *ParseIp("::1");
  EXPECT_EQ(ip.bytes[15], 1);
  ip = *ParseIp("1::");
  EXPECT_EQ(ip.bytes[1], 1);
  EXPECT_EQ(ip.bytes[15], 0);
  ip = *ParseIp("1:2:3:4:5:6:7:8/64");
  EXPECT_EQ(ip.prefix, 64);
  EXPECT_EQ(ip.bytes[14], 0);
  EXPECT_EQ(ip.bytes[15], 8);
  ip = *ParseIp("FFFF:abcd::");
  EXPECT_EQ(ip.bytes[0], 0xff);
  EXPECT_EQ(ip.bytes[2], 0xab);
  EXPECT_EQ(ip.bytes[3], 0xcd);
  // "::" may stand for a single zero group.
  EXPECT_EQ(*ParseIp("::2:3:4:5:6:7:8"), *ParseIp("0:2:3:4:5:6:7:8"));
  EXPECT_EQ(*ParseIp("1:2:3:4:5:6:7::"), *ParseIp("1:2:3:4:5:6:7:0"));
  EXPECT_EQ(*ParseIp("0000:0000:0000:0000:0000:0000:0000:0001"), *ParseIp("::1"));
  EXPECT_EQ(ParseIp("::/0")->prefix, 0);
  EXPECT_EQ(ParseIp("::/128")->prefix, 128);
  // Corpus shapes.
  EXPECT_TRUE(ParseIp("ff26:ffff:ffff:ffff:ffff:ffff:bbbb:29bb/126"));
  EXPECT_TRUE(ParseIp("::ff:ffff:ffff:ffff"));
  EXPECT_TRUE(ParseIp("bebe:bebe:be2d:be00:a:202:202:2af"));
}

TEST(IpTest, RejectsMalformedAddresses) {
  for (const char* s : {
           "",
           "01.2.3.4",
           "1.2.3.04",
           "256.1.1.1",
           "1.2.3",
           "1.2.3.4.5",
           "1.2.3.4/33",
           "1.2.3.4/08",
           "1.2.3.4/",
           "1.2.3.4/+8",
           "1.2.3.4/8/8",
           "1.2.3.4//8",
           "/8",
           "1.2.3.-4",
           " 1.2.3.4",
           "1.2.3.4 ",
           "0..65.0/28",
           "::ffff:1.2.3.4",
           "::1.2.3.4",
           "1::2::3",
           ":::",
           "::1::",
           "1:2:3:4:5:6:7:8:9",
           "1:2:3:4:5:6:7",
           "1:2:3:4:5:6:7:8::",
           "::1:2:3:4:5:6:7:8",
           "12345::",
           "::/129",
           "::/0128",
           "::/00",
           "fe80::1%eth0",
           "g::",
           ":1::",
           "1:",
           "R2.82.82.82",
           "1.2.3.4/2x",
       }) {
    EXPECT_FALSE(ParseIp(s).has_value()) << s;
  }
}

TEST(IpTest, ToStringIsCanonicalAndKeepsThePrefix) {
  EXPECT_EQ(ToString(*ParseIp("10.0.0.1")), "10.0.0.1");
  EXPECT_EQ(ToString(*ParseIp("10.0.0.1/24")), "10.0.0.1/24");
  EXPECT_EQ(ToString(*ParseIp("10.0.0.1/32")), "10.0.0.1");
  EXPECT_EQ(ToString(*ParseIp("::")), "::");
  EXPECT_EQ(ToString(*ParseIp("::/0")), "::/0");
  EXPECT_EQ(ToString(*ParseIp("0:0:0:0:0:0:0:1")), "::1");
  EXPECT_EQ(ToString(*ParseIp("1:0:0:0:0:0:0:0")), "1::");
  EXPECT_EQ(ToString(*ParseIp("1:0:0:1:0:0:0:1")), "1:0:0:1::1");       // the longest run
  EXPECT_EQ(ToString(*ParseIp("1:0:0:2:0:0:3:4")), "1::2:0:0:3:4");     // the first of equal runs
  EXPECT_EQ(ToString(*ParseIp("1:2:3:4:5:6:7:0")), "1:2:3:4:5:6:7:0");  // one zero stays
  EXPECT_EQ(ToString(*ParseIp("ABCD:00EF::/16")), "abcd:ef::/16");
  EXPECT_EQ(ToString(*ParseIp("::ffff:ff00:1")), "::ffff:ff00:1");  // never dotted
}

TEST(IpTest, FamilyPredicates) {
  EXPECT_TRUE(CallBool(Fn::kIsIpv4, {Ip("1.2.3.4")}));
  EXPECT_FALSE(CallBool(Fn::kIsIpv6, {Ip("1.2.3.4/8")}));
  EXPECT_TRUE(CallBool(Fn::kIsIpv6, {Ip("::1")}));
  EXPECT_FALSE(CallBool(Fn::kIsIpv4, {Ip("::ffff:ff00:1")}));
}

TEST(IpTest, LoopbackIsRangeContainment) {
  EXPECT_TRUE(CallBool(Fn::kIsLoopback, {Ip("127.0.0.1")}));
  EXPECT_TRUE(CallBool(Fn::kIsLoopback, {Ip("127.255.255.255/8")}));
  EXPECT_TRUE(CallBool(Fn::kIsLoopback, {Ip("127.1.2.3/9")}));
  // A wider network than 127.0.0.0/8 is not entirely loopback.
  EXPECT_FALSE(CallBool(Fn::kIsLoopback, {Ip("127.0.0.1/7")}));
  EXPECT_FALSE(CallBool(Fn::kIsLoopback, {Ip("126.0.0.1")}));
  EXPECT_FALSE(CallBool(Fn::kIsLoopback, {Ip("128.0.0.1")}));
  EXPECT_TRUE(CallBool(Fn::kIsLoopback, {Ip("::1")}));
  EXPECT_FALSE(CallBool(Fn::kIsLoopback, {Ip("::1/127")}));
  EXPECT_FALSE(CallBool(Fn::kIsLoopback, {Ip("::2")}));
  EXPECT_FALSE(CallBool(Fn::kIsLoopback, {Ip("::ffff:7f00:1")}));  // mapped IPv4 is IPv6
}

TEST(IpTest, MulticastIsRangeContainment) {
  EXPECT_TRUE(CallBool(Fn::kIsMulticast, {Ip("224.0.0.1")}));
  EXPECT_TRUE(CallBool(Fn::kIsMulticast, {Ip("239.255.255.255")}));
  EXPECT_TRUE(CallBool(Fn::kIsMulticast, {Ip("224.0.0.0/4")}));
  EXPECT_TRUE(CallBool(Fn::kIsMulticast, {Ip("230.1.1.1/5")}));
  EXPECT_FALSE(CallBool(Fn::kIsMulticast, {Ip("224.0.0.0/3")}));
  EXPECT_FALSE(CallBool(Fn::kIsMulticast, {Ip("240.0.0.0")}));
  EXPECT_FALSE(CallBool(Fn::kIsMulticast, {Ip("223.255.255.255")}));
  EXPECT_TRUE(CallBool(Fn::kIsMulticast, {Ip("ff00::")}));
  EXPECT_TRUE(CallBool(Fn::kIsMulticast, {Ip("ff02::1/16")}));
  EXPECT_FALSE(CallBool(Fn::kIsMulticast, {Ip("ff00::/7")}));
  EXPECT_FALSE(CallBool(Fn::kIsMulticast, {Ip("fe00::")}));
}

TEST(IpTest, IsInRangeComparesNetworks) {
  EXPECT_TRUE(CallBool(Fn::kIsInRange, {Ip("10.1.2.3"), Ip("10.0.0.0/8")}));
  EXPECT_FALSE(CallBool(Fn::kIsInRange, {Ip("11.1.2.3"), Ip("10.0.0.0/8")}));
  // Bits beyond the prefix do not matter, on either side.
  EXPECT_TRUE(CallBool(Fn::kIsInRange, {Ip("10.0.0.0/8"), Ip("10.1.2.3/8")}));
  EXPECT_TRUE(CallBool(Fn::kIsInRange, {Ip("10.0.0.1/24"), Ip("10.0.0.0/24")}));
  // A network is in a range only when all of it is.
  EXPECT_FALSE(CallBool(Fn::kIsInRange, {Ip("10.0.0.0/7"), Ip("10.0.0.0/8")}));
  EXPECT_TRUE(CallBool(Fn::kIsInRange, {Ip("10.0.0.0/9"), Ip("10.0.0.0/8")}));
  EXPECT_TRUE(CallBool(Fn::kIsInRange, {Ip("10.0.0.0/8"), Ip("0.0.0.0/0")}));
  EXPECT_TRUE(CallBool(Fn::kIsInRange, {Ip("0.0.0.0/0"), Ip("255.0.0.0/0")}));
  EXPECT_TRUE(CallBool(Fn::kIsInRange, {Ip("1.2.3.4"), Ip("1.2.3.4")}));
  EXPECT_FALSE(CallBool(Fn::kIsInRange, {Ip("1.2.3.4"), Ip("1.2.3.5")}));
  EXPECT_TRUE(CallBool(Fn::kIsInRange, {Ip("::1"), Ip("::/0")}));
  EXPECT_TRUE(CallBool(Fn::kIsInRange, {Ip("ffff:ffff::/32"), Ip("ff00::/8")}));
  EXPECT_TRUE(CallBool(Fn::kIsInRange, {Ip("::/0"), Ip("::/0")}));
  EXPECT_FALSE(CallBool(Fn::kIsInRange, {Ip("::/0"), Ip("::/1")}));
  // Families never mix.
  EXPECT_FALSE(CallBool(Fn::kIsInRange, {Ip("0.0.0.1"), Ip("::/0")}));
  EXPECT_FALSE(CallBool(Fn::kIsInRange, {Ip("::1"), Ip("0.0.0.0/0")}));
}

// ----- datetime -----

TEST(DatetimeTest, ParsesEveryAcceptedForm) {
  EXPECT_EQ(ParseDatetime("1970-01-01"), Datetime{0});
  EXPECT_EQ(ParseDatetime("2024-02-29"), Datetime{1709164800000});
  EXPECT_EQ(ParseDatetime("2024-02-29T11:00:00Z"), Datetime{1709204400000});
  EXPECT_EQ(ParseDatetime("2024-02-29T11:00:00.500Z"), Datetime{1709204400500});
  EXPECT_EQ(ParseDatetime("2024-02-29T12:00:00+0100"), Datetime{1709204400000});
  EXPECT_EQ(ParseDatetime("2024-02-29T12:00:00.500+0100"), Datetime{1709204400500});
  EXPECT_EQ(ParseDatetime("1970-01-01T00:00:00+0100"), Datetime{-3600000});
  EXPECT_EQ(ParseDatetime("1970-01-01T00:00:00-0000"), Datetime{0});
  EXPECT_EQ(ParseDatetime("1969-12-31T23:59:59.999Z"), Datetime{-1});
  EXPECT_EQ(ParseDatetime("1969-12-31"), Datetime{-kDay});
  // Offsets, as in the Rust tests.
  EXPECT_EQ(ParseDatetime("2024-10-15T11:38:02.101+1134"),
            ParseDatetime("2024-10-15T00:04:02.101Z"));
  EXPECT_EQ(ParseDatetime("2024-10-15T11:38:02-1134"), ParseDatetime("2024-10-15T23:12:02Z"));
  EXPECT_EQ(ParseDatetime("2024-10-15T23:59:00+2359"), ParseDatetime("2024-10-15"));
  // The extremes of the grammar.
  EXPECT_EQ(ParseDatetime("0000-01-01"), Datetime{-62167219200000});
  EXPECT_EQ(ParseDatetime("9999-12-31T23:59:59.999Z"), Datetime{253402300799999});
  EXPECT_EQ(ParseDatetime("9999-12-31T23:59:59.999-2359"), Datetime{253402387139999});
  EXPECT_EQ(ParseDatetime("0000-01-01T00:00:00+2359"), Datetime{-62167305540000});
  // Corpus shapes.
  EXPECT_TRUE(ParseDatetime("0000-01-04T14:10:15.023+0037"));
  EXPECT_TRUE(ParseDatetime("8830-11-05T22:10:15-0000"));
}

TEST(DatetimeTest, ChecksLeapYears) {
  EXPECT_TRUE(ParseDatetime("2024-02-29"));
  EXPECT_TRUE(ParseDatetime("2000-02-29"));
  EXPECT_TRUE(ParseDatetime("1600-02-29"));
  EXPECT_TRUE(ParseDatetime("0000-02-29"));  // year 0 is a leap year (proleptic Gregorian)
  EXPECT_FALSE(ParseDatetime("1900-02-29"));
  EXPECT_FALSE(ParseDatetime("2100-02-29"));
  EXPECT_FALSE(ParseDatetime("2023-02-29"));
  EXPECT_FALSE(ParseDatetime("2024-02-30"));
  EXPECT_EQ(ParseDatetime("2024-03-01")->ms - ParseDatetime("2024-02-28")->ms, 2 * kDay);
  EXPECT_EQ(ParseDatetime("2023-03-01")->ms - ParseDatetime("2023-02-28")->ms, kDay);
}

TEST(DatetimeTest, RejectsMalformedText) {
  for (const char* s : {
           "",
           "a",
           "-",
           "-1",
           "11-12-13",
           "1111-1x-20",
           "2024-10-15Z",
           "2024-10-15T11:38:02ZZ",
           "0000-0a-01",
           "10000-01-01",
           "10000-01-01T00:00:00Z",
           "+2024-01-01",
           "-2024-01-01",
           "2024-1-01",
           "0000-01-1",
           "2024-00-01",
           "2024-01-00",
           "2024-13-01",
           "2024-01-32",
           "2024-04-31",
           "2024-01-01T",
           "2024-01-01Ta",
           "2024-01-01T01:",
           "2024-01-01T01:02",
           "2024-01-01T01:02:0b",
           "2024-01-01T01::02:03",
           "2024-01-01T31:02:03Z",
           "2024-01-01T24:00:00Z",
           "2024-01-01T01:60:03Z",
           "2016-12-31T23:59:60Z",
           "2016-12-31T23:59:61Z",
           "2024-01-01T00:00:00",
           "2024-01-01T00:00:00T",
           "2024-01-01T00:00:00ZZ",
           "2024-01-01T00:00:00z",
           "2024-01-01t00:00:00Z",
           "2024-01-01 00:00:00Z",
           "2024-01-01T00:00:00.1Z",
           "2024-01-01T00:00:00.1234Z",
           "2024-01-01T00:00:00.Z",
           "2024-01-01T00:00:00+2400",
           "2024-01-01T00:00:00+0060",
           "2024-01-01T00:00:00+01:00",
           "2024-01-01T00:00:00+01",
           "2024-01-01T00:00:00+010",
           "2024-01-01T00:00:00.000",
           "4718-07-06T7:44:07.535+1415",
           "5255-12-07T23:35:35.08+0535",
           "0000-01-30T15:15:15.535-06488",
           " 2024-01-01",
           "2024-01-01 ",
       }) {
    EXPECT_FALSE(ParseDatetime(s).has_value()) << s;
  }
}

TEST(DatetimeTest, ToStringUsesTheShortestExactForm) {
  EXPECT_EQ(ToString(Datetime{0}), "1970-01-01");
  EXPECT_EQ(ToString(Datetime{-1}), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(ToString(Datetime{1709204400000}), "2024-02-29T11:00:00Z");
  EXPECT_EQ(ToString(Datetime{1709204400500}), "2024-02-29T11:00:00.500Z");
  EXPECT_EQ(ToString(Datetime{-62167219200000}), "0000-01-01");
  EXPECT_EQ(ToString(Datetime{253402300799999}), "9999-12-31T23:59:59.999Z");
  // Outside the literal range: readable, not parseable.
  EXPECT_EQ(ToString(Datetime{253402300800000}), "+10000-01-01");
  EXPECT_EQ(ToString(Datetime{-62167219200001}), "-0001-12-31T23:59:59.999Z");
  EXPECT_FALSE(ParseDatetime(ToString(Datetime{253402300800000})));
  EXPECT_FALSE(ToString(Datetime{kMin}).empty());
  EXPECT_FALSE(ToString(Datetime{kMax}).empty());
}

TEST(DatetimeTest, OffsetAddsADurationAndReportsOverflow) {
  EXPECT_EQ(Call(Fn::kOffset, {Dt("1970-01-01"), Dur("1d")})->as_datetime(), Datetime{kDay});
  EXPECT_EQ(Call(Fn::kOffset, {Dt("2024-03-01"), Dur("-1d")})->as_datetime(),
            *ParseDatetime("2024-02-29"));
  EXPECT_EQ(Call(Fn::kOffset, {Value(Datetime{kMax - 1}), Value(Duration{1})})->as_datetime(),
            Datetime{kMax});
  EXPECT_NE(ErrorOf(Fn::kOffset, {Value(Datetime{kMax}), Value(Duration{1})}).find("overflow"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Fn::kOffset, {Value(Datetime{kMin}), Value(Duration{-1})}).find("overflow"),
            std::string::npos);
}

TEST(DatetimeTest, DurationSinceSubtractsAndReportsOverflow) {
  EXPECT_EQ(Call(Fn::kDurationSince, {Dt("2024-02-29"), Dt("1970-01-01")})->as_duration(),
            Duration{1709164800000});
  EXPECT_EQ(Call(Fn::kDurationSince, {Dt("1970-01-01"), Dt("1970-01-02")})->as_duration(),
            Duration{-kDay});
  EXPECT_NE(
      ErrorOf(Fn::kDurationSince, {Value(Datetime{kMin}), Value(Datetime{1})}).find("overflow"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf(Fn::kDurationSince, {Value(Datetime{kMax}), Value(Datetime{-1})}).find("overflow"),
      std::string::npos);
}

TEST(DatetimeTest, ToDateFloorsToTheDayAlsoBeforeTheEpoch) {
  auto to_date = [](int64_t ms) { return Call(Fn::kToDate, {Value(Datetime{ms})}); };
  EXPECT_EQ(to_date(0)->as_datetime(), Datetime{0});
  EXPECT_EQ(to_date(kDay - 1)->as_datetime(), Datetime{0});
  EXPECT_EQ(to_date(1709204400500)->as_datetime(), Datetime{1709164800000});
  EXPECT_EQ(to_date(-1)->as_datetime(), Datetime{-kDay});
  EXPECT_EQ(to_date(-kDay)->as_datetime(), Datetime{-kDay});
  EXPECT_EQ(to_date(-kDay - 1)->as_datetime(), Datetime{-2 * kDay});
  EXPECT_EQ(to_date(kMax)->as_datetime(), Datetime{kMax - kMax % kDay});
  // The day containing i64::MIN starts before i64::MIN.
  EXPECT_NE(ErrorOf(Fn::kToDate, {Value(Datetime{kMin})}).find("overflow"), std::string::npos);
  EXPECT_EQ(Call(Fn::kToDate, {Dt("2024-02-29T23:59:59.999-0100")})->as_datetime(),
            *ParseDatetime("2024-03-01"));
}

TEST(DatetimeTest, ToTimeIsTheNonNegativeTimeOfDay) {
  auto to_time = [](int64_t ms) { return Call(Fn::kToTime, {Value(Datetime{ms})})->as_duration(); };
  EXPECT_EQ(to_time(0), Duration{0});
  EXPECT_EQ(to_time(1709204400500), Duration{39600500});
  EXPECT_EQ(to_time(-1), Duration{kDay - 1});
  EXPECT_EQ(to_time(-kDay), Duration{0});
  EXPECT_EQ(to_time(kMin), Duration{kMin % kDay + kDay});
  EXPECT_EQ(to_time(kMax), Duration{kMax % kDay});
  EXPECT_EQ(Call(Fn::kToTime, {Dt("1969-12-31T18:30:00Z")})->as_duration(), Duration{66600000});
}

// ----- duration -----

TEST(DurationTest, ParsesUnitsInOrder) {
  EXPECT_EQ(ParseDuration("1d2h3m4s5ms"), Duration{93784005});
  EXPECT_EQ(ParseDuration("-1d2h3m4s5ms"), Duration{-93784005});
  EXPECT_EQ(ParseDuration("1d"), Duration{kDay});
  EXPECT_EQ(ParseDuration("2h"), Duration{7200000});
  EXPECT_EQ(ParseDuration("1m"), Duration{60000});
  EXPECT_EQ(ParseDuration("1s"), Duration{1000});
  EXPECT_EQ(ParseDuration("1ms"), Duration{1});
  EXPECT_EQ(ParseDuration("1m1ms"), Duration{60001});
  EXPECT_EQ(ParseDuration("1h1ms"), Duration{3600001});
  EXPECT_EQ(ParseDuration("0ms"), Duration{0});
  EXPECT_EQ(ParseDuration("-0ms"), Duration{0});
  EXPECT_EQ(ParseDuration("0d0h"), Duration{0});
  EXPECT_EQ(ParseDuration("00001s"), Duration{1000});
  EXPECT_EQ(ParseDuration("90m"), Duration{5400000});  // no carrying rules
  EXPECT_EQ(ParseDuration("9223372036854775807ms"), Duration{kMax});
  EXPECT_EQ(ParseDuration("-9223372036854775808ms"), Duration{kMin});
  EXPECT_EQ(ParseDuration("106751991167d7h12m55s807ms"), Duration{kMax});
  EXPECT_EQ(ParseDuration("-106751991167d7h12m55s808ms"), Duration{kMin});
  EXPECT_EQ(ParseDuration("-106751991167d"), Duration{-106751991167 * kDay});
  EXPECT_EQ(ParseDuration("2562047788015h"), Duration{2562047788015 * 3600000});
  EXPECT_EQ(ParseDuration("153722867280912m"), Duration{153722867280912 * 60000});
  // Corpus shapes.
  EXPECT_EQ(ParseDuration("8246892204343555722ms"), Duration{8246892204343555722});
  EXPECT_EQ(ParseDuration("2125409d"), Duration{2125409 * kDay});
}

TEST(DurationTest, RejectsMalformedAndOverflowingText) {
  for (const char* s : {
           "",
           "-",
           "--1s",
           "+1d",
           "1",
           "d",
           "ms",
           "1D",
           "1d1d",
           "1h1d",
           "1ms1m",
           "1s1m",
           "1ms1ms",
           "1s1s",
           "1d 2h",
           " 1s",
           "1s ",
           "1.5s",
           "1dd",
           "1y",
           "1w",
           "1h-1m",
           "1m1",
           "9223372036854775808ms",
           "-9223372036854775809ms",
           "106751991168d",
           "2562047788016h",
           "153722867280913m",
           "9223372036854776s",
           "106751991167d7h12m55s808ms",
           "-106751991167d7h12m55s809ms",
           "99999999999999999999999999999999999999999ms",
           "-1d1h18085055312668286975m180854320951916825s1808504320951916825ms",
       }) {
    EXPECT_FALSE(ParseDuration(s).has_value()) << s;
  }
}

TEST(DurationTest, ToStringUsesUnitsAndParsesBack) {
  EXPECT_EQ(ToString(Duration{0}), "0ms");
  EXPECT_EQ(ToString(Duration{1}), "1ms");
  EXPECT_EQ(ToString(Duration{-1000}), "-1s");
  EXPECT_EQ(ToString(Duration{93784005}), "1d2h3m4s5ms");
  EXPECT_EQ(ToString(Duration{kDay + 1}), "1d1ms");
  EXPECT_EQ(ToString(Duration{kMax}), "106751991167d7h12m55s807ms");
  EXPECT_EQ(ToString(Duration{kMin}), "-106751991167d7h12m55s808ms");
}

TEST(DurationTest, ConversionsTruncateTowardZero) {
  EXPECT_EQ(CallLong(Fn::kToMilliseconds, {Dur("1d2h3m4s5ms")}), 93784005);
  EXPECT_EQ(CallLong(Fn::kToSeconds, {Dur("1d2h3m4s5ms")}), 93784);
  EXPECT_EQ(CallLong(Fn::kToMinutes, {Dur("1d2h3m4s5ms")}), 1563);
  EXPECT_EQ(CallLong(Fn::kToHours, {Dur("1d2h3m4s5ms")}), 26);
  EXPECT_EQ(CallLong(Fn::kToDays, {Dur("1d2h3m4s5ms")}), 1);
  EXPECT_EQ(CallLong(Fn::kToSeconds, {Dur("-1500ms")}), -1);
  EXPECT_EQ(CallLong(Fn::kToMinutes, {Dur("-119s")}), -1);
  EXPECT_EQ(CallLong(Fn::kToHours, {Dur("-59m")}), 0);
  EXPECT_EQ(CallLong(Fn::kToDays, {Dur("-23h59m59s999ms")}), 0);
  EXPECT_EQ(CallLong(Fn::kToDays, {Value(Duration{kMin})}), -106751991167);
  EXPECT_EQ(CallLong(Fn::kToMilliseconds, {Value(Duration{kMin})}), kMin);
}

// ----- CallExtension errors -----

TEST(CallExtensionTest, ConstructorsNeedAString) {
  EXPECT_EQ(ErrorOf(Fn::kDecimal, {Value(int64_t{1})}), "type error: expected string, got long");
  EXPECT_EQ(ErrorOf(Fn::kIp, {Value(true)}), "type error: expected string, got bool");
  EXPECT_EQ(ErrorOf(Fn::kDatetime, {Value(Datetime{0})}),
            "type error: expected string, got datetime");
  EXPECT_EQ(ErrorOf(Fn::kDuration, {Value::MakeSet({})}), "type error: expected string, got set");
}

TEST(CallExtensionTest, MalformedConstructorTextIsAnError) {
  EXPECT_NE(ErrorOf(Fn::kDecimal, {S("1.23456")}).find("invalid decimal \"1.23456\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(Fn::kIp, {S("1.2.3.4/33")}).find("invalid IP address"), std::string::npos);
  EXPECT_NE(ErrorOf(Fn::kDatetime, {S("2023-02-29")}).find("invalid datetime"), std::string::npos);
  EXPECT_NE(ErrorOf(Fn::kDuration, {S("1d1d")}).find("invalid duration"), std::string::npos);
  // Control characters in the text are escaped in the message.
  EXPECT_NE(ErrorOf(Fn::kIp, {S(std::string("\0x", 2))}).find("\"\\0x\""), std::string::npos);
}

TEST(CallExtensionTest, MethodsCheckReceiverAndArgumentTypes) {
  EXPECT_EQ(ErrorOf(Fn::kLessThan, {Value(int64_t{1}), Dec("1.0")}),
            "type error: expected decimal, got long");
  EXPECT_EQ(ErrorOf(Fn::kLessThan, {Dec("1.0"), S("1.0")}),
            "type error: expected decimal, got string (maybe you forgot to apply the `decimal` "
            "constructor?)");
  EXPECT_EQ(ErrorOf(Fn::kIsLoopback, {S("127.0.0.1")}),
            "type error: expected ipaddr, got string (maybe you forgot to apply the `ip` "
            "constructor?)");
  EXPECT_EQ(ErrorOf(Fn::kIsInRange, {Ip("1.2.3.4"), Value(EntityUid{"User", "a"})}),
            "type error: expected ipaddr, got entity");
  EXPECT_EQ(ErrorOf(Fn::kOffset, {Dt("2024-01-01"), Value(int64_t{5})}),
            "type error: expected duration, got long");
  EXPECT_EQ(ErrorOf(Fn::kOffset, {Dur("1d"), Dur("1d")}),
            "type error: expected datetime, got duration");
  EXPECT_EQ(ErrorOf(Fn::kDurationSince, {Dt("2024-01-01"), Dur("1d")}),
            "type error: expected datetime, got duration");
  EXPECT_EQ(ErrorOf(Fn::kToDate, {Dur("1d")}), "type error: expected datetime, got duration");
  EXPECT_EQ(ErrorOf(Fn::kToTime, {Value(Record{})}), "type error: expected datetime, got record");
  EXPECT_EQ(ErrorOf(Fn::kToDays, {Dt("2024-01-01")}),
            "type error: expected duration, got datetime");
  EXPECT_EQ(ErrorOf(Fn::kIsIpv4, {Dec("1.0")}), "type error: expected ipaddr, got decimal");
}

TEST(CallExtensionTest, RejectsWrongArityAndNonExtensionFunctions) {
  EXPECT_FALSE(Call(Fn::kIp, {}).ok());
  EXPECT_FALSE(Call(Fn::kIsInRange, {Ip("1.2.3.4")}).ok());
  EXPECT_FALSE(Call(Fn::kToDays, {Dur("1d"), Dur("1d")}).ok());
  EXPECT_FALSE(Call(Fn::kContains, {Value::MakeSet({}), Value(int64_t{1})}).ok());
  EXPECT_FALSE(Call(Fn::kGetTag, {Value(EntityUid{"U", "a"}), S("t")}).ok());
}

TEST(CallExtensionTest, ConstructorsReturnTheParsedValue) {
  EXPECT_EQ(Dec("1.5"), Value(Decimal{15000}));
  EXPECT_EQ(Ip("10.0.0.1/24"), Value(*ParseIp("10.0.0.1/24")));
  EXPECT_EQ(Dt("2024-02-29"), Value(Datetime{1709164800000}));
  EXPECT_EQ(Dur("-1d"), Value(Duration{-kDay}));
}

}  // namespace
}  // namespace custody::cedar
