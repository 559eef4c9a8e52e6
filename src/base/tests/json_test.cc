#include "base/json.h"

#include <gtest/gtest.h>

namespace custody {
namespace {

TEST(JsonTest, ParseRejectsMalformedAndNonObjects) {
  EXPECT_FALSE(ParseJsonObject("{\"a\":").ok());
  EXPECT_FALSE(ParseJsonObject("[1,2]").ok());
  EXPECT_EQ(ParseJsonObject("not json").error().code(), ErrorCode::kInvalidArgument);
}

TEST(JsonTest, ParseRejectsExcessiveNesting) {
  std::string deep(1000, '[');
  EXPECT_FALSE(ParseJsonObject("{\"a\":" + deep).ok());
}

TEST(JsonTest, FieldAccessorsNameTheField) {
  auto o = *ParseJsonObject(R"({"s":"x","n":3,"b":true,"arr":["a","b"],"bad":1})");
  EXPECT_EQ(*RequiredString(o, "s"), "x");
  auto missing = RequiredString(o, "zz");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("zz"), std::string::npos);
  EXPECT_FALSE(RequiredString(o, "bad").ok());
  EXPECT_EQ(**OptionalInt(o, "n"), 3);
  EXPECT_TRUE(**OptionalBool(o, "b"));
  EXPECT_EQ(OptionalStringArray(o, "arr")->size(), 2u);
  EXPECT_FALSE(OptionalStringArray(o, "n").ok());
}

TEST(JsonTest, CanonicalSortsKeys) {
  auto o = *ParseJsonObject(R"({"b":1,"a":{"d":2,"c":[3,{"z":1,"y":2}]}})");
  EXPECT_EQ(CanonicalJson(o), R"({"a":{"c":[3,{"y":2,"z":1}],"d":2},"b":1})");
}

}  // namespace
}  // namespace custody
