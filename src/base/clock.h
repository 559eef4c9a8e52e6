// Clock and Random: injected everywhere time or randomness matters, so tests are deterministic.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>

#include "base/result.h"

namespace custody {

using TimePoint = std::chrono::sys_time<std::chrono::microseconds>;
using Duration = std::chrono::microseconds;

// Thread-safe: implementations must allow concurrent Now().
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override;
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_us_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(Duration(now_us_.load())); }
  void Advance(Duration d) { now_us_ += d.count(); }
  void Set(TimePoint t) { now_us_ = t.time_since_epoch().count(); }

 private:
  std::atomic<int64_t> now_us_;
};

// Thread-safe source of random bytes.
class Random {
 public:
  virtual ~Random() = default;
  virtual void Fill(std::span<uint8_t> out) = 0;
  uint64_t NextU64();
};

// The operating system's CSPRNG (getrandom(2)).
class SystemRandom final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override;
};

// A seeded, reproducible generator for tests (splitmix64). Not for secrets in production.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  void Fill(std::span<uint8_t> out) override;

 private:
  std::mutex mu_;
  uint64_t state_;
};

// RFC 3339 UTC with microseconds trimmed to what is non-zero: "2026-11-22T10:00:00Z",
// "2026-11-22T10:00:00.250Z".
std::string FormatTime(TimePoint t);
// Parses RFC 3339 ("Z" or a numeric offset, optional fraction).
Result<TimePoint> ParseTime(std::string_view s);
int64_t ToUnixMicros(TimePoint t);
TimePoint FromUnixMicros(int64_t us);

}  // namespace custody
