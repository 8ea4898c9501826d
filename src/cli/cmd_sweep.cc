// hone sweep SWEEP.yaml: run every configuration against its load levels, then name the best.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "sweep/sweep.h"

namespace hone::cli {

Command add_sweep_command(CLI::App& root) {
  struct Flags {
    std::string file;
    std::string out;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* app = root.add_subcommand(
      "sweep", "Run configurations x load levels until stable, and find the best under an SLO");
  app->add_option("sweep", flags->file, "Sweep file (YAML)")->required()->check(CLI::ExistingFile);
  app->add_option("--out", flags->out, "Folder for the results (default: the file's out:)");
  return {app, [flags] {
            auto spec = sweep::read_sweep(flags->file);
            if (!spec) return report_error(spec.error().message, 2);
            if (!flags->out.empty()) spec->out = flags->out;
            const auto configurations = spec->configurations().size();
            std::printf("hone sweep: %zu configuration(s), SLO %s, results in %s\n", configurations,
                        spec->slo_text.c_str(), spec->out.c_str());
            auto outcome = sweep::run_sweep(*spec, [](const std::string& line) {
              std::printf("%s\n", line.c_str());
              std::fflush(stdout);
            });
            if (!outcome) return report_error(outcome.error().message, 1);
            if (auto s = sweep::write_sweep_outputs(*spec, *outcome); !s)
              return report_error(s.error().message, 1);
            std::printf("%s", sweep::format_sweep_summary(*spec, *outcome).c_str());
            std::printf("files: %s/sweep.csv, %s/sweep.html, %s/points/\n", spec->out.c_str(),
                        spec->out.c_str(), spec->out.c_str());
            return outcome->best >= 0 ? 0 : 99;
          }};
}

}  // namespace hone::cli
