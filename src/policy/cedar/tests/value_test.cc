// Tests for cedar::Value: Cedar `==` (structural, cross-type unequal), the total order Compare()
// and its agreement with ==, set normalisation, and the Cedar literal text of values.
#include "policy/cedar/value.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <unordered_set>
#include <vector>

#include "policy/cedar/functions.h"

namespace custody::cedar {
namespace {

Value Long(int64_t i) { return Value(i); }
Value Str(std::string s) { return Value(std::move(s)); }
Value Ent(std::string type, std::string id) {
  return Value(EntityUid{std::move(type), std::move(id)});
}
Value Ip(std::string_view s) {
  std::optional<IpAddr> ip = ParseIp(s);
  EXPECT_TRUE(ip.has_value()) << s;
  return Value(ip.value_or(IpAddr{}));
}
Value Dec(std::string_view s) {
  std::optional<Decimal> d = ParseDecimal(s);
  EXPECT_TRUE(d.has_value()) << s;
  return Value(d.value_or(Decimal{}));
}
Value Rec(std::initializer_list<std::pair<const std::string, Value>> fields) {
  return Value(Record(fields));
}

TEST(ValueTest, TypeNamesAreCedarNames) {
  EXPECT_EQ(TypeName(Type::kBool), "bool");
  EXPECT_EQ(TypeName(Type::kLong), "long");
  EXPECT_EQ(TypeName(Type::kString), "string");
  EXPECT_EQ(TypeName(Type::kEntity), "entity");
  EXPECT_EQ(TypeName(Type::kSet), "set");
  EXPECT_EQ(TypeName(Type::kRecord), "record");
  EXPECT_EQ(TypeName(Type::kDecimal), "decimal");
  EXPECT_EQ(TypeName(Type::kIpAddr), "ipaddr");
  EXPECT_EQ(TypeName(Type::kDatetime), "datetime");
  EXPECT_EQ(TypeName(Type::kDuration), "duration");
}

TEST(ValueTest, ConstructorsSetTheType) {
  EXPECT_TRUE(Value().is(Type::kBool));
  EXPECT_FALSE(Value().as_bool());
  EXPECT_TRUE(Long(3).is(Type::kLong));
  EXPECT_TRUE(Str("x").is(Type::kString));
  EXPECT_TRUE(Ent("User", "a").is(Type::kEntity));
  EXPECT_TRUE(Value::MakeSet({}).is(Type::kSet));
  EXPECT_TRUE(Rec({}).is(Type::kRecord));
  EXPECT_TRUE(Value(Decimal{1}).is(Type::kDecimal));
  EXPECT_TRUE(Value(IpAddr{}).is(Type::kIpAddr));
  EXPECT_TRUE(Value(Datetime{1}).is(Type::kDatetime));
  EXPECT_TRUE(Value(Duration{1}).is(Type::kDuration));
  auto shared = std::make_shared<const EntityUid>(EntityUid{"User", "b"});
  Value v(shared);
  EXPECT_EQ(v.entity_ptr(), shared);
  EXPECT_EQ(v, Ent("User", "b"));
}

TEST(ValueTest, EntityUidToStringQuotesAndEscapesTheId) {
  EXPECT_EQ((EntityUid{"User", "alice"}).ToString(), "User::\"alice\"");
  EXPECT_EQ((EntityUid{"A::B::Photo", ""}).ToString(), "A::B::Photo::\"\"");
  EXPECT_EQ((EntityUid{"User", "a\"b\\c\n"}).ToString(), "User::\"a\\\"b\\\\c\\n\"");
}

TEST(ValueTest, EntityUidHashAgreesWithEquality) {
  EntityUidHash h;
  EXPECT_EQ(h(EntityUid{"User", "a"}), h(EntityUid{"User", "a"}));
  // Swapping type and id must not collide trivially (the hash is not symmetric).
  EXPECT_NE(h(EntityUid{"a", "User"}), h(EntityUid{"User", "a"}));
  std::unordered_set<EntityUid, EntityUidHash> set;
  set.insert(EntityUid{"User", "a"});
  set.insert(EntityUid{"User", "a"});
  set.insert(EntityUid{"Group", "a"});
  set.insert(EntityUid{"User", ""});
  EXPECT_EQ(set.size(), 3u);
  EXPECT_TRUE(set.contains(EntityUid{"Group", "a"}));
}

TEST(ValueTest, EqualityIsStructuralForEachType) {
  EXPECT_EQ(Value(true), Value(true));
  EXPECT_NE(Value(true), Value(false));
  EXPECT_EQ(Long(-7), Long(-7));
  EXPECT_NE(Long(1), Long(2));
  EXPECT_EQ(Str("abc"), Str(std::string("ab") + "c"));  // separate allocations
  EXPECT_NE(Str("abc"), Str("abd"));
  EXPECT_EQ(Str(""), Str(""));
  EXPECT_EQ(Ent("User", "a"), Ent("User", "a"));
  EXPECT_NE(Ent("User", "a"), Ent("Group", "a"));
  EXPECT_NE(Ent("User", "a"), Ent("User", "b"));
  EXPECT_EQ(Value(Decimal{15000}), Dec("1.5"));
  EXPECT_EQ(Value(Datetime{5}), Value(Datetime{5}));
  EXPECT_NE(Value(Duration{5}), Value(Duration{6}));
  const Value s = Str("shared");
  const Value copy = s;  // NOLINT: copies share the string
  EXPECT_EQ(s, copy);
}

TEST(ValueTest, ValuesOfDifferentTypesAreUnequal) {
  const std::vector<Value> values = {
      Value(true),
      Long(1),
      Str("1"),
      Ent("Long", "1"),
      Value::MakeSet({Long(1)}),
      Rec({{"1", Long(1)}}),
      Value(Decimal{10000}),
      Ip("0.0.0.1"),
      Value(Datetime{1}),
      Value(Duration{1}),
  };
  for (size_t i = 0; i < values.size(); ++i) {
    for (size_t j = 0; j < values.size(); ++j) {
      EXPECT_EQ(values[i] == values[j], i == j)
          << values[i].ToCedar() << " vs " << values[j].ToCedar();
    }
  }
  // Same payload, different extension types.
  EXPECT_NE(Value(Datetime{1000}), Value(Duration{1000}));
}

TEST(ValueTest, MakeSetSortsAndRemovesDuplicates) {
  Value s = Value::MakeSet({Long(3), Long(1), Long(2), Long(1), Long(3)});
  ASSERT_EQ(s.as_set().size(), 3u);
  EXPECT_EQ(s.as_set()[0], Long(1));
  EXPECT_EQ(s.as_set()[2], Long(3));
  EXPECT_EQ(s, Value::MakeSet({Long(1), Long(2), Long(3)}));
  EXPECT_NE(s, Value::MakeSet({Long(1), Long(2)}));
  EXPECT_EQ(Value::MakeSet({}), Value::MakeSet({}));
  EXPECT_NE(Value::MakeSet({}), Value::MakeSet({Long(0)}));
}

TEST(ValueTest, SetEqualityIgnoresOrderAndDuplicatesAtEveryDepth) {
  Value a = Value::MakeSet({Value::MakeSet({Str("x"), Str("y")}), Ent("User", "a"), Long(1)});
  Value b = Value::MakeSet(
      {Long(1), Ent("User", "a"), Value::MakeSet({Str("y"), Str("x"), Str("y")}), Long(1)});
  EXPECT_EQ(a, b);
  EXPECT_EQ(Compare(a, b), 0);
  EXPECT_EQ(a.as_set().size(), 3u);
  // Elements that are equal records collapse too.
  Value r = Value::MakeSet(
      {Rec({{"a", Long(1)}, {"b", Long(2)}}), Rec({{"b", Long(2)}, {"a", Long(1)}})});
  EXPECT_EQ(r.as_set().size(), 1u);
}

TEST(ValueTest, MixedSetsAreOrderedByTypeFirst) {
  Value s = Value::MakeSet({Value(Duration{0}), Str("a"), Long(5), Value(true), Ent("A", "b")});
  ASSERT_EQ(s.as_set().size(), 5u);
  EXPECT_TRUE(s.as_set()[0].is(Type::kBool));
  EXPECT_TRUE(s.as_set()[1].is(Type::kLong));
  EXPECT_TRUE(s.as_set()[2].is(Type::kString));
  EXPECT_TRUE(s.as_set()[3].is(Type::kEntity));
  EXPECT_TRUE(s.as_set()[4].is(Type::kDuration));
}

TEST(ValueTest, RecordEqualityComparesEveryField) {
  EXPECT_EQ(Rec({{"a", Long(1)}, {"b", Str("x")}}), Rec({{"b", Str("x")}, {"a", Long(1)}}));
  EXPECT_NE(Rec({{"a", Long(1)}}), Rec({{"a", Long(2)}}));
  EXPECT_NE(Rec({{"a", Long(1)}}), Rec({{"a", Long(1)}, {"b", Long(1)}}));
  EXPECT_NE(Rec({{"a", Long(1)}}), Rec({{"b", Long(1)}}));
  EXPECT_NE(Rec({{"a", Long(1)}}), Rec({{"a", Str("1")}}));
  EXPECT_EQ(Rec({}), Rec({}));
  EXPECT_EQ(Rec({{"s", Value::MakeSet({Long(2), Long(1)})}}),
            Rec({{"s", Value::MakeSet({Long(1), Long(2)})}}));
}

TEST(ValueTest, IpEqualityKeepsTheAddressAsWritten) {
  // Lean IPNet equality: the address bits beyond the prefix are part of the value.
  EXPECT_NE(Ip("10.0.0.1/24"), Ip("10.0.0.0/24"));
  EXPECT_EQ(Ip("10.0.0.1"), Ip("10.0.0.1/32"));
  EXPECT_EQ(Ip("::1"), Ip("0:0:0:0:0:0:0:1/128"));
  EXPECT_NE(Ip("::1"), Ip("::1/127"));
  // IPv4 and IPv6 with the same low bits are different values.
  EXPECT_NE(Ip("0.0.0.1"), Ip("::1"));
}

TEST(ValueTest, CompareOrdersWithinEachType) {
  EXPECT_LT(Compare(Value(false), Value(true)), 0);
  EXPECT_LT(Compare(Long(std::numeric_limits<int64_t>::min()), Long(0)), 0);
  EXPECT_GT(Compare(Long(2), Long(-2)), 0);
  EXPECT_LT(Compare(Str("a"), Str("b")), 0);
  EXPECT_LT(Compare(Str("a"), Str("ab")), 0);
  EXPECT_LT(Compare(Str(""), Str("a")), 0);
  // Byte order: non-ASCII (UTF-8 lead bytes >= 0x80) sorts after ASCII, as code points do.
  EXPECT_LT(Compare(Str("z"), Str("\xc3\xa9")), 0);
  EXPECT_LT(Compare(Ent("A", "z"), Ent("B", "a")), 0);  // type first
  EXPECT_LT(Compare(Ent("A", "a"), Ent("A", "b")), 0);
  EXPECT_LT(Compare(Value::MakeSet({Long(1)}), Value::MakeSet({Long(1), Long(2)})), 0);
  EXPECT_LT(Compare(Value::MakeSet({Long(1), Long(9)}), Value::MakeSet({Long(2)})), 0);
  EXPECT_LT(Compare(Rec({{"a", Long(1)}}), Rec({{"a", Long(2)}})), 0);
  EXPECT_LT(Compare(Rec({{"a", Long(9)}}), Rec({{"b", Long(1)}})), 0);  // key before value
  EXPECT_LT(Compare(Rec({{"a", Long(1)}}), Rec({{"a", Long(1)}, {"b", Long(0)}})), 0);
  EXPECT_LT(Compare(Dec("-1.0"), Dec("0.5")), 0);
  EXPECT_LT(Compare(Value(Datetime{-1}), Value(Datetime{0})), 0);
  EXPECT_GT(Compare(Value(Duration{10}), Value(Duration{-10})), 0);
  EXPECT_NE(Compare(Ip("10.0.0.1"), Ip("10.0.0.2")), 0);
}

TEST(ValueTest, CompareIsATotalOrderThatAgreesWithEquality) {
  const std::vector<Value> values = {
      Value(false),
      Value(true),
      Long(std::numeric_limits<int64_t>::min()),
      Long(-1),
      Long(0),
      Long(std::numeric_limits<int64_t>::max()),
      Str(""),
      Str("a"),
      Str(std::string("a\0b", 3)),
      Str("\xf0\x9f\x98\x80"),
      Ent("User", ""),
      Ent("User", "a"),
      Ent("Ns::User", "a"),
      Value::MakeSet({}),
      Value::MakeSet({Long(1)}),
      Value::MakeSet({Long(1), Str("x")}),
      Value::MakeSet({Value::MakeSet({})}),
      Rec({}),
      Rec({{"a", Long(1)}}),
      Rec({{"a", Long(1)}, {"b", Value::MakeSet({})}}),
      Rec({{"", Value(false)}}),
      Dec("-922337203685477.5808"),
      Dec("0.0"),
      Dec("922337203685477.5807"),
      Ip("0.0.0.0/0"),
      Ip("10.0.0.1/24"),
      Ip("10.0.0.0/24"),
      Ip("::"),
      Ip("ff00::/8"),
      Value(Datetime{std::numeric_limits<int64_t>::min()}),
      Value(Datetime{0}),
      Value(Duration{0}),
      Value(Duration{std::numeric_limits<int64_t>::max()}),
  };
  for (const Value& a : values) {
    for (const Value& b : values) {
      const int ab = Compare(a, b);
      EXPECT_EQ(ab == 0, a == b) << a.ToCedar() << " vs " << b.ToCedar();
      EXPECT_EQ(ab<0, Compare(b, a)> 0) << a.ToCedar() << " vs " << b.ToCedar();
      for (const Value& c : values) {
        if (ab < 0 && Compare(b, c) < 0) {
          EXPECT_LT(Compare(a, c), 0)
              << a.ToCedar() << " < " << b.ToCedar() << " < " << c.ToCedar();
        }
      }
    }
  }
  // Every listed value is distinct, so a set of all of them keeps them all.
  EXPECT_EQ(Value::MakeSet(values).as_set().size(), values.size());
}

TEST(ValueTest, EscapeStringUsesCedarEscapes) {
  EXPECT_EQ(EscapeString("plain text"), "plain text");
  EXPECT_EQ(EscapeString("\"q\" \\"), "\\\"q\\\" \\\\");
  EXPECT_EQ(EscapeString("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(EscapeString(std::string_view("x\0y", 3)), "x\\0y");
  EXPECT_EQ(EscapeString("\x01\x1f\x7f"), "\\u{1}\\u{1f}\\u{7f}");
  EXPECT_EQ(EscapeString("\xc2\x85"), "\\u{85}");  // U+0085, a C1 control
  EXPECT_EQ(EscapeString("caf\xc3\xa9 \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xf0\x9f\x98\x80");
  EXPECT_EQ(EscapeString("'*"), "'*");
  EXPECT_EQ(EscapeString(""), "");
}

TEST(ValueTest, ToCedarPrintsPrimitiveLiterals) {
  EXPECT_EQ(Value(true).ToCedar(), "true");
  EXPECT_EQ(Value(false).ToCedar(), "false");
  EXPECT_EQ(Long(42).ToCedar(), "42");
  EXPECT_EQ(Long(-5).ToCedar(), "-5");
  EXPECT_EQ(Long(std::numeric_limits<int64_t>::min()).ToCedar(), "-9223372036854775808");
  EXPECT_EQ(Str("he said \"hi\"\n").ToCedar(), "\"he said \\\"hi\\\"\\n\"");
  EXPECT_EQ(Ent("Ns::User", "a\"b").ToCedar(), "Ns::User::\"a\\\"b\"");
}

TEST(ValueTest, ToCedarPrintsSetsSortedAndRecordsByKey) {
  EXPECT_EQ(Value::MakeSet({}).ToCedar(), "[]");
  EXPECT_EQ(Value::MakeSet({Str("b"), Long(2), Str("a"), Long(2)}).ToCedar(), "[2, \"a\", \"b\"]");
  EXPECT_EQ(Rec({}).ToCedar(), "{}");
  EXPECT_EQ(Rec({{"b", Ip("10.0.0.1")},
                 {"a", Value::MakeSet({Long(1), Ent("User", "x")})},
                 {"odd key\"", Value(true)}})
                .ToCedar(),
            "{\"a\": [1, User::\"x\"], \"b\": ip(\"10.0.0.1\"), \"odd key\\\"\": true}");
}

TEST(ValueTest, ToCedarPrintsExtensionValuesAsConstructorCalls) {
  EXPECT_EQ(Dec("1.5").ToCedar(), "decimal(\"1.5000\")");
  EXPECT_EQ(Dec("-0.0001").ToCedar(), "decimal(\"-0.0001\")");
  EXPECT_EQ(Ip("10.0.0.0/8").ToCedar(), "ip(\"10.0.0.0/8\")");
  EXPECT_EQ(Ip("FF00:0:0:0:0:0:0:1").ToCedar(), "ip(\"ff00::1\")");
  EXPECT_EQ(Value(Datetime{0}).ToCedar(), "datetime(\"1970-01-01\")");
  EXPECT_EQ(Value(Datetime{1}).ToCedar(), "datetime(\"1970-01-01T00:00:00.001Z\")");
  EXPECT_EQ(Value(Duration{90061001}).ToCedar(), "duration(\"1d1h1m1s1ms\")");
  EXPECT_EQ(Value(Duration{0}).ToCedar(), "duration(\"0ms\")");
}

TEST(ValueTest, ToCedarWritesUnrepresentableDatetimesAsAnOffset) {
  // Year 10000 cannot be written as a datetime literal; the offset expression evaluates to it.
  const int64_t year10000 = 253402300800000;
  EXPECT_EQ(Value(Datetime{year10000}).ToCedar(),
            "datetime(\"1970-01-01\").offset(duration(\"2932897d\"))");
  EXPECT_EQ(Value(Datetime{year10000 - 1}).ToCedar(), "datetime(\"9999-12-31T23:59:59.999Z\")");
  EXPECT_EQ(Value(Datetime{-62167219200000}).ToCedar(), "datetime(\"0000-01-01\")");
  EXPECT_EQ(Value(Datetime{-62167219200001}).ToCedar(),
            "datetime(\"1970-01-01\").offset(duration(\"-719528d1ms\"))");
  EXPECT_EQ(Value(Datetime{std::numeric_limits<int64_t>::min()}).ToCedar(),
            "datetime(\"1970-01-01\").offset(duration(\"-106751991167d7h12m55s808ms\"))");
}

TEST(ValueTest, ExtensionLiteralTextParsesBackToTheSameValue) {
  // The text inside ToCedar's constructor calls is what the parsers read.
  for (const char* s : {"0.0", "-922337203685477.5808", "922337203685477.5807", "12.34"}) {
    Decimal d = *ParseDecimal(s);
    EXPECT_EQ(ParseDecimal(ToString(d)), d) << s;
  }
  for (const char* s : {"::", "::1/127", "1:0:0:1:0:0:0:1", "1:2:3:4:5:6:7:8/64", "0.0.0.0/0",
                        "192.168.1.1/17", "ff00::/8", "0:0:1:0:0:1:0:0"}) {
    IpAddr ip = *ParseIp(s);
    EXPECT_EQ(ParseIp(ToString(ip)), ip) << s << " -> " << ToString(ip);
  }
  for (int64_t ms : {int64_t{0}, int64_t{-1}, int64_t{1709164800000}, int64_t{-62167219200000},
                     int64_t{253402300799999}, int64_t{86399999}}) {
    EXPECT_EQ(ParseDatetime(ToString(Datetime{ms})), Datetime{ms}) << ms;
  }
  for (int64_t ms : {int64_t{0}, int64_t{-1}, int64_t{3600000}, int64_t{-90061001},
                     std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    EXPECT_EQ(ParseDuration(ToString(Duration{ms})), Duration{ms}) << ms;
  }
}

}  // namespace
}  // namespace custody::cedar
