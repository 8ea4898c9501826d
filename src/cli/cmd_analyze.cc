// hone analyze RESULT.json [--json]: findings, health score and recommendations for one run.
#include <cstdio>
#include <memory>

#include "analyze/analysis.h"
#include "cli/commands.h"
#include "report/result_json.h"

namespace hone::cli {

Command add_analyze_command(CLI::App& root) {
  struct Flags {
    std::string file;
    bool json = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* app = root.add_subcommand(
      "analyze", "Find what limits a run: findings, a health score and recommendations");
  app->add_option("result", flags->file, "Result file (from hone load --out)")
      ->required()
      ->check(CLI::ExistingFile);
  app->add_flag("--json", flags->json, "Print the analysis as JSON");
  return {app, [flags] {
            auto result = report::read_result_file(flags->file);
            if (!result) return report_error(result.error().message, 1);
            const analyze::Analysis analysis = analyze::analyze_result(*result);
            const std::string text =
                flags->json ? analyze::analysis_json(analysis) : analyze::format_analysis(analysis);
            std::fwrite(text.data(), 1, text.size(), stdout);
            return 0;
          }};
}

}  // namespace hone::cli
