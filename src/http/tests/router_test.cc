#include "http/router.h"

#include <gtest/gtest.h>

namespace custody::http {
namespace {

void Noop(Request&, ResponseWriter&) {}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(router_.Add("GET", "/v1/assets", "assets.list", "asset.list", Noop).ok());
    ASSERT_TRUE(router_.Add("POST", "/v1/assets", "assets.create", "asset.create", Noop).ok());
    ASSERT_TRUE(router_.Add("GET", "/v1/assets/{id}", "assets.get", "asset.read", Noop).ok());
    ASSERT_TRUE(
        router_.Add("DELETE", "/v1/assets/{asset}", "assets.delete", "asset.delete", Noop).ok());
    ASSERT_TRUE(router_.Add("GET", "/v1/assets/search", "assets.search", "asset.list", Noop).ok());
    ASSERT_TRUE(
        router_.Add("GET", "/v1/assets/{id}/content", "assets.content", "asset.read", Noop).ok());
    ASSERT_TRUE(router_.Add("GET", "/", "root", "public", Noop).ok());
  }
  Router router_;
};

TEST_F(RouterTest, MatchesLiteralAndParamSegments) {
  RouteMatch m = router_.Match("GET", "/v1/assets/ast_123/content");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->name, "assets.content");
  EXPECT_EQ(m.route->action, "asset.read");
  EXPECT_EQ(m.params, (QueryParams{{"id", "ast_123"}}));
  EXPECT_EQ(router_.Match("GET", "/").route->name, "root");
}

TEST_F(RouterTest, LiteralBeatsParameter) {
  EXPECT_EQ(router_.Match("GET", "/v1/assets/search").route->name, "assets.search");
  EXPECT_EQ(router_.Match("GET", "/v1/assets/other").route->name, "assets.get");
  // The best pattern for the path decides; DELETE is not on /v1/assets/search.
  RouteMatch m = router_.Match("DELETE", "/v1/assets/search");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
}

TEST_F(RouterTest, ParamNamesMayDifferPerMethod) {
  RouteMatch m = router_.Match("DELETE", "/v1/assets/x1");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.params, (QueryParams{{"asset", "x1"}}));
}

TEST_F(RouterTest, NotFoundAndMethodNotAllowed) {
  EXPECT_EQ(router_.Match("GET", "/v1/nothing").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router_.Match("GET", "/v1/assets/").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router_.Match("GET", "/v1/assets//content").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(router_.Match("GET", "/v1/assets/a/content/x").kind, RouteMatch::Kind::kNotFound);
  RouteMatch m = router_.Match("PUT", "/v1/assets");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "HEAD", "POST"}));
  EXPECT_EQ(router_.Match("get", "/v1/assets").kind, RouteMatch::Kind::kMethodNotAllowed);
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  RouteMatch m = router_.Match("HEAD", "/v1/assets/a1");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->name, "assets.get");
}

TEST_F(RouterTest, RejectsBadOrDuplicateRoutes) {
  EXPECT_EQ(router_.Add("GET", "/v1/assets/{other}", "dup", "a", Noop).error().code(),
            ErrorCode::kAlreadyExists);
  EXPECT_FALSE(router_.Add("get", "/x", "n", "a", Noop).ok());
  EXPECT_FALSE(router_.Add("GET", "x", "n", "a", Noop).ok());
  EXPECT_FALSE(router_.Add("GET", "/a//b", "n", "a", Noop).ok());
  EXPECT_FALSE(router_.Add("GET", "/a/", "n", "a", Noop).ok());
  EXPECT_FALSE(router_.Add("GET", "/a/{}", "n", "a", Noop).ok());
  EXPECT_FALSE(router_.Add("GET", "/a/{1x}", "n", "a", Noop).ok());
  EXPECT_FALSE(router_.Add("GET", "/a/{x}/{x}", "n", "a", Noop).ok());
  EXPECT_FALSE(router_.Add("GET", "/a/x{y}", "n", "a", Noop).ok());
  EXPECT_FALSE(router_.Add("GET", "/a/%20", "n", "a", Noop).ok());
  EXPECT_FALSE(router_.Add("GET", "/a", "n", "a", nullptr).ok());
}

TEST_F(RouterTest, EveryRouteIsListedAndReachable) {
  ASSERT_EQ(router_.routes().size(), 7u);
  for (const Route& r : router_.routes()) {
    std::string path = r.pattern;
    for (size_t open; (open = path.find('{')) != std::string::npos;) {
      path.replace(open, path.find('}', open) - open + 1, "p1");
    }
    RouteMatch m = router_.Match(r.method, path);
    ASSERT_EQ(m.kind, RouteMatch::Kind::kFound) << r.method << " " << r.pattern;
    if (r.name != "assets.get" && r.name != "assets.delete") {
      EXPECT_EQ(m.route, &r) << r.pattern;
    }
  }
}

}  // namespace
}  // namespace custody::http
