// A decoded prediction request, independent of the protocol it arrived in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hone::serve {

struct InferRequest {
  std::vector<float> rows;  // row_count x input width, row-major; NaN = missing
  std::size_t row_count = 0;
  std::string id;  // KServe v2 request id, echoed in the answer
  bool has_id = false;
  std::int64_t timeout_us = 0;  // KServe v2 parameters.timeout (microseconds); 0 = the model's
  bool columnar = false;        // TF-Serving "inputs" form: the answer says "outputs"
  // Asked for explanations ("explain": true): values per row the backend's explanation adds to
  // the outputs (each row's predictions, then these); 0 when not asked.
  std::size_t explanation_width = 0;
  // KServe v2 "outputs": the names asked for; empty: every output.
  std::vector<std::string> outputs;
};

}  // namespace hone::serve
