// Tests for the Cedar lexer and parser (parser.h): every construct of the grammar, the checks the
// Rust parser adds on top of it, error positions, templates and linking, and the real inputs — the
// hand-written conformance fixtures, the generated corpus (7,809 policies) and the fuzzer's
// regression inputs.
#include "policy/cedar/parser.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace custody::cedar {
namespace {

namespace fs = std::filesystem;

// ---- Helpers ----

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// An S-expression rendering of a tree, so tests can state its exact shape.
std::string Dump(const Expr& e) {
  auto arg = [&](size_t i) { return Dump(*e.args[i]); };
  auto all_args = [&](size_t from) {
    std::string out;
    for (size_t i = from; i < e.args.size(); ++i) out += " " + arg(i);
    return out;
  };
  switch (e.kind) {
    case ExprKind::kLit:
      switch (e.value.type()) {
        case Type::kBool:
          return e.value.as_bool() ? "true" : "false";
        case Type::kLong:
          return std::to_string(e.value.as_long());
        case Type::kString:
          return Quote(e.value.as_string());
        case Type::kEntity:
          return e.value.as_entity().type + "::" + Quote(e.value.as_entity().id);
        default:
          return "<other literal>";
      }
    case ExprKind::kVar:
      switch (e.var) {
        case Var::kPrincipal:
          return "principal";
        case Var::kAction:
          return "action";
        case Var::kResource:
          return "resource";
        case Var::kContext:
          return "context";
      }
      return "?";
    case ExprKind::kSlot:
      return e.slot == Slot::kPrincipal ? "?principal" : "?resource";
    case ExprKind::kIf:
      return "(if" + all_args(0) + ")";
    case ExprKind::kAnd:
      return "(&&" + all_args(0) + ")";
    case ExprKind::kOr:
      return "(||" + all_args(0) + ")";
    case ExprKind::kNot:
      return "(!" + all_args(0) + ")";
    case ExprKind::kNeg:
      return "(neg" + all_args(0) + ")";
    case ExprKind::kBinary: {
      static const char* kOps[] = {"==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*"};
      return std::string("(") + kOps[static_cast<int>(e.op)] + all_args(0) + ")";
    }
    case ExprKind::kHas:
      return "(has " + arg(0) + " " + Quote(e.name) + ")";
    case ExprKind::kGetAttr:
      return "(. " + arg(0) + " " + Quote(e.name) + ")";
    case ExprKind::kLike: {
      std::string pat;
      for (const auto& p : e.pattern) pat += p.wildcard ? "<*>" : "[" + p.literal + "]";
      return "(like " + arg(0) + " " + pat + ")";
    }
    case ExprKind::kIs:
      return "(is " + arg(0) + " " + e.name + all_args(1) + ")";
    case ExprKind::kSet:
      return "[" + (e.args.empty() ? "" : all_args(0).substr(1)) + "]";
    case ExprKind::kRecord: {
      std::string out = "{";
      for (size_t i = 0; i < e.args.size(); ++i) {
        out += (i ? ", " : "") + e.keys[i] + ": " + arg(i);
      }
      return out + "}";
    }
    case ExprKind::kCall:
      return "(" + std::string(InfoOf(e.fn).name) + all_args(0) + ")";
  }
  return "?";
}

std::string DumpExpr(std::string_view text) {
  auto e = ParseExpression(text);
  if (!e.ok()) return "ERROR " + e.error().message();
  return Dump(**e);
}

PolicySet MustParse(std::string_view text, bool ids_from_annotations = false) {
  auto set = PolicySet::Parse(text, "policy", ids_from_annotations);
  EXPECT_TRUE(set.ok()) << (set.ok() ? "" : set.error().message()) << "\n" << text;
  return set.ok() ? std::move(set).value() : PolicySet();
}

// The first condition of the only policy in `text`.
std::string DumpWhen(std::string_view text) {
  auto set = PolicySet::Parse(text);
  if (!set.ok()) return "ERROR " + set.error().message();
  const auto& ps = set->policies().empty() ? set->templates() : set->policies();
  if (ps.size() != 1 || ps[0].conditions.empty()) return "no condition";
  return Dump(*ps[0].conditions[0].expr);
}

std::string PolicyWhen(std::string_view cond) {
  return "permit(principal, action, resource) when { " + std::string(cond) + " };";
}

// The error of parsing `text` as a policy set; the test fails if it parses.
Error ParseError(std::string_view text) {
  auto set = PolicySet::Parse(text);
  EXPECT_FALSE(set.ok()) << "parsed, but should not have:\n" << text;
  if (set.ok()) return InvalidArgument("parsed");
  return std::move(set).error();
}

// Asserts that `text` fails at line:column with a message containing `what`.
void ExpectPolicyError(std::string_view text, int line, int column, std::string_view what) {
  SCOPED_TRACE(std::string(text));
  Error e = ParseError(text);
  const std::string prefix = "policy:" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  EXPECT_EQ(e.message().substr(0, prefix.size()), prefix) << e.message();
  EXPECT_NE(e.message().find(what), std::string::npos) << e.message();
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(e.details().contains("line"));
  EXPECT_EQ(e.details().at("line").as_int64(), line);
  EXPECT_EQ(e.details().at("column").as_int64(), column);
}

// Asserts that the expression fails with a message containing `what` (at `column` of line 1).
void ExpectExprError(std::string_view text, int column, std::string_view what) {
  SCOPED_TRACE(std::string(text));
  auto e = ParseExpression(text);
  ASSERT_FALSE(e.ok()) << "parsed: " << Dump(**e);
  const std::string prefix = "expression:1:" + std::to_string(column) + ": ";
  EXPECT_EQ(e.error().message().substr(0, prefix.size()), prefix) << e.error().message();
  EXPECT_NE(e.error().message().find(what), std::string::npos) << e.error().message();
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path SourceDir() {
  const char* dir = std::getenv("CUSTODY_SOURCE_DIR");
  // Outside ctest, find the repository from this file's path (src/policy/cedar/tests/).
  return dir != nullptr ? fs::path(dir)
                        : fs::path(__FILE__).parent_path() / ".." / ".." / ".." / "..";
}

fs::path FixturesDir() {
  const char* dir = std::getenv("CUSTODY_FIXTURES");
  if (dir != nullptr && *dir != '\0') return fs::path(dir);
  return SourceDir() / ".." / "shared" / "fixtures";
}

bool RequireFixtures() {
  const char* v = std::getenv("CUSTODY_REQUIRE_FIXTURES");
  return v != nullptr && std::string(v) == "1";
}

// ---- Policies: structure, ids, text, locations ----

TEST(ParserPolicyTest, MinimalPermitAndForbid) {
  PolicySet set = MustParse(
      "permit(principal, action, resource);\n"
      "forbid(principal,action,resource) ;");
  ASSERT_EQ(set.policies().size(), 2u);
  EXPECT_TRUE(set.templates().empty());
  const Policy& p0 = set.policies()[0];
  EXPECT_EQ(p0.id, "policy0");
  EXPECT_EQ(p0.effect, Effect::kPermit);
  EXPECT_EQ(p0.principal.op, ScopeConstraint::Op::kAny);
  EXPECT_EQ(p0.action.op, ScopeConstraint::Op::kAny);
  EXPECT_EQ(p0.resource.op, ScopeConstraint::Op::kAny);
  EXPECT_TRUE(p0.conditions.empty());
  EXPECT_FALSE(p0.IsTemplate());
  EXPECT_FALSE(p0.template_id.has_value());
  EXPECT_EQ(set.policies()[1].id, "policy1");
  EXPECT_EQ(set.policies()[1].effect, Effect::kForbid);
  EXPECT_EQ(set.policies()[1].text, "forbid(principal,action,resource) ;");
  EXPECT_EQ(set.policies()[1].loc.line, 2);
  EXPECT_EQ(set.policies()[1].loc.column, 1);
}

TEST(ParserPolicyTest, EmptyInputAndCommentsOnlyGiveAnEmptySet) {
  EXPECT_TRUE(MustParse("").policies().empty());
  EXPECT_TRUE(MustParse("  // nothing here\n\n// at all").policies().empty());
}

TEST(ParserPolicyTest, TextSpansAnnotationsToSemicolonAndSkipsComments) {
  const std::string src =
      "// leading comment\n"
      "@id(\"first\") // trailing\n"
      "@note\n"
      "permit(principal, action, resource) when { true }; // after\n"
      "  forbid(principal, action, resource);";
  PolicySet set = MustParse(src);
  ASSERT_EQ(set.policies().size(), 2u);
  EXPECT_EQ(
      set.policies()[0].text,
      "@id(\"first\") // trailing\n@note\npermit(principal, action, resource) when { true };");
  EXPECT_EQ(set.policies()[0].loc.line, 2);
  EXPECT_EQ(set.policies()[0].loc.column, 1);
  EXPECT_EQ(set.policies()[1].loc.line, 5);
  EXPECT_EQ(set.policies()[1].loc.column, 3);
  // Each policy's text parses on its own to the same policy.
  for (const Policy& p : set.policies()) {
    PolicySet again = MustParse(p.text);
    ASSERT_EQ(again.policies().size(), 1u);
    EXPECT_EQ(again.policies()[0].text, p.text);
  }
}

TEST(ParserPolicyTest, AnnotationsWithAndWithoutValues) {
  PolicySet set = MustParse(
      "@id(\"p1\") @advice(\"line\\nbreak \\u{1F600}\") @flag @if(\"reserved words are fine\")\n"
      "@principal(\"so are variables\")\n"
      "permit(principal, action, resource);");
  const Policy& p = set.policies()[0];
  ASSERT_EQ(p.annotations.size(), 5u);
  EXPECT_EQ(p.annotations[0], (std::pair<std::string, std::string>("id", "p1")));
  ASSERT_NE(p.Annotation("advice"), nullptr);
  EXPECT_EQ(*p.Annotation("advice"), "line\nbreak \xF0\x9F\x98\x80");
  ASSERT_NE(p.Annotation("flag"), nullptr);
  EXPECT_EQ(*p.Annotation("flag"), "");
  EXPECT_EQ(*p.Annotation("if"), "reserved words are fine");
  EXPECT_EQ(*p.Annotation("principal"), "so are variables");
  EXPECT_EQ(p.Annotation("missing"), nullptr);
  // Without ids_from_annotations, @id does not rename.
  EXPECT_EQ(p.id, "policy0");
}

TEST(ParserPolicyTest, DuplicateAnnotationIsAnError) {
  ExpectPolicyError("@a(\"1\")\n@b(\"2\")\n  @a(\"3\") permit(principal, action, resource);", 3, 3,
                    "duplicate annotation `@a`");
  ExpectPolicyError("@a @a permit(principal, action, resource);", 1, 4, "duplicate annotation");
}

TEST(ParserPolicyTest, AnnotationErrors) {
  ExpectPolicyError("@(\"x\") permit(principal, action, resource);", 1, 2, "annotation name");
  ExpectPolicyError("@a(x) permit(principal, action, resource);", 1, 4, "expected a string");
  ExpectPolicyError("@a(\"x\" permit(principal, action, resource);", 1, 8, "expected `)`");
  ExpectPolicyError("@a(\"\\q\") permit(principal, action, resource);", 1, 5, "invalid escape");
}

TEST(ParserPolicyTest, IdsFromAnnotations) {
  const std::string src =
      "@id(\"alice-can-view\") permit(principal, action, resource);\n"
      "permit(principal, action, resource);\n"
      "@id(\"template\") permit(principal == ?principal, action, resource);";
  PolicySet renamed = MustParse(src, /*ids_from_annotations=*/true);
  ASSERT_EQ(renamed.policies().size(), 2u);
  EXPECT_EQ(renamed.policies()[0].id, "alice-can-view");
  EXPECT_EQ(renamed.policies()[1].id, "policy1");
  ASSERT_EQ(renamed.templates().size(), 1u);
  EXPECT_EQ(renamed.templates()[0].id, "template");
  EXPECT_NE(renamed.Find("alice-can-view"), nullptr);
  EXPECT_NE(renamed.Find("template"), nullptr);
  EXPECT_EQ(renamed.Find("policy0"), nullptr);

  PolicySet plain = MustParse(src);
  EXPECT_EQ(plain.policies()[0].id, "policy0");
  EXPECT_EQ(plain.templates()[0].id, "policy2");  // templates share the numbering
}

TEST(ParserPolicyTest, DuplicateIdFromAnnotationsIsAnError) {
  auto set = PolicySet::Parse(
      "@id(\"x\") permit(principal, action, resource);\n"
      "\n  @id(\"x\") forbid(principal, action, resource);",
      "policies.cedar", /*ids_from_annotations=*/true);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().message(), "policies.cedar:3:3: duplicate policy id `x`");
  // Colliding with a generated id is a duplicate too.
  auto clash = PolicySet::Parse(
      "@id(\"policy1\") permit(principal, action, resource);\n"
      "permit(principal, action, resource);",
      "policy", true);
  EXPECT_FALSE(clash.ok());
}

TEST(ParserPolicyTest, ErrorMessagesUseTheGivenName) {
  auto set = PolicySet::Parse("permit(principal, action, resource)", "team/policies.cedar");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().message(),
            "team/policies.cedar:1:36: expected `when`, `unless` or `;`, found end of input");
}

