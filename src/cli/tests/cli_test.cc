// The client commands against a fake Custody server: the real HttpServer and Router serving
// canned answers shaped like api/routes.cc, so each test checks what goes over the wire (targets,
// headers, bodies) and what the user sees (stdout, stderr, exit code).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>

#include "base/encoding.h"
#include "base/json.h"
#include "cli/commands.h"
#include "cli/credentials.h"
#include "crypto/sha256.h"
#include "http/router.h"
#include "http/server.h"
#include "http/sse.h"

namespace custody::cli {
namespace {
namespace fs = std::filesystem;
using http::Request;
using http::ResponseWriter;

constexpr const char* kPassword = "correct horse battery staple";
constexpr const char* kAssetId = "ast_aaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kBadAssetId = "ast_bbbbbbbbbbbbbbbbbbbbbbbbbb";
constexpr const char* kDeniedAssetId = "ast_dddddddddddddddddddddddddd";
constexpr const char* kJobId = "job_aaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kProjectId = "prj_aaaaaaaaaaaaaaaaaaaaaaaaaa";

std::string Sha256Hex(std::string_view data) { return crypto::Sha256Hex(AsBytes(data)); }

// A server that knows one user, one project, a few assets and one job.
class FakeServer {
 public:
  FakeServer() {
    Add("POST", "/v1/auth/login", [this](Request& req, ResponseWriter& w) {
      auto body = ParseJsonObject(*req.ReadBody());
      if (Str(*body, "name") != "admin" || Str(*body, "password") != kPassword)
        return Problem(w, 401, "invalid name or password", "unauthenticated");
      Issue(w);
    });
    Add("POST", "/v1/auth/refresh", [this](Request& req, ResponseWriter& w) {
      auto body = ParseJsonObject(*req.ReadBody());
      std::lock_guard lock(mu_);
      if (!refresh_.erase(Str(*body, "refresh_token")))
        return Problem(w, 401, "refresh token was already used or revoked", "unauthenticated");
      ++refreshes_;
      IssueLocked(w);
    });
    Add("POST", "/v1/auth/logout", [this](Request& req, ResponseWriter& w) {
      if (!Authed(req, w)) return;
      std::lock_guard lock(mu_);
      access_.clear();
      refresh_.clear();
      ++logouts_;
      (void)w.Send(http::Response{204, {}, ""});
    });
    Add("GET", "/v1/auth/whoami", [this](Request& req, ResponseWriter& w) {
      if (!Authed(req, w)) return;
      Json(w, 200,
           {{"id", "prn_aaaaaaaaaaaaaaaaaaaaaaaaaa"},
            {"name", "admin"},
            {"kind", "human"},
            {"display_name", ""},
            {"disabled", false},
            {"roles", json::array{json::object{{"principal", "prn_aaaaaaaaaaaaaaaaaaaaaaaaaa"},
                                               {"role", "admin"},
                                               {"project", nullptr}}}},
            {"token", json::object{{"id", "tok_x"}, {"kind", "access"}, {"expires_at", "soon"}}}});
    });
    Add("POST", "/v1/principals/{id}/api-keys", [this](Request& req, ResponseWriter& w) {
      if (!Authed(req, w)) return;
      auto body = ParseJsonObject(*req.ReadBody());
      EXPECT_EQ(body->at("ttl_days").as_int64(), 30);
      Json(w, 201,
           {{"id", "tok_k"},
            {"kind", "api_key"},
            {"principal", req.param("id")},
            {"expires_at", "later"},
            {"label", Str(*body, "label")},
            {"api_key", "ck_secret_key"}});
    });
    Add("GET", "/v1/projects", [this](Request& req, ResponseWriter& w) {
      if (!Authed(req, w)) return;
      Json(w, 200,
           {{"projects", json::array{json::object{{"id", kProjectId}, {"name", "launch"}}}}});
    });
    Add("POST", "/v1/assets", [this](Request& req, ResponseWriter& w) {
      if (!Authed(req, w)) return;
      req.set_body_limit(1 << 30);
      std::string body;
      std::vector<uint8_t> buf(4096);
      for (;;) {
        auto n = req.ReadSome(buf);
        if (!n.ok() || *n == 0) break;
        body.append(reinterpret_cast<const char*>(buf.data()), *n);
      }
      std::lock_guard lock(mu_);
      upload_query_ = req.query_params();
      upload_content_type_ = req.header("content-type").value_or("");
      upload_length_ = req.content_length();
      upload_body_ = body;
      json::object a = AssetJson(kAssetId, Sha256Hex(body));
      a["size"] = body.size();
      Json(w, 201, a);
    });
    Add("GET", "/v1/assets/{id}", [this](Request& req, ResponseWriter& w) {
      if (!Authed(req, w)) return;
      Json(w, 200, AssetJson(req.param("id"), Sha256Hex(content_)));
    });
    Add("GET", "/v1/assets/{id}/content", [this](Request& req, ResponseWriter& w) {
      if (!Authed(req, w)) return;
      std::string sha = Sha256Hex(req.param("id") == kBadAssetId ? "something else" : content_);
      (void)w.Send(http::Response{
          200, {{"Content-Type", "image/png"}, {"X-Content-SHA256", sha}}, content_});
    });
    Add("POST", "/v1/assets/{id}/approve", [this](Request& req, ResponseWriter& w) {
      if (!Authed(req, w)) return;
      auto body = ParseJsonObject(*req.ReadBody());
      if (req.param("id") == kDeniedAssetId) {
        json::object decision{{"allowed", false},
                              {"action", "approve"},
                              {"determining", json::array{"forbid-contributor-approves"}},
                              {"reasons", json::array{"separation of duties: you contributed"}},
                              {"errors", json::array{}}};
        return Problem(w, 403, "denied: forbid-contributor-approves — separation of duties",
                       "permission_denied", {{"decision", decision}});
      }
      {
        std::lock_guard lock(mu_);
        approved_sha_ = Str(*body, "sha256");
      }
      Json(w, 200,
           {{"asset", AssetJson(req.param("id"), approved_sha_)},
            {"review", json::object{{"id", "rev_x"}}},
            {"approvals", 1},
            {"approvals_required", 1}});
    });
    Add("POST", "/v1/jobs", [this](Request& req, ResponseWriter& w) {
      if (!Authed(req, w)) return;
      auto body = ParseJsonObject(*req.ReadBody());
      {
        std::lock_guard lock(mu_);
        job_request_ = *body;
        job_status_ = "queued";
      }
      Json(w, 202, JobJson());
    });
    Add("GET", "/v1/jobs/{id}", [this](Request& req, ResponseWriter& w) {
      if (!Authed(req, w)) return;
      {
        std::lock_guard lock(mu_);
        // Without events the job finishes (as polling will see) on the third look.
        if (events_broken_ && ++job_gets_ == 3) job_status_ = final_status_;
      }
      Json(w, 200, JobJson());
    });
    Add("GET", "/v1/events", [this](Request& req, ResponseWriter& w) {
      if (!Authed(req, w)) return;
      if (events_broken_) return Problem(w, 404, "no route for /v1/events", "not_found");
      EXPECT_EQ(req.query("job").value_or(""), kJobId);
      http::SseWriter sse(w);
      (void)sse.Start();
      (void)sse.Send(
          {"job.progress", "1", R"({"job":")" + std::string(kJobId) + R"(","progress":0.5})", {}});
      {
        std::lock_guard lock(mu_);
        job_status_ = "succeeded";
      }
      (void)sse.Send({"job.succeeded",
                      "2",
                      R"({"job":")" + std::string(kJobId) + R"(","output":")" + kAssetId + R"("})",
                      {}});
      (void)sse.Close();
    });
    Add("POST", "/v1/exports/grants", [this](Request& req, ResponseWriter& w) {
      if (!Authed(req, w)) return;
      auto body = ParseJsonObject(*req.ReadBody());
      EXPECT_EQ(Str(*body, "destination"), "web");
      Json(w, 201, {{"id", "grt_x"}, {"sha256", "abc"}, {"expires_at", "later"}});
    });
    Add("POST", "/v1/exports", [this](Request& req, ResponseWriter& w) {
      if (!Authed(req, w)) return;
      auto body = ParseJsonObject(*req.ReadBody());
      EXPECT_EQ(Str(*body, "grant"), "grt_x");
      Json(w, 201,
           {{"publication", json::object{{"id", "pub_x"},
                                         {"destination", "web"},
                                         {"path", "web/hero.png"},
                                         {"sha256", "def"}}},
            {"export_asset", json::object{{"id", "ast_export"}}},
            {"metadata_removed", json::array{"exif", "xmp"}}});
    });
    Add("GET", "/v1/audit/verify", [this](Request& req, ResponseWriter& w) {
      if (!Authed(req, w)) return;
      Json(w, 200,
           {{"ok", true},
            {"entries", 12},
            {"checkpoints", 3},
            {"checkpoints_verified", 3},
            {"problems", json::array{}},
            {"root", "ab12"}});
    });
    server_ = std::make_unique<http::HttpServer>(http::ServerOptions{}, router_);
    port_ = *server_->Start();
  }
  ~FakeServer() { server_->Stop(std::chrono::milliseconds(100)); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void ExpireAccessTokens() {
    std::lock_guard lock(mu_);
    access_.clear();
  }

  std::mutex mu_;
  std::set<std::string> access_, refresh_;
  int counter_ = 0, refreshes_ = 0, logouts_ = 0;
  http::QueryParams upload_query_;
  std::string upload_content_type_, upload_body_, approved_sha_;
  std::optional<uint64_t> upload_length_;
  json::object job_request_;
  std::string job_status_ = "queued";
  std::string final_status_ = "succeeded";
  bool events_broken_ = false;
  int job_gets_ = 0;
  std::string content_ = std::string("\x89PNG fake image bytes ") + std::string(100000, 'x');

 private:
  static std::string Str(const json::object& o, std::string_view k) {
    auto v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : "";
  }
  void Add(const char* method, const char* pattern,
           std::function<void(Request&, ResponseWriter&)> fn) {
    ASSERT_TRUE(router_.Add(method, pattern, pattern, "test", std::move(fn)).ok());
  }
  static void Json(ResponseWriter& w, int status, json::object o) {
    (void)w.Send(http::Response::Json(status, o));
  }
  static void Problem(ResponseWriter& w, int status, std::string detail, std::string code,
                      json::object extra = {}) {
    extra["code"] = code;
    (void)w.Send(http::Response::Problem(status, detail, "urn:custody:problem:" + code, "", extra));
  }
  bool Authed(Request& req, ResponseWriter& w) {
    std::string auth = req.header("authorization").value_or("");
    std::lock_guard lock(mu_);
    if (auth == "Bearer test-api-key" ||
        (auth.rfind("Bearer ", 0) == 0 && access_.count(auth.substr(7))))
      return true;
    Problem(w, 401, "token expired", "unauthenticated");
    return false;
  }
  void Issue(ResponseWriter& w) {
    std::lock_guard lock(mu_);
    IssueLocked(w);
  }
  void IssueLocked(ResponseWriter& w) {
    ++counter_;
    std::string a = "acc" + std::to_string(counter_), r = "ref" + std::to_string(counter_);
    access_.insert(a);
    refresh_.insert(r);
    Json(w, 200,
         {{"token_type", "Bearer"},
          {"access_token", a},
          {"expires_at", "2030-01-01T00:15:00Z"},
          {"refresh_token", r},
          {"refresh_expires_at", "2030-01-31T00:00:00Z"}});
  }
  json::object AssetJson(const std::string& id, const std::string& sha) {
    return {{"id", id},      {"kind", "upload"},         {"project", kProjectId},
            {"sha256", sha}, {"stage", "in_review"},     {"title", "t"},
            {"size", 1},     {"media_type", "image/png"}};
  }
  json::object JobJson() {
    std::lock_guard lock(mu_);
    json::object j{{"id", kJobId},
                   {"status", job_status_},
                   {"progress", 0.0},
                   {"engine", "procedural"},
                   {"seed", 7}};
    if (job_status_ == "succeeded") j["output"] = kAssetId;
    if (job_status_ == "failed") j["error"] = "engine exploded";
    return j;
  }

  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  uint16_t port_ = 0;
};

struct RunResult {
  int code = -1;
  std::string out, err;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("custody-cli-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    creds_ = dir_ / "conf" / "credentials.json";
    ::setenv("CUSTODY_CREDENTIALS", creds_.c_str(), 1);
    for (const char* v : {"CUSTODY_TOKEN", "CUSTODY_SERVER", "CUSTODY_PASSWORD"}) ::unsetenv(v);
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunResult Run(std::vector<std::string> args, const std::string& stdin_text = "") {
    CLI::App app{"custody"};
    app.require_subcommand(1);
    RunResult r;
    RegisterCommands(app, &r.code, [this](const fs::path& d) -> Result<json::object> {
      offline_dir_ = d;
      return offline_report_;
    });
    std::vector<char*> argv = {const_cast<char*>("custody")};
    for (auto& a : args) argv.push_back(a.data());
    std::stringstream out, err, in(stdin_text);
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    auto* old_in = std::cin.rdbuf(in.rdbuf());
    std::cin.clear();
    try {
      app.parse(int(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      r.code = app.exit(e, out, err);
    }
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    std::cin.rdbuf(old_in);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  RunResult Login() {
    return Run({"login", "--server", server_.url(), "--name", "admin", "--password-stdin"},
               std::string(kPassword) + "\n");
  }

  std::string ReadFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  FakeServer server_;
  fs::path dir_, creds_, offline_dir_;
  json::object offline_report_;
};

TEST_F(CliTest, LoginSavesPrivateCredentialsAndNeverPrintsTokens) {
  RunResult r = Login();
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("logged in to " + server_.url() + " as admin"), std::string::npos);
  EXPECT_EQ(r.out.find("acc1"), std::string::npos);
  EXPECT_EQ(r.out.find("ref1"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(creds_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(creds_.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto saved = LoadCredentials(creds_);
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(saved->server, server_.url());
  EXPECT_EQ(saved->access_token, "acc1");
  EXPECT_EQ(saved->refresh_token, "ref1");
  EXPECT_EQ(saved->expires_at, "2030-01-01T00:15:00Z");

  RunResult json_login =
      Run({"login", "--server", server_.url(), "--name", "admin", "--password-stdin", "--json"},
          std::string(kPassword) + "\n");
  ASSERT_EQ(json_login.code, 0);
  EXPECT_EQ(json_login.out.find("acc2"), std::string::npos);
}

TEST_F(CliTest, MalformedCredentialsFileDoesNotBlockLogin) {
  fs::create_directories(creds_.parent_path());
  std::ofstream(creds_) << "{not json";
  RunResult r = Login();
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("warning"), std::string::npos);
  EXPECT_EQ(LoadCredentials(creds_)->access_token, "acc1");
}

TEST_F(CliTest, ApiKeyIsPrintedOnceAloneOnStdout) {
  ASSERT_EQ(Login().code, 0);
  RunResult r = Run({"principal", "api-key", "prn_bbbbbbbbbbbbbbbbbbbbbbbbbb", "--ttl-days", "30",
                     "--label", "ci"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "ck_secret_key\n");
  EXPECT_NE(r.err.find("shown only once"), std::string::npos);
}

TEST_F(CliTest, WrongPasswordFailsWithTheServersDetail) {
  RunResult r =
      Run({"login", "--server", server_.url(), "--name", "admin", "--password-stdin"}, "nope\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "custody: invalid name or password\n");
}

TEST_F(CliTest, PasswordFromEnvironment) {
  ::setenv("CUSTODY_PASSWORD", kPassword, 1);
  RunResult r = Run({"login", "--server", server_.url(), "--name", "admin"});
  ::unsetenv("CUSTODY_PASSWORD");
  EXPECT_EQ(r.code, 0) << r.err;
}

TEST_F(CliTest, WhoamiUsesTheSavedSession) {
  ASSERT_EQ(Login().code, 0);
  RunResult r = Run({"whoami"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("admin (human) prn_"), std::string::npos);
  EXPECT_NE(r.out.find("role: admin (all projects)"), std::string::npos);
  RunResult j = Run({"whoami", "--json"});
  ASSERT_EQ(j.code, 0);
  EXPECT_TRUE(ParseJsonObject(j.out).ok()) << j.out;
}

TEST_F(CliTest, ExpiredAccessTokenIsRefreshedOnceAndTheNewPairSaved) {
  ASSERT_EQ(Login().code, 0);
  server_.ExpireAccessTokens();
  RunResult r = Run({"whoami"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(server_.refreshes_, 1);
  auto saved = LoadCredentials(creds_);
  EXPECT_EQ(saved->access_token, "acc2");
  EXPECT_EQ(saved->refresh_token, "ref2");
  // The rotated pair keeps working; no second refresh.
  ASSERT_EQ(Run({"whoami"}).code, 0);
  EXPECT_EQ(server_.refreshes_, 1);
}

TEST_F(CliTest, SpentSessionAsksToLogInAgain) {
  ASSERT_EQ(Login().code, 0);
  {
    std::lock_guard lock(server_.mu_);
    server_.access_.clear();
    server_.refresh_.clear();
  }
  RunResult r = Run({"whoami"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("custody login --server " + server_.url()), std::string::npos) << r.err;
}

TEST_F(CliTest, NotLoggedInIsExplained) {
  RunResult r = Run({"whoami", "--server", server_.url()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("not logged in to " + server_.url()), std::string::npos) << r.err;
}

TEST_F(CliTest, SavedTokenIsNotSentToAnotherServer) {
  ASSERT_EQ(Login().code, 0);
  RunResult r = Run({"whoami", "--server", "http://127.0.0.1:1"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("the saved session is for " + server_.url()), std::string::npos) << r.err;
}

TEST_F(CliTest, EnvironmentTokenAndServerOverrideTheFile) {
  ::setenv("CUSTODY_TOKEN", "test-api-key\n", 1);
  ::setenv("CUSTODY_SERVER", server_.url().c_str(), 1);
  RunResult r = Run({"whoami"});
  ::unsetenv("CUSTODY_TOKEN");
  ::unsetenv("CUSTODY_SERVER");
  EXPECT_EQ(r.code, 0) << r.err;
}

TEST_F(CliTest, LogoutRevokesAndDeletesTheTokens) {
  ASSERT_EQ(Login().code, 0);
  RunResult r = Run({"logout"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(server_.logouts_, 1);
  auto saved = LoadCredentials(creds_);
  EXPECT_FALSE(saved->has_tokens());
  EXPECT_EQ(saved->server, server_.url());
}

TEST_F(CliTest, ConnectionRefusedNamesTheServer) {
  ::setenv("CUSTODY_TOKEN", "test-api-key", 1);
  RunResult r = Run({"asset", "get", kAssetId, "--server", "http://127.0.0.1:1"});
  ::unsetenv("CUSTODY_TOKEN");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("cannot reach the Custody server at http://127.0.0.1:1"), std::string::npos)
      << r.err;
}

TEST_F(CliTest, UploadStreamsTheFileWithEncodedQueryParameters) {
  ASSERT_EQ(Login().code, 0);
  fs::path file = dir_ / "ref.png";
  std::string content = "\x89PNG" + std::string(300000, 'q');
  std::ofstream(file, std::ios::binary) << content;
  // A repeatable --label takes one value each time: FILE after it stays positional.
  RunResult r = Run({"asset", "upload", "--label", "a b", "--label", "c", file.string(),
                     "--project", "launch", "--kind", "reference", "--title", "Hero & co?",
                     "--licence", "CC-BY 4.0", "--media-type", "image/png"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("as " + std::string(kAssetId)), std::string::npos);
  http::QueryParams want = {{"project", kProjectId},
                            {"kind", "reference"},
                            {"title", "Hero & co?"},
                            {"labels", "a b,c"},
                            {"licence", "CC-BY 4.0"}};
  EXPECT_EQ(server_.upload_query_, want);
  EXPECT_EQ(server_.upload_content_type_, "image/png");
  EXPECT_EQ(server_.upload_length_, content.size());
  EXPECT_EQ(server_.upload_body_, content);
}

TEST_F(CliTest, UploadOfAMissingFileIsAUsageError) {
  RunResult r = Run({"asset", "upload", (dir_ / "nope").string(), "--project", kProjectId});
  EXPECT_EQ(r.code, 2);
}

TEST_F(CliTest, DownloadVerifiesTheSha256BeforeRenaming) {
  ASSERT_EQ(Login().code, 0);
  fs::path out = dir_ / "out.png";
  RunResult r = Run({"asset", "download", kAssetId, "-o", out.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ReadFile(out), server_.content_);
  EXPECT_NE(r.out.find("(verified)"), std::string::npos);

  fs::path bad = dir_ / "bad.png";
  RunResult b = Run({"asset", "download", kBadAssetId, "-o", bad.string()});
  EXPECT_EQ(b.code, 1);
  EXPECT_NE(b.err.find("but the server announced"), std::string::npos) << b.err;
  EXPECT_FALSE(fs::exists(bad));
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);  // only out.png: no temporary file left behind
}

TEST_F(CliTest, ApproveWithoutShaApprovesWhatTheServerShows) {
  ASSERT_EQ(Login().code, 0);
  RunResult r = Run({"approve", kAssetId, "--comment", "ok"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string sha = Sha256Hex(server_.content_);
  EXPECT_EQ(server_.approved_sha_, sha);
  EXPECT_NE(r.out.find("approving " + std::string(kAssetId) + " at sha256 " + sha),
            std::string::npos);
  EXPECT_NE(r.out.find("1 of 1 approvals"), std::string::npos);
}

TEST_F(CliTest, PolicyDenialExits3AndNamesTheRule) {
  ASSERT_EQ(Login().code, 0);
  RunResult r = Run({"approve", kDeniedAssetId, "--sha256", "abc"});
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("custody: denied: forbid-contributor-approves"), std::string::npos);
  EXPECT_NE(r.err.find("denied by policy: forbid-contributor-approves — separation of duties: "
                       "you contributed"),
            std::string::npos)
      << r.err;
}

TEST_F(CliTest, GenerateWaitFollowsTheEventStream) {
  ASSERT_EQ(Login().code, 0);
  RunResult r = Run({"generate", "--project", kProjectId, "--prompt", "a red fox", "--reference",
                     kAssetId, "--reference", std::string(kAssetId) + ":prompt", "--seed", "7",
                     "--width", "64", "--height", "32", "--label", "x", "--wait"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("output asset: " + std::string(kAssetId)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(std::string(kJobId) + ": running 50%\n"), std::string::npos) << r.out;
  const json::object& req = server_.job_request_;
  EXPECT_EQ(json::serialize(req.at("inputs")),
            R"([{"asset":")" + std::string(kAssetId) + R"(","role":"reference:character"},)" +
                R"({"asset":")" + kAssetId + R"(","role":"prompt"}])");
  EXPECT_EQ(json::serialize(req.at("parameters")), R"({"width":64,"height":32})");
  EXPECT_EQ(req.at("seed").as_int64(), 7);
  EXPECT_EQ(req.at("prompt").as_string(), "a red fox");
}

TEST_F(CliTest, WaitFallsBackToPollingWithoutAnEventStream) {
  ASSERT_EQ(Login().code, 0);
  server_.events_broken_ = true;
  RunResult r = Run({"job", "status", kJobId, "--wait"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(server_.job_gets_, 3);
  EXPECT_NE(r.out.find("output: " + std::string(kAssetId)), std::string::npos) << r.out;
}

TEST_F(CliTest, FailedJobExits1WithItsError) {
  ASSERT_EQ(Login().code, 0);
  server_.events_broken_ = true;
  server_.final_status_ = "failed";
  RunResult r = Run({"job", "status", kJobId, "--wait", "--json"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(ParseJsonObject(r.out).ok()) << r.out;  // one JSON document, even on failure
  EXPECT_EQ(r.err, "custody: job " + std::string(kJobId) + " failed: engine exploded\n");
}

TEST_F(CliTest, ExportRequestsAGrantThenExecutesIt) {
  ASSERT_EQ(Login().code, 0);
  RunResult r = Run({"export", kAssetId, "--destination", "web"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("publication: pub_x"), std::string::npos);
  EXPECT_NE(r.out.find("metadata removed: exif, xmp"), std::string::npos);
}

TEST_F(CliTest, AuditVerifyOnlineAndOffline) {
  ASSERT_EQ(Login().code, 0);
  RunResult ok = Run({"audit", "verify"});
  ASSERT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, "audit log OK: 12 entries, 3 checkpoints verified, root ab12\n");

  offline_report_ = {
      {"ok", false},          {"entries", 5},
      {"checkpoints", 1},     {"checkpoints_verified", 0},
      {"first_bad_entry", 3}, {"problems", json::array{"entry 3: leaf hash mismatch"}},
      {"root", "00"}};
  RunResult bad = Run({"audit", "verify", "--data", (dir_ / "data").string()});
  EXPECT_EQ(bad.code, 4);
  EXPECT_EQ(offline_dir_, dir_ / "data");
  EXPECT_EQ(bad.out, "audit log FAILED\n  entry 3: leaf hash mismatch\nfirst bad entry: 3\n");
}

}  // namespace
}  // namespace custody::cli
