// Tests for the entity store and Cedar's JSON value syntax (entities.h): every value form and its
// errors, the transitive closure of `parents` (absent parents, diamonds, cycles, long chains),
// schema-based parsing (implicit forms, record checks, conformance, the schema's action
// entities), the strict JSON reader and the JSON writer.
#include "policy/cedar/entities.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "policy/cedar/functions.h"
#include "policy/cedar/schema.h"

namespace custody::cedar {
namespace {

namespace json = boost::json;

EntityUid Uid(std::string type, std::string id) { return {std::move(type), std::move(id)}; }

Value Str(std::string s) { return Value(std::move(s)); }
Value Long(int64_t i) { return Value(i); }

Result<Value> Parse(std::string_view text, const SchemaType* expected = nullptr) {
  Result<json::value> j = ParseJson(text);
  if (!j.ok()) return j.error();
  return ValueFromJson(*j, expected);
}

Value MustParse(std::string_view text, const SchemaType* expected = nullptr) {
  Result<Value> v = Parse(text, expected);
  EXPECT_TRUE(v.ok()) << text << ": " << (v.ok() ? "" : v.error().message());
  return v.ok() ? *v : Value();
}

std::string ErrorOf(std::string_view text, const SchemaType* expected = nullptr) {
  Result<Value> v = Parse(text, expected);
  EXPECT_FALSE(v.ok()) << text << " parsed as " << (v.ok() ? v->ToCedar() : "");
  return v.ok() ? "" : v.error().message();
}

Schema MustSchema(std::string_view text) {
  Result<Schema> s = Schema::Parse(text);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message());
  if (!s.ok()) std::abort();
  return std::move(s).value();
}

Entities MustEntities(std::string_view text, const Schema* schema = nullptr) {
  Result<Entities> e = Entities::FromJson(text, schema);
  EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().message());
  return e.ok() ? std::move(e).value() : Entities();
}

std::string EntitiesError(std::string_view text, const Schema* schema = nullptr) {
  Result<Entities> e = Entities::FromJson(text, schema);
  EXPECT_FALSE(e.ok()) << text;
  return e.ok() ? "" : e.error().message();
}

// ---- values without a schema --------------------------------------------------------------------

TEST(ValueFromJson, Primitives) {
  EXPECT_EQ(MustParse("true"), Value(true));
  EXPECT_EQ(MustParse("false"), Value(false));
  EXPECT_EQ(MustParse("42"), Long(42));
  EXPECT_EQ(MustParse("-9223372036854775808"), Long(INT64_MIN));
  EXPECT_EQ(MustParse("9223372036854775807"), Long(INT64_MAX));
  EXPECT_EQ(MustParse("\"héllo\\n\""), Str("héllo\n"));
  EXPECT_EQ(MustParse("\"\""), Str(""));
}

TEST(ValueFromJson, ArraysAreSetsAndObjectsAreRecords) {
  Value set = MustParse("[3, 1, 3, \"a\", [true]]");
  ASSERT_TRUE(set.is(Type::kSet));
  EXPECT_EQ(set.as_set().size(), 4u);  // the duplicate 3 is dropped
  EXPECT_EQ(set, Value::MakeSet({Long(1), Long(3), Str("a"), Value::MakeSet({Value(true)})}));
  EXPECT_EQ(MustParse("[]"), Value::MakeSet({}));

  Value rec = MustParse(R"({"b": 1, "a": {"c": "x"}, "": []})");
  ASSERT_TRUE(rec.is(Type::kRecord));
  const Record& r = rec.as_record();
  EXPECT_EQ(r.size(), 3u);
  EXPECT_EQ(r.at("b"), Long(1));
  EXPECT_EQ(r.at("a"), Value(Record{{"c", Str("x")}}));
  EXPECT_EQ(r.at(""), Value::MakeSet({}));
}

