// Machine and process figures read from /proc once per tick: CPU (process and machine), memory
// (process RSS and machine total/available), disk and network throughput, open files, threads.
// Rates come from the difference with the previous sample. The /proc root is injectable so that
// tests can feed their own files. Not thread-safe: one sampler per monitor thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace hone::monitor {

struct SystemSample {
  double process_cpu_percent = 0;  // 100 = one core busy
  double machine_cpu_percent = 0;  // 100 = every core busy
  std::int64_t rss_bytes = 0;
  std::int64_t memory_total_bytes = 0;
  std::int64_t memory_available_bytes = 0;
  double memory_percent = 0;  // machine memory in use
  std::int64_t open_files = 0;
  std::int64_t threads = 0;
  double disk_read_bytes_per_s = 0;  // this process
  double disk_write_bytes_per_s = 0;
  double net_rx_bytes_per_s = 0;  // the machine, all interfaces but loopback
  double net_tx_bytes_per_s = 0;
  // Running totals, for counters.
  double process_cpu_seconds = 0;
  std::int64_t disk_read_bytes = 0;
  std::int64_t disk_write_bytes = 0;
  std::int64_t net_rx_bytes = 0;
  std::int64_t net_tx_bytes = 0;
  int cores = 1;
};

class SystemSampler {
 public:
  explicit SystemSampler(std::string proc_root = "/proc", std::string self = "self");
  SystemSample sample(std::chrono::steady_clock::time_point now);

 private:
  std::string proc_;
  std::string self_;
  bool first_ = true;
  std::chrono::steady_clock::time_point last_time_;
  double last_process_cpu_ = 0;
  std::uint64_t last_machine_busy_ = 0;
  std::uint64_t last_machine_total_ = 0;
  SystemSample last_;
  long ticks_per_second_;
};

}  // namespace hone::monitor
