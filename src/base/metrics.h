// Metrics: counters, gauges and histograms rendered in the Prometheus text exposition format
// (version 0.0.4) at /metrics. Names follow Prometheus conventions (custody_*_total, *_seconds).
//
// Thread-safe; metric objects live as long as the registry and are updated lock-free.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace custody {

class Counter {
 public:
  void Inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Snapshot: cumulative bucket counts (one per bound, then +Inf), sum, count.
  void Snapshot(std::vector<uint64_t>* cumulative, double* sum, uint64_t* count) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};  // sum kept in millionths to stay lock-free
};

class MetricsRegistry {
 public:
  // Returns the metric for (name, labels), creating it on first use. `labels` is the rendered
  // label set without braces, e.g. `route="GET /v1/assets/{id}",status="200"`.
  Counter& GetCounter(const std::string& name, const std::string& help,
                      const std::string& labels = "");
  Histogram& GetHistogram(const std::string& name, const std::string& help,
                          const std::string& labels = "");
  // A gauge computed when scraped.
  void AddGauge(const std::string& name, const std::string& help, std::function<double()> fn);

  std::string RenderPrometheus() const;

 private:
  struct Family {
    std::string help;
    std::string type;
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
    std::function<double()> gauge;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

// Default latency buckets in seconds (1 ms … 10 s).
std::vector<double> LatencyBuckets();

}  // namespace custody