TEST(ParserPolicyTest, MultipleConditionsInOrder) {
  PolicySet set = MustParse(
      "permit(principal, action, resource)\n"
      "when { principal.a }\n"
      "unless { principal.b }\n"
      "when { principal.c };");
  const Policy& p = set.policies()[0];
  ASSERT_EQ(p.conditions.size(), 3u);
  EXPECT_TRUE(p.conditions[0].when);
  EXPECT_FALSE(p.conditions[1].when);
  EXPECT_TRUE(p.conditions[2].when);
  EXPECT_EQ(Dump(*p.conditions[1].expr), "(. principal \"b\")");
  EXPECT_EQ(p.conditions[2].expr->loc.line, 4);
  EXPECT_EQ(p.conditions[2].expr->loc.column, 8);
}

TEST(ParserPolicyTest, ConditionBodiesOfPoliciesAndTemplates) {
  EXPECT_EQ(DumpWhen(PolicyWhen("principal has a.b")),
            "(&& (has principal \"a\") (has (. principal \"a\") \"b\"))");
  EXPECT_EQ(DumpWhen("permit(principal == ?principal, action, resource) when { context.x };"),
            "(. context \"x\")");
  EXPECT_EQ(DumpWhen(PolicyWhen("-9223372036854775808 < 0")), "(< -9223372036854775808 0)");
}

