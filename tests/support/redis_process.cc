#include "support/redis_process.h"

#include <signal.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

#include "support/listener.h"

namespace hone::test {

std::uint16_t free_port() {
  const LoopbackListener listener = listen_on_loopback(1);
  ::close(listener.fd);
  return listener.port;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

bool RedisProcess::available() { return ::access("/usr/bin/redis-server", X_OK) == 0; }

RedisProcess::RedisProcess() : port_(free_port()) { start(); }

RedisProcess::~RedisProcess() {
  if (process_) {
    process_->signal(SIGCONT);
    kill();
  }
}

void RedisProcess::start() {
  process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
      "/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
      "--appendonly", "no", "--protected-mode", "no", "--loglevel", "notice"});
  // Redis says when it listens; read its log until then.
  for (int i = 0; i < 200; ++i) {
    const std::string line = process_->read_line(std::chrono::seconds(10));
    if (line.find("Ready to accept connections") != std::string::npos) return;
    if (line.empty()) break;
  }
  throw std::runtime_error("redis-server did not start on port " + std::to_string(port_));
}

void RedisProcess::kill() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait();
  process_.reset();
}

void RedisProcess::pause() { process_->signal(SIGSTOP); }
void RedisProcess::resume() { process_->signal(SIGCONT); }

}  // namespace hone::test
