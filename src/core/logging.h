// Process-wide logging setup. Code logs through spdlog directly (spdlog::info(...)); this file
// only configures the default logger: stderr, one line per event, level from --log-level.
#pragma once

#include <string_view>

#include "core/result.h"

namespace hone {

// level: trace, debug, info, warn, error, off.
Status set_log_level(std::string_view level);
void init_logging();

}  // namespace hone
