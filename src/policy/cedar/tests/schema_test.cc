// Tests for the Cedar schema parser (schema.h): every construct of the grammar, name resolution
// (namespace first, then the empty namespace, then the builtins), parse and resolution errors
// with line:column, the accessors and CheckEntity, and finally every schema of the generated
// conformance corpus (with its entities).
#include "policy/cedar/schema.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "policy/cedar/entities.h"

namespace custody::cedar {
namespace {

namespace fs = std::filesystem;
using Kind = SchemaType::Kind;

Schema MustParse(std::string_view text) {
  Result<Schema> s = Schema::Parse(text);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message());
  if (!s.ok()) std::abort();
  return std::move(s).value();
}

std::string ErrorOf(std::string_view text) {
  Result<Schema> s = Schema::Parse(text, "s.cedarschema");
  EXPECT_FALSE(s.ok()) << text;
  return s.ok() ? "" : s.error().message();
}

const SchemaType& Attr(const Schema& s, std::string_view type, std::string_view attr) {
  const SchemaType* rec = s.EntityAttrs(type);
  EXPECT_NE(rec, nullptr) << type;
  if (!rec) std::abort();
  const SchemaType::Attr* a = rec->FindAttr(attr);
  EXPECT_NE(a, nullptr) << type << "." << attr;
  if (!a) std::abort();
  return *a->type;
}

std::vector<EntityUid> ParentsOf(const Schema& s, const EntityUid& action) {
  for (const Entity& e : s.ActionEntities())
    if (e.uid == action) return e.parents;
  ADD_FAILURE() << "no action " << action.ToString();
  return {};
}

TEST(Schema, EntityDeclarations) {
  Schema s = MustParse(R"(
    entity Group;
    entity Team, Org in [Group];
    entity User in Team = {
      name: String,
      "quoted name"?: Long,
      "esc\n\u{e9}": Bool,
      tags: Set<String>,   // keywords are fine as attribute names
      nested: { inner?: { deep: Long } },
    } tags Set<Long>;
    entity Doc { owner: User };   // `=` is optional
    entity Color enum ["red", "green", "\"blue\""];
  )");
  EXPECT_TRUE(s.HasEntityType("Group"));
  EXPECT_TRUE(s.HasEntityType("Org"));
  EXPECT_FALSE(s.HasEntityType("Action"));  // no actions declared
  EXPECT_FALSE(s.HasEntityType("Nope"));
  ASSERT_NE(s.EntityAttrs("Group"), nullptr);
  EXPECT_EQ(s.EntityAttrs("Group")->kind, Kind::kRecord);
  EXPECT_TRUE(s.EntityAttrs("Group")->attrs.empty());
  EXPECT_EQ(s.EntityTags("Group"), nullptr);

  EXPECT_EQ(Attr(s, "User", "name").kind, Kind::kString);
  EXPECT_FALSE(s.EntityAttrs("User")->FindAttr("quoted name")->required);
  EXPECT_TRUE(s.EntityAttrs("User")->FindAttr("name")->required);
  EXPECT_EQ(Attr(s, "User", "quoted name").kind, Kind::kLong);
  EXPECT_EQ(Attr(s, "User", "esc\n\xc3\xa9").kind, Kind::kBool);
  const SchemaType& tags = Attr(s, "User", "tags");
  ASSERT_EQ(tags.kind, Kind::kSet);
  EXPECT_EQ(tags.element->kind, Kind::kString);
  const SchemaType& nested = Attr(s, "User", "nested");
  ASSERT_EQ(nested.kind, Kind::kRecord);
  const SchemaType::Attr* inner = nested.FindAttr("inner");
  ASSERT_NE(inner, nullptr);
  EXPECT_FALSE(inner->required);
  EXPECT_EQ(inner->type->FindAttr("deep")->type->kind, Kind::kLong);
  ASSERT_NE(s.EntityTags("User"), nullptr);
  EXPECT_EQ(s.EntityTags("User")->kind, Kind::kSet);

  const SchemaType& owner = Attr(s, "Doc", "owner");
  EXPECT_EQ(owner.kind, Kind::kEntity);
  EXPECT_EQ(owner.name, "User");
  EXPECT_TRUE(s.EntityAttrs("Color")->attrs.empty());
}

TEST(Schema, BuiltinsAndCedarPrefix) {
  Schema s = MustParse(R"(
    entity E = {
      a: __cedar::String, b: __cedar::Long, c: __cedar::Bool,
      d: ipaddr, e: __cedar::ipaddr, f: decimal, g: __cedar::decimal,
      h: datetime, i: __cedar::datetime, j: duration, k: __cedar::duration,
    };
  )");
  EXPECT_EQ(Attr(s, "E", "a").kind, Kind::kString);
  EXPECT_EQ(Attr(s, "E", "b").kind, Kind::kLong);
  EXPECT_EQ(Attr(s, "E", "c").kind, Kind::kBool);
  for (auto [attr, name] : {std::pair{"d", "ipaddr"},
                            {"e", "ipaddr"},
                            {"f", "decimal"},
                            {"g", "decimal"},
                            {"h", "datetime"},
                            {"i", "datetime"},
                            {"j", "duration"},
                            {"k", "duration"}}) {
    EXPECT_EQ(Attr(s, "E", attr).kind, Kind::kExtension) << attr;
    EXPECT_EQ(Attr(s, "E", attr).name, name) << attr;
  }
}

TEST(Schema, NamespacesAndNameResolution) {
  // The example of docs.cedarpolicy.com: names in the namespace shadow the builtins, and
  // `__cedar::` always reaches them.
  Schema s = MustParse(R"(
    type Shared = { v: Long };
    entity Root;
    namespace Demo::Sub {
      entity Host = {
        ip: ipaddr,          // the common type Demo::Sub::ipaddr
        bandwidth: decimal,  // the extension type
        shared: Shared,      // from the empty namespace
        root: Root,          // entity type in the empty namespace
        host: Demo::Sub::Host,
      };
      entity String { groups: Set<__cedar::String> };
      type ipaddr = { repr: String, real: __cedar::ipaddr };
    }
    namespace Other {
      entity Host in [Demo::Sub::Host] = { peer: Demo::Sub::Host, own: Host };
    }
  )");
  EXPECT_TRUE(s.HasEntityType("Demo::Sub::Host"));
  EXPECT_FALSE(s.HasEntityType("Host"));
  const SchemaType& ip = Attr(s, "Demo::Sub::Host", "ip");
  ASSERT_EQ(ip.kind, Kind::kRecord);
  EXPECT_EQ(ip.FindAttr("repr")->type->kind, Kind::kEntity);
  EXPECT_EQ(ip.FindAttr("repr")->type->name, "Demo::Sub::String");
  EXPECT_EQ(ip.FindAttr("real")->type->kind, Kind::kExtension);
  EXPECT_EQ(Attr(s, "Demo::Sub::Host", "bandwidth").name, "decimal");
  EXPECT_EQ(Attr(s, "Demo::Sub::Host", "shared").kind, Kind::kRecord);
  EXPECT_EQ(Attr(s, "Demo::Sub::Host", "root").name, "Root");
  EXPECT_EQ(Attr(s, "Demo::Sub::Host", "host").name, "Demo::Sub::Host");
  EXPECT_EQ(Attr(s, "Demo::Sub::String", "groups").element->kind, Kind::kString);
  EXPECT_EQ(Attr(s, "Other::Host", "peer").name, "Demo::Sub::Host");
  EXPECT_EQ(Attr(s, "Other::Host", "own").name, "Other::Host");
}

TEST(Schema, CommonTypesWinOverEntityTypesAndChain) {
  Schema s = MustParse(R"(
    entity Address = { street: String };
    type Address = { city: String };
    type A = B;
    type B = Set<C>;
    type C = { x: Long };
    entity User = { address: Address, a: A };
  )");
  EXPECT_NE(Attr(s, "User", "address").FindAttr("city"), nullptr);
  const SchemaType& a = Attr(s, "User", "a");
  ASSERT_EQ(a.kind, Kind::kSet);
  EXPECT_EQ(a.element->FindAttr("x")->type->kind, Kind::kLong);
}

TEST(Schema, Actions) {
  Schema s = MustParse(R"(
    entity User, Photo;
    type Ctx = { ip: ipaddr };
    action "view photo", edit in ["all"] appliesTo {
      principal: [User], resource: Photo, context: Ctx,
    };
    action all;
    action "read" in all;
    action delete in [Action::"all", "read"] appliesTo { context: { force: Bool } };
    action noop appliesTo { principal: [], resource: [] } attributes {};
    namespace NS {
      entity Doc;
      action open in [Action::"base", NS::Action::"base2"];
      action base, base2;
      action cross in [Action::"all"];
    }
  )");
  EXPECT_TRUE(s.HasEntityType("Action"));
  EXPECT_TRUE(s.HasEntityType("NS::Action"));
  const SchemaType* ctx = s.ActionContext({"Action", "view photo"});
  ASSERT_NE(ctx, nullptr);
  EXPECT_EQ(ctx->FindAttr("ip")->type->name, "ipaddr");
  const SchemaType* del = s.ActionContext({"Action", "delete"});
  ASSERT_NE(del, nullptr);
  EXPECT_EQ(del->FindAttr("force")->type->kind, Kind::kBool);
  // No appliesTo (or no context): an empty record.
  ASSERT_NE(s.ActionContext({"Action", "all"}), nullptr);
  EXPECT_TRUE(s.ActionContext({"Action", "all"})->attrs.empty());
  EXPECT_EQ(s.ActionContext({"Action", "nope"}), nullptr);
  EXPECT_EQ(s.ActionContext({"NS::Action", "all"}), nullptr);

  std::vector<Entity> actions = s.ActionEntities();
  EXPECT_EQ(actions.size(), 10u);
  EXPECT_EQ(actions[0].uid, (EntityUid{"Action", "view photo"}));  // declaration order
  EXPECT_EQ(ParentsOf(s, {"Action", "edit"}), (std::vector<EntityUid>{{"Action", "all"}}));
  EXPECT_EQ(ParentsOf(s, {"Action", "read"}), (std::vector<EntityUid>{{"Action", "all"}}));
  EXPECT_EQ(ParentsOf(s, {"Action", "delete"}),
            (std::vector<EntityUid>{{"Action", "all"}, {"Action", "read"}}));
  // `Action::"base"` inside NS means NS::Action::"base"; `Action::"all"` falls back to the empty
  // namespace because NS declares no `all`.
  EXPECT_EQ(ParentsOf(s, {"NS::Action", "open"}),
            (std::vector<EntityUid>{{"NS::Action", "base"}, {"NS::Action", "base2"}}));
  EXPECT_EQ(ParentsOf(s, {"NS::Action", "cross"}), (std::vector<EntityUid>{{"Action", "all"}}));
  for (const Entity& e : actions) EXPECT_TRUE(e.attrs.empty() && e.tags.empty());
}

TEST(Schema, AnnotationsAndComments) {
  Schema s = MustParse(R"(
    // a comment
    @doc("the app")
    @flag
    namespace App {  // trailing comment
      @doc("a user")
      entity User = {
        @doc("their name") @pii
        name: String, // comment inside a record
      };
      @doc("a type") type T = Long;
      @doc("an action") action view appliesTo { principal: User, resource: User };
    }
    @doc("top level") entity Top;
  )");
  EXPECT_TRUE(s.HasEntityType("App::User"));
  EXPECT_TRUE(s.HasEntityType("Top"));
  EXPECT_NE(s.ActionContext({"App::Action", "view"}), nullptr);
}

TEST(Schema, EmptySchema) {
  Schema s = MustParse("  // nothing\n");
  EXPECT_TRUE(s.ActionEntities().empty());
  EXPECT_FALSE(s.HasEntityType("A"));
}

TEST(Schema, ParseErrorsHaveLineAndColumn) {
  std::string e = ErrorOf("entity A;\n  entity B = { a: Long\n  b: String };");
  EXPECT_NE(e.find("s.cedarschema:3:3: unexpected `b`, expected `,` or `}`"), std::string::npos)
      << e;
  Result<Schema> r = Schema::Parse("\n\n   not a schema", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("x:3:4: unexpected `not`"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(r.error().details().at("line"), 3);
  EXPECT_EQ(r.error().details().at("column"), 4);

  EXPECT_NE(ErrorOf("entity A").find("end of input"), std::string::npos);
  EXPECT_NE(ErrorOf("entity A = { a: Long, a: String };").find("duplicate attribute"),
            std::string::npos);
  EXPECT_NE(ErrorOf("entity if;").find("reserved"), std::string::npos);
  EXPECT_NE(ErrorOf("entity A = { \"\\q\": Long };").find("invalid escape"), std::string::npos);
  EXPECT_NE(ErrorOf("entity A = { \"open: Long };").find("unterminated"), std::string::npos);
  EXPECT_NE(ErrorOf("entity A = { a: Long } # ;").find("unexpected character `#`"),
            std::string::npos);
  EXPECT_NE(ErrorOf("@doc(\"a\") @doc(\"b\") entity A;").find("duplicate annotation"),
            std::string::npos);
  EXPECT_NE(ErrorOf("type Long = String;").find("cannot be the name of a common type"),
            std::string::npos);
  EXPECT_NE(ErrorOf("action a appliesTo { principal: [], principal: [] };").find("twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf("namespace __cedar { entity A; }").find("reserved namespace"),
            std::string::npos);
}

TEST(Schema, ResolutionErrors) {
  EXPECT_NE(ErrorOf("entity A = { b: B };").find("s.cedarschema:1:17: failed to resolve type `B`"),
            std::string::npos);
  EXPECT_NE(ErrorOf("entity A in [B];").find("undeclared entity type `B`"), std::string::npos);
  EXPECT_NE(ErrorOf("action a appliesTo { principal: [Nope] };").find("undeclared entity type"),
            std::string::npos);
  EXPECT_NE(ErrorOf("action a in [\"g\"];").find("undeclared action `Action::\"g\"`"),
            std::string::npos);
  EXPECT_NE(ErrorOf("type Unused = { a: Nope };").find("failed to resolve type `Nope`"),
            std::string::npos);
  EXPECT_NE(ErrorOf("type A = B; type B = { a: A }; entity E = { x: A };")
                .find("defined in terms of itself"),
            std::string::npos);
  EXPECT_NE(ErrorOf("action a in b; action b in a;").find("cycle"), std::string::npos);
  EXPECT_NE(ErrorOf("entity A; entity A;").find("declared twice"), std::string::npos);
  EXPECT_NE(ErrorOf("namespace N { entity A; } namespace N { entity B; }").find("declared twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf("action a; action \"a\";").find("declared twice"), std::string::npos);
  EXPECT_NE(ErrorOf("action a appliesTo { context: Long };").find("must be a record"),
            std::string::npos);
  EXPECT_NE(ErrorOf("entity A = { x: __cedar::Nope };").find("not a builtin"), std::string::npos);
  // A name qualified with a namespace does not fall back to the empty namespace.
  EXPECT_NE(ErrorOf("entity A; namespace N { entity B = { a: N::A }; }").find("`N::A`"),
            std::string::npos);
}

TEST(Schema, CheckEntity) {
  Schema s = MustParse(R"(
    entity G;
    entity U in [G] = { n: Long, o?: Set<U> } tags String;
    entity E enum ["x"];
    action act;
  )");
  auto check = [&](Entity e) {
    Status st = s.CheckEntity(e);
    return st.ok() ? std::string() : st.error().message();
  };
  Record ok_attrs{{"n", Value(int64_t{1})}};
  EXPECT_EQ(check({{"U", "u"}, ok_attrs, {}, {{"G", "g"}}}), "");
  EXPECT_EQ(check({{"U", "u"}, {{"n", Value(int64_t{1})}, {"o", Value::MakeSet({})}}, {}, {}}), "");
  EXPECT_NE(check({{"U", "u"}, {}, {}, {}}).find("to have attribute `n`"), std::string::npos);
  EXPECT_NE(check({{"U", "u"}, {{"n", Value(std::string("1"))}}, {}, {}}).find("type mismatch"),
            std::string::npos);
  EXPECT_NE(check({{"U", "u"},
                   {{"n", Value(int64_t{1})}, {"o", Value::MakeSet({Value(EntityUid{"G", "g"})})}},
                   {},
                   {}})
                .find("type mismatch"),
            std::string::npos);
  EXPECT_NE(check({{"U", "u"}, ok_attrs, {{"t", Value(int64_t{1})}}, {}}).find("in tag `t`"),
            std::string::npos);
  EXPECT_NE(check({{"U", "u"}, ok_attrs, {}, {{"U", "v"}}}).find("ancestor of type `U`"),
            std::string::npos);
  EXPECT_NE(check({{"G", "g"}, {}, {{"t", Value(true)}}, {}}).find("no tags should exist"),
            std::string::npos);
  EXPECT_NE(check({{"E", "y"}, {}, {}, {}}).find("enumerated"), std::string::npos);
  EXPECT_EQ(check({{"E", "x"}, {}, {}, {}}), "");
  EXPECT_EQ(check({{"Action", "act"}, {}, {}, {}}), "");
  EXPECT_NE(check({{"Action", "other"}, {}, {}, {}}).find("not declared as an action"),
            std::string::npos);
  EXPECT_NE(check({{"Nope", "n"}, {}, {}, {}}).find("not declared in the schema"),
            std::string::npos);
}

// ---- the generated corpus -----------------------------------------------------------------------

fs::path Fixtures() {
  const char* env = std::getenv("CUSTODY_FIXTURES");
  if (env != nullptr && *env != '\0') return env;
  const char* src = std::getenv("CUSTODY_SOURCE_DIR");
  return fs::path(src != nullptr ? src : ".") / ".." / "shared" / "fixtures";
}

std::string ReadFile(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Every .cedarschema of corpus-tests.tar.gz parses, and entity files load with their schema (the
// corpus was generated by the Rust implementation, which loads them all). Only every 8th entity
// file is loaded here, to keep the test quick under the sanitizers: the conformance test loads
// them all.
TEST(Schema, EveryCorpusSchemaParsesAndItsEntitiesLoad) {
  fs::path tarball = Fixtures() / "cedar" / "corpus-tests.tar.gz";
  if (!fs::exists(tarball)) {
    const char* required = std::getenv("CUSTODY_REQUIRE_FIXTURES");
    if (required != nullptr && std::string(required) == "1") FAIL() << "missing " << tarball;
    GTEST_SKIP() << "fixtures not found at " << tarball;
  }
  std::string dir_template = (fs::temp_directory_path() / "cedar-schema-test-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir_template.data()), nullptr);
  fs::path dir = dir_template;
  std::string command = "tar xzf '" + tarball.string() + "' -C '" + dir.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  int schemas = 0;
  int entity_files = 0;
  std::vector<std::string> failures;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir / "corpus-tests")) {
    const fs::path& path = entry.path();
    if (path.extension() != ".cedarschema") continue;
    ++schemas;
    Result<Schema> schema = Schema::Parse(ReadFile(path), path.filename().string());
    if (!schema.ok()) {
      failures.push_back(schema.error().message());
      continue;
    }
    fs::path entities = path;
    entities.replace_extension(".entities.json");
    if (schemas % 8 != 0 || !fs::exists(entities)) continue;
    ++entity_files;
    Result<Entities> loaded = Entities::FromJson(ReadFile(entities), &*schema);
    if (!loaded.ok())
      failures.push_back(entities.filename().string() + ": " + loaded.error().message());
  }
  fs::remove_all(dir);
  EXPECT_EQ(schemas, 7809);
  EXPECT_EQ(entity_files, 7809 / 8);
  EXPECT_TRUE(failures.empty()) << failures.size() << " failures, the first: " << failures[0];
}

}  // namespace
}  // namespace custody::cedar
