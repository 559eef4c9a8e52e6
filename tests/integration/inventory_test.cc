// `custody inventory` end to end: the command run in-process (app::Main) on the fixture folders,
// and with --import against the real server on port 0: the files become assets owned by --owner,
// classified, labelled, whose lineage records the original path and hash.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "app/commands.h"
#include "crypto/sha256.h"
#include "http/url.h"
#include "integration/test_server.h"

namespace custody::testing {
namespace {

namespace fs = std::filesystem;

// A GitHub token of the documented shape, made up for the test.
constexpr std::string_view kPlantedToken = "ghp_R8t2LmQ9vX4nB7cK1pZ5wY3dH6sJ0fG2aE4u";

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::vector<json::object> lines;            // parsed JSON lines (with --json)
  json::object summary;                       // the {"type":"summary"} line
  std::map<std::string, json::object> files;  // "type":"file" lines by path
};

CliRun Custody(std::vector<std::string> args) {
  std::vector<const char*> argv{"custody"};
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream captured;
  std::streambuf* old = std::cout.rdbuf(captured.rdbuf());
  CliRun r;
  r.exit_code = app::Main(int(argv.size()), argv.data());
  std::cout.rdbuf(old);
  r.out = captured.str();
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '{') continue;
    auto o = ParseJsonObject(line);
    if (!o.ok()) continue;
    r.lines.push_back(*o);
    if ((*o)["type"] == "summary") r.summary = *o;
    if ((*o)["type"] == "file") r.files[std::string((*o)["path"].as_string())] = *o;
  }
  return r;
}

std::string S(const json::value& v) { return v.is_string() ? std::string(v.as_string()) : ""; }
uint64_t N(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v == nullptr ? 0 : v->to_number<uint64_t>();
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

#define REQUIRE_FIXTURES()                                                         \
  do {                                                                             \
    if (FixturesDir().empty()) {                                                   \
      const char* req = std::getenv("CUSTODY_REQUIRE_FIXTURES");                   \
      if (req != nullptr && std::string(req) == "1") FAIL() << "fixtures missing"; \
      GTEST_SKIP() << "fixtures missing (set CUSTODY_FIXTURES)";                   \
    }                                                                              \
  } while (0)

class InventoryCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("custody-inventory-it-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    ::setenv("CUSTODY_CREDENTIALS", (root_ / "credentials.json").c_str(), 1);
    for (const char* v : {"CUSTODY_TOKEN", "CUSTODY_SERVER", "CUSTODY_PASSWORD"}) ::unsetenv(v);
  }
  void TearDown() override {
    for (const char* v : {"CUSTODY_TOKEN", "CUSTODY_CREDENTIALS"}) ::unsetenv(v);
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  // A library to import: three fixture files, a text file with a planted secret, a file of
  // random bytes no reader knows, and a symbolic link (not followed, so not imported).
  fs::path MakeLibrary() {
    fs::path lib = root_ / "library";
    fs::path fx = FixturesDir();
    fs::create_directories(lib / "renders");
    fs::copy_file(fx / "ai-metadata/sd-parsers/parsers/AUTOMATIC1111/automatic1111_cropped.png",
                  lib / "renders/a1111.png");
    fs::copy_file(fx / "ai-metadata/sd-parsers/parsers/ComfyUI/img2img_cropped.png",
                  lib / "renders/comfy.png");
    fs::copy_file(fx / "c2pa/CA.jpg", lib / "photo.jpg");
    std::ofstream(lib / "notes.txt") << "render farm\nGITHUB_TOKEN=" << kPlantedToken << "\n";
    std::string noise(3000, '\0');
    SeededRandom rng(7);
    rng.Fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(noise.data()), noise.size()));
    std::ofstream(lib / "blob.bin", std::ios::binary) << noise;
    fs::create_symlink(lib / "photo.jpg", lib / "photo-link.jpg");
    return lib;
  }

  fs::path root_;
};

