// Result files: write a LoadResult as versioned JSON ("format": "hone-load-result",
// "version": 2) with a readable summary and the encoded histograms, and read one back exactly.
// Version 2 added the "server" section (scraped server metrics); version 1 files are still read.
#pragma once

#include <string>

#include "core/result.h"
#include "report/result.h"

namespace hone::report {

inline constexpr int kResultFormatVersion = 2;
inline constexpr int kOldestResultFormatVersion = 1;

void write_result_json(const LoadResult& result, std::string& out);

// `name` (a file name) prefixes error messages.
Result<LoadResult> parse_result_json(std::string text, const std::string& name);
Result<LoadResult> read_result_file(const std::string& path);
Status write_text_file(const std::string& path, const std::string& text);

}  // namespace hone::report
