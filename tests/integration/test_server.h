// TestServer: the real Custody server in-process on 127.0.0.1:0 with a temporary data directory,
// plus an HTTP client with helpers for the API. Integration tests drive everything over the
// socket, exactly as a client would.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "app/server.h"
#include "base/json.h"
#include "http/client.h"

namespace custody::testing {

struct Reply {
  int status = 0;
  json::object body;  // parsed when the response is JSON
  std::string raw;
  std::optional<std::string> content_type;
};

class TestServer {
 public:
  // `clock` may be a ManualClock the test moves; null uses the system clock.
  explicit TestServer(const Clock* clock = nullptr, app::Config overrides = {});
  ~TestServer();

  void Restart();
  void Stop();
  uint16_t port() const { return port_; }
  std::vector<app::Server::RouteInfo> Routes() const { return server_->Routes(); }
  void RunMaintenance() { server_->RunMaintenance(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& data_dir() const { return data_; }
  const std::filesystem::path& destination() const { return dest_; }

  // Requests. `token` may be empty.
  Reply Get(const std::string& target, const std::string& token);
  Reply Post(const std::string& target, const json::value& body, const std::string& token);
  Reply PostRaw(const std::string& target, const std::string& body, const std::string& content_type,
                const std::string& token);
  Reply Delete(const std::string& target, const std::string& token);
  Reply Request(const std::string& method, const std::string& target, const std::string& body,
                const std::string& content_type, const std::string& token) {
    return Send(method, target, body, content_type, token);
  }

  // Flow helpers (each asserts success with gtest and returns what the test needs next).
  std::string Login(const std::string& name, const std::string& password);
  std::string CreateHuman(const std::string& admin_token, const std::string& name);  // id
  std::string CreateProject(const std::string& admin_token, const std::string& name);
  void AddMember(const std::string& admin_token, const std::string& project,
                 const std::string& principal, const std::string& role);
  json::object Upload(const std::string& token, const std::string& project, const std::string& kind,
                      const std::string& bytes, const std::string& extra_query = "");
  json::object WaitForJob(const std::string& token, const std::string& job);

  static constexpr const char* kAdminPassword = "admin-password-for-tests";
  static constexpr const char* kUserPassword = "user-password-for-tests";

 private:
  Reply Send(const std::string& method, const std::string& target, const std::string& body,
             const std::string& content_type, const std::string& token);

  const Clock* clock_;
  app::Config config_;
  std::filesystem::path root_, data_, dest_;
  SystemClock system_clock_;
  SystemRandom random_;
  std::unique_ptr<app::Server> server_;
  uint16_t port_ = 0;
  std::unique_ptr<http::HttpClient> client_;
};

// The fixtures folder (CUSTODY_FIXTURES, default <source>/../shared/fixtures), or "" when it is
// absent and fixtures are not required.
std::filesystem::path FixturesDir();

}  // namespace custody::testing
