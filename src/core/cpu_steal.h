// The CPU time a virtual machine's hypervisor kept from it ("steal" in /proc/stat). While a
// virtual CPU waits for its host, every thread on it stops, and so does the CPU time the kernel
// counts for those threads: on a busy host a load generator that had more to do than it could
// looks partly idle, and every latency measured meanwhile includes the pause.
#pragma once

#include <optional>
#include <string_view>

namespace hone {

struct MachineSteal {
  double steal_s = 0;  // summed over the machine's CPUs, since it booted
  int cpus = 0;        // the CPUs /proc/stat lists
};

// From /proc/stat's text: the "cpu" line's steal column (its 8th value, in ticks of
// `ticks_per_s`) and the number of "cpuN" lines. nullopt when there is no such line (a kernel
// older than 2.6.11 has no steal column).
std::optional<MachineSteal> parse_proc_stat(std::string_view text, long ticks_per_s);

// This machine's figures now; nullopt where /proc/stat cannot be read.
std::optional<MachineSteal> read_machine_steal();

}  // namespace hone
