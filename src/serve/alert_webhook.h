// POSTs alert transitions as JSON to a webhook URL, from its own thread so that a slow or dead
// receiver never delays the monitor. Bounded queue; failures are logged and dropped; at stop,
// what is still queued gets two seconds.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.h"
#include "monitor/alerts.h"

namespace hone::serve {

class AlertWebhook {
 public:
  // url: http://HOST[:PORT]/PATH
  static Result<std::unique_ptr<AlertWebhook>> create(const std::string& url);
  ~AlertWebhook();

  void notify(const monitor::AlertEvent& event);
  std::int64_t sent() const;

 private:
  AlertWebhook(std::string host, std::uint16_t port, std::string path);
  void run();

  std::string host_;
  std::uint16_t port_;
  std::string path_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  static constexpr std::chrono::seconds kStopGrace{2};  // for deliveries still queued at stop
  std::chrono::steady_clock::time_point stop_deadline_{};
  std::int64_t sent_ = 0;
  std::thread thread_;
};

}  // namespace hone::serve