TEST(ValueFromJson, EntityEscape) {
  EXPECT_EQ(MustParse(R"({"__entity": {"type": "User", "id": "alice"}})"),
            Value(Uid("User", "alice")));
  EXPECT_EQ(MustParse(R"({"__entity": {"type": "NS::Sub::User", "id": ""}})"),
            Value(Uid("NS::Sub::User", "")));
  // Without a schema, {type, id} is just a record.
  Value rec = MustParse(R"({"type": "User", "id": "alice"})");
  EXPECT_TRUE(rec.is(Type::kRecord));
}

TEST(ValueFromJson, ExtensionEscapes) {
  EXPECT_EQ(MustParse(R"({"__extn": {"fn": "ip", "arg": "10.0.0.1"}})"),
            Value(*ParseIp("10.0.0.1")));
  EXPECT_EQ(MustParse(R"({"__extn": {"fn": "decimal", "arg": "1.5"}})"),
            Value(*ParseDecimal("1.5")));
  EXPECT_EQ(MustParse(R"({"__extn": {"fn": "datetime", "arg": "2024-01-02T03:04:05Z"}})"),
            Value(*ParseDatetime("2024-01-02T03:04:05Z")));
  EXPECT_EQ(MustParse(R"({"__extn": {"fn": "duration", "arg": "1h30m"}})"),
            Value(*ParseDuration("1h30m")));
}

TEST(ValueFromJson, MultiArgumentOffset) {
  // The form the corpus uses: nested explicit escapes as the arguments.
  Value v = MustParse(R"({"__extn": {"fn": "offset", "args": [
      {"__extn": {"fn": "datetime", "arg": "1970-01-01"}},
      {"__extn": {"fn": "duration", "arg": "1d"}}]}})");
  EXPECT_EQ(v, Value(Datetime{86400000}));
  // A single-argument function may also be written with "args".
  EXPECT_EQ(MustParse(R"({"__extn": {"fn": "ip", "args": ["::1"]}})"), Value(*ParseIp("::1")));
}

TEST(ValueFromJson, Errors) {
  EXPECT_NE(ErrorOf("1.5").find("floating-point"), std::string::npos);
  EXPECT_NE(ErrorOf("1e3").find("floating-point"), std::string::npos);
  EXPECT_NE(ErrorOf("18446744073709551615").find("out of range"), std::string::npos);
  EXPECT_NE(ErrorOf("null").find("null"), std::string::npos);
  EXPECT_NE(ErrorOf("[1, null]").find("null"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"__expr": "1 + 1"})").find("__expr"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"a": {"__expr": "x"}})").find("__expr"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"__extn": {"fn": "nope", "arg": "x"}})").find("does not exist"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"__extn": {"fn": "ip", "arg": "not an ip"}})").find("`ip`"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"__extn": {"fn": "offset", "args": [1]}})").find("wrong number"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"__extn": {"fn": "ip"}})").find("extension call"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"__entity": {"type": "User"}})").find("entity uid"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"__entity": {"type": "User ", "id": "a"}})").find("invalid entity type"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"__entity": {"type": "if", "id": "a"}})").find("invalid entity type"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"__entity": {"type": "A::", "id": "a"}})").find("invalid entity type"),
            std::string::npos);
}

TEST(ValueToJson, ExplicitForms) {
  Value v(Record{{"e", Value(Uid("User", "a"))},
                 {"s", Value::MakeSet({Long(1), Str("x")})},
                 {"ip", Value(*ParseIp("10.0.0.0/8"))},
                 {"d", Value(*ParseDecimal("2.5"))},
                 {"t", Value(Datetime{86400000})},
                 {"u", Value(Duration{-1500})},
                 {"b", Value(true)}});
  json::value j = ValueToJson(v);
  EXPECT_EQ(j.at("e"), json::parse(R"({"__entity": {"type": "User", "id": "a"}})"));
  EXPECT_EQ(j.at("ip").at("__extn").at("fn"), "ip");
  EXPECT_EQ(j.at("u").at("__extn").at("fn"), "duration");
  // And back: the explicit forms parse to the same value.
  Result<Value> back = ValueFromJson(j);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, v);
}

