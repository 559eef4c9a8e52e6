// Crash safety: kill -9 the real `custody serve` process during an upload and during job runs,
// restart it, and check that no partial asset exists, unfinished jobs resume, and the audit log
// verifies.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <thread>

#include "app/server.h"
#include "http/client.h"
#include "integration/test_server.h"

namespace custody::testing {
namespace {

std::string Str(const json::value& v) { return std::string(v.as_string()); }

// One `custody serve` child process.
class Child {
 public:
  Child(const std::filesystem::path& data, const std::filesystem::path& dest) {
    log_ = data.parent_path() / "server.log";
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::setenv("CUSTODY_ADMIN_PASSWORD", TestServer::kAdminPassword, 1);
      std::string dest_arg = "web=" + dest.string();
      ::execl(CUSTODY_BINARY, CUSTODY_BINARY, "serve", "--data", data.c_str(), "--listen",
              "127.0.0.1:0", "--workers", "1", "--destination", dest_arg.c_str(), nullptr);
      ::_exit(127);
    }
    // Wait for "serving on http://127.0.0.1:PORT".
    for (int i = 0; i < 600 && port_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::ifstream in(log_);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::smatch m;
      std::string tail = text.substr(offset_);
      if (std::regex_search(tail, m, std::regex("serving on http://127\\.0\\.0\\.1:(\\d+)"))) {
        port_ = uint16_t(std::stoi(m[1]));
        offset_ = text.size();
      }
    }
  }
  ~Child() {
    if (pid_ > 0) Kill();
  }
  void Kill() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  int Term() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::filesystem::path log_;
  static inline size_t offset_ = 0;
};

struct Api {
  explicit Api(const std::string& url) : client(url) {}
  json::object Call(const std::string& method, const std::string& target, const json::value& body,
                    int* status = nullptr) {
    http::Headers h{{"Content-Type", "application/json"}};
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    auto r = client.Send(method, target, h, body.is_null() ? "" : json::serialize(body));
    if (!r.ok()) {
      ADD_FAILURE() << target << ": " << r.error().ToString();
      return {};
    }
    if (status) *status = r->status;
    auto o = ParseJsonObject(r->body.empty() ? "{}" : r->body);
    return o.ok() ? *o : json::object{};
  }
  http::HttpClient client;
  std::string token;
};

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        std::filesystem::temp_directory_path() / ("custody-crash-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "dest");
    data_ = root_ / "data";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_, data_;
};

TEST_F(CrashTest, KillDuringUploadAndJobsThenRestart) {
  std::string project;
  std::vector<std::string> jobs;
  {
    Child server(data_, root_ / "dest");
    ASSERT_NE(server.port(), 0) << "server did not start";
    Api api(server.url());
    api.token = Str(api.Call(
        "POST", "/v1/auth/login",
        json::object{{"name", "admin"}, {"password", TestServer::kAdminPassword}})["access_token"]);
    project = Str(api.Call("POST", "/v1/projects", json::object{{"name", "crash"}})["id"]);
    std::string me = Str(api.Call("GET", "/v1/auth/whoami", nullptr)["id"]);
    int st = 0;
    api.Call("POST", "/v1/projects/" + project + "/members",
             json::object{{"principal", me}, {"role", "creator"}}, &st);
    ASSERT_EQ(st, 201);
    // Queue jobs large enough to still be running when the process dies.
    for (int i = 0; i < 4; ++i) {
      json::object j =
          api.Call("POST", "/v1/jobs",
                   json::object{{"project", project},
                                {"prompt", "crash test " + std::to_string(i)},
                                {"parameters", json::object{{"width", 1024}, {"height", 1024}}}},
                   &st);
      ASSERT_EQ(st, 202);
      jobs.push_back(Str(j["id"]));
    }
    // Start an upload and stop half-way through the body.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(server.port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    std::string head =
        "POST /v1/assets?project=" + project +
        "&kind=upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + api.token +
        "\r\nContent-Type: application/octet-stream\r\nContent-Length: 10000000\r\n\r\n";
    ASSERT_GT(::write(fd, head.data(), head.size()), 0);
    std::string chunk(1 << 20, 'u');
    for (int i = 0; i < 3; ++i) ASSERT_GT(::write(fd, chunk.data(), chunk.size()), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    server.Kill();
    ::close(fd);
  }
  {
    Child server(data_, root_ / "dest");
    ASSERT_NE(server.port(), 0) << "server did not restart";
    Api api(server.url());
    api.token = Str(api.Call(
        "POST", "/v1/auth/login",
        json::object{{"name", "admin"}, {"password", TestServer::kAdminPassword}})["access_token"]);
    // Unfinished jobs resume and finish.
    for (const std::string& id : jobs) {
      std::string status;
      for (int i = 0; i < 1200; ++i) {
        status = Str(api.Call("GET", "/v1/jobs/" + id, nullptr)["status"]);
        if (status == "succeeded" || status == "failed") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      EXPECT_EQ(status, "succeeded") << id;
    }
    // No partial upload became an asset: only the 4 prompts and 4 generations exist.
    json::object list = api.Call("GET", "/v1/assets?limit=100", nullptr);
    size_t uploads = 0;
    for (const auto& a : list["assets"].as_array())
      uploads += Str(a.as_object().at("kind")) == "upload";
    EXPECT_EQ(uploads, 0u);
    EXPECT_EQ(list["assets"].as_array().size(), 8u);
    // The partial upload left nothing in tmp/.
    EXPECT_TRUE(std::filesystem::is_empty(data_ / "tmp"));
    // Graceful shutdown on SIGTERM.
    int status = server.Term();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  auto report = app::VerifyAuditOffline(data_);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_TRUE((*report)["ok"].as_bool()) << json::serialize(*report);
}

}  // namespace
}  // namespace custody::testing
