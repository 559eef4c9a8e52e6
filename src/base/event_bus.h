// EventBus: in-process publish/subscribe of small JSON events (job progress, stage changes),
// feeding the Server-Sent Events stream. Delivery is best effort: a subscriber that falls more
// than `capacity` events behind loses the oldest ones and is told how many it missed.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "base/json.h"

namespace custody {

struct Event {
  uint64_t id = 0;      // increasing per bus
  std::string type;     // "job.progress", "job.succeeded", "asset.stage", …
  std::string project;  // the project the event belongs to (for visibility filtering)
  json::object data;
};

class EventBus;

class Subscription {
 public:
  ~Subscription();
  // Waits up to `timeout` for the next event; nullopt on timeout or when the bus closed.
  std::optional<Event> Next(std::chrono::milliseconds timeout);
  uint64_t dropped() const;
  bool closed() const;

 private:
  friend class EventBus;
  Subscription(EventBus* bus, size_t capacity) : bus_(bus), capacity_(capacity) {}
  void Push(const Event& e);
  void Close();

  EventBus* bus_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> queue_;
  uint64_t dropped_ = 0;
  bool closed_ = false;
};

class EventBus {
 public:
  EventBus() = default;
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  std::unique_ptr<Subscription> Subscribe(size_t capacity = 1024);
  void Publish(std::string type, std::string project, json::object data);
  // Wakes every subscriber and makes Next() return nullopt from now on (server shutdown).
  void Close();
  size_t subscribers() const;

 private:
  friend class Subscription;
  void Unsubscribe(Subscription* s);

  mutable std::mutex mu_;
  std::set<Subscription*> subs_;
  uint64_t next_id_ = 1;
  bool closed_ = false;
};

}  // namespace custody
