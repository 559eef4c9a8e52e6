#include "http/sse.h"

#include <gtest/gtest.h>

#include <vector>

namespace custody::http {
namespace {

std::vector<SseEvent> ParseAll(std::string_view text, size_t piece) {
  SseParser p;
  std::vector<SseEvent> out;
  for (size_t i = 0; i < text.size(); i += piece) {
    auto r = p.Feed(text.substr(i, piece), [&](const SseEvent& e) {
      out.push_back(e);
      return true;
    });
    EXPECT_TRUE(r.ok());
  }
  return out;
}

TEST(SseTest, FormatSplitsMultiLineData) {
  SseEvent e{"job", "7", "line1\nline2\r\nline3", std::nullopt};
  EXPECT_EQ(FormatSseEvent(e), "event: job\nid: 7\ndata: line1\ndata: line2\ndata: line3\n\n");
  EXPECT_EQ(FormatSseEvent(SseEvent{"", "", "", 1000}), "retry: 1000\ndata: \n\n");
}

TEST(SseTest, ParserRoundTripsInAnyPieces) {
  std::string text = ": hello\n\n" + FormatSseEvent({"job", "1", "a\nb", std::nullopt}) +
                     FormatSseEvent({"", "", "plain", std::nullopt}) + "event: x\r\ndata:y\r\n\r\n";
  for (size_t piece : {1, 2, 3, 7, 1000}) {
    std::vector<SseEvent> events = ParseAll(text, piece);
    ASSERT_EQ(events.size(), 3u) << piece;
    EXPECT_EQ(events[0].event, "job");
    EXPECT_EQ(events[0].id, "1");
    EXPECT_EQ(events[0].data, "a\nb");
    EXPECT_EQ(events[1].event, "");
    EXPECT_EQ(events[1].id, "1");  // the last event id persists
    EXPECT_EQ(events[1].data, "plain");
    EXPECT_EQ(events[2].event, "x");
    EXPECT_EQ(events[2].data, "y");
  }
}

TEST(SseTest, EventsWithoutDataAreDroppedAndCrAloneEndsLines) {
  std::vector<SseEvent> events = ParseAll("event: nothing\n\ndata: a\r\rdata: b\n\n", 1);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "a");
  EXPECT_EQ(events[1].data, "b");
  EXPECT_EQ(events[1].event, "");
}

TEST(SseTest, CallbackCanStopParsing) {
  SseParser p;
  int seen = 0;
  auto r = p.Feed("data: 1\n\ndata: 2\n\n", [&](const SseEvent&) { return ++seen < 1; });
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_EQ(seen, 1);
}

TEST(SseTest, OversizedLineIsAnError) {
  SseParser p(1000);
  std::string big(1001, 'x');
  auto r = p.Feed(big, [](const SseEvent&) { return true; });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kPayloadTooLarge);

  SseParser q(1000);
  std::string many;
  for (int i = 0; i < 200; ++i) many += "data: 0123456789\n";
  auto r2 = q.Feed(many, [](const SseEvent&) { return true; });
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code(), ErrorCode::kPayloadTooLarge);
}

}  // namespace
}  // namespace custody::http