TEST(ParserPolicyTest, ConditionErrors) {
  ExpectPolicyError("permit(principal, action, resource) when { };", 1, 44,
                    "the `when` clause is empty");
  ExpectPolicyError("permit(principal, action, resource) advice { true };", 1, 37,
                    "expected `when`, `unless` or `;`, found identifier `advice`");
  ExpectPolicyError("permit(principal, action, resource) when true;", 1, 42, "expected `{`");
  ExpectPolicyError("permit(principal, action, resource) when { true } when { 1 }", 1, 61,
                    "expected `;`, found end of input");
  ExpectPolicyError("permit(principal, action, resource) when { true )};", 1, 49,
                    "expected `}`, found `)`");
}

TEST(ParserPolicyTest, EffectErrors) {
  ExpectPolicyError("allow(principal, action, resource);", 1, 1,
                    "expected `permit` or `forbid`, found identifier `allow`");
  ExpectPolicyError("permit principal, action, resource);", 1, 8, "expected `(`");
  ExpectPolicyError("@a(\"x\");", 1, 8, "expected `permit` or `forbid`, found `;`");
}

// ---- Scope ----

TEST(ParserScopeTest, AllConstraintForms) {
  PolicySet set = MustParse(
      "permit(principal == User::\"alice\", action == Action::\"view\", resource in "
      "Album::\"a\");\n"
      "permit(principal in Group::\"g\", action in Action::\"read\", resource is Photo);\n"
      "permit(principal is NS::User in NS::Group::\"g\", action in [Action::\"a\", "
      "NS::Action::\"b\",], resource);\n"
      "permit(principal is User, action in [], resource == (Photo::\"p\"),);\n");
  const auto& ps = set.policies();
  ASSERT_EQ(ps.size(), 4u);

  EXPECT_EQ(ps[0].principal.op, ScopeConstraint::Op::kEq);
  EXPECT_EQ(ps[0].principal.entity, (EntityUid{"User", "alice"}));
  EXPECT_EQ(ps[0].action.op, ScopeConstraint::Op::kEq);
  EXPECT_EQ(ps[0].action.entity, (EntityUid{"Action", "view"}));
  EXPECT_EQ(ps[0].resource.op, ScopeConstraint::Op::kIn);
  EXPECT_EQ(ps[0].resource.entity, (EntityUid{"Album", "a"}));

  EXPECT_EQ(ps[1].principal.op, ScopeConstraint::Op::kIn);
  EXPECT_EQ(ps[1].action.op, ScopeConstraint::Op::kIn);  // a single action is not a set
  EXPECT_EQ(ps[1].action.entity, (EntityUid{"Action", "read"}));
  EXPECT_EQ(ps[1].resource.op, ScopeConstraint::Op::kIs);
  EXPECT_EQ(ps[1].resource.type, "Photo");

  EXPECT_EQ(ps[2].principal.op, ScopeConstraint::Op::kIsIn);
  EXPECT_EQ(ps[2].principal.type, "NS::User");
  EXPECT_EQ(ps[2].principal.entity, (EntityUid{"NS::Group", "g"}));
  EXPECT_EQ(ps[2].action.op, ScopeConstraint::Op::kInSet);
  ASSERT_EQ(ps[2].action.entities.size(), 2u);
  EXPECT_EQ(ps[2].action.entities[1], (EntityUid{"NS::Action", "b"}));

  EXPECT_EQ(ps[3].principal.op, ScopeConstraint::Op::kIs);
  EXPECT_EQ(ps[3].action.op, ScopeConstraint::Op::kInSet);
  EXPECT_TRUE(ps[3].action.entities.empty());
  EXPECT_EQ(ps[3].resource.op, ScopeConstraint::Op::kEq);
  EXPECT_EQ(ps[3].resource.entity, (EntityUid{"Photo", "p"}));
}

TEST(ParserScopeTest, EntityIdsAreUnescapedAndMayBeEmpty) {
  PolicySet set =
      MustParse("permit(principal == User::\"a\\\"b\\u{e9}\", action, resource == Doc::\"\");");
  EXPECT_EQ(set.policies()[0].principal.entity, (EntityUid{"User", "a\"b\xC3\xA9"}));
  EXPECT_EQ(set.policies()[0].resource.entity, (EntityUid{"Doc", ""}));
}

TEST(ParserScopeTest, Errors) {
  ExpectPolicyError("permit(action, action, resource);", 1, 8,
                    "expected `principal`, found identifier `action`");
  ExpectPolicyError("permit(principal, resource, action);", 1, 19, "expected `action`");
  ExpectPolicyError("permit(principal, action);", 1, 25, "the policy scope is missing `resource`");
  ExpectPolicyError("permit();", 1, 8, "missing `principal`");
  ExpectPolicyError("permit(principal, action, resource, context);", 1, 37,
                    "more than three elements");
  ExpectPolicyError("permit(principal: User, action, resource);", 1, 17,
                    "type constraints using `:` are not supported");
  ExpectPolicyError("permit(principal == User, action, resource);", 1, 21,
                    "expected an entity uid, found identifier `User`");
  ExpectPolicyError("permit(principal == \"alice\", action, resource);", 1, 21,
                    "expected an entity uid");
  ExpectPolicyError("permit(principal == User::\"a\".b, action, resource);", 1, 30,
                    "expected `,` or `)`, found `.`");
  ExpectPolicyError("permit(principal in [User::\"a\"], action, resource);", 1, 21, "found a set");
  ExpectPolicyError("permit(principal != User::\"a\", action, resource);", 1, 18,
                    "`!=` is not allowed in the policy scope");
  ExpectPolicyError("permit(principal = User::\"a\", action, resource);", 1, 18,
                    "`=` is not an operator; use `==`");
  ExpectPolicyError("permit(principal is User == User::\"a\", action, resource);", 1, 26,
                    "`is` cannot be combined with `==`");
  ExpectPolicyError("permit(principal in Group::\"g\" is User, action, resource);", 1, 32,
                    "`is` must come before `in`");
  ExpectPolicyError("permit(principal is User::\"a\", action, resource);", 1, 21,
                    "expected an entity type after `is`");
  ExpectPolicyError("permit(principal is if, action, resource);", 1, 21, "reserved");
  ExpectPolicyError("permit(principal, action is Action, resource);", 1, 26,
                    "`is` is not allowed in the action scope");
  ExpectPolicyError("permit(principal, action == User::\"view\", resource);", 1, 29,
                    "expected an action entity uid");
  ExpectPolicyError("permit(principal, action in [Action::\"a\", User::\"b\"], resource);", 1, 29,
                    "found `User::\"b\"`");
  ExpectPolicyError("permit(principal, action == [Action::\"a\"], resource);", 1, 29,
                    "found a set");
  ExpectPolicyError("permit(principal, action in Action::\"a\" is Action, resource);", 1, 41,
                    "`is` is not allowed in the action scope");
  ExpectPolicyError("permit(principal == User::{id: \"a\"}, action, resource);", 1, 27,
                    "record syntax");
  ExpectPolicyError("permit(principal == if::\"a\", action, resource);", 1, 21, "reserved");
  ExpectPolicyError("permit(principal == __cedar::\"a\", action, resource);", 1, 21,
                    "`__cedar` is reserved");
}

