// The web files compiled into hone (web/ and uPlot from npm, by cmake/HoneEmbed.cmake): the live
// dashboard's page, script and styles, the HTML report's template, and uPlot.
#pragma once

#include <string_view>

namespace hone::web {

// The file's bytes, or empty when there is no such file.
std::string_view asset(std::string_view name);

}  // namespace hone::web
