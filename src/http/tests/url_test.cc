#include "http/url.h"

#include <gtest/gtest.h>

namespace custody::http {
namespace {

TEST(PercentDecodeTest, DecodesEscapesAndOptionallyPlus) {
  EXPECT_EQ(*PercentDecode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(*PercentDecode("a+b"), "a+b");
  EXPECT_EQ(*PercentDecode("a+b", true), "a b");
  EXPECT_EQ(*PercentDecode("%e2%82%AC"), "\xe2\x82\xac");
}

TEST(PercentDecodeTest, RejectsMalformedEscapes) {
  EXPECT_FALSE(PercentDecode("%").has_value());
  EXPECT_FALSE(PercentDecode("%2").has_value());
  EXPECT_FALSE(PercentDecode("abc%zz").has_value());
  EXPECT_FALSE(PercentDecode("%g0").has_value());
}

TEST(PercentEncodeTest, KeepsOnlyUnreserved) {
  EXPECT_EQ(PercentEncode("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(PercentEncode("a b/c?d&e=f"), "a%20b%2Fc%3Fd%26e%3Df");
  EXPECT_EQ(*PercentDecode(PercentEncode("\x01\xff%+")), "\x01\xff%+");
  EXPECT_EQ(BuildQuery({{"q", "a b"}, {"n", "1"}}), "?q=a%20b&n=1");
  EXPECT_EQ(BuildQuery({}), "");
}

TEST(ParseTargetTest, SplitsPathAndDecodesQuery) {
  auto t = ParseTarget("/v1/assets/a%20b?name=x%20y&plus=1+2&flag&empty=&=v&&");
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(t->path, "/v1/assets/a b");
  QueryParams want = {{"name", "x y"}, {"plus", "1 2"}, {"flag", ""}, {"empty", ""}, {"", "v"}};
  EXPECT_EQ(t->query, want);
  EXPECT_EQ(ParseTarget("/")->path, "/");
  EXPECT_TRUE(ParseTarget("/a?")->query.empty());
  EXPECT_EQ(ParseTarget("/a/b.c/..d/")->path, "/a/b.c/..d/");
}

TEST(ParseTargetTest, RejectsTraversalEncodingsAndOddForms) {
  for (const char* bad : {"",        "*",           "v1/assets", "http://example.com/",
                          "/a/../b", "/a/..",       "/..",       "/./a",
                          "/a/.",    "/a/%2e%2e/b", "/a/%2E./b", "/a/.%2e",
                          "/a/%2e",  "/a%2Fb",      "/a%2fb",    "/a\\b",
                          "/a%5Cb",  "/a%5cb",      "/a%00b",    "/a%0Ab",
                          "/a%zz",   "/a%",         "/a%4",      "/a#frag",
                          "/a b",    "/a?x=%00",    "/a?x=%zz",  "/a?%=1"}) {
    EXPECT_FALSE(ParseTarget(bad).ok()) << bad;
  }
  EXPECT_FALSE(ParseTarget(std::string_view("/a\0b", 4)).ok());
  EXPECT_FALSE(ParseTarget("/a\tb").ok());
}

TEST(ParseBaseUrlTest, AcceptsHttpHostPort) {
  auto u = ParseBaseUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->host_header, "127.0.0.1:8080");
  EXPECT_EQ(ParseBaseUrl("http://localhost/")->port, 80);
  EXPECT_EQ(ParseBaseUrl("HTTP://localhost:1")->port, 1);
  auto v6 = ParseBaseUrl("http://[::1]:9000");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->host_header, "[::1]:9000");
}

TEST(ParseBaseUrlTest, RejectsOtherSchemesAndShapes) {
  auto https = ParseBaseUrl("https://example.com");
  ASSERT_FALSE(https.ok());
  EXPECT_EQ(https.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(https.error().message().find("https"), std::string::npos);
  for (const char* bad : {"example.com:80", "ftp://x", "http://", "http://host:0",
                          "http://host:65536", "http://host:x", "http://host:", "http://h/path",
                          "http://u@h:1", "http://h:1?x", "http://[::1"}) {
    EXPECT_FALSE(ParseBaseUrl(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace custody::http
