// The "server" section of a result file (format version 2): ServerMetrics as JSON and back.
// Values that are not numbers (no observations) are written as null and read back as NaN.
#pragma once

#include <simdjson.h>

#include <string>

#include "core/json_writer.h"
#include "core/result.h"
#include "report/server_metrics.h"

namespace hone::report {

void write_server_metrics(JsonWriter& json, const ServerMetrics& metrics);
Result<ServerMetrics> read_server_metrics(simdjson::dom::object section);

}  // namespace hone::report
