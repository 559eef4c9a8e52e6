// RunInventory on folders made here (nested folders, links, special, unreadable and oversized
// files) and on the fixture folders: what is listed, in which order, with which outcome, and
// whether the summary adds up.
#include "inventory/inventory.h"

#include <gtest/gtest.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include "base/clock.h"
#include "dlp/rules.h"
#include "dlp/scanner.h"
#include "inventory/tests/test_util.h"

namespace custody::inventory {
namespace {

namespace fs = std::filesystem;
using testing::FixturesDir;

constexpr std::string_view kPlantedToken = "ghp_R8t2LmQ9vX4nB7cK1pZ5wY3dH6sJ0fG2aE4u";

struct WalkResult {
  Result<InventorySummary> summary = InventorySummary{};
  std::vector<InventoryEntry> entries;
  std::vector<std::pair<uint64_t, uint64_t>> progress;

  std::vector<std::string> Paths() const {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(e.path.generic_string());
    return out;
  }
  const InventoryEntry* Find(std::string_view rel) const {
    for (const auto& e : entries)
      if (e.path.generic_string() == rel) return &e;
    return nullptr;
  }
};

WalkResult Inventory(const fs::path& dir, const InventoryOptions& o) {
  WalkResult r;
  r.summary = RunInventory(
      dir, o,
      [&](const InventoryEntry& e) {
        r.entries.push_back(e);
        return OkStatus();
      },
      [&](uint64_t done, uint64_t total) { r.progress.emplace_back(done, total); });
  return r;
}

// The invariants every summary keeps, whatever the folder.
void ExpectConsistent(const WalkResult& r) {
  ASSERT_TRUE(r.summary.ok()) << r.summary.error().ToString();
  const InventorySummary& s = *r.summary;
  EXPECT_EQ(s.files, r.entries.size());
  EXPECT_EQ(s.files, s.analysed + s.skipped + s.errors);
  uint64_t analysed = 0, bytes = 0, ai = 0;
  for (const auto& e : r.entries) {
    EXPECT_EQ(e.analysis.has_value(), e.skipped.empty() && e.error.empty()) << e.path;
    if (e.analysis) {
      ++analysed;
      bytes += e.analysis->size;
      ai += e.analysis->ai_generated;
    }
  }
  EXPECT_EQ(s.analysed, analysed);
  EXPECT_EQ(s.bytes, bytes);
  EXPECT_EQ(s.ai_generated, ai);
  uint64_t by_type = 0, by_c2pa = 0;
  for (const auto& [k, v] : s.media_types) by_type += v;
  for (const auto& [k, v] : s.c2pa) by_c2pa += v;
  EXPECT_EQ(by_type, s.analysed);
  EXPECT_EQ(by_c2pa, s.analysed);
  for (size_t i = 1; i < r.entries.size(); ++i) EXPECT_LT(r.entries[i - 1].path, r.entries[i].path);
  ASSERT_EQ(r.progress.size(), r.entries.size());
  for (size_t i = 0; i < r.progress.size(); ++i) {
    EXPECT_EQ(r.progress[i].first, i + 1);
    EXPECT_EQ(r.progress[i].second, r.entries.size());
  }
}

class InventoryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dlp::ScannerOptions so;
    so.dictionaries.push_back({"campaigns", {"Project Falcon"}, {}});
    auto s = dlp::Scanner::Create(dlp::BuiltinRules(), std::move(so));
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    scanner_ = std::move(*s).release();
  }
  static void TearDownTestSuite() {
    delete scanner_;
    scanner_ = nullptr;
  }

  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::temp_directory_path() /
            ("custody-inventory-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(root_ / "locked.txt", fs::perms::owner_all, ec);
    fs::remove_all(root_, ec);
  }

  InventoryOptions Options(int threads) const {
    InventoryOptions o;
    o.analyzer.scanner = scanner_;
    o.analyzer.now = TimePoint(std::chrono::sys_days(std::chrono::year(2025) / 6 / 1));
    o.threads = threads;
    return o;
  }

  // A folder with a bit of everything.
  void MakeTree() {
    using testing::WriteFile;
    WriteFile(root_ / "notes.txt", "token: " + std::string(kPlantedToken) + "\n");
    WriteFile(root_ / "renders/a1111.png",
              testing::AddPngText(testing::MakePng(8, 8, 1), "parameters",
                                  "a lighthouse at dusk\nNegative prompt: blurry\nSteps: 20, "
                                  "Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 8x8"));
    WriteFile(root_ / "renders/Project Falcon teaser.png", testing::MakePng(8, 8, 2));
    WriteFile(root_ / "renders/deep/er/plain.png", testing::MakePng(4, 4, 3));
    WriteFile(root_ / "big.bin", std::string(5000, 'x'));
    WriteFile(root_ / ".hidden.txt", "nothing to see\n");
    fs::create_symlink(root_ / "notes.txt", root_ / "link-to-notes");
    fs::create_directory_symlink(root_ / "renders", root_ / "link-to-renders");
    ASSERT_EQ(::mkfifo((root_ / "pipe").c_str(), 0600), 0);
  }

