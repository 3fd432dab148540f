#include "server/events.h"

#include <algorithm>

namespace calibra::server {

namespace {
constexpr size_t kQueueLimit = 256;
}

std::shared_ptr<EventHub::Subscriber> EventHub::subscribe() {
  std::lock_guard<std::mutex> l(mu_);
  if (subs_.size() >= max_) return nullptr;
  auto s = std::make_shared<Subscriber>();
  subs_.push_back(s);
  return s;
}

void EventHub::unsubscribe(const std::shared_ptr<Subscriber>& s) {
  std::lock_guard<std::mutex> l(mu_);
  subs_.erase(std::remove(subs_.begin(), subs_.end(), s), subs_.end());
}

void EventHub::publish(const std::string& event, const std::string& data) {
  const std::string msg = "event: " + event + "\ndata: " + data + "\n\n";
  std::lock_guard<std::mutex> l(mu_);
  for (auto& s : subs_) {
    std::lock_guard<std::mutex> sl(s->mu);
    if (s->queue.size() >= kQueueLimit) s->queue.pop_front();
    s->queue.push_back(msg);
    s->cv.notify_one();
  }
}

void EventHub::close_all() {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& s : subs_) {
    std::lock_guard<std::mutex> sl(s->mu);
    s->closed = true;
    s->cv.notify_all();
  }
}

size_t EventHub::subscribers() {
  std::lock_guard<std::mutex> l(mu_);
  return subs_.size();
}

std::string EventHub::next(Subscriber& s, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(s.mu);
  s.cv.wait_for(l, timeout, [&] { return s.closed || !s.queue.empty(); });
  if (s.queue.empty()) return "";
  std::string m = std::move(s.queue.front());
  s.queue.pop_front();
  return m;
}

}  // namespace calibra::server
