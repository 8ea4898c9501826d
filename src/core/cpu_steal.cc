#include "core/cpu_steal.h"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace hone {

std::optional<MachineSteal> parse_proc_stat(std::string_view text, long ticks_per_s) {
  if (ticks_per_s <= 0) return std::nullopt;
  std::optional<MachineSteal> found;
  int cpus = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.substr(0, 3) != "cpu") continue;
    if (line.size() > 3 && line[3] >= '0' && line[3] <= '9') {
      ++cpus;
      continue;
    }
    if (line.size() < 4 || line[3] != ' ') continue;
    // cpu  user nice system idle iowait irq softirq steal ...
    line.remove_prefix(4);
    long long steal = -1;
    for (int column = 1; column <= 8; ++column) {
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      long long value = 0;
      const auto [next, error] = std::from_chars(line.data(), line.data() + line.size(), value);
      if (error != std::errc() || next == line.data()) break;
      line.remove_prefix(static_cast<std::size_t>(next - line.data()));
      if (column == 8) steal = value;
    }
    if (steal < 0) return std::nullopt;
    found = MachineSteal{static_cast<double>(steal) / static_cast<double>(ticks_per_s), 0};
  }
  if (found) found->cpus = cpus;
  return found;
}

std::optional<MachineSteal> read_machine_steal() {
  std::ifstream in("/proc/stat");
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return parse_proc_stat(text.str(), sysconf(_SC_CLK_TCK));
}

}  // namespace hone
