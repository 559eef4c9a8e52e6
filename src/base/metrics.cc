#include "base/metrics.h"

#include <charconv>
#include <cmath>

namespace custody {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(uint64_t(std::llround(std::max(0.0, v) * 1e6)), std::memory_order_relaxed);
}

void Histogram::Snapshot(std::vector<uint64_t>* cumulative, double* sum, uint64_t* count) const {
  cumulative->clear();
  uint64_t acc = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    acc += buckets_[i].load(std::memory_order_relaxed);
    cumulative->push_back(acc);
  }
  *sum = double(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
  *count = acc;
}

Counter& MetricsRegistry::GetCounter(const std::string& name, const std::string& help,
                                     const std::string& labels) {
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  f.help = help;
  f.type = "counter";
  auto& c = f.counters[labels];
  if (!c) c = std::make_unique<Counter>();
  return *c;
}

Histogram& MetricsRegistry::GetHistogram(const std::string& name, const std::string& help,
                                         const std::string& labels) {
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  f.help = help;
  f.type = "histogram";
  auto& h = f.histograms[labels];
  if (!h) h = std::make_unique<Histogram>(LatencyBuckets());
  return *h;
}

void MetricsRegistry::AddGauge(const std::string& name, const std::string& help,
                               std::function<double()> fn) {
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  f.help = help;
  f.type = "gauge";
  f.gauge = std::move(fn);
}

namespace {
std::string Num(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  return std::string(buf, r.ptr);
}
std::string WithLabels(const std::string& labels, const std::string& extra = "") {
  std::string all = labels;
  if (!extra.empty()) all = all.empty() ? extra : all + "," + extra;
  return all.empty() ? "" : "{" + all + "}";
}
}  // namespace

std::string MetricsRegistry::RenderPrometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + " " + f.type + "\n";
    if (f.type == "counter") {
      for (const auto& [labels, c] : f.counters)
        out += name + WithLabels(labels) + " " + std::to_string(c->value()) + "\n";
    } else if (f.type == "gauge") {
      out += name + " " + Num(f.gauge ? f.gauge() : 0) + "\n";
    } else {
      for (const auto& [labels, h] : f.histograms) {
        std::vector<uint64_t> cum;
        double sum;
        uint64_t count;
        h->Snapshot(&cum, &sum, &count);
        for (size_t i = 0; i < h->bounds().size(); ++i)
          out += name + "_bucket" + WithLabels(labels, "le=\"" + Num(h->bounds()[i]) + "\"") + " " +
                 std::to_string(cum[i]) + "\n";
        out += name + "_bucket" + WithLabels(labels, "le=\"+Inf\"") + " " +
               std::to_string(cum.back()) + "\n";
        out += name + "_sum" + WithLabels(labels) + " " + Num(sum) + "\n";
        out += name + "_count" + WithLabels(labels) + " " + std::to_string(count) + "\n";
      }
    }
  }
  return out;
}

std::vector<double> LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace custody
