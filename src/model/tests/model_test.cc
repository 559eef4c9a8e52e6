#include "model/model.h"

#include <gtest/gtest.h>

namespace custody {
namespace {

TEST(ModelTest, NamesRoundTrip) {
  for (auto s : {Stage::kDraft, Stage::kInReview, Stage::kApproved, Stage::kPublished,
                 Stage::kRejected, Stage::kRecalled}) {
    EXPECT_EQ(*Parse<Stage>(Name(s)), s);
  }
  EXPECT_EQ(*Parse<Classification>("restricted"), Classification::kRestricted);
  auto bad = Parse<Role>("boss");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("reviewer"), std::string::npos);
}

TEST(ModelTest, CredentialsStatesHaveTheirWireNames) {
  EXPECT_EQ(Name(CredentialsState::kNone), "none");
  EXPECT_EQ(Name(CredentialsState::kInvalid), "invalid");
  EXPECT_EQ(Name(CredentialsState::kValid), "valid");
  EXPECT_EQ(Name(CredentialsState::kTrusted), "trusted");
  for (auto s : {CredentialsState::kNone, CredentialsState::kInvalid, CredentialsState::kValid,
                 CredentialsState::kTrusted})
    EXPECT_EQ(*Parse<CredentialsState>(Name(s)), s);
  EXPECT_FALSE(Parse<CredentialsState>("Trusted").ok());
}

TEST(ModelTest, ClassificationsAreOrdered) {
  EXPECT_LT(Classification::kPublic, Classification::kInternal);
  EXPECT_LT(Classification::kConfidential, Classification::kRestricted);
}

TEST(ModelTest, LabelsUnionSortedUnique) {
  EXPECT_EQ(UnionLabels({"brand", "customer-data"}, {"brand", "a"}),
            (std::vector<std::string>{"a", "brand", "customer-data"}));
  EXPECT_TRUE(ValidateLabel("third-party").ok());
  EXPECT_FALSE(ValidateLabel("Bad Label").ok());
  EXPECT_FALSE(ValidateLabel("").ok());
}

TEST(ModelTest, NamesAreValidated) {
  EXPECT_TRUE(ValidateName("alice.smith", "principal name").ok());
  EXPECT_FALSE(ValidateName("../etc", "principal name").ok());
  EXPECT_FALSE(ValidateName("-x", "principal name").ok());
  EXPECT_FALSE(ValidateName("", "principal name").ok());
}

}  // namespace
}  // namespace custody
