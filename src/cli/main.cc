// hone: one binary, one subcommand per job (see ../shared/DESIGN.md for the CLI contract).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <vector>

#include "cli/commands.h"
#include "core/logging.h"
#include "core/process_limits.h"
#include "core/units.h"
#include "core/version.h"

namespace hone::cli {

CLI::Validator duration_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        auto parsed = parse_duration(text);
        return parsed ? std::string() : parsed.error().message;
      },
      "DURATION");
}

CLI::Validator size_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        auto parsed = parse_bytes(text);
        return parsed ? std::string() : parsed.error().message;
      },
      "SIZE");
}

CLI::Validator positive_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        const bool ok = !text.empty() && *end == '\0' && std::isfinite(value) && value > 0;
        return ok ? std::string() : "'" + text + "' is not a positive number";
      },
      "POSITIVE");
}

CLI::Validator whole_range_validator(long low, long high) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        const long value = std::strtol(text.c_str(), &end, 10);
        const bool ok =
            !text.empty() && *end == '\0' && errno == 0 && value >= low && value <= high;
        return ok ? std::string()
                  : "'" + text + "' is not a whole number from " + std::to_string(low) + " to " +
                        std::to_string(high);
      },
      std::to_string(low) + ".." + std::to_string(high));
}

std::vector<std::string> rewrite_compare_separator(std::vector<std::string> args) {
  if (args.size() > 2 && args[1] == "report" && args[2] == "compare") {
    const auto separator = std::find(args.begin() + 3, args.end(), "--");
    if (separator != args.end()) *separator = "--new";
  }
  return args;
}

int report_error(const std::string& message, int code) {
  std::fprintf(stderr, "hone: %s\n", message.c_str());
  return code;
}

}  // namespace hone::cli

int main(int argc, char** argv) {
  using namespace hone::cli;
  hone::init_logging();

  hone::raise_open_file_limit();  // connections are descriptors: take what the hard limit allows
  CLI::App app("hone: serve ML models fast, load-test any HTTP API, and find the bottleneck.",
               "hone");
  app.set_version_flag("--version", std::string("hone ") + hone::kVersion);
  app.require_subcommand(1);
  std::vector<Command> commands = {add_serve_command(app),  add_load_command(app),
                                   add_report_command(app), add_analyze_command(app),
                                   add_sweep_command(app),  add_model_command(app),
                                   add_demo_command(app)};
  const auto is_command = [&commands](const std::string& name) {
    for (const Command& command : commands) {
      if (command.app->get_name() == name) return true;
    }
    return false;
  };
  if (argc > 1 && argv[1][0] != '-' && !is_command(argv[1])) {
    return report_error(
        "unknown command '" + std::string(argv[1]) +
            "' (commands: serve, load, report, analyze, sweep, model, demo; see hone --help)",
        2);
  }
  try {
    std::vector<std::string> args =
        rewrite_compare_separator(std::vector<std::string>(argv, argv + argc));
    args.erase(args.begin());  // CLI11 takes them without argv[0], last first
    std::reverse(args.begin(), args.end());
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return report_error(std::string(e.what()) + " (see hone --help)", 2);
  }
  try {
    for (const Command& command : commands) {
      if (command.app->parsed()) return command.run();
    }
  } catch (const std::exception& e) {
    return report_error(e.what(), 1);
  }
  return report_error("no command given (see hone --help)", 2);
}
