#include "core/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <string>

namespace hone {

void init_logging() {
  auto logger = spdlog::stderr_color_mt("hone");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::info);
}

Status set_log_level(std::string_view level) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    return fail("unknown log level '" + std::string(level) +
                "': expected trace, debug, info, warn, error or off");
  }
  spdlog::set_level(parsed);
  return {};
}

}  // namespace hone
