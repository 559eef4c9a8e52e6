#include <gtest/gtest.h>

#include "policy/cedar_authorizer.h"

namespace custody::policy {
namespace {

std::vector<PolicyProblem> ProblemsOf(std::vector<PolicyFile> files) {
  std::vector<PolicyProblem> problems;
  auto b = PolicyBundle::Build(std::move(files), &problems);
  EXPECT_EQ(b.ok(), problems.empty());
  return problems;
}

TEST(PolicyBundleTest, DefaultSetBuildsWithAnIdAndReasonOnEveryPolicy) {
  std::vector<PolicyProblem> problems;
  auto b = PolicyBundle::Build(PolicyBundle::DefaultFiles(), &problems);
  ASSERT_TRUE(b.ok()) << problems[0].file << ":" << problems[0].line << " " << problems[0].message;
  EXPECT_GE((*b)->policies().policies().size(), 15u);
  for (const cedar::Policy& p : (*b)->policies().policies()) {
    EXPECT_EQ(p.id, *p.Annotation("id"));
    EXPECT_FALSE((*b)->ReasonOf(p.id).empty()) << p.id;
  }
  EXPECT_EQ((*b)->sha256().size(), 64u);
  EXPECT_FALSE(PolicyBundle::SchemaText().empty());
}

TEST(PolicyBundleTest, FilesRoundTripThroughTheirStoredForm) {
  std::vector<PolicyProblem> problems;
  auto b = PolicyBundle::Build(PolicyBundle::DefaultFiles(), &problems);
  ASSERT_TRUE(b.ok());
  auto files = PolicyFilesFromJson((*b)->files_json());
  ASSERT_TRUE(files.ok());
  auto again = PolicyBundle::Build(*files, &problems);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->sha256(), (*b)->sha256());
  EXPECT_FALSE(PolicyFilesFromJson("[1]").ok());
  EXPECT_FALSE(PolicyFilesFromJson("{\"a.cedar\": 3}").ok());
}

TEST(PolicyBundleTest, ParseErrorsNameFileLineAndColumn) {
  auto problems = ProblemsOf({{"ok.cedar", "@id(\"a\") permit(principal, action, resource);"},
                              {"bad.cedar",
                               "@id(\"b\")\npermit(principal, action, resource)\n"
                               "when { principal.x == };"}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].file, "bad.cedar");
  EXPECT_EQ(problems[0].line, 3);
  EXPECT_GT(problems[0].column, 1);
  EXPECT_FALSE(problems[0].message.empty());
  json::object o = problems[0].ToJson();
  EXPECT_EQ(o["line"].as_int64(), 3);
}

TEST(PolicyBundleTest, EveryPolicyNeedsAUniqueId) {
  auto problems = ProblemsOf({{"a.cedar", "permit(principal, action, resource);"}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("@id"), std::string::npos);

  problems = ProblemsOf({{"a.cedar", "@id(\"x\") permit(principal, action, resource);"},
                         {"b.cedar", "@id(\"x\") forbid(principal, action, resource);"}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("already used in a.cedar"), std::string::npos);
}

TEST(PolicyBundleTest, TyposInScopesAreRefused) {
  auto problems =
      ProblemsOf({{"a.cedar",
                   "@id(\"x\") permit(principal, action == Custody::Action::\"exprot\", "
                   "resource);"}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("unknown action"), std::string::npos);

  problems = ProblemsOf(
      {{"a.cedar", "@id(\"x\") permit(principal, action, resource is Custody::Asett);"}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("unknown entity type"), std::string::npos);

  problems = ProblemsOf(
      {{"a.cedar", "@id(\"x\") permit(principal in Custody::Rol::\"admin\", action, resource);"}});
  ASSERT_EQ(problems.size(), 1u);
}

TEST(PolicyBundleTest, TemplatesBadNamesAndEmptySetsAreRefused) {
  EXPECT_EQ(ProblemsOf({{"t.cedar",
                         "@id(\"t\") permit(principal == ?principal, action, "
                         "resource);"}})
                .size(),
            1u);
  EXPECT_EQ(ProblemsOf({{"../x.cedar", "@id(\"a\") permit(principal, action, resource);"}}).size(),
            1u);
  EXPECT_EQ(ProblemsOf({{"a.cedar", "@id(\"a\") permit(principal, action, resource);"},
                        {"a.cedar", "@id(\"b\") permit(principal, action, resource);"}})
                .size(),
            1u);
  EXPECT_EQ(ProblemsOf({}).size(), 1u);
}

}  // namespace
}  // namespace custody::policy