TEST(EntityUidFromJson, BothForms) {
  EXPECT_EQ(*EntityUidFromJson(json::parse(R"({"type": "A::B", "id": "x"})")), Uid("A::B", "x"));
  EXPECT_EQ(*EntityUidFromJson(json::parse(R"({"__entity": {"type": "A", "id": "x"}})")),
            Uid("A", "x"));
  EXPECT_FALSE(EntityUidFromJson(json::parse(R"("A::\"x\"")")).ok());
  EXPECT_FALSE(EntityUidFromJson(json::parse(R"({"__expr": "A::\"x\""})")).ok());
  EXPECT_FALSE(EntityUidFromJson(json::parse(R"({"type": "A", "id": 1})")).ok());
}

// ---- the strict JSON reader ---------------------------------------------------------------------

TEST(ParseJson, DuplicateKeysAreErrorsWithPosition) {
  Result<json::value> j = ParseJson("{\n  \"a\": 1,\n  \"a\": 2}", "f.json");
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.error().message().find("f.json:3:"), std::string::npos) << j.error().message();
  EXPECT_NE(j.error().message().find("duplicate key `a`"), std::string::npos);
  EXPECT_EQ(j.error().details().at("line"), 3);
  // The same key in different objects is fine.
  EXPECT_TRUE(ParseJson(R"({"a": {"a": 1}, "b": {"a": 2}})").ok());
}

TEST(ParseJson, SyntaxErrorsDepthAndTrailingText) {
  Result<json::value> bad = ParseJson("[1,\n 2,,]", "x");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("x:2:"), std::string::npos) << bad.error().message();
  EXPECT_FALSE(ParseJson("[1] [2]").ok());
  EXPECT_TRUE(ParseJson(" [1] \n").ok());
  EXPECT_TRUE(ParseJson(std::string(100, '[') + std::string(100, ']')).ok());
  EXPECT_FALSE(ParseJson(std::string(200, '[') + std::string(200, ']')).ok());
}

// ---- the store ----------------------------------------------------------------------------------

constexpr const char* kHierarchy = R"([
  {"uid": {"type": "User", "id": "alice"}, "attrs": {"age": 30},
   "parents": [{"type": "Group", "id": "staff"}, {"__entity": {"type": "Group", "id": "ghost"}}]},
  {"uid": {"__entity": {"type": "Group", "id": "staff"}}, "attrs": {},
   "parents": [{"type": "Group", "id": "all"}]},
  {"uid": {"type": "Group", "id": "all"}, "parents": [], "tags": {"level": "top"}},
  {"uid": {"type": "Doc", "id": "d"}}
])";

TEST(Entities, LoadsAttrsParentsAndTags) {
  Entities es = MustEntities(kHierarchy);
  EXPECT_EQ(es.size(), 4u);
  const Entity* alice = es.Find(Uid("User", "alice"));
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->attrs.at("age"), Long(30));
  EXPECT_EQ(alice->parents.size(), 2u);
  const Entity* all = es.Find(Uid("Group", "all"));
  ASSERT_NE(all, nullptr);
  EXPECT_EQ(all->tags.at("level"), Str("top"));
  // attrs, parents and tags may all be left out.
  const Entity* doc = es.Find(Uid("Doc", "d"));
  ASSERT_NE(doc, nullptr);
  EXPECT_TRUE(doc->attrs.empty() && doc->parents.empty() && doc->tags.empty());
  EXPECT_EQ(es.Find(Uid("Group", "ghost")), nullptr);
}

