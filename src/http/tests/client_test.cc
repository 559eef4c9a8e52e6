// HttpClient behaviour that the server tests do not already cover.
#include "http/client.h"

#include <gtest/gtest.h>

#include <thread>

#include "http/tests/test_util.h"

namespace custody::http {
namespace {

using namespace std::chrono_literals;
using testing::TestServer;

void Ok(Request& req, ResponseWriter& w) { (void)w.Send(Response::Text(200, req.path())); }

TEST(ClientTest, RejectsNonHttpBaseUrls) {
  HttpClient client("https://127.0.0.1:1");
  EXPECT_FALSE(client.status().ok());
  auto r = client.Send("GET", "/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find("only http://"), std::string::npos);
  EXPECT_FALSE(client
                   .Events(
                       "/", {}, [](const SseEvent&) { return true; }, 1s)
                   .ok());
}

TEST(ClientTest, RejectsBadTargetsAndHeaders) {
  TestServer s(Ok);
  HttpClient client(s.url());
  EXPECT_EQ(client.Send("GET", "no-slash").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(client.Send("GET", "/a b").ok());
  EXPECT_FALSE(client.Send("GET", "/", {{"X-A", "1\r\nX-B: 2"}}).ok());
  EXPECT_FALSE(client.Send("GET", "/", {{"Content-Length", "3"}}).ok());
  EXPECT_FALSE(client.Send("BAD METHOD", "/").ok());
}

TEST(ClientTest, ConnectionRefusedIsUnavailable) {
  uint16_t port;
  {
    TestServer s(Ok);
    port = s.port();
  }
  HttpClient client("http://127.0.0.1:" + std::to_string(port));
  auto r = client.Send("GET", "/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
}

TEST(ClientTest, ReconnectsAfterServerClosedIdleConnection) {
  ServerOptions o;
  o.idle_timeout = 50ms;
  TestServer s(Ok, o);
  HttpClient client(s.url());
  ASSERT_TRUE(client.Send("GET", "/1").ok());
  ASSERT_TRUE(testing::WaitFor([&] { return s.server().active_connections() == 0; }));
  auto r = client.Send("GET", "/2");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->body, "/2");
}

TEST(ClientTest, ReadTimeoutIsDeadlineExceeded) {
  TestServer s([](Request& req, ResponseWriter& w) {
    std::this_thread::sleep_for(500ms);
    Ok(req, w);
  });
  ClientOptions o;
  o.read_timeout = 100ms;
  HttpClient client(s.url(), o);
  auto r = client.Send("GET", "/slow");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDeadlineExceeded);
}

TEST(ClientTest, BufferedResponseLimit) {
  TestServer s([](Request&, ResponseWriter& w) {
    (void)w.Send(Response::Text(200, std::string(5000, 'x')));
  });
  ClientOptions o;
  o.max_body_bytes = 1000;
  HttpClient client(s.url(), o);
  auto r = client.Send("GET", "/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kPayloadTooLarge);
}

TEST(ClientTest, ErrorFromResponseUsesProblemDetail) {
  TestServer s([](Request&, ResponseWriter& w) {
    (void)w.Send(Response::Problem(404, "asset ast_1 does not exist"));
  });
  HttpClient client(s.url());
  auto r = client.Send("GET", "/v1/assets/ast_1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  Error e = ErrorFromResponse(*r);
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  EXPECT_EQ(e.message(), "HTTP 404: asset ast_1 does not exist");
  EXPECT_EQ(e.details().at("status"), 404);

  ClientResponse coded{409, {}, R"({"title":"x","code":"already_exists"})"};
  EXPECT_EQ(ErrorFromResponse(coded).code(), ErrorCode::kAlreadyExists);
}

TEST(ClientTest, DownloadBuffersErrorBodiesAndSinkErrorsAbort) {
  TestServer s([](Request& req, ResponseWriter& w) {
    if (req.path() == "/missing") {
      (void)w.Send(Response::Problem(404, "nope"));
      return;
    }
    (void)w.Send(Response::Text(200, std::string(100000, 'd')));
  });
  HttpClient client(s.url());
  int calls = 0;
  auto missing = client.Download("GET", "/missing", {}, [&](std::span<const uint8_t>) {
    ++calls;
    return OkStatus();
  });
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(calls, 0);
  EXPECT_NE(missing->body.find("nope"), std::string::npos);

  auto aborted = client.Download("GET", "/file", {}, [](std::span<const uint8_t>) -> Status {
    return Error(ErrorCode::kDataLoss, "disk full");
  });
  ASSERT_FALSE(aborted.ok());
  EXPECT_EQ(aborted.error().code(), ErrorCode::kDataLoss);
  auto after = client.Send("GET", "/ok");  // a fresh connection
  ASSERT_TRUE(after.ok());
}

TEST(ClientTest, UploadSourceMustMatchDeclaredLength) {
  TestServer s([](Request& req, ResponseWriter& w) {
    (void)req.ReadBody();
    (void)w.Send(Response::Text(200, "ok"));
  });
  HttpClient client(s.url());
  int calls = 0;
  auto r = client.SendStream(
      "PUT", "/", {},
      [&](std::span<uint8_t> buf) -> Result<size_t> {
        if (calls++ > 0) return size_t{0};
        buf[0] = 'a';
        return size_t{1};
      },
      10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  auto fine = client.SendStream(
      "PUT", "/", {}, [](std::span<uint8_t>) -> Result<size_t> { return size_t{0}; }, 0);
  ASSERT_TRUE(fine.ok()) << fine.error().ToString();
  EXPECT_EQ(fine->body, "ok");
}

TEST(ClientTest, EventsTimeoutAndNon200) {
  TestServer s([](Request& req, ResponseWriter& w) {
    if (req.path() == "/forbidden") {
      (void)w.Send(Response::Problem(403, "not yours"));
      return;
    }
    SseWriter sse(w);
    if (!sse.Start().ok()) return;
    while (!w.client_gone() && sse.Heartbeat().ok()) std::this_thread::sleep_for(20ms);
  });
  HttpClient client(s.url());
  auto start = std::chrono::steady_clock::now();
  Status st = client.Events(
      "/quiet", {}, [](const SseEvent&) { return true; }, 300ms);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);

  Status denied = client.Events(
      "/forbidden", {}, [](const SseEvent&) { return true; }, 1s);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(denied.error().message().find("not yours"), std::string::npos);
}

}  // namespace
}  // namespace custody::http
