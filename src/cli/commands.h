// One function per subcommand: each registers its flags on the root app and returns the code
// to run once parsing has chosen it. Commands return the process exit code:
// 0 success, 1 runtime failure, 2 bad usage.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace hone::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command add_serve_command(CLI::App& root);
Command add_model_command(CLI::App& root);
Command add_demo_command(CLI::App& root);
Command add_load_command(CLI::App& root);
Command add_report_command(CLI::App& root);
Command add_analyze_command(CLI::App& root);
Command add_sweep_command(CLI::App& root);

// Validators for human units, so bad values fail at parse time with a one-line reason.
CLI::Validator duration_validator();
CLI::Validator size_validator();
// "'abc' is not a positive number" rather than CLI11's range of 300 digits.
CLI::Validator positive_validator();
// "'x' is not a whole number from LOW to HIGH".
CLI::Validator whole_range_validator(long low, long high);

// `hone report compare A1 A2 -- B1 B2`: CLI11 gives "--" a meaning of its own, so the "--" of
// that command is rewritten to the option it stands for, --new.
std::vector<std::string> rewrite_compare_separator(std::vector<std::string> args);

// Prints "hone: <message>" to stderr and returns `code`.
int report_error(const std::string& message, int code = 1);

}  // namespace hone::cli