TEST(Entities, TransitiveClosureIncludesAbsentParents) {
  Entities es = MustEntities(kHierarchy);
  EXPECT_TRUE(es.IsAncestor(Uid("User", "alice"), Uid("Group", "staff")));
  EXPECT_TRUE(es.IsAncestor(Uid("User", "alice"), Uid("Group", "all")));
  EXPECT_TRUE(es.IsAncestor(Uid("User", "alice"), Uid("Group", "ghost")));
  EXPECT_TRUE(es.IsAncestor(Uid("Group", "staff"), Uid("Group", "all")));
  EXPECT_FALSE(es.IsAncestor(Uid("Group", "all"), Uid("Group", "staff")));
  EXPECT_FALSE(es.IsAncestor(Uid("User", "alice"), Uid("User", "alice")));  // strict
  EXPECT_FALSE(es.IsAncestor(Uid("Group", "ghost"), Uid("Group", "all")));  // absent
  EXPECT_FALSE(es.IsAncestor(Uid("Doc", "d"), Uid("Group", "all")));
}

TEST(Entities, DiamondAndRebuild) {
  Entities es;
  ASSERT_TRUE(es.Add({Uid("A", "a"), {}, {}, {Uid("B", "b"), Uid("C", "c")}}).ok());
  ASSERT_TRUE(es.Add({Uid("B", "b"), {}, {}, {Uid("D", "d")}}).ok());
  ASSERT_TRUE(es.Add({Uid("C", "c"), {}, {}, {Uid("D", "d")}}).ok());
  es.Build();
  EXPECT_TRUE(es.IsAncestor(Uid("A", "a"), Uid("D", "d")));
  // Adding more and building again recomputes the closure.
  ASSERT_TRUE(es.Add({Uid("D", "d"), {}, {}, {Uid("E", "e")}}).ok());
  es.Build();
  EXPECT_TRUE(es.IsAncestor(Uid("A", "a"), Uid("E", "e")));
  EXPECT_TRUE(es.IsAncestor(Uid("C", "c"), Uid("E", "e")));
}

TEST(Entities, DifferingDuplicateUidsAreErrorsIdenticalOnesAreNot) {
  EXPECT_NE(EntitiesError(R"([{"uid": {"type": "A", "id": "x"}, "attrs": {"n": 1}},
                              {"uid": {"type": "A", "id": "x"}, "attrs": {"n": 2}}])")
                .find("duplicate entity entry `A::\"x\"`"),
            std::string::npos);
  // As in Rust (deep-equal entries are merged), whatever form the uid is written in.
  EXPECT_TRUE(Entities::FromJson(R"([{"uid": {"type": "A", "id": "x"}, "parents": []},
                                     {"uid": {"__entity": {"type": "A", "id": "x"}}}])")
                  .ok());
  Entities es;
  ASSERT_TRUE(es.Add({Uid("A", "x"), {}, {}, {Uid("G", "g")}}).ok());
  EXPECT_TRUE(es.Add({Uid("A", "x"), {}, {}, {Uid("G", "g"), Uid("G", "g")}}).ok());
  EXPECT_FALSE(es.Add({Uid("A", "x"), {}, {}, {}}).ok());
}

TEST(Entities, DatetimesOutsideTheLiteralRangeRoundTrip) {
  // 10000-01-01 has no datetime("...") literal; it is written as an offset from the epoch.
  Value far(Datetime{253402300800000});
  json::value j = ValueToJson(far);
  auto back = ValueFromJson(j);
  ASSERT_TRUE(back.ok()) << back.error().message() << " " << json::serialize(j);
  EXPECT_TRUE(*back == far);
  Value near(Datetime{86400000});
  EXPECT_EQ(json::serialize(ValueToJson(near)),
            R"({"__extn":{"fn":"datetime","arg":"1970-01-02"}})");
}