// ---- Templates and linking ----

TEST(ParserTemplateTest, SlotsMakeTemplates) {
  PolicySet set = MustParse(
      "permit(principal, action, resource);\n"
      "@id(\"t\") permit(principal == ?principal, action, resource in ?resource) when { true };\n"
      "permit(principal is User in ?principal, action, resource == (?resource));\n"
      "forbid(principal, action, resource);");
  ASSERT_EQ(set.policies().size(), 2u);
  ASSERT_EQ(set.templates().size(), 2u);
  EXPECT_EQ(set.policies()[1].id, "policy3");
  const Policy& t = set.templates()[0];
  EXPECT_EQ(t.id, "policy1");
  EXPECT_TRUE(t.IsTemplate());
  EXPECT_EQ(t.principal.op, ScopeConstraint::Op::kEq);
  EXPECT_EQ(t.principal.slot, Slot::kPrincipal);
  EXPECT_FALSE(t.principal.entity.has_value());
  EXPECT_EQ(t.resource.op, ScopeConstraint::Op::kIn);
  EXPECT_EQ(t.resource.slot, Slot::kResource);
  const Policy& t2 = set.templates()[1];
  EXPECT_EQ(t2.principal.op, ScopeConstraint::Op::kIsIn);
  EXPECT_EQ(t2.principal.type, "User");
  EXPECT_EQ(t2.principal.slot, Slot::kPrincipal);
  EXPECT_EQ(t2.resource.slot, Slot::kResource);
  EXPECT_EQ(set.Find("policy1"), &set.templates()[0]);
}

TEST(ParserTemplateTest, SlotErrors) {
  ExpectPolicyError("permit(principal == ?resource, action, resource);", 1, 21,
                    "expected `?principal`, found `?resource`");
  ExpectPolicyError("permit(principal, action, resource in ?principal);", 1, 39,
                    "expected `?resource`");
  ExpectPolicyError("permit(principal, action == ?principal, resource);", 1, 29,
                    "slots are allowed only in the principal and resource scope");
  ExpectPolicyError("permit(principal == ?user, action, resource);", 1, 21, "invalid slot `?user`");
  ExpectPolicyError("permit(principal, action, resource) when { principal == ?principal };", 1, 57,
                    "template slots are allowed only in the policy scope");
  ExpectPolicyError("permit(principal, action, resource) when { ? };", 1, 44,
                    "unexpected character `?`");
}

TEST(ParserTemplateTest, LinkCreatesAPolicySharingTheConditions) {
  PolicySet set =
      MustParse("permit(principal == ?principal, action, resource in ?resource) when { true };");
  const Policy tpl = set.templates()[0];
  ASSERT_TRUE(set.Link("policy0", "alice-photos",
                       {{Slot::kPrincipal, EntityUid{"User", "alice"}},
                        {Slot::kResource, EntityUid{"Album", "photos"}}})
                  .ok());
  ASSERT_EQ(set.policies().size(), 1u);
  const Policy& linked = set.policies()[0];
  EXPECT_EQ(linked.id, "alice-photos");
  EXPECT_EQ(linked.template_id, "policy0");
  EXPECT_FALSE(linked.IsTemplate());
  EXPECT_EQ(linked.principal.op, ScopeConstraint::Op::kEq);
  EXPECT_EQ(linked.principal.entity, (EntityUid{"User", "alice"}));
  EXPECT_EQ(linked.resource.op, ScopeConstraint::Op::kIn);
  EXPECT_EQ(linked.resource.entity, (EntityUid{"Album", "photos"}));
  ASSERT_EQ(linked.conditions.size(), 1u);
  EXPECT_EQ(linked.conditions[0].expr.get(), set.templates()[0].conditions[0].expr.get());
  // The template itself is unchanged.
  EXPECT_TRUE(set.templates()[0].IsTemplate());
  EXPECT_FALSE(set.templates()[0].principal.entity.has_value());
  EXPECT_EQ(set.Find("alice-photos"), &set.policies()[0]);
}

TEST(ParserTemplateTest, LinkErrors) {
  PolicySet set = MustParse(
      "permit(principal == ?principal, action, resource);\n"
      "permit(principal, action, resource);");
  const std::map<Slot, EntityUid> alice = {{Slot::kPrincipal, EntityUid{"User", "alice"}}};
  Status missing = set.Link("nope", "l", alice);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(set.Link("policy1", "l", alice).ok());  // a static policy is not a template
  Status taken = set.Link("policy0", "policy1", alice);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code(), ErrorCode::kAlreadyExists);
  Status no_value = set.Link("policy0", "l", {});
  ASSERT_FALSE(no_value.ok());
  EXPECT_NE(no_value.error().message().find("?principal"), std::string::npos);
  EXPECT_FALSE(set.Link("policy0", "l",
                        {{Slot::kPrincipal, EntityUid{"User", "a"}},
                         {Slot::kResource, EntityUid{"Doc", "d"}}})
                   .ok());
  EXPECT_TRUE(set.Link("policy0", "l", alice).ok());
  EXPECT_FALSE(set.Link("policy0", "l", alice).ok());  // link ids are unique too
  EXPECT_EQ(set.policies().size(), 2u);
}

TEST(ParserTemplateTest, AddChecksIdsAndSortsTemplates) {
  PolicySet source = MustParse(
      "permit(principal, action, resource);\n"
      "permit(principal, action, resource == ?resource);");
  PolicySet set;
  ASSERT_TRUE(set.Add(source.policies()[0]).ok());
  ASSERT_TRUE(set.Add(source.templates()[0]).ok());
  EXPECT_EQ(set.policies().size(), 1u);
  EXPECT_EQ(set.templates().size(), 1u);
  Status dup = set.Add(source.policies()[0]);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);
}

// ---- Expressions: operators and precedence ----

TEST(ParserExprTest, Precedence) {
  EXPECT_EQ(DumpExpr("true || false && true"), "(|| true (&& false true))");
  EXPECT_EQ(DumpExpr("1 + 2 * 3 - 4"), "(- (+ 1 (* 2 3)) 4)");
  EXPECT_EQ(DumpExpr("1 + 2 < 3 * 4"), "(< (+ 1 2) (* 3 4))");
  EXPECT_EQ(DumpExpr("!principal.a && principal.b"),
            "(&& (! (. principal \"a\")) (. principal \"b\"))");
  EXPECT_EQ(DumpExpr("a1 || a2 || a3"),
            "ERROR expression:1:1: invalid variable `a1`; the "
            "variables are `principal`, `action`, `resource` and "
            "`context` (for a string, use quotes)");
  EXPECT_EQ(DumpExpr("true || false || true"), "(|| (|| true false) true)");
  EXPECT_EQ(DumpExpr("(1 + 2) * 3"), "(* (+ 1 2) 3)");
  EXPECT_EQ(DumpExpr("context.x == 1 && context.y != \"a\" || context.z >= 3"),
            "(|| (&& (== (. context \"x\") 1) (!= (. context \"y\") \"a\")) (>= (. context "
            "\"z\") 3))");
}

