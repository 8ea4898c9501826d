// hone report: read result files: print a summary (and check thresholds), or merge the results
// of several generators into one.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "analyze/analysis.h"
#include "analyze/change_rules.h"
#include "analyze/compare_text.h"
#include "cli/commands.h"
#include "report/html_report.h"
#include "report/merge.h"
#include "report/result_json.h"
#include "report/summary_text.h"
#include "report/thresholds.h"

namespace hone::cli {
namespace {

struct ReportFlags {
  std::vector<std::string> files;
  std::string html;
  std::vector<std::string> thresholds;
  std::vector<std::string> inputs;
  std::string output;
  bool force = false;
  std::vector<std::string> compared;
  std::vector<std::string> compared_new;  // after "--" (or --new): several runs on each side
  std::vector<std::string> fail_on;
  std::string min_change;
};

// The HTML page for runs, each with its analysis, and a comparison when given.
Status write_html(const std::string& path, const std::vector<std::string>& names,
                  const std::vector<report::LoadResult>& results, std::string comparison_json) {
  report::HtmlPage page;
  page.title =
      comparison_json.empty()
          ? (results.size() == 1 ? "hone report: " + names.front()
                                 : "hone report: " + std::to_string(results.size()) + " runs")
          : "hone compare: " + names.front() + " vs " + names.back();
  std::vector<std::string> analyses;
  for (const auto& result : results)
    analyses.push_back(analyze::analysis_json(analyze::analyze_result(result)));
  for (std::size_t i = 0; i < results.size(); ++i)
    page.runs.push_back({names[i], &results[i], analyses[i]});
  page.comparison_json = std::move(comparison_json);
  return report::write_text_file(path, report::render_html_report(page));
}

int run_show(const ReportFlags& flags) {
  std::vector<report::LoadResult> results;
  for (const auto& file : flags.files) {
    auto result = report::read_result_file(file);
    if (!result) return report_error(result.error().message, 1);
    results.push_back(std::move(*result));
  }
  bool failed = false;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const report::LoadResult& result = results[i];
    std::vector<std::string> texts =
        flags.thresholds.empty() ? report::recorded_thresholds(result) : flags.thresholds;
    std::vector<report::Threshold> thresholds;
    for (const auto& text : texts) {
      auto threshold = report::parse_threshold(text);
      if (!threshold) return report_error(threshold.error().message, 2);
      thresholds.push_back(*threshold);
    }
    if (results.size() > 1) std::printf("%s== %s\n", i ? "\n" : "", flags.files[i].c_str());
    std::printf("%s", report::format_summary(result).c_str());
    const auto outcomes = report::evaluate_thresholds(result, thresholds);
    std::printf("%s", report::format_thresholds(outcomes).c_str());
    for (const auto& outcome : outcomes) failed = failed || !outcome.passed;
  }
  if (!flags.html.empty()) {
    if (auto s = write_html(flags.html, flags.files, results, ""); !s)
      return report_error(s.error().message, 1);
    std::printf("report in %s\n", flags.html.c_str());
  }
  if (failed) return report_error("thresholds failed", 99);
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

int run_compare(const ReportFlags& flags) {
  std::vector<analyze::ChangeRule> rules;
  for (const auto& text : flags.fail_on) {
    auto rule = analyze::parse_change_rule(text);
    if (!rule) return report_error(rule.error().message, 2);
    rules.push_back(*rule);
  }
  analyze::CompareOptions options;
  if (!flags.min_change.empty()) {
    char* end = nullptr;
    const double percent = std::strtod(flags.min_change.c_str(), &end);
    // Changes beyond 100% are real (a p99 that triples is +200%), so any finite percentage
    // from 0% up is a threshold.
    if (end == flags.min_change.c_str() || std::string(end) != "%" || !std::isfinite(percent) ||
        percent < 0) {
      return report_error("--min-change '" + flags.min_change + "': give a percentage, e.g. 5%", 2);
    }
    options.min_change = percent / 100;
  }
  std::vector<std::string> files = flags.compared;
  std::size_t bases = 1;
  if (!flags.compared_new.empty()) {
    bases = files.size();
    files.insert(files.end(), flags.compared_new.begin(), flags.compared_new.end());
  } else if (files.size() > 2) {
    return report_error("more than two files: separate the BASE runs from the NEW runs with --", 2);
  }
  if (bases == 0 || bases >= files.size()) {
    return report_error("give BASE.json NEW.json, or BASE1.json BASE2.json -- NEW1.json NEW2.json",
                        2);
  }
  std::vector<report::LoadResult> base;
  std::vector<report::LoadResult> next;
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto result = report::read_result_file(files[i]);
    if (!result) return report_error(result.error().message, 1);
    (i < bases ? base : next).push_back(std::move(*result));
  }
  auto comparison = analyze::compare_runs(base, next, options);
  if (!comparison) return report_error(comparison.error().message, 2);
  const auto label = [&files](std::size_t from, std::size_t to) {
    std::string text;
    for (std::size_t i = from; i < to; ++i) text += (i > from ? " " : "") + files[i];
    return text;
  };
  std::printf(
      "%s",
      analyze::format_comparison(*comparison, label(0, bases), label(bases, files.size())).c_str());
  const auto outcomes = analyze::check_change_rules(*comparison, rules);
  std::printf("%s", analyze::format_rule_outcomes(outcomes).c_str());
  if (!flags.html.empty()) {
    // One run of each side on the page: the first BASE and the first NEW.
    const std::vector<report::LoadResult> shown = {base.front(), next.front()};
    const std::string json = analyze::comparison_json(*comparison, label(0, bases),
                                                      label(bases, files.size()), outcomes);
    if (auto s = write_html(flags.html, {files.front(), files[bases]}, shown, json); !s)
      return report_error(s.error().message, 1);
    std::printf("report in %s\n", flags.html.c_str());
  }
  std::string regressed;
  for (const auto& outcome : outcomes) {
    if (outcome.failed) regressed += (regressed.empty() ? "" : "; ") + outcome.reason;
  }
  if (!regressed.empty()) return report_error("regressed: " + regressed, 99);
  return 0;
}

}  // namespace

