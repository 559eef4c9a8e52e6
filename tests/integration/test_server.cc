#include "integration/test_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <thread>

namespace custody::testing {

TestServer::TestServer(const Clock* clock, app::Config overrides)
    : clock_(clock ? clock : &system_clock_), config_(std::move(overrides)) {
  static int counter = 0;
  root_ = std::filesystem::temp_directory_path() /
          ("custody-it-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(root_);
  data_ = root_ / "data";
  dest_ = root_ / "dest";
  std::filesystem::create_directories(dest_);
  config_.data_dir = data_;
  config_.listen_host = "127.0.0.1";
  config_.listen_port = 0;
  config_.destinations = {{"web", dest_}};
  config_.fast_password_hashing = true;
  if (config_.workers == 2) config_.workers = 1;
  config_.shutdown_grace = std::chrono::milliseconds(2000);
  ::setenv("CUSTODY_ADMIN_PASSWORD", kAdminPassword, 1);
  Restart();
}

TestServer::~TestServer() {
  Stop();
  std::filesystem::remove_all(root_);
}

void TestServer::Stop() {
  client_.reset();
  if (server_) server_->Stop();
  server_.reset();
}

void TestServer::Restart() {
  Stop();
  std::ostringstream out;
  auto s = app::Server::Create(config_, out, *clock_, random_);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  server_ = std::move(*s);
  auto port = server_->Start();
  ASSERT_TRUE(port.ok()) << port.error().ToString();
  port_ = *port;
  client_ = std::make_unique<http::HttpClient>(url());
}

Reply TestServer::Send(const std::string& method, const std::string& target,
                       const std::string& body, const std::string& content_type,
                       const std::string& token) {
  http::Headers h;
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  if (!content_type.empty()) h.emplace_back("Content-Type", content_type);
  auto r = client_->Send(method, target, h, body);
  Reply out;
  if (!r.ok()) {
    ADD_FAILURE() << method << " " << target << ": " << r.error().ToString();
    return out;
  }
  out.status = r->status;
  out.raw = r->body;
  out.content_type = r->header("content-type");
  if (!r->body.empty() && out.content_type &&
      (out.content_type->find("json") != std::string::npos)) {
    auto parsed = ParseJsonObject(r->body);
    if (parsed.ok()) out.body = std::move(*parsed);
  }
  return out;
}

Reply TestServer::Get(const std::string& target, const std::string& token) {
  return Send("GET", target, "", "", token);
}
Reply TestServer::Post(const std::string& target, const json::value& body,
                       const std::string& token) {
  return Send("POST", target, json::serialize(body), "application/json", token);
}
Reply TestServer::PostRaw(const std::string& target, const std::string& body,
                          const std::string& content_type, const std::string& token) {
  return Send("POST", target, body, content_type, token);
}
Reply TestServer::Delete(const std::string& target, const std::string& token) {
  return Send("DELETE", target, "", "", token);
}

std::string TestServer::Login(const std::string& name, const std::string& password) {
  Reply r = Post("/v1/auth/login", json::object{{"name", name}, {"password", password}}, "");
  EXPECT_EQ(r.status, 200) << r.raw;
  if (r.status != 200) return "";
  return std::string(r.body["access_token"].as_string());
}

std::string TestServer::CreateHuman(const std::string& admin_token, const std::string& name) {
  Reply r = Post("/v1/principals",
                 json::object{{"name", name}, {"kind", "human"}, {"password", kUserPassword}},
                 admin_token);
  EXPECT_EQ(r.status, 201) << r.raw;
  if (r.status != 201) return "";
  return std::string(r.body["id"].as_string());
}

std::string TestServer::CreateProject(const std::string& admin_token, const std::string& name) {
  Reply r = Post("/v1/projects", json::object{{"name", name}}, admin_token);
  EXPECT_EQ(r.status, 201) << r.raw;
  if (r.status != 201) return "";
  return std::string(r.body["id"].as_string());
}

void TestServer::AddMember(const std::string& admin_token, const std::string& project,
                           const std::string& principal, const std::string& role) {
  Reply r = Post("/v1/projects/" + project + "/members",
                 json::object{{"principal", principal}, {"role", role}}, admin_token);
  EXPECT_EQ(r.status, 201) << r.raw;
}

json::object TestServer::Upload(const std::string& token, const std::string& project,
                                const std::string& kind, const std::string& bytes,
                                const std::string& extra_query) {
  Reply r = PostRaw("/v1/assets?project=" + project + "&kind=" + kind + extra_query, bytes,
                    "application/octet-stream", token);
  EXPECT_EQ(r.status, 201) << r.raw;
  return r.body;
}

json::object TestServer::WaitForJob(const std::string& token, const std::string& job) {
  for (int i = 0; i < 3000; ++i) {
    Reply r = Get("/v1/jobs/" + job, token);
    EXPECT_EQ(r.status, 200) << r.raw;
    if (r.status != 200) return {};
    std::string status(r.body["status"].as_string());
    if (status == "succeeded" || status == "failed" || status == "cancelled") return r.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "job " << job << " did not finish";
  return {};
}

std::filesystem::path FixturesDir() {
  const char* env = std::getenv("CUSTODY_FIXTURES");
  std::filesystem::path dir;
  if (env && *env) {
    dir = env;
  } else if (const char* src = std::getenv("CUSTODY_SOURCE_DIR")) {
    dir = std::filesystem::path(src) / ".." / "shared" / "fixtures";
  }
  if (!dir.empty() && std::filesystem::is_directory(dir)) return dir;
  return {};
}

}  // namespace custody::testing