TEST(ParserExprTest, Relations) {
  EXPECT_EQ(DumpExpr("1 < 2"), "(< 1 2)");
  EXPECT_EQ(DumpExpr("1 <= 2"), "(<= 1 2)");
  EXPECT_EQ(DumpExpr("1 > 2"), "(> 1 2)");
  EXPECT_EQ(DumpExpr("1 >= 2"), "(>= 1 2)");
  EXPECT_EQ(DumpExpr("1 == 2"), "(== 1 2)");
  EXPECT_EQ(DumpExpr("1 != 2"), "(!= 1 2)");
  EXPECT_EQ(DumpExpr("principal in Group::\"g\""), "(in principal Group::\"g\")");
  EXPECT_EQ(DumpExpr("principal in [Group::\"a\", Group::\"b\"]"),
            "(in principal [Group::\"a\" Group::\"b\"])");
  ExpectExprError("1 < 2 < 3", 7, "cannot be chained");
  ExpectExprError("1 == 2 in [1]", 8, "cannot be chained");
  ExpectExprError("1 = 2", 3, "`=` is not an operator; use `==`");
  ExpectExprError("1 == 2 = 3", 8, "cannot be chained");
  ExpectExprError("6 / 2", 3, "division is not supported");
  ExpectExprError("6 % 2", 3, "`%` is not supported");
}

TEST(ParserExprTest, IfThenElse) {
  EXPECT_EQ(DumpExpr("if principal.a then 1 else if false then 2 else 3"),
            "(if (. principal \"a\") 1 (if false 2 3))");
  EXPECT_EQ(DumpExpr("if true then false else true || false"), "(if true false (|| true false))");
  EXPECT_EQ(DumpExpr("1 + (if true then 1 else 2)"), "(+ 1 (if true 1 2))");
  ExpectExprError("1 + if true then 1 else 2", 5, "`if` expression must be parenthesized");
  ExpectExprError("if true then 1", 15, "expected `else`, found end of input");
  ExpectExprError("if true 1 else 2", 9, "expected `then`, found number `1`");
}

TEST(ParserExprTest, UnaryOperatorsAndNegativeLiterals) {
  EXPECT_EQ(DumpExpr("-5"), "-5");
  EXPECT_EQ(DumpExpr("--5"), "(neg -5)");
  EXPECT_EQ(DumpExpr("- - - -5"), "(neg (neg (neg -5)))");
  EXPECT_EQ(DumpExpr("-(5)"), "(neg 5)");
  EXPECT_EQ(DumpExpr("-context.n"), "(neg (. context \"n\"))");
  EXPECT_EQ(DumpExpr("-5.foo"), "(neg (. 5 \"foo\"))");
  EXPECT_EQ(DumpExpr("!!!!true"), "(! (! (! (! true))))");
  EXPECT_EQ(DumpExpr("3 - -2"), "(- 3 -2)");
  ExpectExprError("!!!!!true", 1, "too many `!` in a row (at most 4)");
  ExpectExprError("-----5", 1, "too many `-` in a row (at most 4)");
  // The grammar does not mix the two kinds.
  ExpectExprError("!-5", 2, "expected an expression, found `-`");
  ExpectExprError("-!true", 2, "expected an expression, found `!`");
}