TEST(Entities, CyclesAreLoadErrorsButBuildTerminates) {
  // As in Rust, loading a cyclic hierarchy from JSON fails...
  EXPECT_NE(EntitiesError(R"([
      {"uid": {"type": "G", "id": "a"}, "parents": [{"type": "G", "id": "b"}]},
      {"uid": {"type": "G", "id": "b"}, "parents": [{"type": "G", "id": "a"}]}])")
                .find("cycle containing vertex `G::\"a\"`"),
            std::string::npos);
  EXPECT_FALSE(Entities::FromJson(
                   R"([{"uid": {"type": "G", "id": "a"}, "parents": [{"type": "G", "id": "a"}]}])")
                   .ok());
  // ...but a store built by hand with a cycle still gets a closure (every member reaches all).
  Entities es;
  ASSERT_TRUE(es.Add({Uid("G", "a"), {}, {}, {Uid("G", "b")}}).ok());
  ASSERT_TRUE(es.Add({Uid("G", "b"), {}, {}, {Uid("G", "c")}}).ok());
  ASSERT_TRUE(es.Add({Uid("G", "c"), {}, {}, {Uid("G", "a"), Uid("G", "top")}}).ok());
  ASSERT_TRUE(es.Add({Uid("U", "u"), {}, {}, {Uid("G", "b")}}).ok());
  es.Build();
  for (const char* x : {"a", "b", "c"}) {
    for (const char* y : {"a", "b", "c", "top"})
      EXPECT_TRUE(es.IsAncestor(Uid("G", x), Uid("G", y)));
  }
  EXPECT_TRUE(es.IsAncestor(Uid("U", "u"), Uid("G", "a")));
  EXPECT_TRUE(es.IsAncestor(Uid("U", "u"), Uid("G", "top")));
  EXPECT_FALSE(es.IsAncestor(Uid("G", "top"), Uid("G", "a")));
}

TEST(Entities, LongChainDoesNotRecurse) {
  // The closure is computed without recursion, so depth is limited by memory only (a chain's
  // closure is quadratic in its length, hence the modest length here).
  Entities es;
  const int n = 1000;
  for (int i = 0; i < n; ++i) {
    Entity e{Uid("N", std::to_string(i)), {}, {}, {}};
    if (i + 1 < n) e.parents.push_back(Uid("N", std::to_string(i + 1)));
    ASSERT_TRUE(es.Add(std::move(e)).ok());
  }
  es.Build();
  EXPECT_TRUE(es.IsAncestor(Uid("N", "0"), Uid("N", "999")));
  EXPECT_FALSE(es.IsAncestor(Uid("N", "999"), Uid("N", "990")));
}

TEST(Entities, ShapeErrors) {
  EXPECT_NE(EntitiesError("{}").find("array"), std::string::npos);
  EXPECT_NE(EntitiesError("[1]").find("entity object"), std::string::npos);
  EXPECT_NE(EntitiesError(R"([{"attrs": {}}])").find("uid"), std::string::npos);
  EXPECT_NE(EntitiesError(R"([{"uid": {"type": "A", "id": "x"}, "attrs": []}])").find("attrs"),
            std::string::npos);
  EXPECT_NE(EntitiesError(R"([{"uid": {"type": "A", "id": "x"}, "parents": {}}])").find("parents"),
            std::string::npos);
  EXPECT_NE(EntitiesError(R"([{"uid": {"type": "A", "id": "x"}, "attrs": {"f": 0.5}}])")
                .find("in attribute `f` on `A::\"x\"`"),
            std::string::npos);
  EXPECT_NE(EntitiesError(R"([{"uid": {"type": "A", "id": "x"}, "attrs": {"a": 1, "a": 2}}])")
                .find("duplicate key"),
            std::string::npos);
  // Without a schema, an action's parents must be actions.
  EXPECT_NE(EntitiesError(R"([{"uid": {"type": "Action", "id": "x"},
                               "parents": [{"type": "Group", "id": "g"}]}])")
                .find("non-action parent"),
            std::string::npos);
}

