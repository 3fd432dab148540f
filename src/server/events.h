// Fan-out of server events (job changes) to Server-Sent Events streams. Each subscriber
// has a bounded queue; a subscriber that does not keep up loses its oldest events (the
// next job event carries the whole job state, so nothing is lost for good).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace calibra::server {

class EventHub {
 public:
  struct Subscriber {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::string> queue;  // formatted SSE messages
    bool closed = false;
  };

  explicit EventHub(size_t max_subscribers = 64) : max_(max_subscribers) {}

  // Null when there are already max_subscribers streams open.
  std::shared_ptr<Subscriber> subscribe();
  void unsubscribe(const std::shared_ptr<Subscriber>& s);
  // "event: <event>\ndata: <data>\n\n" to every subscriber.
  void publish(const std::string& event, const std::string& data);
  // Wakes every stream and makes it end (server shutdown).
  void close_all();
  size_t subscribers();

  // Waits for the next message (or `timeout`): the message, or "" on timeout / close.
  static std::string next(Subscriber& s, std::chrono::milliseconds timeout);

 private:
  std::mutex mu_;
  std::vector<std::shared_ptr<Subscriber>> subs_;
  size_t max_;
};

}  // namespace calibra::server