TEST(ParserExprTest, IntegerRange) {
  EXPECT_EQ(DumpExpr("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(DumpExpr("-9223372036854775808"), std::to_string(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(DumpExpr("0"), "0");
  EXPECT_EQ(DumpExpr("007"), "7");
  ExpectExprError("9223372036854775808", 1,
                  "integer literal `9223372036854775808` is out of range");
  ExpectExprError("-9223372036854775809", 1, "`-9223372036854775809` is out of range");
  ExpectExprError("18446744073709551616", 1, "out of range");
  ExpectExprError("-(9223372036854775808)", 3, "out of range");
  ExpectExprError("-9223372036854775808.x", 2, "out of range");
  ExpectExprError("1 + 99999999999999999999999", 5, "out of range");
}

TEST(ParserExprTest, Has) {
  EXPECT_EQ(DumpExpr("principal has name"), "(has principal \"name\")");
  EXPECT_EQ(DumpExpr("principal has \"first name\""), "(has principal \"first name\")");
  EXPECT_EQ(DumpExpr("context has principal"), "(has context \"principal\")");
  EXPECT_EQ(DumpExpr("context has permit"), "(has context \"permit\")");
  EXPECT_EQ(DumpExpr("principal has a.b"),
            "(&& (has principal \"a\") (has (. principal \"a\") \"b\"))");
  EXPECT_EQ(DumpExpr("principal.x has a.b.c && true"),
            "(&& (&& (&& (has (. principal \"x\") \"a\") (has (. (. principal \"x\") \"a\") "
            "\"b\")) (has (. (. (. principal \"x\") \"a\") \"b\") \"c\")) true)");
  ExpectExprError("principal has if", 15, "reserved and cannot be used: `if`");
  ExpectExprError("principal has true", 15, "reserved");
  ExpectExprError("principal has a.in", 17, "reserved");
  ExpectExprError("principal has __cedar", 15, "`__cedar` is reserved");
  ExpectExprError("principal has a::b", 15, "not a path");
  ExpectExprError("principal has \"a\".b", 18, "invalid attribute after `has`");
  ExpectExprError("principal has a.b(1)", 18, "invalid attribute after `has`");
  ExpectExprError("principal has a[\"b\"]", 16, "invalid attribute after `has`");
  ExpectExprError("principal has 1", 15, "expected an attribute name or a string after `has`");
  ExpectExprError("principal has \"\\q\"", 16, "invalid escape `\\q`");
}

TEST(ParserExprTest, Like) {
  EXPECT_EQ(DumpExpr("context.s like \"ab*c\""), "(like (. context \"s\") [ab]<*>[c])");
  EXPECT_EQ(DumpExpr("\"x\" like \"\\*lit**eral\\\\*\""), "(like \"x\" [*lit]<*>[eral\\]<*>)");
  EXPECT_EQ(DumpExpr("\"x\" like \"\""), "(like \"x\" )");
  // As in the Rust parser, an escaped star that is not `\*` is a wildcard.
  EXPECT_EQ(DumpExpr("\"x\" like \"a\\u{2a}\""), "(like \"x\" [a]<*>)");
  EXPECT_EQ(DumpExpr("\"x\" like \"\\u{e9}\\n\""), "(like \"x\" [\xC3\xA9\n])");
  ExpectExprError("\"x\" like principal", 10, "expected a pattern string after `like`");
  ExpectExprError("\"x\" like \"a\".b", 10, "the pattern of `like` must be a string literal");
  ExpectExprError("\"x\" like \"\\q\"", 11, "invalid escape");
  // `\*` is only an escape in patterns.
  ExpectExprError("\"a\\*\"", 3, "invalid escape `\\*` in a string literal");
}

TEST(ParserExprTest, Is) {
  EXPECT_EQ(DumpExpr("principal is User"), "(is principal User)");
  EXPECT_EQ(DumpExpr("resource is NS::Photo in Album::\"a\""),
            "(is resource NS::Photo Album::\"a\")");
  EXPECT_EQ(DumpExpr("principal is principal"), "(is principal principal)");
  EXPECT_EQ(DumpExpr("principal is User && true"), "(&& (is principal User) true)");
  EXPECT_EQ(DumpExpr("principal is User in [Group::\"a\"]"), "(is principal User [Group::\"a\"])");
  ExpectExprError("principal is \"User\"", 14, "expected an entity type after `is`");
  ExpectExprError("principal is User::\"a\"", 14, "expected an entity type after `is`");
  ExpectExprError("principal is like", 14, "reserved");
}

TEST(ParserExprTest, ArithmeticOnAttributes) {
  EXPECT_EQ(DumpExpr("context.a * 2 + -1"), "(+ (* (. context \"a\") 2) -1)");
}

// ---- Member access, calls ----

TEST(ParserExprTest, MemberAccess) {
  EXPECT_EQ(DumpExpr("principal.manager.name"), "(. (. principal \"manager\") \"name\")");
  EXPECT_EQ(DumpExpr("context[\"key with spaces\"]"), "(. context \"key with spaces\")");
  EXPECT_EQ(DumpExpr("resource.owner[\"\\u{1F600}\"].x"),
            "(. (. (. resource \"owner\") \"\xF0\x9F\x98\x80\") \"x\")");
  EXPECT_EQ(DumpExpr("{a: 1}.a"), "(. {a: 1} \"a\")");
  EXPECT_EQ(DumpExpr("\"s\".len"), "(. \"s\" \"len\")");
  EXPECT_EQ(DumpExpr("context.permit.when"), "(. (. context \"permit\") \"when\")");
  ExpectExprError("context.if", 9, "reserved and cannot be used: `if`");
  ExpectExprError("context.true", 9, "reserved");
  ExpectExprError("context.__cedar", 9, "`__cedar` is reserved");
  ExpectExprError("context.1", 9, "expected an attribute or method name after `.`");
  ExpectExprError("context[1]", 9, "expected a string literal inside `[...]`");
  ExpectExprError("context[\"a\" + \"b\"]", 13, "expected `]`");
  ExpectExprError("principal(1)", 1, "`principal` is a variable and cannot be called");
  ExpectExprError("(context)(1)", 10, "only functions and methods can be called");
  ExpectExprError("context.a(1)", 9, "unknown method `a`");
  ExpectExprError("User.name", 1, "invalid variable `User`");
  ExpectExprError("User::Sub.name", 1, "`User::Sub` is not an expression");
}

TEST(ParserExprTest, FunctionsAndMethods) {
  EXPECT_EQ(DumpExpr("[1, 2].contains(1)"), "(contains [1 2] 1)");
  EXPECT_EQ(DumpExpr("principal.tags.containsAll([\"a\"])"),
            "(containsAll (. principal \"tags\") [\"a\"])");
  EXPECT_EQ(DumpExpr("[].containsAny([1],)"), "(containsAny [] [1])");
  EXPECT_EQ(DumpExpr("context.s.isEmpty()"), "(isEmpty (. context \"s\"))");
  EXPECT_EQ(DumpExpr("principal.hasTag(\"t\") && principal.getTag(\"t\") == 1"),
            "(&& (hasTag principal \"t\") (== (getTag principal \"t\") 1))");
  EXPECT_EQ(DumpExpr("ip(\"10.0.0.1\").isInRange(ip(\"10.0.0.0/8\"))"),
            "(isInRange (ip \"10.0.0.1\") (ip \"10.0.0.0/8\"))");
  EXPECT_EQ(DumpExpr("decimal(\"1.5\").lessThan(decimal(\"2.0\"))"),
            "(lessThan (decimal \"1.5\") (decimal \"2.0\"))");
  EXPECT_EQ(DumpExpr("datetime(\"2024-01-01\").offset(duration(\"1h\")).toDate()"),
            "(toDate (offset (datetime \"2024-01-01\") (duration \"1h\")))");
  // Extension calls with the wrong number of arguments parse (as in Rust); calling them is an
  // evaluation error.
  EXPECT_EQ(DumpExpr("ip(\"a\", \"b\")"), "(ip \"a\" \"b\")");
  EXPECT_EQ(DumpExpr("datetime()"), "(datetime)");
  EXPECT_EQ(DumpExpr("context.t.toTime(1, 2)"), "(toTime (. context \"t\") 1 2)");
  // The argument of a constructor is checked when it is evaluated, not here.
  EXPECT_EQ(DumpExpr("ip(context.addr)"), "(ip (. context \"addr\"))");
  EXPECT_EQ(DumpExpr("decimal(\"not a number\")"), "(decimal \"not a number\")");
}

TEST(ParserExprTest, FunctionErrors) {
  ExpectExprError("frobnicate(1)", 1, "unknown function `frobnicate`");
  ExpectExprError("ns::ip(\"1.1.1.1\")", 1, "unknown function `ns::ip`");
  ExpectExprError("contains([1], 1)", 1, "`contains` is a method, not a function");
  ExpectExprError("\"1.0\".decimal()", 7, "`decimal` is a function, not a method");
  ExpectExprError("[1].contains()", 5, "`contains` takes 1 argument, found 0");
  ExpectExprError("[1].contains(1, 2)", 5, "`contains` takes 1 argument, found 2");
  ExpectExprError("[1].isEmpty(1)", 5, "`isEmpty` takes 0 arguments, found 1");
  ExpectExprError("ip(\"a\",,)", 8, "expected an expression, found `,`");
  ExpectExprError("ip(\"a\" \"b\")", 8, "expected `,` or `)`");
}

// ---- Literals ----

TEST(ParserExprTest, Literals) {
  EXPECT_EQ(DumpExpr("true"), "true");
  EXPECT_EQ(DumpExpr("false"), "false");
  EXPECT_EQ(DumpExpr("\"\""), "\"\"");
  EXPECT_EQ(DumpExpr("User::\"alice\""), "User::\"alice\"");
  EXPECT_EQ(DumpExpr("A::B::C::\"x\""), "A::B::C::\"x\"");
  EXPECT_EQ(DumpExpr("principal::\"x\""), "principal::\"x\"");
  EXPECT_EQ(DumpExpr("permit::when::\"x\""), "permit::when::\"x\"");
  EXPECT_EQ(DumpExpr("[]"), "[]");
  EXPECT_EQ(DumpExpr("[1, [2, \"a\"], {},]"), "[1 [2 \"a\"] {}]");
  EXPECT_EQ(DumpExpr("{}"), "{}");
  EXPECT_EQ(DumpExpr("{a: 1, \"b c\": [true], principal: 2, when: 3,}"),
            "{a: 1, b c: [true], principal: 2, when: 3}");
  EXPECT_EQ(DumpExpr("{\"if\": 1, \"__cedar\": 2}"), "{if: 1, __cedar: 2}");
  ExpectExprError("[,]", 2, "expected an expression, found `,`");
  ExpectExprError("[1 2]", 4, "expected `,` or `]`");
  ExpectExprError("{a: 1, a: 2}", 8, "duplicate key `a` in a record literal");
  ExpectExprError("{a: 1, \"a\": 2}", 8, "duplicate key `a`");
  ExpectExprError("{if: 1}", 2, "reserved");
  ExpectExprError("{true: 1}", 2, "reserved");
  ExpectExprError("{is: 1}", 2, "reserved");
  ExpectExprError("{__cedar: 1}", 2, "`__cedar` is reserved");
  ExpectExprError("{a::b: 1}", 2, "not paths");
  ExpectExprError("{1: 1}", 2, "expected a record key");
  ExpectExprError("{a 1}", 4, "expected `:`");
  ExpectExprError("User::{id: \"a\"}", 7, "record syntax");
  ExpectExprError("User::1", 7, "expected an entity id string");
  ExpectExprError("true::\"x\"", 1, "reserved");
  ExpectExprError("A::in::\"x\"", 4, "reserved and cannot be used: `in`");
  ExpectExprError("__cedar::X::\"x\"", 1, "`__cedar` is reserved");
}

TEST(ParserExprTest, DuplicateKeysInLargeRecords) {
  std::string rec = "{";
  for (int i = 0; i < 20; ++i) rec += "k" + std::to_string(i) + ": " + std::to_string(i) + ", ";
  EXPECT_EQ(DumpExpr(rec + "}").substr(0, 10), "{k0: 0, k1");
  ExpectExprError(rec + "k7: 1}", static_cast<int>(rec.size()) + 1, "duplicate key `k7`");
  ExpectExprError(rec + "k19: 1}", static_cast<int>(rec.size()) + 1, "duplicate key `k19`");
}

TEST(ParserExprTest, StringEscapes) {
  auto str = [](std::string_view text) {
    auto e = ParseExpression(text);
    EXPECT_TRUE(e.ok()) << text << ": " << (e.ok() ? "" : e.error().message());
    return e.ok() ? (*e)->value.as_string() : std::string();
  };
  EXPECT_EQ(str(R"("\" \' \\ \n \r \t \0")"), std::string("\" ' \\ \n \r \t \0", 13));
  EXPECT_EQ(str(R"("\x41\x7f")"), "A\x7F");
  EXPECT_EQ(str(R"("\u{41}\u{e9}\u{20AC}\u{1F600}\u{10FFFF}\u{0}")"),
            std::string("A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\0", 15));
  EXPECT_EQ(str(R"("\u{00_41}\u{1_F_6_0_0}")"), "A\xF0\x9F\x98\x80");
  EXPECT_EQ(str("\"raw\ttab and\nnewline and \xC3\xA9\""), "raw\ttab and\nnewline and \xC3\xA9");
  EXPECT_EQ(str("\"*\""), "*");

  ExpectExprError(R"("abc\q")", 5, "invalid escape `\\q`");
  ExpectExprError(R"("\x80")", 2, "at most `\\x7F`");
  ExpectExprError(R"("\xZZ")", 2, "invalid character in a `\\x` escape");
  ExpectExprError(R"("\x4")", 2, "needs two hex digits");
  ExpectExprError(R"("\u41")", 2, "written `\\u{XXXX}`");
  ExpectExprError(R"("\u{}")", 2, "empty unicode escape");
  ExpectExprError(R"("\u{_41}")", 2, "leading `_`");
  ExpectExprError(R"("\u{1234567}")", 2, "at most 6 hex digits");
  ExpectExprError(R"("\u{110000}")", 2, "out of range");
  ExpectExprError(R"("\u{D800}")", 2, "lone surrogate");
  ExpectExprError(R"("\u{12")", 2, "unclosed unicode escape");
  ExpectExprError(R"("\u{12g}")", 2, "invalid character in a unicode escape");
  ExpectExprError("\"a\rb\"", 3, "bare carriage return");
  ExpectExprError("\"\\\xC3\xA9\"", 2, "invalid escape `\\\xC3\xA9`");
}

TEST(ParserExprTest, EscapeErrorPositionCountsLinesAndCodePoints) {
  auto e = ParseExpression("[\"ok\",\n  \"\xC3\xA9\xC3\xA9\\q\"]");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message().substr(0, 18), "expression:2:6: in");
}

TEST(ParserExprTest, SourceLocations) {
  auto e = ParseExpression("  principal.a\n   && context has b");
  ASSERT_TRUE(e.ok());
  const Expr& root = **e;
  EXPECT_EQ(root.kind, ExprKind::kAnd);
  EXPECT_EQ(root.loc.line, 1);
  EXPECT_EQ(root.loc.column, 3);
  EXPECT_EQ(root.args[1]->kind, ExprKind::kHas);
  EXPECT_EQ(root.args[1]->loc.line, 2);
  EXPECT_EQ(root.args[1]->loc.column, 7);
  EXPECT_EQ(root.args[1]->args[0]->loc.column, 7);
}

// ---- Lexical matters ----

TEST(ParserLexTest, CommentsAndWhitespace) {
  EXPECT_EQ(DumpExpr("// c1\n1 // c2\n+ // c3\r\n2 // end"), "(+ 1 2)");
  // Unicode whitespace (NBSP, em space, ideographic space) separates tokens as in Rust.
  EXPECT_EQ(DumpExpr("1\xC2\xA0+\xE2\x80\x83"
                     "2\xE3\x80\x80"),
            "(+ 1 2)");
  EXPECT_EQ(DumpExpr("\t\v\f1"), "1");
  EXPECT_EQ(DumpExpr("\"// not a comment\""), "\"// not a comment\"");
}

TEST(ParserLexTest, Errors) {
  ExpectExprError("1 & 2", 3, "unexpected character `&`; did you mean `&&`?");
  ExpectExprError("1 | 2", 3, "did you mean `||`?");
  ExpectExprError("1 # 2", 3, "unexpected character `#`");
  ExpectExprError("\"abc", 1, "unterminated string literal");
  ExpectExprError("\"ab\\\ncd\"", 4, "a backslash cannot end a line");
  ExpectExprError("1 + \x01", 5, "unexpected character U+0001");
  ExpectExprError("\xC3\xA9t\xC3\xA9", 1, "unexpected character `\xC3\xA9`");
  // Invalid UTF-8 anywhere, even in a string or comment.
  ExpectExprError("\"a\xFF\"", 3, "invalid UTF-8");
  ExpectExprError("1 // \xC0\xAF", 6, "invalid UTF-8");
  ExpectExprError("\"\xED\xA0\x80\"", 2, "invalid UTF-8");
  // Columns count code points.
  ExpectExprError("\"\xC3\xA9\xF0\x9F\x98\x80\" #", 6, "unexpected character `#`");
}

TEST(ParserLexTest, FirstErrorWins) {
  // A parse error before a lexical error is reported, not the later one.
  ExpectPolicyError("permit(principal, action, resource) when { 1 + };\n#", 1, 48,
                    "expected an expression, found `}`");
  ExpectPolicyError("permit(principal, action, resource) when { 1 + # };", 1, 48,
                    "unexpected character `#`");
}

TEST(ParserLexTest, ErrorLineAndColumnOnLaterLines) {
  ExpectPolicyError(
      "permit(\n"
      "  principal,\n"
      "  action,\n"
      "  resource\n"
      ") when {\n"
      "  context.a &&\n"
      "    context.b ==\n"
      "};",
      8, 1, "expected an expression, found `}`");
}

// ---- Nesting limits ----

TEST(ParserLimitsTest, DeepNestingIsAnErrorNotACrash) {
  for (const char* open : {"(", "[", "{a: ", "-(", "!(", "ip(", "if true then 1 else ("}) {
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += open;
    auto e = ParseExpression(deep);
    ASSERT_FALSE(e.ok()) << open;
    EXPECT_NE(e.error().message().find("nested too deeply"), std::string::npos)
        << e.error().message();
  }
  std::string scope = "permit(principal == ";
  for (int i = 0; i < 100000; ++i) scope += "(";
  Error err = ParseError(scope);
  EXPECT_NE(err.message().find("nested too deeply"), std::string::npos) << err.message();
}

TEST(ParserLimitsTest, ModerateNestingParses) {
  std::string e;
  for (int i = 0; i < 150; ++i) e += "(";
  e += "1";
  for (int i = 0; i < 150; ++i) e += ")";
  EXPECT_EQ(DumpExpr(e), "1");
  std::string sets;
  for (int i = 0; i < 100; ++i) sets += "[";
  for (int i = 0; i < 100; ++i) sets += "]";
  EXPECT_TRUE(ParseExpression(sets).ok());
}

TEST(ParserLimitsTest, LongOperatorChainsAreBounded) {
  // A long chain nests the tree one level per operator; up to the limit it parses.
  std::string chain = "true";
  for (int i = 0; i < 900; ++i) chain += " && true";
  EXPECT_TRUE(ParseExpression(chain).ok());
  std::string longer = "1";
  for (int i = 0; i < 100000; ++i) longer += " + 1";
  auto e = ParseExpression(longer);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("nested too deeply"), std::string::npos);
  std::string has = "principal has a";
  for (int i = 0; i < 2000; ++i) has += ".a";
  EXPECT_FALSE(ParseExpression(has).ok());
}

