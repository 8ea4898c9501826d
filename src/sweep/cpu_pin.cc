#include "sweep/cpu_pin.h"

#include <pthread.h>

#include <string>
#include <thread>

namespace hone::sweep {

CpuPin::CpuPin(const std::vector<int>& cpus) {
  if (cpus.empty()) return;
  pthread_getaffinity_np(pthread_self(), sizeof previous_, &previous_);
  cpu_set_t wanted;
  CPU_ZERO(&wanted);
  for (const int cpu : cpus) CPU_SET(cpu, &wanted);
  pinned_ = pthread_setaffinity_np(pthread_self(), sizeof wanted, &wanted) == 0;
}

CpuPin::~CpuPin() {
  if (pinned_) pthread_setaffinity_np(pthread_self(), sizeof previous_, &previous_);
}

Status check_cpus(const std::vector<int>& cpus) {
  const int count = static_cast<int>(std::thread::hardware_concurrency());
  for (const int cpu : cpus) {
    if (cpu < 0 || cpu >= count || cpu >= CPU_SETSIZE) {
      return fail("cpu " + std::to_string(cpu) + " does not exist (this machine has " +
                  std::to_string(count) + ")");
    }
  }
  return {};
}

}  // namespace hone::sweep
