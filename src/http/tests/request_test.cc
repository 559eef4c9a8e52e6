#include "http/request.h"

#include <gtest/gtest.h>

#include "http/response_writer.h"

namespace custody::http {
namespace {

// A sink that records what a ResponseWriter asks it to write.
class CaptureSink final : public ResponseSink {
 public:
  Status WriteHead(int status, const Headers& headers, std::optional<uint64_t> length) override {
    status_ = status;
    headers_ = headers;
    length_ = length;
    return OkStatus();
  }
  Status WriteBody(std::span<const uint8_t> data) override {
    body_.append(reinterpret_cast<const char*>(data.data()), data.size());
    return OkStatus();
  }
  Status FinishBody() override {
    finished_ = true;
    return OkStatus();
  }
  bool PeerGone() override { return false; }

  int status_ = 0;
  Headers headers_;
  std::optional<uint64_t> length_;
  std::string body_;
  bool finished_ = false;
};

TEST(RequestTest, ExposesDecodedHead) {
  auto r =
      Request::Create("GET", "/v1/a%20b?x=1&y=a+b", {{"X-Thing", "v"}, {"x-thing", "w"}}, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->path(), "/v1/a b");
  EXPECT_EQ(r->query("y"), "a b");
  EXPECT_EQ(r->query("z"), std::nullopt);
  EXPECT_EQ(r->header("X-THING"), "v, w");
  EXPECT_FALSE(r->content_length().has_value());
  EXPECT_EQ(*r->ReadBody(10), "");
}

TEST(RequestTest, RejectsBadTargetAndContentLength) {
  EXPECT_FALSE(Request::Create("GET", "/a/../b", {}, nullptr).ok());
  EXPECT_FALSE(Request::Create("POST", "/a", {{"Content-Length", "12x"}}, nullptr).ok());
}

TEST(RequestTest, BodyLimitByContentLengthBeforeReading) {
  StringBodySource body(std::string(100, 'x'));
  auto r = Request::Create("POST", "/", {{"Content-Length", "100"}}, &body);
  ASSERT_TRUE(r.ok());
  auto b = r->ReadBody(99);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code(), ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(r->body_bytes_read(), 0u);
  EXPECT_TRUE(r->body_error().has_value());
}

TEST(RequestTest, BodyLimitWithoutContentLengthNeverOverDelivers) {
  StringBodySource body(std::string(100, 'x'));
  auto r = Request::Create("POST", "/", {}, &body);
  ASSERT_TRUE(r.ok());
  r->set_body_limit(64);
  uint8_t buf[1000];
  auto n = r->ReadSome(buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 64u);
  auto over = r->ReadSome(buf);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code(), ErrorCode::kPayloadTooLarge);
  EXPECT_FALSE(r->ReadSome(buf).ok());  // sticky

  StringBodySource exact(std::string(64, 'y'));
  auto r2 = Request::Create("POST", "/", {}, &exact);
  EXPECT_EQ(r2->ReadBody(64)->size(), 64u);
}

TEST(ResponseWriterTest, EnforcesOrderAndDeclaredLength) {
  CaptureSink sink;
  ResponseWriter w(sink);
  EXPECT_FALSE(w.Write("x").ok());
  ASSERT_TRUE(w.Begin(200, {{"Content-Type", "text/plain"}}, 5).ok());
  EXPECT_FALSE(w.Begin(200, {}).ok());
  ASSERT_TRUE(w.Write("abc").ok());
  EXPECT_FALSE(w.Write("abc").ok());  // past the declared length
  EXPECT_TRUE(w.failed());
}

TEST(ResponseWriterTest, ShortBodyFailsFinish) {
  CaptureSink sink;
  ResponseWriter w(sink);
  ASSERT_TRUE(w.Begin(200, {}, 5).ok());
  ASSERT_TRUE(w.Write("ab").ok());
  EXPECT_FALSE(w.Finish().ok());
  EXPECT_FALSE(sink.finished_);
}

TEST(ResponseWriterTest, RejectsHeaderInjectionAndBadStatus) {
  CaptureSink sink;
  ResponseWriter w(sink);
  EXPECT_EQ(w.Send(Response{200, {{"X-A", "b\r\nSet-Cookie: x"}}, ""}).error().code(),
            ErrorCode::kInternal);
  EXPECT_FALSE(w.Send(Response{200, {{"Bad Name", "v"}}, ""}).ok());
  EXPECT_FALSE(w.Send(Response{99, {}, ""}).ok());
  EXPECT_FALSE(w.started());
  ASSERT_TRUE(w.Send(Response::Text(201, "hi")).ok());
  EXPECT_EQ(sink.status_, 201);
  EXPECT_EQ(sink.body_, "hi");
  EXPECT_TRUE(w.finished());
}

TEST(ResponseTest, ProblemIsRfc9457) {
  Response r = Response::Problem(413, "too big", "about:blank", "", {{"limit", 10}});
  EXPECT_EQ(FindHeader(r.headers, "content-type"), "application/problem+json");
  boost::json::value v = boost::json::parse(r.body);
  EXPECT_EQ(v.at("type"), "about:blank");
  EXPECT_EQ(v.at("title"), "Content Too Large");
  EXPECT_EQ(v.at("status"), 413);
  EXPECT_EQ(v.at("detail"), "too big");
  EXPECT_EQ(v.at("limit"), 10);
}

}  // namespace
}  // namespace custody::http