// ---- Entity uids and single expressions ----

TEST(ParserEntityUidTest, Parses) {
  auto uid = ParseEntityUid("User::\"alice\"");
  ASSERT_TRUE(uid.ok());
  EXPECT_EQ(*uid, (EntityUid{"User", "alice"}));
  auto ns = ParseEntityUid("  NS::Sub::Action :: \"vi\\u{e9}w\" // comment");
  ASSERT_TRUE(ns.ok()) << ns.error().message();
  EXPECT_EQ(*ns, (EntityUid{"NS::Sub::Action", "vi\xC3\xA9w"}));
  EXPECT_EQ(*ParseEntityUid("A::\"\""), (EntityUid{"A", ""}));
}

TEST(ParserEntityUidTest, Errors) {
  auto check = [](std::string_view text, std::string_view want) {
    auto uid = ParseEntityUid(text);
    ASSERT_FALSE(uid.ok()) << text;
    EXPECT_EQ(uid.error().message(), want);
  };
  check("User", "entity uid:1:5: expected `::`, found end of input");
  check("User::\"a\" x", "entity uid:1:11: expected end of input, found identifier `x`");
  check("\"a\"", "entity uid:1:1: expected an entity uid (`Type::\"id\"`), found string \"a\"");
  check("", "entity uid:1:1: expected an entity uid (`Type::\"id\"`), found end of input");
  check("User::\"\\q\"", "entity uid:1:8: invalid escape `\\q`");
  check("if::\"a\"", "entity uid:1:1: this identifier is reserved and cannot be used: `if`");
}