TEST(Entities, ToJsonRoundTrips) {
  Entities es = MustEntities(R"([
    {"uid": {"type": "User", "id": "a\"b"},
     "attrs": {"ip": {"__extn": {"fn": "ip", "arg": "1.2.3.4"}},
     "rec": {"n": -1, "s": ["x"]}}, "parents": [{"type": "G", "id": "g"}], "tags": {"t": true}},
    {"uid": {"type": "G", "id": "g"}}
  ])");
  json::array out = es.ToJson();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].at("uid"), json::parse(R"({"__entity": {"type": "G", "id": "g"}})"));
  EXPECT_FALSE(out[0].as_object().contains("tags"));
  Result<Entities> again = Entities::FromJsonValue(out);
  ASSERT_TRUE(again.ok()) << again.error().message();
  const Entity* a = es.Find(Uid("User", "a\"b"));
  const Entity* b = again->Find(Uid("User", "a\"b"));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(Value(a->attrs), Value(b->attrs));
  EXPECT_EQ(Value(a->tags), Value(b->tags));
  EXPECT_EQ(a->parents, b->parents);
  EXPECT_TRUE(again->IsAncestor(Uid("User", "a\"b"), Uid("G", "g")));
}

// ---- schema-based parsing -----------------------------------------------------------------------

constexpr const char* kSchema = R"(
namespace App {
  type Address = { street: String, zip?: Long };
  entity Group;
  entity Team in [Group];
  entity User in [Team] = {
    name: String,
    manager?: User,
    friends?: Set<User>,
    addr?: Address,
    ip?: ipaddr,
    limit?: decimal,
    since?: datetime,
    window?: duration,
    ips?: Set<ipaddr>,
  } tags Long;
  entity Color enum ["red", "green"];
  action read, write in [Action::"all"] appliesTo { principal: User, resource: Group,
    context: { when: datetime, who?: User } };
  action all;
}
)";

TEST(SchemaBased, ImplicitEntityAndExtensionForms) {
  Schema schema = MustSchema(kSchema);
  Entities es = MustEntities(R"([
    {"uid": {"type": "App::User", "id": "bob"}, "attrs": {
       "name": "Bob",
       "manager": {"type": "App::User", "id": "carol"},
       "friends": [{"type": "App::User", "id": "dave"},
                   {"__entity": {"type": "App::User", "id": "erin"}}],
       "addr": {"street": "Main"},
       "ip": "10.1.2.3",
       "limit": {"fn": "decimal", "arg": "12.5"},
       "since": {"__extn": {"fn": "datetime", "arg": "2024-05-01"}},
       "ips": ["::1", {"fn": "ip", "arg": "127.0.0.1"}]
     }, "parents": [{"type": "App::Team", "id": "t"}], "tags": {"k": 3}}
  ])",
                             &schema);
  const Entity* bob = es.Find(Uid("App::User", "bob"));
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->attrs.at("manager"), Value(Uid("App::User", "carol")));
  EXPECT_EQ(bob->attrs.at("friends"),
            Value::MakeSet({Value(Uid("App::User", "dave")), Value(Uid("App::User", "erin"))}));
  EXPECT_EQ(bob->attrs.at("ip"), Value(*ParseIp("10.1.2.3")));
  EXPECT_EQ(bob->attrs.at("limit"), Value(*ParseDecimal("12.5")));
  EXPECT_EQ(bob->attrs.at("addr"), Value(Record{{"street", Str("Main")}}));
  EXPECT_EQ(bob->attrs.at("ips"),
            Value::MakeSet({Value(*ParseIp("::1")), Value(*ParseIp("127.0.0.1"))}));
  EXPECT_EQ(bob->attrs.at("since"), Value(*ParseDatetime("2024-05-01")));
  EXPECT_EQ(bob->tags.at("k"), Long(3));
  // With a schema, the arguments of a multi-argument call may use the implicit forms too.
  Value window = MustParse(R"({"fn": "offset", "args": ["1970-01-01", "1h"]})",
                           schema.EntityAttrs("App::User")->FindAttr("since")->type.get());
  EXPECT_EQ(window, Value(Datetime{3600000}));
}