  fs::path root_;
  static dlp::Scanner* scanner_;
};
dlp::Scanner* InventoryTest::scanner_ = nullptr;

TEST_F(InventoryTest, ListsEveryEntryInPathOrderWithItsOutcome) {
  MakeTree();
  InventoryOptions o = Options(2);
  o.max_file_bytes = 4096;
  WalkResult r = Inventory(root_, o);
  ExpectConsistent(r);
  EXPECT_EQ(r.Paths(),
            (std::vector<std::string>{".hidden.txt", "big.bin", "link-to-notes", "link-to-renders",
                                      "notes.txt", "pipe", "renders/Project Falcon teaser.png",
                                      "renders/a1111.png", "renders/deep/er/plain.png"}));
  const InventorySummary& s = *r.summary;
  EXPECT_EQ(s.analysed, 5u);
  EXPECT_EQ(s.skipped, 4u);  // big.bin, two links, the FIFO
  EXPECT_EQ(s.errors, 0u);

  EXPECT_NE(r.Find("big.bin")->skipped.find("larger than 4096"), std::string::npos);
  EXPECT_NE(r.Find("link-to-notes")->skipped.find("symbolic link"), std::string::npos);
  EXPECT_NE(r.Find("link-to-renders")->skipped.find("symbolic link"), std::string::npos);
  EXPECT_NE(r.Find("pipe")->skipped.find("special file"), std::string::npos);

  const InventoryEntry* notes = r.Find("notes.txt");
  ASSERT_TRUE(notes->analysis.has_value());
  EXPECT_EQ(notes->absolute, fs::canonical(root_) / "notes.txt");
  ASSERT_FALSE(notes->analysis->findings.empty());
  EXPECT_EQ(notes->analysis->findings[0].where, "content");

  const InventoryEntry* a1111 = r.Find("renders/a1111.png");
  ASSERT_TRUE(a1111->analysis.has_value());
  EXPECT_TRUE(a1111->analysis->ai_generated);

  EXPECT_EQ(s.with_secrets, 1u);
  EXPECT_EQ(s.names_matching, 1u);
  EXPECT_EQ(s.with_dictionary, 1u);
  EXPECT_EQ(s.ai_generated, 1u);
  EXPECT_EQ(s.by_tool.at("AUTOMATIC1111"), 1u);
  EXPECT_EQ(s.with_prompts, 1u);
  EXPECT_EQ(s.by_rule.at("github-pat"), 1u);
  EXPECT_EQ(s.by_rule.at("dictionary:campaigns"), 1u);
  EXPECT_EQ(s.media_types.at("image/png"), 3u);
  EXPECT_EQ(s.media_types.at("text/plain"), 2u);
  EXPECT_EQ(s.c2pa.at("none"), 5u);

  json::object j = s.ToJson();
  EXPECT_EQ(j["files"].to_number<uint64_t>(), 9u);
  EXPECT_EQ(j["by_tool"].as_object()["AUTOMATIC1111"].to_number<uint64_t>(), 1u);
}

TEST_F(InventoryTest, OneThreadAndManyGiveTheSameReport) {
  MakeTree();
  for (int i = 0; i < 40; ++i)
    testing::WriteFile(root_ / "many" / ("f" + std::to_string(i) + ".png"),
                       testing::MakePng(4 + i % 5, 4, uint64_t(i)));
  WalkResult one = Inventory(root_, Options(1));
  WalkResult four = Inventory(root_, Options(4));
  ExpectConsistent(one);
  ExpectConsistent(four);
  ASSERT_EQ(one.Paths(), four.Paths());
  for (size_t i = 0; i < one.entries.size(); ++i) {
    const auto& a = one.entries[i];
    const auto& b = four.entries[i];
    EXPECT_EQ(a.skipped, b.skipped);
    ASSERT_EQ(a.analysis.has_value(), b.analysis.has_value());
    if (a.analysis) {
      EXPECT_EQ(a.analysis->sha256, b.analysis->sha256) << a.path;
    }
  }
  EXPECT_EQ(one.summary->ToJson()["by_rule"], four.summary->ToJson()["by_rule"]);
}

