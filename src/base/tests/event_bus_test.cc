#include "base/event_bus.h"

#include <gtest/gtest.h>

#include <thread>

#include "base/metrics.h"

namespace custody {
namespace {

TEST(EventBusTest, DeliversToEverySubscriberInOrder) {
  EventBus bus;
  auto a = bus.Subscribe();
  auto b = bus.Subscribe();
  bus.Publish("job.progress", "prj_1", {{"p", 0.5}});
  bus.Publish("job.succeeded", "prj_1", {});
  auto e1 = a->Next(std::chrono::milliseconds(100));
  auto e2 = a->Next(std::chrono::milliseconds(100));
  ASSERT_TRUE(e1 && e2);
  EXPECT_EQ(e1->type, "job.progress");
  EXPECT_LT(e1->id, e2->id);
  EXPECT_TRUE(b->Next(std::chrono::milliseconds(100)).has_value());
  EXPECT_FALSE(a->Next(std::chrono::milliseconds(1)).has_value());
}

TEST(EventBusTest, SlowSubscriberLosesOldestAndCountsThem) {
  EventBus bus;
  auto s = bus.Subscribe(2);
  for (int i = 0; i < 5; ++i) bus.Publish("t", "p", {{"i", i}});
  EXPECT_EQ(s->dropped(), 3u);
  EXPECT_EQ(s->Next(std::chrono::milliseconds(1))->data.at("i").as_int64(), 3);
}

TEST(EventBusTest, CloseWakesWaiters) {
  EventBus bus;
  auto s = bus.Subscribe();
  std::thread t([&] { bus.Close(); });
  EXPECT_FALSE(s->Next(std::chrono::seconds(5)).has_value());
  EXPECT_TRUE(s->closed());
  t.join();
}

TEST(MetricsTest, RendersPrometheusText) {
  MetricsRegistry r;
  r.GetCounter("custody_http_requests_total", "Requests.", "status=\"200\"").Inc(3);
  r.GetHistogram("custody_http_request_seconds", "Latency.").Observe(0.003);
  r.AddGauge("custody_jobs_queued", "Queued jobs.", [] { return 2.0; });
  std::string text = r.RenderPrometheus();
  EXPECT_NE(text.find("custody_http_requests_total{status=\"200\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE custody_http_request_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("custody_http_request_seconds_bucket{le=\"0.005\"} 1"), std::string::npos);
  EXPECT_NE(text.find("custody_http_request_seconds_count 1"), std::string::npos);
  EXPECT_NE(text.find("custody_jobs_queued 2\n"), std::string::npos);
}

}  // namespace
}  // namespace custody