TEST(SchemaBased, ConformanceErrors) {
  Schema schema = MustSchema(kSchema);
  auto err = [&](std::string_view attrs, std::string_view rest = "") {
    std::string text = R"([{"uid": {"type": "App::User", "id": "u"}, "attrs": )" +
                       std::string(attrs) + std::string(rest) + "}]";
    return EntitiesError(text, &schema);
  };
  EXPECT_NE(err(R"({"name": "x", "window": {"fn": "offset", "args": ["1970-01-01", "1h"]}})")
                .find("type mismatch"),
            std::string::npos);
  EXPECT_NE(err("{}").find("expected entity `App::User::\"u\"` to have attribute `name`"),
            std::string::npos);
  EXPECT_NE(err(R"({"name": "x", "nick": "y"})").find("attribute `nick`"), std::string::npos);
  EXPECT_NE(err(R"({"name": 5})").find("type mismatch"), std::string::npos);
  EXPECT_NE(
      err(R"({"name": "x", "manager": {"type": "App::Team", "id": "t"}})").find("type mismatch"),
      std::string::npos);
  EXPECT_NE(err(R"({"name": "x", "manager": "carol"})").find("entity uid"), std::string::npos);
  EXPECT_NE(
      err(R"({"name": "x", "friends": {"type": "App::User", "id": "d"}})").find("type mismatch"),
      std::string::npos);
  EXPECT_NE(err(R"({"name": "x", "addr": {}})").find("attribute `street`"), std::string::npos);
  EXPECT_NE(err(R"({"name": "x", "addr": {"street": "s", "city": "c"}})").find("`city`"),
            std::string::npos);
  EXPECT_NE(err(R"({"name": "x", "ip": "nope"})").find("`ip`"), std::string::npos);
  EXPECT_NE(err(R"({"name": "x", "ip": {"__expr": "1"}})").find("__expr"), std::string::npos);
  EXPECT_NE(err(R"({"name": "x"})", R"(, "tags": {"k": "str"})").find("in tag `k`"),
            std::string::npos);
  EXPECT_NE(err(R"({"name": "x"})", R"(, "parents": [{"type": "App::Color", "id": "red"}])")
                .find("ancestor of type `App::Color`"),
            std::string::npos);
  // Ancestor types are transitive: User in Team in Group, so a Group parent is allowed.
  MustEntities(R"([{"uid": {"type": "App::User", "id": "u"}, "attrs": {"name": "x"},
                    "parents": [{"type": "App::Group", "id": "g"}]}])",
               &schema);
  EXPECT_NE(EntitiesError(R"([{"uid": {"type": "App::Nope", "id": "n"}}])", &schema)
                .find("which is not declared in the schema"),
            std::string::npos);
  EXPECT_NE(
      EntitiesError(R"([{"uid": {"type": "App::Group", "id": "g"}, "tags": {"a": 1}}])", &schema)
          .find("no tags should exist"),
      std::string::npos);
  EXPECT_NE(EntitiesError(R"([{"uid": {"type": "App::Color", "id": "blue"}}])", &schema)
                .find("enumerated entity type"),
            std::string::npos);
  MustEntities(R"([{"uid": {"type": "App::Color", "id": "red"}}])", &schema);
}

TEST(SchemaBased, ActionEntitiesComeFromTheSchema) {
  Schema schema = MustSchema(kSchema);
  Entities es = MustEntities("[]", &schema);
  EXPECT_EQ(es.size(), 3u);
  ASSERT_NE(es.Find(Uid("App::Action", "read")), nullptr);
  EXPECT_TRUE(es.IsAncestor(Uid("App::Action", "read"), Uid("App::Action", "all")));
  EXPECT_TRUE(es.IsAncestor(Uid("App::Action", "write"), Uid("App::Action", "all")));

  // The JSON may define them too, if it agrees with the schema.
  Entities same = MustEntities(R"([
    {"uid": {"type": "App::Action", "id": "read"}, "attrs": {},
     "parents": [{"type": "App::Action", "id": "all"}]}])",
                               &schema);
  EXPECT_EQ(same.size(), 3u);
  EXPECT_TRUE(same.IsAncestor(Uid("App::Action", "read"), Uid("App::Action", "all")));

  EXPECT_NE(
      EntitiesError(R"([{"uid": {"type": "App::Action", "id": "read"}, "parents": []}])", &schema)
          .find("does not match its schema declaration"),
      std::string::npos);
  EXPECT_NE(EntitiesError(R"([{"uid": {"type": "App::Action", "id": "read"},
                               "parents": [{"type": "App::Action", "id": "all"}],
                               "attrs": {"a": 1}}])",
                          &schema)
                .find("does not match its schema declaration"),
            std::string::npos);
  EXPECT_NE(EntitiesError(R"([{"uid": {"type": "App::Action", "id": "delete"}}])", &schema)
                .find("not declared as an action"),
            std::string::npos);
}

