#include "workflow/workflow.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "crypto/sha256.h"
#include "workflow/destination.h"

namespace custody::workflow {
namespace {

TEST(StageMachineTest, OnlyTheDocumentedMovesAreLegal) {
  EXPECT_TRUE(CheckTransition(Stage::kDraft, Stage::kInReview).ok());
  EXPECT_TRUE(CheckTransition(Stage::kInReview, Stage::kApproved).ok());
  EXPECT_TRUE(CheckTransition(Stage::kInReview, Stage::kRejected).ok());
  EXPECT_TRUE(CheckTransition(Stage::kApproved, Stage::kPublished).ok());
  EXPECT_TRUE(CheckTransition(Stage::kApproved, Stage::kInReview).ok());
  EXPECT_TRUE(CheckTransition(Stage::kPublished, Stage::kRecalled).ok());
  EXPECT_EQ(CheckTransition(Stage::kDraft, Stage::kApproved).error().code(), ErrorCode::kConflict);
  EXPECT_FALSE(CheckTransition(Stage::kRejected, Stage::kApproved).ok());
  EXPECT_FALSE(CheckTransition(Stage::kRecalled, Stage::kDraft).ok());
  EXPECT_FALSE(CheckTransition(Stage::kPublished, Stage::kDraft).ok());
}

TEST(FileNameTest, RejectsPathTricks) {
  EXPECT_TRUE(ValidateFileName("hero shot v2.png").ok());
  for (const char* bad : {"../x.png", "a/b.png", ".hidden", "..", "x\\y", "", "a\nb", "c:..png"})
    EXPECT_FALSE(ValidateFileName(bad).ok()) << bad;
  EXPECT_FALSE(ValidateFileName(std::string(201, 'a')).ok());
}

class DestinationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("custody-dest-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "inside");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST_F(DestinationTest, DeliversAndRemovesOnlyItsOwnBytes) {
  Bytes data = {'h', 'e', 'l', 'l', 'o'};
  auto p = DeliverToFolder(root_ / "inside", "out.png", data);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_TRUE(std::filesystem::exists(root_ / "inside" / "out.png"));
  // Never overwrites.
  EXPECT_EQ(DeliverToFolder(root_ / "inside", "out.png", data).error().code(),
            ErrorCode::kAlreadyExists);
  // Someone replaced the file: rollback refuses to delete it.
  { std::ofstream(root_ / "inside" / "out.png") << "other"; }
  EXPECT_EQ(RemoveDelivered(root_ / "inside", "out.png", crypto::Sha256Hex(data)).error().code(),
            ErrorCode::kConflict);
  { std::ofstream(root_ / "inside" / "out.png", std::ios::binary | std::ios::trunc) << "hello"; }
  EXPECT_EQ(*RemoveDelivered(root_ / "inside", "out.png", crypto::Sha256Hex(data)),
            RemoveOutcome::kRemoved);
  EXPECT_EQ(*RemoveDelivered(root_ / "inside", "out.png", crypto::Sha256Hex(data)),
            RemoveOutcome::kAlreadyAbsent);
  // No temporary files are left behind.
  EXPECT_TRUE(std::filesystem::is_empty(root_ / "inside"));
}

TEST_F(DestinationTest, NamesCannotEscapeTheRoot) {
  Bytes data = {'x'};
  EXPECT_FALSE(DeliverToFolder(root_ / "inside", "../escape.png", data).ok());
  EXPECT_FALSE(std::filesystem::exists(root_ / "escape.png"));
  // A symlink planted under the final name is not followed or replaced.
  std::filesystem::create_symlink(root_ / "target", root_ / "inside" / "link.png");
  EXPECT_FALSE(DeliverToFolder(root_ / "inside", "link.png", data).ok());
  EXPECT_FALSE(std::filesystem::exists(root_ / "target"));
}

TEST(DeniedErrorTest, CarriesTheDecision) {
  policy::Decision d;
  d.action = policy::Action::kApprove;
  d.determining = {"forbid-contributor-approves"};
  d.reasons = {"separation of duties"};
  Error e = DeniedError(d);
  EXPECT_EQ(e.code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(e.message().find("forbid-contributor-approves"), std::string::npos);
  EXPECT_EQ(e.details().at("decision").as_object().at("determining").as_array()[0].as_string(),
            "forbid-contributor-approves");
}

}  // namespace
}  // namespace custody::workflow