TEST(ParserExpressionTest, WholeInputMustBeOneExpression) {
  ExpectExprError("1 2", 3, "expected end of input, found number `2`");
  ExpectExprError("", 1, "expected an expression, found end of input");
  ExpectExprError("?principal", 1, "template slots are allowed only in the policy scope");
  ExpectExprError("principal == ?resource", 14, "template slots");
  ExpectExprError("foo", 1, "invalid variable `foo`");
  ExpectExprError("then", 1, "reserved and cannot be used: `then`");
}

// ---- Real inputs ----

TEST(ParserFixturesTest, HandWrittenConformancePoliciesParse) {
  const fs::path dir = FixturesDir() / "cedar" / "tests";
  if (!fs::exists(dir)) {
    if (RequireFixtures()) FAIL() << "missing fixtures: " << dir;
    GTEST_SKIP() << "Cedar fixtures not found at " << dir
                 << " (set CUSTODY_FIXTURES to the fixtures directory)";
  }
  int count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().extension() != ".cedar") continue;
    const std::string text = ReadFile(entry.path());
    auto set = PolicySet::Parse(text, entry.path().filename().string());
    ASSERT_TRUE(set.ok()) << set.error().message();
    EXPECT_FALSE(set->policies().empty()) << entry.path();
    ++count;
  }
  EXPECT_EQ(count, 22);

  // Spot-check one of them.
  const std::string text = ReadFile(dir / "example_use_cases" / "policies_4a.cedar");
  auto set = PolicySet::Parse(text);
  ASSERT_TRUE(set.ok());
  const Policy& p = set->policies()[0];
  EXPECT_EQ(p.action.op, ScopeConstraint::Op::kInSet);
  EXPECT_EQ(p.action.entities.size(), 2u);
  EXPECT_EQ(p.resource.entity, (EntityUid{"Album", "device_prototypes"}));
  EXPECT_EQ(Dump(*p.conditions[0].expr),
            "(&& (== (. principal \"department\") \"HardwareEngineering\") (>= (. principal "
            "\"jobLevel\") 5))");
}

// Unpacks the generated corpus (only its .cedar files) to a temporary directory.
class CorpusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path tarball = FixturesDir() / "cedar" / "corpus-tests.tar.gz";
    if (!fs::exists(tarball)) {
      if (RequireFixtures()) FAIL() << "missing corpus: " << tarball;
      GTEST_SKIP() << "Cedar corpus not found at " << tarball
                   << " (set CUSTODY_FIXTURES to the fixtures directory)";
    }
    std::string tmpl = (fs::temp_directory_path() / "cedar-parser-corpus-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    const std::string cmd =
        "tar xzf '" + tarball.string() + "' -C '" + dir_.string() + "' --wildcards '*.cedar'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  fs::path dir_;
};

TEST_F(CorpusTest, EveryCorpusPolicyParses) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
    if (entry.path().extension() == ".cedar") {
      files.emplace_back(entry.path().filename().string(), ReadFile(entry.path()));
    }
  }
  EXPECT_EQ(files.size(), 7809u);
  size_t bytes = 0;
  int failures = 0;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& [name, text] : files) {
    bytes += text.size();
    auto set = PolicySet::Parse(text, name);
    if (!set.ok()) {
      if (++failures <= 10) ADD_FAILURE() << set.error().message();
      continue;
    }
    // Every corpus test has exactly one static policy, policy0.
    EXPECT_EQ(set->policies().size(), 1u) << name;
    if (!set->policies().empty()) {
      EXPECT_EQ(set->policies()[0].id, "policy0") << name;
    }
  }
  const auto elapsed =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
  EXPECT_EQ(failures, 0);
  std::cout << "parsed " << files.size() << " corpus files (" << bytes / 1024 << " KiB) in "
            << elapsed.count() << " ms\n";
}

TEST(ParserFuzzRegressionsTest, ReplayWithoutCrashing) {
  const fs::path dir = SourceDir() / "fuzz" / "regressions" / "cedar_parser";
  ASSERT_TRUE(fs::exists(dir)) << dir;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().filename().string()[0] == '.') continue;
    const std::string text = ReadFile(entry.path());
    // Any result is fine; the inputs once crashed or hung the parser.
    auto set = PolicySet::Parse(text);
    (void)ParseExpression(text);
    (void)ParseEntityUid(text);
    if (set.ok()) {
      for (const Policy& p : set->policies()) EXPECT_TRUE(PolicySet::Parse(p.text).ok());
    }
    ++count;
  }
  EXPECT_GT(count, 0);
}

}  // namespace
}  // namespace custody::cedar
