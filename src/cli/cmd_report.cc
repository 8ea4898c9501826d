// hone report: read result files: print a summary (and check thresholds), or merge the results
// of several generators into one.
#include <simdjson.h>

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "report/merge.h"
#include "report/result_json.h"
#include "report/summary_text.h"
#include "report/thresholds.h"

namespace hone::cli {
namespace {

struct ReportFlags {
  std::string file;
  std::vector<std::string> thresholds;
  std::vector<std::string> inputs;
  std::string output;
  bool force = false;
};

// The thresholds the run was made with, from its config.
std::vector<std::string> recorded_thresholds(const report::LoadResult& result) {
  std::vector<std::string> out;
  simdjson::dom::parser parser;
  simdjson::dom::array list;
  if (parser.parse(result.config_json)["thresholds"].get_array().get(list) != simdjson::SUCCESS) {
    return out;
  }
  for (const auto item : list) {
    std::string_view text;
    if (item.get_string().get(text) == simdjson::SUCCESS) out.emplace_back(text);
  }
  return out;
}

int run_show(const ReportFlags& flags) {
  auto result = report::read_result_file(flags.file);
  if (!result) return report_error(result.error().message, 1);
  std::vector<std::string> texts =
      flags.thresholds.empty() ? recorded_thresholds(*result) : flags.thresholds;
  std::vector<report::Threshold> thresholds;
  for (const auto& text : texts) {
    auto threshold = report::parse_threshold(text);
    if (!threshold) return report_error(threshold.error().message, 2);
    thresholds.push_back(*threshold);
  }
  std::printf("%s", report::format_summary(*result).c_str());
  const auto outcomes = report::evaluate_thresholds(*result, thresholds);
  std::printf("%s", report::format_thresholds(outcomes).c_str());
  for (const auto& outcome : outcomes) {
    if (!outcome.passed) return report_error("thresholds failed", 99);
  }
  return 0;
}

int run_merge(const ReportFlags& flags) {
  std::vector<report::LoadResult> results;
  for (const auto& input : flags.inputs) {
    auto result = report::read_result_file(input);
    if (!result) return report_error(result.error().message, 1);
    results.push_back(std::move(*result));
  }
  if (!flags.force) {
    if (auto s = report::check_shards_of_one_run(results, flags.inputs); !s) {
      return report_error(s.error().message + " (--force merges them all the same)", 2);
    }
  }
  auto merged = report::merge_results(results);
  if (!merged) return report_error(merged.error().message, 1);
  std::string json;
  report::write_result_json(*merged, json);
  if (auto s = report::write_text_file(flags.output, json); !s)
    return report_error(s.error().message, 1);
  std::printf("%s", report::format_summary(*merged).c_str());
  return 0;
}

}  // namespace

Command add_report_command(CLI::App& root) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* app = root.add_subcommand("report", "Summarise or merge load result files");
  app->add_option("result", flags->file, "Result file (from hone load --out)")
      ->check(CLI::ExistingFile);
  app->add_option("--threshold", flags->thresholds,
                  "Check these instead of the run's own (repeatable)");
  CLI::App* merge =
      app->add_subcommand("merge", "Merge the results of several generators (--shard) exactly");
  merge->add_option("inputs", flags->inputs, "Result files")->required()->check(CLI::ExistingFile);
  merge->add_option("-o,--out", flags->output, "Merged result file")->required();
  merge->add_flag("--force", flags->force,
                  "Merge even results that do not look like shards of one run");
  return {app, [flags, merge, app] {
            if (merge->parsed()) return run_merge(*flags);
            if (flags->file.empty()) {
              return report_error(
                  "give a result file, or: hone report merge A.json B.json -o OUT.json", 2);
            }
            (void)app;
            return run_show(*flags);
          }};
}

}  // namespace hone::cli
