#include "monitor/system_sampler.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace hone::monitor {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The number after `key` in a "Key: value" file such as /proc/self/status or /proc/meminfo.
std::int64_t field(const std::string& text, const std::string& key) {
  const auto at = text.find(key);
  if (at == std::string::npos) return 0;
  return std::strtoll(text.c_str() + at + key.size(), nullptr, 10);
}

}  // namespace

SystemSampler::SystemSampler(std::string proc_root, std::string self)
    : proc_(std::move(proc_root)),
      self_(std::move(self)),
      ticks_per_second_(::sysconf(_SC_CLK_TCK)) {
  if (ticks_per_second_ <= 0) ticks_per_second_ = 100;
}

SystemSample SystemSampler::sample(std::chrono::steady_clock::time_point now) {
  SystemSample s;
  const std::string self = proc_ + "/" + self_;
  // Process CPU: utime and stime, fields 14 and 15 of /proc/self/stat (after the command name).
  const std::string stat = read_file(self + "/stat");
  const auto close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::string skip;
    for (int i = 3; i < 14; ++i) fields >> skip;
    std::uint64_t utime = 0;
    std::uint64_t stime = 0;
    fields >> utime >> stime;
    s.process_cpu_seconds =
        static_cast<double>(utime + stime) / static_cast<double>(ticks_per_second_);
  }
  // Machine CPU from the first line of /proc/stat.
  std::istringstream cpu(read_file(proc_ + "/stat"));
  std::string label;
  cpu >> label;
  std::uint64_t total = 0;
  std::uint64_t idle = 0;
  for (int i = 0; i < 10; ++i) {
    std::uint64_t value = 0;
    if (!(cpu >> value)) break;
    total += value;
    if (i == 3 || i == 4) idle += value;  // idle and iowait
  }
  const std::uint64_t busy = total - idle;
  std::string line;
  s.cores = 0;
  while (std::getline(cpu, line)) {
    if (line.rfind("cpu", 0) == 0) ++s.cores;
  }
  if (s.cores == 0) s.cores = 1;
  const std::string status = read_file(self + "/status");
  s.rss_bytes = field(status, "VmRSS:") * 1024;
  s.threads = field(status, "Threads:");
  const std::string meminfo = read_file(proc_ + "/meminfo");
  s.memory_total_bytes = field(meminfo, "MemTotal:") * 1024;
  s.memory_available_bytes = field(meminfo, "MemAvailable:") * 1024;
  if (s.memory_total_bytes > 0) {
    s.memory_percent = 100.0 *
                       static_cast<double>(s.memory_total_bytes - s.memory_available_bytes) /
                       static_cast<double>(s.memory_total_bytes);
  }
  std::error_code error;
  for (auto it = std::filesystem::directory_iterator(self + "/fd", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    ++s.open_files;
  }
  const std::string io = read_file(self + "/io");
  s.disk_read_bytes = field(io, "read_bytes:");
  s.disk_write_bytes = field(io, "write_bytes:");
  std::istringstream net(read_file(proc_ + "/net/dev"));
  while (std::getline(net, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    if (name == "lo") continue;
    std::istringstream values(line.substr(colon + 1));
    std::int64_t rx = 0;
    std::int64_t tx = 0;
    std::int64_t skip = 0;
    values >> rx;
    for (int i = 0; i < 7; ++i) values >> skip;
    values >> tx;
    s.net_rx_bytes += rx;
    s.net_tx_bytes += tx;
  }
  if (!first_) {
    const double seconds = std::chrono::duration<double>(now - last_time_).count();
    if (seconds > 0) {
      s.process_cpu_percent = 100.0 * (s.process_cpu_seconds - last_process_cpu_) / seconds;
      s.disk_read_bytes_per_s =
          static_cast<double>(s.disk_read_bytes - last_.disk_read_bytes) / seconds;
      s.disk_write_bytes_per_s =
          static_cast<double>(s.disk_write_bytes - last_.disk_write_bytes) / seconds;
      s.net_rx_bytes_per_s = static_cast<double>(s.net_rx_bytes - last_.net_rx_bytes) / seconds;
      s.net_tx_bytes_per_s = static_cast<double>(s.net_tx_bytes - last_.net_tx_bytes) / seconds;
    }
    if (total > last_machine_total_) {
      s.machine_cpu_percent = 100.0 * static_cast<double>(busy - last_machine_busy_) /
                              static_cast<double>(total - last_machine_total_);
    }
  }
  first_ = false;
  last_time_ = now;
  last_process_cpu_ = s.process_cpu_seconds;
  last_machine_busy_ = busy;
  last_machine_total_ = total;
  last_ = s;
  return s;
}

}  // namespace hone::monitor
