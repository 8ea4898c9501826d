// Pinning to CPUs, as the benchmarks pin with taskset: while a CpuPin lives, the calling thread
// runs only on `cpus`, and threads and processes it starts inherit that. An empty list changes
// nothing.
#pragma once

#include <sched.h>

#include <vector>

#include "core/result.h"

namespace hone::sweep {

class CpuPin {
 public:
  explicit CpuPin(const std::vector<int>& cpus);
  ~CpuPin();  // restores the thread's previous CPUs
  CpuPin(const CpuPin&) = delete;
  CpuPin& operator=(const CpuPin&) = delete;

 private:
  bool pinned_ = false;
  cpu_set_t previous_{};
};

// "cpu 5 does not exist (this machine has 2)" for indices out of range.
Status check_cpus(const std::vector<int>& cpus);

}  // namespace hone::sweep
