// Bad input gets a clear problem+json error and leaves no partial state.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "integration/png_util.h"
#include "integration/test_server.h"

namespace custody::testing {
namespace {

std::string Str(const json::value& v) { return std::string(v.as_string()); }

class BadInputTest : public ::testing::Test {
 protected:
  BadInputTest() : server_(&clock_, Small()) {}
  static app::Config Small() {
    app::Config c;
    c.max_upload_bytes = 256 * 1024;
    c.max_json_body = 4096;
    return c;
  }
  void SetUp() override {
    admin_ = server_.Login("admin", TestServer::kAdminPassword);
    project_ = server_.CreateProject(admin_, "p");
    cara_id_ = server_.CreateHuman(admin_, "cara");
    server_.AddMember(admin_, project_, cara_id_, "creator");
    cara_ = server_.Login("cara", TestServer::kUserPassword);
  }
  void ExpectProblem(const Reply& r, int status) {
    EXPECT_EQ(r.status, status) << r.raw;
    ASSERT_TRUE(r.content_type.has_value());
    EXPECT_EQ(*r.content_type, "application/problem+json") << r.raw;
    EXPECT_EQ(r.body.at("status").to_number<int>(), status);
    EXPECT_FALSE(Str(r.body.at("detail")).empty());
  }
  size_t AssetCount() {
    Reply r = server_.Get("/v1/assets?limit=500", admin_);
    return r.body["assets"].as_array().size();
  }
  size_t FilesIn(const std::filesystem::path& dir) {
    size_t n = 0;
    for (auto it = std::filesystem::recursive_directory_iterator(dir);
         it != std::filesystem::recursive_directory_iterator(); ++it)
      n += it->is_regular_file();
    return n;
  }

