// Raises the soft limit on open files to the hard one, as servers and load generators commonly
// do: every connection is a descriptor, and distributions default the soft limit to 1024.
#pragma once

#include <cstdint>

namespace hone {

// Returns the soft limit now in force (unchanged when it cannot be raised).
std::uint64_t raise_open_file_limit();

}  // namespace hone
