#include "support/test_server.h"

#include <stdexcept>

namespace hone::test {

TestServer::TestServer(TestServerOptions options) : options_(std::move(options)) {
  http::ServerOptions server_options;
  server_options.port = 0;
  server_options.threads = options_.threads;
  server_ = std::make_unique<http::Server>(
      server_options, [this](http::Request& request, http::Responder responder) {
        handle(request, std::move(responder));
      });
  started_ = std::chrono::steady_clock::now();
  if (!server_->start()) throw std::runtime_error("test server did not start");
  scheduler_ = std::thread([this] { schedule_loop(); });
}

TestServer::~TestServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  scheduler_.join();
  server_->stop(std::chrono::milliseconds(0));
  std::lock_guard lock(mutex_);
  held_.clear();
  while (!pending_.empty()) pending_.pop();
}

std::string TestServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + path;
}

http::Response TestServer::answer() const {
  http::Response response;
  response.status = options_.status;
  response.body = options_.body;
  return response;
}

std::chrono::steady_clock::time_point TestServer::due_time(
    std::chrono::steady_clock::time_point now) {
  auto due = now + options_.delay;
  if (options_.serial) {
    due = std::max(now, last_due_) + options_.delay;
    last_due_ = due;
  }
  if (options_.stall_every.count() > 0) {
    const auto since = now - started_ - options_.stall_offset;
    if (since.count() >= 0) {
      const auto into = since % options_.stall_every;
      if (into < options_.stall_for) due = std::max(due, now + (options_.stall_for - into));
    }
  }
  return due;
}

void TestServer::handle(http::Request& request, http::Responder responder) {
  const auto now = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  ++requests_;
  bodies_.push_back(request.body);
  methods_.push_back(request.method_text);
  ++paths_[std::string(request.path())];
  headers_.push_back(request.headers);
  if (options_.never_answer) {
    held_.push_back(std::move(responder));
    return;
  }
  const auto due = due_time(now);
  if (due <= now) {
    lock.unlock();
    responder.send(answer());
    return;
  }
  pending_.push({due, order_++, std::make_shared<http::Responder>(std::move(responder))});
  lock.unlock();
  wake_.notify_one();
}

void TestServer::schedule_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (pending_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const auto due = pending_.top().due;
    if (std::chrono::steady_clock::now() < due) {
      wake_.wait_until(lock, due);
      continue;
    }
    auto responder = pending_.top().responder;
    pending_.pop();
    lock.unlock();
    responder->send(answer());
    lock.lock();
  }
}

std::int64_t TestServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<std::string> TestServer::bodies() const {
  std::lock_guard lock(mutex_);
  return bodies_;
}

std::vector<std::string> TestServer::methods() const {
  std::lock_guard lock(mutex_);
  return methods_;
}

std::map<std::string, std::int64_t> TestServer::paths() const {
  std::lock_guard lock(mutex_);
  return paths_;
}

std::vector<std::string> TestServer::header_values(const std::string& name) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& headers : headers_) out.emplace_back(http::find_header(headers, name));
  return out;
}

}  // namespace hone::test