  ManualClock clock_{SystemClock().Now()};
  TestServer server_;
  std::string admin_, project_, cara_id_, cara_;
};

TEST_F(BadInputTest, MalformedJsonAndWrongContentTypes) {
  ExpectProblem(server_.PostRaw("/v1/projects", "{\"name\":", "application/json", admin_), 400);
  ExpectProblem(server_.PostRaw("/v1/projects", "[1,2]", "application/json", admin_), 400);
  ExpectProblem(
      server_.PostRaw("/v1/projects", "name=x", "application/x-www-form-urlencoded", admin_), 415);
  ExpectProblem(server_.Post("/v1/projects", json::object{{"name", 42}}, admin_), 400);
  ExpectProblem(server_.Post("/v1/projects", json::object{{"name", "../etc"}}, admin_), 400);
  ExpectProblem(
      server_.Post("/v1/jobs",
                   json::object{{"project", project_}, {"prompt", "x"}, {"engine", "nope"}}, cara_),
      400);
  ExpectProblem(server_.Post("/v1/jobs",
                             json::object{{"project", project_},
                                          {"prompt", "x"},
                                          {"parameters", json::object{{"width", 1'000'000}}}},
                             cara_),
                400);
  ExpectProblem(server_.PostRaw("/v1/assets?project=" + project_ + "&kind=generation", "x",
                                "application/octet-stream", cara_),
                400);
  ExpectProblem(server_.PostRaw("/v1/assets?project=" + project_ + "&classification=secret", "x",
                                "application/octet-stream", cara_),
                400);
  ExpectProblem(server_.PostRaw("/v1/assets?project=" + project_ + "&kind=prompt",
                                std::string("bad\xff\xfe utf8"), "application/octet-stream", cara_),
                400);
  EXPECT_EQ(AssetCount(), 0u);
}

TEST_F(BadInputTest, OversizedBodiesAreRefusedWithoutTrace) {
  ExpectProblem(
      server_.Post("/v1/projects",
                   json::object{{"name", "x"}, {"description", std::string(10000, 'a')}}, admin_),
      413);
  std::string big(300 * 1024, 'x');
  ExpectProblem(
      server_.PostRaw("/v1/assets?project=" + project_, big, "application/octet-stream", cara_),
      413);
  EXPECT_EQ(AssetCount(), 0u);
  EXPECT_EQ(FilesIn(server_.data_dir() / "blobs"), 0u);
  EXPECT_EQ(FilesIn(server_.data_dir() / "tmp"), 0u);
}

TEST_F(BadInputTest, UnknownIdsAndRoutes) {
  ExpectProblem(server_.Get("/v1/assets/ast_aaaaaaaaaaaaaaaaaaaaaaaaaa", cara_), 404);
  ExpectProblem(server_.Get("/v1/assets/not-an-id", cara_), 404);
  ExpectProblem(server_.Get("/v1/jobs/job_aaaaaaaaaaaaaaaaaaaaaaaaaa", cara_), 404);
  ExpectProblem(server_.Post("/v1/publications/pub_aaaaaaaaaaaaaaaaaaaaaaaaaa/rollback",
                             json::object{}, cara_),
                404);
  ExpectProblem(server_.Get("/v1/nothing-here", cara_), 404);
  ExpectProblem(server_.Delete("/v1/assets", cara_), 405);
}

TEST_F(BadInputTest, PathTricksInDestinationsAndFileNames) {
  json::object up = server_.Upload(cara_, project_, "upload", TestPng(16, 16, 1));
  std::string id = Str(up["id"]);
  for (const char* name : {"../escape.png", "a/b.png", ".htaccess", "..", "x\\y.png"}) {
    Reply r = server_.Post("/v1/exports/grants",
                           json::object{{"asset", id}, {"destination", "web"}, {"file_name", name}},
                           admin_);
    ExpectProblem(r, 400);
  }
  ExpectProblem(server_.Post("/v1/exports/grants",
                             json::object{{"asset", id}, {"destination", "../../etc"}}, admin_),
                400);
  ExpectProblem(server_.Get("/v1/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd", cara_), 400);
  EXPECT_TRUE(std::filesystem::is_empty(server_.destination()));
}

TEST_F(BadInputTest, ExpiredRevokedAndForgedTokens) {
  ExpectProblem(server_.Get("/v1/assets", ""), 401);
  ExpectProblem(
      server_.Get("/v1/assets", "cst_at_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
      401);
  ExpectProblem(server_.Get("/v1/assets", std::string(300, 'z')), 401);
  // Revoked by logout.
  std::string t = server_.Login("cara", TestServer::kUserPassword);
  EXPECT_EQ(server_.Post("/v1/auth/logout", json::object{}, t).status, 204);
  ExpectProblem(server_.Get("/v1/assets", t), 401);
  // Expired.
  std::string t2 = server_.Login("cara", TestServer::kUserPassword);
  EXPECT_EQ(server_.Get("/v1/assets", t2).status, 200);
  clock_.Advance(std::chrono::minutes(16));
  ExpectProblem(server_.Get("/v1/assets", t2), 401);
  // Wrong password and unknown user answer the same.
  Reply a = server_.Post("/v1/auth/login",
                         json::object{{"name", "cara"}, {"password", "wrong-password-x"}}, "");
  Reply b = server_.Post("/v1/auth/login",
                         json::object{{"name", "nobody"}, {"password", "wrong-password-x"}}, "");
  ExpectProblem(a, 401);
  ExpectProblem(b, 401);
  EXPECT_EQ(a.body.at("detail"), b.body.at("detail"));
}

TEST_F(BadInputTest, RefreshRotatesAndReplayIsRefused) {
  Reply login =
      server_.Post("/v1/auth/login",
                   json::object{{"name", "cara"}, {"password", TestServer::kUserPassword}}, "");
  ASSERT_EQ(login.status, 200);
  std::string refresh = Str(login.body["refresh_token"]);
  Reply r1 = server_.Post("/v1/auth/refresh", json::object{{"refresh_token", refresh}}, "");
  ASSERT_EQ(r1.status, 200) << r1.raw;
  EXPECT_EQ(server_.Get("/v1/assets", Str(r1.body["access_token"])).status, 200);
  ExpectProblem(server_.Post("/v1/auth/refresh", json::object{{"refresh_token", refresh}}, ""),
                401);
  // The replay revoked the whole family, including the new tokens.
  ExpectProblem(server_.Get("/v1/assets", Str(r1.body["access_token"])), 401);
}

TEST_F(BadInputTest, GarbageOnTheSocketGets400) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server_.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string junk = "\x16\x03\x01 this is not HTTP\r\n\r\n";
  ASSERT_GT(::write(fd, junk.data(), junk.size()), 0);
  char buf[512];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  ASSERT_GT(n, 12);
  EXPECT_EQ(std::string(buf, 12), "HTTP/1.1 400");
  EXPECT_EQ(server_.Get("/healthz", "").status, 200);
}

}  // namespace
}  // namespace custody::testing