TEST(SchemaBased, ContextWithTheActionsContextType) {
  Schema schema = MustSchema(kSchema);
  const SchemaType* context = schema.ActionContext(Uid("App::Action", "read"));
  ASSERT_NE(context, nullptr);
  Value v = MustParse(
      R"({"when": "2024-01-01T00:00:00Z", "who": {"type": "App::User", "id": "a"}})", context);
  EXPECT_EQ(v.as_record().at("who"), Value(Uid("App::User", "a")));
  EXPECT_TRUE(v.as_record().at("when").is(Type::kDatetime));
  EXPECT_NE(ErrorOf(R"({"who": {"type": "App::User", "id": "a"}})", context).find("`when`"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[]", context).find("type mismatch"), std::string::npos);
}

// sample-data/sandbox_b: attributes are implicit entity references, so it loads only with the
// schema.
std::filesystem::path Fixtures() {
  const char* env = std::getenv("CUSTODY_FIXTURES");
  if (env != nullptr && *env != '\0') return env;
  const char* src = std::getenv("CUSTODY_SOURCE_DIR");
  return std::filesystem::path(src != nullptr ? src : ".") / ".." / "shared" / "fixtures";
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(SchemaBased, SandboxB) {
  std::filesystem::path dir = Fixtures() / "cedar" / "sample-data" / "sandbox_b";
  if (!std::filesystem::exists(dir / "entities.json")) {
    const char* required = std::getenv("CUSTODY_REQUIRE_FIXTURES");
    if (required != nullptr && std::string(required) == "1") FAIL() << "missing " << dir;
    GTEST_SKIP() << "fixtures not found at " << dir;
  }
  std::string text = ReadFile(dir / "entities.json");
  // Without the schema, `"account": {"type": "Account", "id": "ahmad"}` is a record...
  Entities plain = MustEntities(text);
  const Entity* photo = plain.Find(Uid("Photo", "prototype_v0.jpg"));
  ASSERT_NE(photo, nullptr);
  EXPECT_TRUE(photo->attrs.at("account").is(Type::kRecord));
  // ...and with it, an entity reference; the schema also brings the action entities.
  Schema schema = MustSchema(ReadFile(dir / "schema.cedarschema"));
  Entities typed = MustEntities(text, &schema);
  photo = typed.Find(Uid("Photo", "prototype_v0.jpg"));
  ASSERT_NE(photo, nullptr);
  EXPECT_EQ(photo->attrs.at("account"), Value(Uid("Account", "ahmad")));
  EXPECT_NE(typed.Find(Uid("Action", "view")), nullptr);
  EXPECT_EQ(typed.size(), plain.size() + 6);  // 7 actions, `view` already in the JSON
  EXPECT_TRUE(typed.IsAncestor(Uid("User", "alice"), Uid("UserGroup", "AVTeam")));
  EXPECT_TRUE(
      typed.IsAncestor(Uid("Photo", "prototype_v0.jpg"), Uid("Album", "device_prototypes")));
  // schema_exts.cedarschema parses too.
  EXPECT_TRUE(Schema::Parse(ReadFile(dir / "schema_exts.cedarschema")).ok());
}

}  // namespace
}  // namespace custody::cedar