TEST_F(InventoryTest, HiddenFilesCanBeLeftOut) {
  MakeTree();
  InventoryOptions o = Options(1);
  o.hidden = false;
  WalkResult r = Inventory(root_, o);
  ExpectConsistent(r);
  EXPECT_EQ(r.Find(".hidden.txt"), nullptr);
  EXPECT_NE(r.Find("notes.txt"), nullptr);
}

TEST_F(InventoryTest, FollowingLinksListsTheirTargetsOnceDespiteALoop) {
  MakeTree();
  fs::create_directory_symlink(root_, root_ / "renders" / "loop");
  InventoryOptions o = Options(2);
  o.follow_symlinks = true;
  WalkResult r = Inventory(root_, o);
  ExpectConsistent(r);
  const InventoryEntry* linked = r.Find("link-to-notes");
  ASSERT_NE(linked, nullptr);
  ASSERT_TRUE(linked->analysis.has_value()) << linked->skipped << linked->error;
  // The linked folder is listed under one of its names; the loop back to the root is not walked.
  EXPECT_EQ(r.Find("renders/loop/notes.txt"), nullptr);
  size_t plain = 0;
  for (const auto& e : r.entries)
    if (e.path.filename() == "plain.png") ++plain;
  EXPECT_EQ(plain, 1u);
}

TEST_F(InventoryTest, AnUnreadableFileIsAnErrorAndTheWalkGoesOn) {
  MakeTree();
  testing::WriteFile(root_ / "locked.txt", "secret stuff\n");
  fs::permissions(root_ / "locked.txt", fs::perms::none);
  // As root, permissions do not stop a read: drop the file-system identity (per thread, and
  // inherited by the threads the walk starts) for the duration of the walk.
  const bool root = ::geteuid() == 0;
  if (root) ::setfsuid(65534);
  WalkResult r = Inventory(root_, Options(2));
  if (root) ::setfsuid(0);
  ExpectConsistent(r);
  const InventoryEntry* locked = r.Find("locked.txt");
  ASSERT_NE(locked, nullptr);
  EXPECT_FALSE(locked->analysis.has_value());
  EXPECT_NE(locked->error.find("cannot open"), std::string::npos) << locked->error;
  EXPECT_EQ(r.summary->errors, 1u);
  EXPECT_TRUE(r.Find("renders/a1111.png")->analysis.has_value());
}

TEST_F(InventoryTest, ACallbackErrorStopsTheWalk) {
  MakeTree();
  size_t seen = 0;
  auto r = RunInventory(root_, Options(2), [&](const InventoryEntry&) -> Status {
    if (++seen == 3) return Error(ErrorCode::kCancelled, "enough");
    return OkStatus();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kCancelled);
  EXPECT_EQ(seen, 3u);
}

TEST_F(InventoryTest, NotADirectoryIsInvalidArgument) {
  testing::WriteFile(root_ / "file.txt", "x");
  auto none = [](const InventoryEntry&) { return OkStatus(); };
  auto r = RunInventory(root_ / "file.txt", Options(1), none);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  r = RunInventory(root_ / "missing", Options(1), none);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(InventoryTest, AnEmptyFolderGivesAnEmptySummary) {
  WalkResult r = Inventory(root_, Options(0));
  ExpectConsistent(r);
  EXPECT_EQ(r.summary->files, 0u);
}

TEST_F(InventoryTest, AiMetadataFixturesFolder) {
  const fs::path dir = FixturesDir() / "ai-metadata";
  CUSTODY_INVENTORY_REQUIRE_PATH(dir);
  WalkResult r = Inventory(dir, Options(2));
  ExpectConsistent(r);
  const InventorySummary& s = *r.summary;
  EXPECT_EQ(s.errors, 0u);
  EXPECT_EQ(s.skipped, 0u);
  // Every sd-parsers tool file and the three ComfyUI examples with generation metadata.
  EXPECT_GE(s.ai_generated, 14u);
  for (const char* tool : {"ComfyUI", "AUTOMATIC1111", "InvokeAI", "NovelAI", "Fooocus"})
    EXPECT_GE(s.by_tool.count(tool), 1u) << tool;
  EXPECT_GE(s.with_workflows, 7u);
  EXPECT_FALSE(r.Find("comfyui-examples/controlnet_pose_worship.png")->analysis->ai_generated);
}

TEST_F(InventoryTest, ExifToolTestImagesSurvive) {
  const fs::path dir = FixturesDir() / "metadata" / "exiftool-t-images";
  CUSTODY_INVENTORY_REQUIRE_PATH(dir);
  WalkResult r = Inventory(dir, Options(2));
  ExpectConsistent(r);
  EXPECT_GE(r.summary->files, 190u);
  EXPECT_EQ(r.summary->errors, 0u);
  EXPECT_GE(r.summary->media_types.at("image/jpeg"), 10u);
}

}  // namespace
}  // namespace custody::inventory
