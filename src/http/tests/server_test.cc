// HttpServer over real sockets on 127.0.0.1 (port 0), driven by HttpClient and by raw bytes.
#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "http/client.h"
#include "http/router.h"
#include "http/sse.h"
#include "http/tests/test_util.h"

namespace custody::http {
namespace {

using namespace std::chrono_literals;
using testing::FillPattern;
using testing::RawConn;
using testing::RawResponse;
using testing::StreamHash;
using testing::TestServer;
using testing::WaitFor;

constexpr uint64_t k64MiB = 64ull << 20;

boost::json::value ParseJson(const std::string& body) { return boost::json::parse(body); }

std::string Str(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

// Asserts `r` is an RFC 9457 problem with this status.
void ExpectProblem(const RawResponse& r, int status) {
  EXPECT_EQ(r.status, status);
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  ASSERT_FALSE(ec) << r.body;
  EXPECT_EQ(v.at("status"), status);
  EXPECT_EQ(v.at("type"), "about:blank");
  EXPECT_TRUE(v.at("title").is_string());
  EXPECT_TRUE(v.at("detail").is_string());
}

void EchoHandler(Request& req, ResponseWriter& w) {
  boost::json::object o;
  o["method"] = req.method();
  o["path"] = req.path();
  o["peer"] = req.peer();
  Result<std::string> body = req.ReadBody();
  if (!body.ok()) return;  // the server maps the body error
  o["body"] = *body;
  (void)w.Send(Response::Json(200, o));
}

// A one-shot gate: Wait blocks until Open.
class Gate {
 public:
  void Open() {
    std::lock_guard l(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool Wait(std::chrono::milliseconds timeout = 5s) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, timeout, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(TestUtilTest, PatternAndHashDoNotDependOnSplitting) {
  std::vector<uint8_t> whole(1000);
  FillPattern(3, whole);
  for (size_t i = 0; i < whole.size(); ++i) ASSERT_EQ(whole[i], testing::PatternByte(3 + i));
  StreamHash a, b, c;
  a.Update(whole.data(), whole.size());
  for (size_t i = 0; i < whole.size(); i += 7) {
    b.Update(whole.data() + i, std::min<size_t>(7, whole.size() - i));
  }
  EXPECT_EQ(a.value(), b.value());
  std::swap(whole[10], whole[11]);
  c.Update(whole.data(), whole.size());
  EXPECT_NE(a.value(), c.value());
}

// ---------------------------------------------------------------------------------------------
// Keep-alive and connection handling

TEST(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  std::mutex mu;
  std::set<std::string> peers;
  TestServer s([&](Request& req, ResponseWriter& w) {
    {
      std::lock_guard l(mu);
      peers.insert(req.peer());
    }
    EchoHandler(req, w);
  });
  HttpClient client(s.url());
  for (int i = 0; i < 200; ++i) {
    auto r = client.Send(i % 2 ? "GET" : "POST", "/n/" + std::to_string(i), {}, "x");
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(Str(ParseJson(r->body).at("path")), "/n/" + std::to_string(i));
    EXPECT_FALSE(r->header("Connection").has_value());
  }
  EXPECT_EQ(peers.size(), 1u);
  EXPECT_EQ(s.server().active_connections(), 1u);
}

TEST(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  TestServer s(EchoHandler);
  RawConn c(s.port());
  ASSERT_TRUE(
      c.Send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
             "POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
             "GET /three HTTP/1.1\r\nHost: x\r\n\r\n"));
  for (const char* path : {"/one", "/two", "/three"}) {
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.has_value()) << path;
    EXPECT_EQ(ParseJson(r->body).at("path"), path);
  }
}

TEST(ServerTest, ConnectionCloseIsHonoured) {
  TestServer s(EchoHandler);
  RawConn c(s.port());
  ASSERT_TRUE(c.Send("GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(c.WaitClosed());
}

TEST(ServerTest, Http10ClosesUnlessKeepAliveAsked) {
  TestServer s(EchoHandler);
  RawConn c(s.port());
  ASSERT_TRUE(c.Send("GET /x HTTP/1.0\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(c.WaitClosed());

  RawConn k(s.port());
  ASSERT_TRUE(k.Send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto r1 = k.ReadResponse();
  ASSERT_TRUE(r1.has_value());
  EXPECT_EQ(r1->header("Connection"), "keep-alive");
  ASSERT_TRUE(k.Send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  ASSERT_TRUE(k.ReadResponse().has_value());
}

TEST(ServerTest, HandlerConnectionCloseHeaderClosesConnection) {
  TestServer s([](Request&, ResponseWriter& w) {
    (void)w.Send(Response{200, {{"Connection", "close"}}, "bye"});
  });
  RawConn c(s.port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(c.WaitClosed());
}

TEST(ServerTest, HeadSendsLengthButNoBody) {
  TestServer s([](Request&, ResponseWriter& w) { (void)w.Send(Response::Text(200, "hello")); });
  RawConn c(s.port());
  ASSERT_TRUE(c.Send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string head = c.ReadUntil("\r\n\r\n");
  EXPECT_NE(head.find("Content-Length: 5\r\n"), std::string::npos) << head;
  auto r = c.ReadResponse();  // the GET follows directly: the HEAD had no body bytes
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "hello");
}

TEST(ServerTest, ServerAddsDateAndServerHeaders) {
  ServerOptions o;
  o.server_name = "custody-test";
  TestServer s(EchoHandler, o);
  RawConn c(s.port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->header("Server"), "custody-test");
  ASSERT_TRUE(r->header("Date").has_value());
  EXPECT_EQ(r->header("Date")->size(), 29u);
  EXPECT_EQ(r->header("Date")->substr(25), " GMT");
}

// ---------------------------------------------------------------------------------------------
// Routing, decoding, validation

TEST(ServerTest, RouterAnswers404And405WithAllow) {
  Router router;
  ASSERT_TRUE(router
                  .Add("GET", "/v1/assets/{id}", "assets.get", "asset.read",
                       [](Request& req, ResponseWriter& w) {
                         (void)w.Send(Response::Text(200, req.param("id")));
                       })
                  .ok());
  ASSERT_TRUE(router
                  .Add("PUT", "/v1/assets/{id}", "assets.put", "asset.write",
                       [](Request&, ResponseWriter& w) { (void)w.Send(Response::Text(204, "")); })
                  .ok());
  HttpServer server(ServerOptions{}, router);
  auto port = server.Start();
  ASSERT_TRUE(port.ok());
  RawConn c(*port);
  ASSERT_TRUE(c.Send("GET /v1/assets/a%20b HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto ok = c.ReadResponse();
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->body, "a b");
  ASSERT_TRUE(c.Send("GET /v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto nf = c.ReadResponse();
  ASSERT_TRUE(nf.has_value());
  ExpectProblem(*nf, 404);
  ASSERT_TRUE(c.Send("DELETE /v1/assets/a1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto na = c.ReadResponse();
  ASSERT_TRUE(na.has_value());
  ExpectProblem(*na, 405);
  EXPECT_EQ(na->header("Allow"), "GET, HEAD, PUT");
  ASSERT_TRUE(c.Send("PUT /v1/assets/a1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  auto nc = c.ReadResponse();
  ASSERT_TRUE(nc.has_value());
  EXPECT_EQ(nc->status, 204);
  EXPECT_FALSE(nc->header("Content-Length").has_value());
  server.Stop(0ms);
}

TEST(ServerTest, QueryAndHeadersAreDecoded) {
  TestServer s([](Request& req, ResponseWriter& w) {
    boost::json::object o;
    o["name"] = req.query("name").value_or("<none>");
    o["plus"] = req.query("plus").value_or("<none>");
    o["flag"] = req.query("flag").value_or("<none>");
    o["missing"] = req.query("missing").value_or("<none>");
    o["custom"] = req.header("x-custom").value_or("<none>");
    o["multi"] = req.header("X-MULTI").value_or("<none>");
    o["target"] = req.target();
    (void)w.Send(Response::Json(200, o));
  });
  HttpClient client(s.url());
  auto r = client.Send("GET", "/q?name=caf%C3%A9%20au%20lait&plus=a+b&flag",
                       {{"X-Custom", "Value: 1"}, {"x-multi", "a"}, {"X-Multi", "b"}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  boost::json::value v = ParseJson(r->body);
  EXPECT_EQ(v.at("name"), "caf\xC3\xA9 au lait");
  EXPECT_EQ(v.at("plus"), "a b");
  EXPECT_EQ(v.at("flag"), "");
  EXPECT_EQ(v.at("missing"), "<none>");
  EXPECT_EQ(v.at("custom"), "Value: 1");
  EXPECT_EQ(v.at("multi"), "a, b");
  EXPECT_EQ(v.at("target"), "/q?name=caf%C3%A9%20au%20lait&plus=a+b&flag");
}

TEST(ServerTest, TraversalAndBadEncodingAre400) {
  std::atomic<int> handled{0};
  TestServer s([&](Request& req, ResponseWriter& w) {
    ++handled;
    EchoHandler(req, w);
  });
  for (const char* target : {"/files/../etc/passwd", "/files/%2e%2e/etc/passwd", "/a/%2E%2e",
                             "/files/..%2Fetc", "/a%2fb", "/a\\..\\b", "/a%5c..", "/bad%zz",
                             "/bad%4", "/nul%00byte", "/ctl%0D%0Ax", "http://evil/abs", "*"}) {
    RawConn c(s.port());
    ASSERT_TRUE(c.Send("GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.has_value()) << target;
    ExpectProblem(*r, 400);
    EXPECT_EQ(r->header("Connection"), "close") << target;
  }
  EXPECT_EQ(handled.load(), 0);
}

TEST(ServerTest, MalformedRequestLineIs400) {
  TestServer s(EchoHandler);
  for (const char* raw :
       {"GARBAGE\r\n\r\n", "GET /\r\n\r\n", "GET / HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Header\r\n\r\n", "GET / HTTP/1.1\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        // Request smuggling shapes (RFC 9112 §6.1, §6.3).
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
        "0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
        "0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"}) {
    SCOPED_TRACE(raw);
    RawConn c(s.port());
    ASSERT_TRUE(c.Send(raw));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.has_value()) << raw;
    ExpectProblem(*r, 400);
    EXPECT_TRUE(c.WaitClosed()) << raw;
  }
}

TEST(ServerTest, OversizedHeadersAre431) {
  ServerOptions o;
  o.max_header_bytes = 4096;
  TestServer s(EchoHandler, o);
  RawConn c(s.port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'a') + "\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  ExpectProblem(*r, 431);
  EXPECT_TRUE(c.WaitClosed());

  // Just under the limit is fine.
  HttpClient client(s.url());
  auto ok = client.Send("GET", "/", {{"X-Big", std::string(3000, 'a')}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
}

TEST(ServerTest, HandlerWithoutResponseGets500AndThrowingHandlerToo) {
  TestServer s([](Request& req, ResponseWriter&) {
    if (req.path() == "/throw") throw std::runtime_error("boom");
  });
  HttpClient client(s.url());
  auto r = client.Send("GET", "/silent");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->header("Content-Type"), "application/problem+json");
  auto t = client.Send("GET", "/throw");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->status, 500);
  auto again = client.Send("GET", "/silent");  // reconnects after the close
  ASSERT_TRUE(again.ok());
}

// ---------------------------------------------------------------------------------------------
// Request bodies

TEST(ServerTest, BufferedBodyOverLimitIs413ProblemJson) {
  TestServer s([](Request& req, ResponseWriter& w) {
    Result<std::string> body = req.ReadBody(1024);
    if (!body.ok()) return;  // server answers 413
    (void)w.Send(Response::Text(200, std::to_string(body->size())));
  });
  HttpClient client(s.url());
  auto small = client.Send("POST", "/", {}, std::string(1024, 'a'));
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->body, "1024");

  RawConn c(s.port());
  ASSERT_TRUE(c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n" +
                     std::string(2000, 'b')));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  ExpectProblem(*r, 413);
  // A small unread remainder is drained: the connection stays usable.
  EXPECT_FALSE(r->header("Connection").has_value());
  ASSERT_TRUE(c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok"));
  auto next = c.ReadResponse();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->body, "2");

  // Chunked, over the limit: 413 and the connection closes (unknown remainder).
  RawConn k(s.port());
  std::string chunk(1500, 'c');
  ASSERT_TRUE(k.Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5dc\r\n" +
                     chunk + "\r\n"));
  auto kr = k.ReadResponse();
  ASSERT_TRUE(kr.has_value());
  ExpectProblem(*kr, 413);
  EXPECT_EQ(kr->header("Connection"), "close");
  EXPECT_TRUE(k.WaitClosed());
}

TEST(ServerTest, LargeUploadOverLimitGets413AndClose) {
  TestServer s([](Request& req, ResponseWriter&) { (void)req.ReadBody(1 << 20); });
  HttpClient client(s.url());
  uint64_t produced = 0;
  std::vector<uint8_t> pattern(64 * 1024, 'z');
  auto r = client.SendStream(
      "PUT", "/big", {},
      [&](std::span<uint8_t> buf) -> Result<size_t> {
        size_t n = std::min<uint64_t>(buf.size(), k64MiB - produced);
        std::memcpy(buf.data(), pattern.data(), std::min(n, pattern.size()));
        produced += n;
        return n;
      },
      k64MiB);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_LT(produced, k64MiB);  // the client stopped uploading when the answer came
}

// Hashes a streamed request body; answers {"count","hash","max_read"}.
void HashingHandler(Request& req, ResponseWriter& w) {
  req.set_body_limit(128ull << 20);
  std::vector<uint8_t> buf(64 * 1024);
  StreamHash hash;
  uint64_t count = 0;
  while (true) {
    Result<size_t> n = req.ReadSome(buf);
    if (!n.ok()) return;
    if (*n == 0) break;
    hash.Update(buf.data(), *n);
    count += *n;
  }
  boost::json::object o;
  o["count"] = count;
  o["hash"] = std::to_string(hash.value());
  (void)w.Send(Response::Json(200, o));
}

// Uploads 64 MiB of PatternByte and checks what the server hashed; RSS must stay far below the
// upload size (nothing buffers the whole body).
void UploadAndCheck(bool chunked) {
  TestServer s(HashingHandler);
  HttpClient client(s.url());
  StreamHash expected;
  uint64_t produced = 0;
  std::atomic<bool> done{false};
  std::atomic<size_t> peak{testing::CurrentRss()};
  size_t base = peak.load();
  std::thread sampler([&] {
    while (!done) {
      size_t now = testing::CurrentRss();
      if (now > peak) peak = now;
      std::this_thread::sleep_for(5ms);
    }
  });
  auto r = client.SendStream(
      "POST", "/upload", {{"Content-Type", "application/octet-stream"}},
      [&](std::span<uint8_t> buf) -> Result<size_t> {
        // Odd-sized pieces exercise chunk boundaries.
        size_t n = std::min<uint64_t>({buf.size(), 40000, k64MiB - produced});
        FillPattern(produced, buf.first(n));
        expected.Update(buf.data(), n);
        produced += n;
        return n;
      },
      chunked ? std::nullopt : std::optional<uint64_t>(k64MiB));
  done = true;
  sampler.join();
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->status, 200) << r->body;
  boost::json::value v = ParseJson(r->body);
  EXPECT_EQ(v.at("count"), k64MiB);
  EXPECT_EQ(Str(v.at("hash")), std::to_string(expected.value()));
  EXPECT_LT(peak - base, 32u << 20) << "RSS grew by " << (peak - base) << " bytes";
}

TEST(ServerTest, StreamingUpload64MiBWithContentLength) { UploadAndCheck(false); }

TEST(ServerTest, StreamingUpload64MiBChunked) { UploadAndCheck(true); }

TEST(ServerTest, ExpectContinueSendsInterimResponseBeforeBody) {
  TestServer s(HashingHandler);
  RawConn c(s.port());
  ASSERT_TRUE(c.Send(
      "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n"));
  // curl waits (up to 1 s) for the interim response before sending the body.
  std::string interim = c.ReadUntil("\r\n\r\n", 2s);
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  std::string body(1000, 'q');
  ASSERT_TRUE(c.Send(body));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(ParseJson(r->body).at("count"), 1000);
  // Keep-alive continues after a 100-continue exchange.
  ASSERT_TRUE(c.Send("PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nz"));
  auto r2 = c.ReadResponse();
  ASSERT_TRUE(r2.has_value());
  EXPECT_EQ(ParseJson(r2->body).at("count"), 1);
}

TEST(ServerTest, ExpectContinueOverLimitGetsFinal413WithoutInterim) {
  TestServer s([](Request& req, ResponseWriter&) { (void)req.ReadBody(100); });
  RawConn c(s.port());
  ASSERT_TRUE(c.Send(
      "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  ExpectProblem(*r, 413);
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(c.WaitClosed());
}

TEST(ServerTest, UnreadSmallBodyIsDrainedUnreadChunkedBodyCloses) {
  TestServer s([](Request&, ResponseWriter& w) { (void)w.Send(Response::Text(200, "ignored")); });
  RawConn c(s.port());
  ASSERT_TRUE(
      c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x')));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->header("Connection").has_value());
  ASSERT_TRUE(c.Send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto next = c.ReadResponse();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 200);

  RawConn k(s.port());
  ASSERT_TRUE(
      k.Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
             "GET /never HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto kr = k.ReadResponse();
  ASSERT_TRUE(kr.has_value());
  EXPECT_EQ(kr->header("Connection"), "close");
  EXPECT_TRUE(k.WaitClosed());
}

TEST(ServerTest, MalformedChunkedBodyIs400) {
  TestServer s(EchoHandler);
  RawConn c(s.port());
  ASSERT_TRUE(
      c.Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  ExpectProblem(*r, 400);
  EXPECT_TRUE(c.WaitClosed());
}

// ---------------------------------------------------------------------------------------------
// Response streaming

TEST(ServerTest, StreamingDownload64MiB) {
  TestServer s([](Request& req, ResponseWriter& w) {
    bool chunked = req.query("chunked").has_value();
    uint64_t total = chunked ? (16ull << 20) + 123 : k64MiB;
    if (!w.Begin(200, {{"Content-Type", "application/octet-stream"}},
                 chunked ? std::nullopt : std::optional<uint64_t>(total))
             .ok()) {
      return;
    }
    std::vector<uint8_t> buf(64 * 1024);
    for (uint64_t sent = 0; sent < total;) {
      size_t n = std::min<uint64_t>(buf.size(), total - sent);
      FillPattern(sent, std::span<uint8_t>(buf.data(), n));
      if (!w.Write(std::span<const uint8_t>(buf.data(), n)).ok()) return;
      sent += n;
    }
    (void)w.Finish();
  });
  HttpClient client(s.url());
  for (bool chunked : {false, true}) {
    uint64_t received = 0;
    StreamHash got, want;
    auto r = client.Download("GET", chunked ? "/file?chunked" : "/file", {},
                             [&](std::span<const uint8_t> data) -> Status {
                               got.Update(data.data(), data.size());
                               received += data.size();
                               return OkStatus();
                             });
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(r->body.empty());
    uint64_t total = chunked ? (16ull << 20) + 123 : k64MiB;
    EXPECT_EQ(received, total);
    std::vector<uint8_t> buf(1 << 20);
    for (uint64_t i = 0; i < total;) {
      size_t n = std::min<uint64_t>(buf.size(), total - i);
      FillPattern(i, std::span<uint8_t>(buf.data(), n));
      want.Update(buf.data(), n);
      i += n;
    }
    EXPECT_EQ(got.value(), want.value());
    EXPECT_EQ(r->header("Transfer-Encoding").has_value(), chunked);
  }
}

TEST(ServerTest, ShortStreamedResponseClosesConnection) {
  TestServer s([](Request&, ResponseWriter& w) {
    (void)w.Begin(200, {}, 10);
    (void)w.Write("abc");
    // returns without finishing
  });
  RawConn c(s.port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string head = c.ReadUntil("\r\n\r\n");
  EXPECT_NE(head.find("Content-Length: 10"), std::string::npos);
  EXPECT_TRUE(c.WaitClosed());
}

TEST(ServerTest, SseEventsReachHttpClient) {
  TestServer s([](Request&, ResponseWriter& w) {
    SseWriter sse(w);
    if (!sse.Start().ok()) return;
    (void)sse.Heartbeat("hello");
    (void)sse.Send({"job.progress", "1", "{\"pct\":10}", std::nullopt});
    (void)sse.Send({"job.progress", "2", "line one\nline two", std::nullopt});
    (void)sse.Heartbeat();
    (void)sse.Send({"job.done", "3", "{}", std::nullopt});
    (void)sse.Close();
  });
  HttpClient client(s.url());
  std::vector<SseEvent> events;
  Status st = client.Events(
      "/v1/jobs/j1/events", {},
      [&](const SseEvent& e) {
        events.push_back(e);
        return true;
      },
      5s);
  ASSERT_TRUE(st.ok()) << st.error().ToString();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].event, "job.progress");
  EXPECT_EQ(events[0].id, "1");
  EXPECT_EQ(events[0].data, "{\"pct\":10}");
  EXPECT_EQ(events[1].data, "line one\nline two");
  EXPECT_EQ(events[2].event, "job.done");
  // The stream ended cleanly, so the connection is reusable.
  auto r = client.Send("GET", "/again");
  ASSERT_TRUE(r.ok());
}

TEST(ServerTest, SseHandlerStopsWhenClientLeaves) {
  std::atomic<bool> handler_done{false};
  std::atomic<int> sent{0};
  TestServer s([&](Request&, ResponseWriter& w) {
    SseWriter sse(w);
    if (sse.Start().ok()) {
      for (int i = 0; !w.client_gone() && i < 10000; ++i) {
        if (!sse.Send({"tick", std::to_string(i), "x", std::nullopt}).ok()) break;
        ++sent;
        std::this_thread::sleep_for(2ms);
      }
    }
    handler_done = true;
  });
  HttpClient client(s.url());
  int seen = 0;
  Status st = client.Events(
      "/events", {}, [&](const SseEvent&) { return ++seen < 3; }, 5s);
  ASSERT_TRUE(st.ok()) << st.error().ToString();
  EXPECT_EQ(seen, 3);
  EXPECT_TRUE(WaitFor([&] { return handler_done.load(); }, 5s));
  EXPECT_LT(sent.load(), 10000);
}

TEST(ServerTest, SseStreamEndsOnGracefulStop) {
  std::atomic<bool> streaming{false};
  TestServer s([&](Request&, ResponseWriter& w) {
    SseWriter sse(w);
    if (!sse.Start().ok()) return;
    streaming = true;
    while (!w.client_gone() && !w.shutting_down()) {
      (void)sse.Heartbeat();
      std::this_thread::sleep_for(5ms);
    }
    (void)sse.Send({"shutdown", "", "bye", std::nullopt});
    (void)sse.Close();
  });
  std::vector<SseEvent> events;
  Status st;
  std::thread t([&] {
    HttpClient client(s.url());
    st = client.Events(
        "/events", {},
        [&](const SseEvent& e) {
          events.push_back(e);
          return true;
        },
        10s);
  });
  ASSERT_TRUE(WaitFor([&] { return streaming.load(); }));
  auto start = std::chrono::steady_clock::now();
  s.server().Stop(10s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  t.join();
  EXPECT_TRUE(st.ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "shutdown");
}

// ---------------------------------------------------------------------------------------------
// Time limits

TEST(ServerTest, IdleConnectionIsClosedAfterIdleTimeout) {
  ServerOptions o;
  o.idle_timeout = 200ms;
  TestServer s(EchoHandler, o);
  RawConn c(s.port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.ReadResponse().has_value());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.WaitClosed(3s));
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 2s);
  EXPECT_TRUE(WaitFor([&] { return s.server().active_connections() == 0; }));

  RawConn silent(s.port());  // never sends anything
  EXPECT_TRUE(silent.WaitClosed(3s));
}

TEST(ServerTest, SlowHeadGets408AtHeaderDeadline) {
  ServerOptions o;
  o.read_timeout = 2s;       // each byte arrives well within this...
  o.header_timeout = 300ms;  // ...but the whole head does not
  TestServer s(EchoHandler, o);
  RawConn c(s.port());
  auto start = std::chrono::steady_clock::now();
  std::string head = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  ASSERT_TRUE(c.Send(head));
  std::optional<RawResponse> r;
  for (int i = 0; i < 100; ++i) {
    if (!c.Send("a")) break;
    std::this_thread::sleep_for(20ms);
    if (std::chrono::steady_clock::now() - start > 500ms) break;
  }
  r = c.ReadResponse(3s);
  ASSERT_TRUE(r.has_value());
  ExpectProblem(*r, 408);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(c.WaitClosed());
}

TEST(ServerTest, StalledHeadGets408AtReadTimeout) {
  ServerOptions o;
  o.read_timeout = 200ms;
  TestServer s(EchoHandler, o);
  RawConn c(s.port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost:"));
  auto r = c.ReadResponse(3s);
  ASSERT_TRUE(r.has_value());
  ExpectProblem(*r, 408);
}

TEST(ServerTest, StalledBodyGets408) {
  ServerOptions o;
  o.read_timeout = 200ms;
  std::atomic<int> code{-1};
  TestServer s(
      [&](Request& req, ResponseWriter&) {
        Result<std::string> b = req.ReadBody();
        code = b.ok() ? 0 : static_cast<int>(b.error().code());
      },
      o);
  RawConn c(s.port());
  ASSERT_TRUE(c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"));
  auto r = c.ReadResponse(3s);
  ASSERT_TRUE(r.has_value());
  ExpectProblem(*r, 408);
  EXPECT_EQ(code.load(), static_cast<int>(ErrorCode::kDeadlineExceeded));
  EXPECT_TRUE(c.WaitClosed());
}

TEST(ServerTest, ClientDisconnectMidBodyIsCancelled) {
  std::atomic<int> code{-1};
  TestServer s([&](Request& req, ResponseWriter&) {
    Result<std::string> b = req.ReadBody();
    code = b.ok() ? 0 : static_cast<int>(b.error().code());
  });
  {
    RawConn c(s.port());
    ASSERT_TRUE(c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"));
    ASSERT_TRUE(WaitFor([&] { return s.server().active_connections() == 1; }));
  }
  EXPECT_TRUE(WaitFor([&] { return code.load() >= 0; }));
  EXPECT_EQ(code.load(), static_cast<int>(ErrorCode::kCancelled));
}

// ---------------------------------------------------------------------------------------------
// Capacity and lifecycle

TEST(ServerTest, OverMaxConnectionsGets503) {
  ServerOptions o;
  o.max_connections = 2;
  TestServer s(EchoHandler, o);
  auto a = std::make_unique<RawConn>(s.port());
  RawConn b(s.port());
  ASSERT_TRUE(WaitFor([&] { return s.server().active_connections() == 2; }));
  RawConn c(s.port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.has_value());
  ExpectProblem(*r, 503);
  EXPECT_EQ(r->header("Retry-After"), "1");
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_EQ(s.server().active_connections(), 2u);

  a.reset();
  ASSERT_TRUE(WaitFor([&] { return s.server().active_connections() == 1; }));
  HttpClient client(s.url());
  auto ok = client.Send("GET", "/");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
}

TEST(ServerTest, GracefulStopFinishesSlowRequestInFlight) {
  Gate entered;
  TestServer s([&](Request& req, ResponseWriter& w) {
    entered.Open();
    std::this_thread::sleep_for(300ms);
    EchoHandler(req, w);
  });
  Result<ClientResponse> result = Internal("not run");
  std::thread client_thread([&] {
    HttpClient client(s.url());
    result = client.Send("POST", "/slow", {}, "payload");
  });
  ASSERT_TRUE(entered.Wait());
  auto start = std::chrono::steady_clock::now();
  s.server().Stop(5s);
  auto took = std::chrono::steady_clock::now() - start;
  client_thread.join();
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(ParseJson(result->body).at("body"), "payload");
  EXPECT_EQ(result->header("Connection"), "close");
  EXPECT_LT(took, 3s);
  EXPECT_FALSE(s.server().running());
  // The port is closed once Stop begins.
  HttpClient late(s.url());
  auto refused = late.Send("GET", "/");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable);
}

TEST(ServerTest, StopWithIdleKeepAliveConnectionsReturnsPromptly) {
  TestServer s(EchoHandler);
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<HttpClient>(s.url()));
    ASSERT_TRUE(clients.back()->Send("GET", "/").ok());
  }
  ASSERT_EQ(s.server().active_connections(), 5u);
  auto start = std::chrono::steady_clock::now();
  s.server().Stop(30s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(s.server().active_connections(), 0u);
}

TEST(ServerTest, StopForceClosesStreamsThatOutliveGrace) {
  std::atomic<bool> streaming{false};
  TestServer s([&](Request&, ResponseWriter& w) {
    SseWriter sse(w);
    if (!sse.Start().ok()) return;
    streaming = true;
    while (sse.Heartbeat().ok()) std::this_thread::sleep_for(5ms);  // ignores shutting_down()
  });
  std::thread t([&] {
    HttpClient client(s.url());
    (void)client.Events(
        "/e", {}, [](const SseEvent&) { return true; }, 10s);
  });
  ASSERT_TRUE(WaitFor([&] { return streaming.load(); }));
  auto start = std::chrono::steady_clock::now();
  s.server().Stop(200ms);
  auto took = std::chrono::steady_clock::now() - start;
  t.join();
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 2s);
}

TEST(ServerTest, StartTwiceConflictsPortInUseFailsRestartWorks) {
  testing::FunctionHandler h(EchoHandler);
  HttpServer a(ServerOptions{}, h);
  auto port = a.Start();
  ASSERT_TRUE(port.ok());
  EXPECT_EQ(a.Start().error().code(), ErrorCode::kConflict);

  ServerOptions same;
  same.port = *port;
  HttpServer b(same, h);
  auto clash = b.Start();
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code(), ErrorCode::kUnavailable);

  ServerOptions none;
  none.max_connections = 0;
  EXPECT_EQ(HttpServer(none, h).Start().error().code(), ErrorCode::kInvalidArgument);

  a.Stop(0ms);
  a.Stop(0ms);  // idempotent
  auto again = a.Start();
  ASSERT_TRUE(again.ok());
  HttpClient client("http://127.0.0.1:" + std::to_string(*again));
  auto r = client.Send("GET", "/");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
}

}  // namespace
}  // namespace custody::http