TEST_F(InventoryCommandTest, ReportsTheAiMetadataFixturesAsJsonLines) {
  REQUIRE_FIXTURES();
  fs::path dir = FixturesDir() / "ai-metadata";
  CliRun r = Custody({"inventory", "--json", "--prompts", dir.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 2000);
  ASSERT_FALSE(r.summary.empty()) << r.out.substr(0, 2000);
  EXPECT_EQ(r.lines.back()["type"], "summary");
  EXPECT_EQ(N(r.summary, "files"), r.files.size());
  EXPECT_EQ(N(r.summary, "files"),
            N(r.summary, "analysed") + N(r.summary, "skipped") + N(r.summary, "errors"));
  EXPECT_GE(N(r.summary, "ai_generated"), 14u);
  const json::object& tools = r.summary["by_tool"].as_object();
  for (const char* tool : {"ComfyUI", "AUTOMATIC1111", "InvokeAI", "NovelAI", "Fooocus"})
    EXPECT_TRUE(tools.contains(tool)) << tool << ": " << json::serialize(tools);

  const json::object& comfy = r.files.at("sd-parsers/parsers/ComfyUI/img2img_cropped.png");
  EXPECT_EQ(comfy.at("ai_generated"), true);
  EXPECT_EQ(comfy.at("workflow_embedded"), true);
  EXPECT_FALSE(comfy.at("prompts").as_array().empty());
  EXPECT_EQ(comfy.at("c2pa").as_object().at("state"), "none");
  EXPECT_EQ(comfy.at("sha256").as_string().size(), 64u);
  const json::object& negative = r.files.at("comfyui-examples/controlnet_pose_worship.png");
  EXPECT_EQ(negative.at("ai_generated"), false);
}

TEST_F(InventoryCommandTest, HumanReportNamesToolsFindingsAndC2paState) {
  REQUIRE_FIXTURES();
  fs::path lib = MakeLibrary();
  fs::path names = root_ / "customers.txt";
  std::ofstream(names) << "# customers\nContoso\n";
  fs::rename(lib / "photo.jpg", lib / "Contoso shoot.jpg");
  CliRun r =
      Custody({"inventory", lib.string(), "--dictionary", "customers=" + names.string(), "--trust",
               (FixturesDir() / "c2pa/trust/test_cert_root_bundle.pem").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("renders/comfy.png (image/png): AI-generated by ComfyUI"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("secret github-pat in content (line 2)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dictionary dictionary:customers in name"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("C2PA trusted"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("summary: 6 files"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(kPlantedToken), std::string::npos) << "a secret was printed in full";
}

TEST_F(InventoryCommandTest, BadArgumentsExitTwo) {
  EXPECT_EQ(Custody({"inventory", (root_ / "missing").string()}).exit_code, 2);
  EXPECT_EQ(Custody({"inventory", root_.string(), "--import"}).exit_code, 2);
  EXPECT_EQ(Custody({"inventory", root_.string(), "--owner", "x"}).exit_code, 2);
  EXPECT_EQ(Custody({"inventory", root_.string(), "--dictionary", "nofile"}).exit_code, 2);
  EXPECT_EQ(
      Custody({"inventory", root_.string(), "--rules", (root_ / "none.toml").string()}).exit_code,
      2);
}

class InventoryImportTest : public InventoryCommandTest {
 protected:
  void SetUp() override {
    InventoryCommandTest::SetUp();
    admin_ = server_.Login("admin", TestServer::kAdminPassword);
    project_ = server_.CreateProject(admin_, "legacy-library");
    dana_id_ = server_.CreateHuman(admin_, "dana");
    owen_id_ = server_.CreateHuman(admin_, "owen");
    // Uploading needs the creator role; giving the assets to someone else the admin role.
    server_.AddMember(admin_, project_, dana_id_, "creator");
    server_.AddMember(admin_, project_, dana_id_, "admin");
    server_.AddMember(admin_, project_, owen_id_, "creator");
    dana_ = server_.Login("dana", TestServer::kUserPassword);
    owen_ = server_.Login("owen", TestServer::kUserPassword);
  }

  CliRun Import(const std::string& token, const fs::path& dir, std::vector<std::string> extra) {
    ::setenv("CUSTODY_TOKEN", token.c_str(), 1);
    std::vector<std::string> args = {"inventory",   "--json",   dir.string(), "--server",
                                     server_.url(), "--import", "--project",  "legacy-library"};
    args.insert(args.end(), extra.begin(), extra.end());
    CliRun r = Custody(args);
    ::unsetenv("CUSTODY_TOKEN");
    return r;
  }

  TestServer server_;
  std::string admin_, project_, dana_id_, owen_id_, dana_, owen_;
};

TEST_F(InventoryImportTest, ImportedFilesAreOwnedClassifiedAndRememberWhereTheyCameFrom) {
  REQUIRE_FIXTURES();
  fs::path lib = MakeLibrary();
  CliRun r = Import(
      dana_, lib,
      {"--owner", "owen", "--classification", "confidential", "--labels", "legacy,imported"});
  ASSERT_FALSE(r.summary.empty()) << r.out;
  EXPECT_EQ(N(r.summary, "files"), 6u);
  EXPECT_EQ(N(r.summary, "analysed"), 5u);
  EXPECT_EQ(N(r.summary, "skipped"), 1u);  // the link
  EXPECT_EQ(N(r.summary, "imported") + N(r.summary, "import_failed"), 5u);
  EXPECT_EQ(r.exit_code, N(r.summary, "import_failed") == 0 ? 0 : 1) << r.out;
  EXPECT_FALSE(r.files.at("photo-link.jpg").contains("import"));

  // The images and the photo are imported; every analysed file has an outcome.
  for (const char* path : {"renders/a1111.png", "renders/comfy.png", "photo.jpg"}) {
    SCOPED_TRACE(path);
    const json::object& line = r.files.at(path);
    ASSERT_TRUE(line.contains("import")) << json::serialize(line);
    const json::object& outcome = line.at("import").as_object();
    ASSERT_TRUE(outcome.contains("asset")) << json::serialize(outcome);
    EXPECT_FALSE(outcome.contains("error")) << json::serialize(outcome);
    const std::string id = S(outcome.at("asset"));
    const std::string sha = S(line.at("sha256"));
    EXPECT_EQ(sha, crypto::Sha256Hex(ReadAll(lib / path)));

    Reply asset = server_.Get("/v1/assets/" + id, admin_);
    ASSERT_EQ(asset.status, 200) << asset.raw;
    EXPECT_EQ(S(asset.body["owner"]), owen_id_) << asset.raw;
    EXPECT_EQ(S(asset.body["classification"]), "confidential");
    EXPECT_EQ(S(asset.body["kind"]), "upload");
    EXPECT_EQ(S(asset.body["title"]), fs::path(path).filename().string());
    EXPECT_EQ(S(asset.body["sha256"]), sha);
    EXPECT_NE(json::serialize(asset.body["labels"]).find("legacy"), std::string::npos);

    Reply lineage = server_.Get("/v1/assets/" + id + "/lineage", admin_);
    ASSERT_EQ(lineage.status, 200) << lineage.raw;
    const std::string absolute = fs::canonical(lib / path).string();
    ASSERT_TRUE(lineage.body.contains("origin")) << lineage.raw;
    const json::value& origin = lineage.body["origin"];
    ASSERT_TRUE(origin.is_object()) << lineage.raw;
    EXPECT_EQ(S(origin.as_object().at("path")), absolute) << lineage.raw;
    EXPECT_EQ(S(origin.as_object().at("sha256")), sha) << lineage.raw;
  }
  for (const char* path : {"notes.txt", "blob.bin"}) {
    const json::object& line = r.files.at(path);
    EXPECT_TRUE(line.contains("import")) << path << ": " << json::serialize(line);
  }
  // The secret was found locally and never printed in full, whatever the server did with it.
  const json::object& notes = r.files.at("notes.txt");
  ASSERT_FALSE(notes.at("findings").as_array().empty());
  EXPECT_EQ(notes.at("findings").as_array()[0].as_object().at("rule"), "github-pat");
  EXPECT_EQ(r.out.find(kPlantedToken), std::string::npos);
}

TEST_F(InventoryImportTest, OnlyProjectAdminsMayGiveAssetsToSomeoneElse) {
  REQUIRE_FIXTURES();
  fs::path lib = MakeLibrary();
  CliRun r = Import(owen_, lib, {"--owner", "dana"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(N(r.summary, "imported"), 0u) << r.out;
  EXPECT_EQ(N(r.summary, "import_failed"), 5u);
  const json::object& outcome = r.files.at("renders/a1111.png").at("import").as_object();
  EXPECT_FALSE(S(outcome.at("error")).empty());
  EXPECT_EQ(N(outcome, "status"), 403u) << json::serialize(outcome);
}

TEST_F(InventoryImportTest, ACreatorImportsAsTheOwner) {
  REQUIRE_FIXTURES();
  fs::path lib = MakeLibrary();
  CliRun r = Import(owen_, lib, {"--classification", "internal"});
  const json::object& line = r.files.at("renders/comfy.png");
  ASSERT_TRUE(line.at("import").as_object().contains("asset")) << json::serialize(line);
  Reply asset = server_.Get("/v1/assets/" + S(line.at("import").as_object().at("asset")), admin_);
  EXPECT_EQ(S(asset.body["owner"]), owen_id_);
  EXPECT_EQ(S(asset.body["classification"]), "internal");
}

TEST_F(InventoryImportTest, ImportingAgainFindsWhatTheFirstImportBroughtIn) {
  REQUIRE_FIXTURES();
  fs::path lib = MakeLibrary();
  std::ofstream(lib / "empty.png").flush();  // an empty file is not sent
  CliRun first = Import(owen_, lib, {"--classification", "internal"});
  ASSERT_FALSE(first.summary.empty()) << first.out;
  const uint64_t imported = N(first.summary, "imported");
  EXPECT_GE(imported, 3u) << first.out;
  EXPECT_EQ(N(first.summary, "already_imported"), 0u);
  EXPECT_EQ(N(first.summary, "not_imported"), 1u) << first.out;
  EXPECT_EQ(S(first.files.at("empty.png").at("import").as_object().at("skipped")), "empty file");
  Reply before = server_.Get("/v1/assets?project=" + project_, admin_);
  ASSERT_EQ(before.status, 200) << before.raw;

  CliRun again = Import(owen_, lib, {"--classification", "internal"});
  EXPECT_EQ(N(again.summary, "imported"), 0u) << again.out;
  EXPECT_EQ(N(again.summary, "already_imported"), imported) << again.out;
  for (const char* path : {"renders/a1111.png", "renders/comfy.png", "photo.jpg"}) {
    SCOPED_TRACE(path);
    const json::object& o1 = first.files.at(path).at("import").as_object();
    const json::object& o2 = again.files.at(path).at("import").as_object();
    EXPECT_EQ(S(o2.at("asset")), S(o1.at("asset")));
    EXPECT_TRUE(o2.contains("existing")) << json::serialize(o2);
  }
  Reply after = server_.Get("/v1/assets?project=" + project_, admin_);
  EXPECT_EQ(json::serialize(after.body), json::serialize(before.body));

  // A changed file is a new asset.
  std::ofstream(lib / "notes.txt", std::ios::app) << "one more line\n";
  CliRun changed = Import(owen_, lib, {"--classification", "internal"});
  EXPECT_EQ(N(changed.summary, "imported"), 1u) << changed.out;
  EXPECT_FALSE(changed.files.at("notes.txt").at("import").as_object().contains("existing"));
}

TEST_F(InventoryImportTest, TheServerRefusesBytesThatDoNotMatchTheSourceHash) {
  std::string bytes = "hello, library\n";
  std::string wrong = crypto::Sha256Hex(std::string_view("something else"));
  Reply r = server_.PostRaw("/v1/assets" + http::BuildQuery({{"project", project_},
                                                             {"source_path", "/tmp/hello.txt"},
                                                             {"source_sha256", wrong}}),
                            bytes, "application/octet-stream", dana_);
  EXPECT_GE(r.status, 400) << r.raw;
  EXPECT_LT(r.status, 500) << r.raw;
  Reply ok = server_.PostRaw(
      "/v1/assets" + http::BuildQuery({{"project", project_},
                                       {"source_path", "/tmp/hello.txt"},
                                       {"source_sha256", crypto::Sha256Hex(bytes)}}),
      bytes, "application/octet-stream", dana_);
  EXPECT_EQ(ok.status, 201) << ok.raw;
}

}  // namespace
}  // namespace custody::testing
