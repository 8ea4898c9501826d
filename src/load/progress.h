// The live progress line of `hone load` on a terminal (stderr), redrawn a few times a second:
// bar, elapsed/total, the last second's rate and p50/p99, errors. Prints nothing when stderr is
// not a terminal.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

#include "load/live.h"

namespace hone::load {

class Progress {
 public:
  Progress(const LiveBoard& live, double total_seconds, bool enabled);
  ~Progress();
  void start();
  void stop();  // clears the line

 private:
  void draw(double elapsed) const;

  const LiveBoard& live_;
  double total_seconds_;
  bool enabled_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

bool stderr_is_terminal();

}  // namespace hone::load
