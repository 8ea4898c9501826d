#include "serve/alert_webhook.h"

#include <spdlog/spdlog.h>

#include "http/client.h"

namespace hone::serve {

Result<std::unique_ptr<AlertWebhook>> AlertWebhook::create(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return fail("alert webhook '" + url + "' must be an http:// URL");
  const std::string rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  const std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  std::uint16_t port = 80;
  if (colon != std::string::npos) {
    char* end = nullptr;
    const long value = std::strtol(authority.c_str() + colon + 1, &end, 10);
    if (*end != '\0' || value < 1 || value > 65535)
      return fail("alert webhook '" + url + "' has a bad port");
    port = static_cast<std::uint16_t>(value);
  }
  const std::string host = authority.substr(0, colon);
  if (host.empty()) return fail("alert webhook '" + url + "' has no host");
  return std::unique_ptr<AlertWebhook>(new AlertWebhook(host, port, path));
}

AlertWebhook::AlertWebhook(std::string host, std::uint16_t port, std::string path)
    : host_(std::move(host)), port_(port), path_(std::move(path)) {
  thread_ = std::thread([this] { run(); });
}

AlertWebhook::~AlertWebhook() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    stop_deadline_ = std::chrono::steady_clock::now() + kStopGrace;
  }
  wake_.notify_all();
  thread_.join();
}

void AlertWebhook::notify(const monitor::AlertEvent& event) {
  std::string body;
  monitor::write_alert_event_json(event, body);
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= 256) queue_.pop_front();
    queue_.push_back(std::move(body));
  }
  wake_.notify_one();
}

std::int64_t AlertWebhook::sent() const {
  std::lock_guard lock(mutex_);
  return sent_;
}

void AlertWebhook::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;
    // Stopping: what a slow or dead receiver has not taken by the deadline is dropped, so the
    // server's shutdown stays bounded.
    if (stopping_ && std::chrono::steady_clock::now() >= stop_deadline_) {
      spdlog::warn("alert webhook: {} alert(s) not delivered before stop", queue_.size());
      return;
    }
    std::string body = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    bool delivered = false;
    if (auto client = http::Client::connect(host_, port_, std::chrono::seconds(2))) {
      auto response = client->post(path_, body);
      delivered = response && response->status < 300;
      if (!delivered) spdlog::warn("alert webhook {}:{}{} refused the alert", host_, port_, path_);
    } else {
      spdlog::warn("alert webhook {}:{} unreachable: {}", host_, port_, client.error().message);
    }
    lock.lock();
    if (delivered) ++sent_;
  }
}

}  // namespace hone::serve
