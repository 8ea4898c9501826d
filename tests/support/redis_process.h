// A real redis-server (from scripts/setup) on a free loopback port, for tests that kill, pause
// and restart it. No persistence; stopped when the object goes away.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "support/process.h"

namespace hone::test {

class RedisProcess {
 public:
  RedisProcess();  // picks a free port and starts
  ~RedisProcess();

  std::uint16_t port() const { return port_; }
  bool running() const { return process_ != nullptr; }
  void start();   // (again) on the same port; waits until it accepts connections
  void kill();    // SIGKILL
  void pause();   // SIGSTOP: connections stay open, nothing answers
  void resume();  // SIGCONT

  static bool available();

 private:
  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// Spins until `condition` holds or `limit` passes; returns the condition's last value.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds limit = std::chrono::seconds(10));

std::uint16_t free_port();

}  // namespace hone::test
