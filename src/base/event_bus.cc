#include "base/event_bus.h"

namespace custody {

Subscription::~Subscription() {
  if (bus_) bus_->Unsubscribe(this);
}

std::optional<Event> Subscription::Next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || closed_; });
  if (queue_.empty()) return std::nullopt;
  Event e = std::move(queue_.front());
  queue_.pop_front();
  return e;
}

uint64_t Subscription::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

bool Subscription::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

void Subscription::Push(const Event& e) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= capacity_) {
      queue_.pop_front();
      ++dropped_;
    }
    queue_.push_back(e);
  }
  cv_.notify_one();
}

void Subscription::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

EventBus::~EventBus() { Close(); }

std::unique_ptr<Subscription> EventBus::Subscribe(size_t capacity) {
  std::unique_ptr<Subscription> s(new Subscription(this, capacity));
  std::lock_guard lock(mu_);
  if (closed_) s->Close();
  subs_.insert(s.get());
  return s;
}

void EventBus::Publish(std::string type, std::string project, json::object data) {
  std::lock_guard lock(mu_);
  if (closed_) return;
  Event e{next_id_++, std::move(type), std::move(project), std::move(data)};
  for (Subscription* s : subs_) s->Push(e);
}

void EventBus::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  for (Subscription* s : subs_) s->Close();
}

size_t EventBus::subscribers() const {
  std::lock_guard lock(mu_);
  return subs_.size();
}

void EventBus::Unsubscribe(Subscription* s) {
  std::lock_guard lock(mu_);
  subs_.erase(s);
}

}  // namespace custody
