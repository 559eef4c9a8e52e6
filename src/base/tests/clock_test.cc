#include "base/clock.h"

#include <gtest/gtest.h>

namespace custody {
namespace {

TEST(TimeTest, FormatsUtcWithTrimmedFraction) {
  TimePoint t = FromUnixMicros(1'700'000'000'250'000);
  EXPECT_EQ(FormatTime(t), "2023-11-14T22:13:20.25Z");
  EXPECT_EQ(FormatTime(FromUnixMicros(0)), "1970-01-01T00:00:00Z");
}

TEST(TimeTest, ParsesOffsetsAndFractions) {
  EXPECT_EQ(ToUnixMicros(*ParseTime("2023-11-14T22:13:20.25Z")), 1'700'000'000'250'000);
  EXPECT_EQ(ToUnixMicros(*ParseTime("2023-11-15T00:13:20+02:00")), 1'700'000'000'000'000);
  EXPECT_FALSE(ParseTime("2023-13-14T22:13:20Z").ok());
  EXPECT_FALSE(ParseTime("yesterday").ok());
  EXPECT_FALSE(ParseTime("2023-11-14T22:13:20").ok());
}

TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
  ManualClock c(FromUnixMicros(10));
  EXPECT_EQ(ToUnixMicros(c.Now()), 10);
  c.Advance(std::chrono::seconds(1));
  EXPECT_EQ(ToUnixMicros(c.Now()), 1'000'010);
}

TEST(RandomTest, SeededIsReproducible) {
  SeededRandom a(42), b(42);
  EXPECT_EQ(a.NextU64(), b.NextU64());
}

}  // namespace
}  // namespace custody
