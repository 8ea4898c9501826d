// HTML reports: one self-contained file (uPlot, the page's script and the data inlined; it opens
// from disk with no network) for one or several runs, with their analyses, or for a comparison.
// The data is JSON inside the page; web/report.js draws it.
#pragma once

#include <string>
#include <vector>

#include "core/json_writer.h"
#include "report/result.h"

namespace hone::report {

struct HtmlRun {
  std::string name;  // shown as the run's label (a file name)
  const LoadResult* result = nullptr;
  std::string analysis_json;  // hone analyze --json of the run, or empty
};

struct HtmlPage {
  std::string title;
  std::vector<HtmlRun> runs;
  std::string comparison_json;  // a comparison (hone report compare), or empty
  std::string sweep_json;       // a sweep's configurations and points (hone sweep), or empty
};

std::string render_html_report(const HtmlPage& page);

// One run's data as the page reads it (exposed for tests): summary, thresholds, the timeline as
// arrays with a null for each second without answers, the percentile spectrum per endpoint,
// endpoints, statuses, error kinds, the schedule and the server's charts.
void write_run_data(JsonWriter& json, const HtmlRun& run);

}  // namespace hone::report