namespace custody::testing {
namespace {

// Review windows and grant expiry, on an approved upload with a clock the test moves.
class ReviewWindowTest : public ::testing::Test {
 protected:
  ReviewWindowTest() : server_(&clock_, Config()) {}
  static app::Config Config() {
    app::Config c;
    c.review_window = std::chrono::hours(1);
    return c;
  }
  void SetUp() override {
    std::string admin = server_.Login("admin", TestServer::kAdminPassword);
    std::string project = server_.CreateProject(admin, "p");
    for (const char* who : {"cara", "rita", "paul"}) ids_[who] = server_.CreateHuman(admin, who);
    server_.AddMember(admin, project, ids_["cara"], "creator");
    server_.AddMember(admin, project, ids_["rita"], "reviewer");
    server_.AddMember(admin, project, ids_["paul"], "publisher");
    std::string cara = server_.Login("cara", TestServer::kUserPassword);
    std::string rita = server_.Login("rita", TestServer::kUserPassword);
    json::object up = server_.Upload(cara, project, "upload", TestPng(16, 16, 2));
    asset_ = std::string(up["id"].as_string());
    ASSERT_EQ(server_.Post("/v1/assets/" + asset_ + "/submit", json::object{}, cara).status, 200);
    ASSERT_EQ(
        server_
            .Post("/v1/assets/" + asset_ + "/approve", json::object{{"sha256", up["sha256"]}}, rita)
            .status,
        200);
  }
  // Tokens are short-lived and the clock moves, so log in when needed.
  std::string Paul() { return server_.Login("paul", TestServer::kUserPassword); }

  ManualClock clock_{SystemClock().Now()};
  TestServer server_;
  std::map<std::string, std::string> ids_;
  std::string asset_;
};

TEST_F(ReviewWindowTest, UnexportedApprovalLapses) {
  clock_.Advance(std::chrono::minutes(61));
  server_.RunMaintenance();
  std::string paul = Paul();
  Reply asset = server_.Get("/v1/assets/" + asset_, paul);
  EXPECT_EQ(std::string(asset.body["stage"].as_string()), "in_review");
  Reply grant = server_.Post("/v1/exports/grants",
                             json::object{{"asset", asset_}, {"destination", "web"}}, paul);
  EXPECT_EQ(grant.status, 403) << grant.raw;
  Reply reviews = server_.Get("/v1/assets/" + asset_ + "/reviews", paul);
  EXPECT_TRUE(reviews.body["reviews"].as_array()[0].as_object().at("lapsed").as_bool());
}

TEST_F(ReviewWindowTest, ExpiredGrantIsRefused) {
  Reply grant = server_.Post("/v1/exports/grants",
                             json::object{{"asset", asset_}, {"destination", "web"}}, Paul());
  ASSERT_EQ(grant.status, 201);
  clock_.Advance(std::chrono::minutes(6));
  Reply exp = server_.Post("/v1/exports", json::object{{"grant", grant.body["id"]}}, Paul());
  EXPECT_EQ(exp.status, 403) << exp.raw;
  EXPECT_NE(exp.raw.find("expired"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_empty(server_.destination()));
}

}  // namespace
}  // namespace custody::testing