Command add_report_command(CLI::App& root) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* app = root.add_subcommand("report", "Summarise or merge load result files");
  app->add_option("results", flags->files, "Result files (from hone load --out)")
      ->check(CLI::ExistingFile);
  app->add_option("--html", flags->html,
                  "Write one self-contained HTML report of the runs (several overlaid)");
  app->add_option("--threshold", flags->thresholds,
                  "Check these instead of the run's own (repeatable)");
  CLI::App* merge =
      app->add_subcommand("merge", "Merge the results of several generators (--shard) exactly");
  merge->add_option("inputs", flags->inputs, "Result files")->required()->check(CLI::ExistingFile);
  merge->add_option("-o,--out", flags->output, "Merged result file")->required();
  merge->add_flag("--force", flags->force,
                  "Merge even results that do not look like shards of one run");
  CLI::App* compare = app->add_subcommand(
      "compare", "Compare runs: BASE.json NEW.json, or BASE1 BASE2 -- NEW1 NEW2 (run level)");
  compare->add_option("files", flags->compared, "BASE.json NEW.json, or the BASE runs")
      ->required()
      ->check(CLI::ExistingFile);
  compare
      ->add_option("--new", flags->compared_new,
                   "The NEW runs, when each side has several (also written as --)")
      ->check(CLI::ExistingFile);
  compare->add_option("--fail-on", flags->fail_on,
                      "Exit 99 when a figure changed beyond this, significantly: 'p99>+10%', "
                      "'rps<-5%', 'predict:error_rate>+0.5%' (repeatable)");
  compare->add_option("--min-change", flags->min_change,
                      "Smallest relative change called significant (default 5%)");
  compare->add_option("--html", flags->html, "Also write the comparison as an HTML report");
  return {app, [flags, merge, compare, app] {
            if (merge->parsed()) return run_merge(*flags);
            if (compare->parsed()) return run_compare(*flags);
            if (flags->files.empty()) {
              return report_error(
                  "give a result file, or: hone report merge A.json B.json -o OUT.json", 2);
            }
            (void)app;
            return run_show(*flags);
          }};
}

}  // namespace hone::cli
