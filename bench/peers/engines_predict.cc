// Rows/s of one XGBoost model on three engines: hone's native engine and libxgboost reading its
// JSON file, and ONNX Runtime reading the same model converted to ONNX (xgboost_to_onnx.py), one
// thread each, on 1,000 different rows predicted one call per row and in one call of 1,000 rows.
// Built and run by bench/engines_predict.sh. Prints one line per (model, rows): model, rows,
// hone ns/row, libxgboost ns/row, ONNX Runtime ns/row, the largest relative difference between
// hone's outputs and each other engine's.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench/peers/onnxruntime.h"
#include "bench/peers/time_per_row.h"
#include "model/backend_factory.h"
#include "model/trees/trees_backend.h"

namespace {

std::vector<float> rows_for(std::size_t count, std::size_t width, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> value(0, 1);
  std::vector<float> rows(count * width);
  for (auto& x : rows) x = value(rng);
  return rows;
}

// The largest relative difference of `a` from `b`; `b` holds `stride` values per row of which
// the last is compared (ONNX Runtime's classifier answers both classes' probabilities).
double worst_difference(const std::vector<float>& a, const std::vector<float>& b,
                        std::size_t stride) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double x = a[i];
    const double y = b[i * stride + stride - 1];
    if (x != y) worst = std::max(worst, std::fabs(x - y) / std::max(std::fabs(x), std::fabs(y)));
  }
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: engines_predict LIBONNXRUNTIME NAME=MODEL_JSON,MODEL_ONNX...\n");
    return 2;
  }
  const bench::Ort ort(argv[1]);
  for (int m = 2; m < argc; ++m) {
    const std::string spec = argv[m];
    const auto equals = spec.find('=');
    const auto comma = spec.find(',');
    const std::string name = spec.substr(0, equals);
    const std::string json = spec.substr(equals + 1, comma - equals - 1);
    const std::string onnx = spec.substr(comma + 1);
    auto hone = hone::model::load_trees_backend(json);
    auto xgboost = hone::model::create_backend("xgboost", json, {.pool_size = 1});
    if (!hone || !xgboost) {
      std::fprintf(stderr, "%s: cannot load\n", json.c_str());
      return 1;
    }
    const std::size_t width = (*hone)->info().num_features;
    bench::OrtSession* session = ort.open(onnx);
    const std::vector<const char*> input_names{"input"};
    const bool classifier = (*hone)->info().output_name == "probability";
    const std::size_t ort_width = classifier ? 2 : 1;
    const std::vector<const char*> output_names{classifier ? "probabilities" : "variable"};
    for (const std::size_t count : {std::size_t{1}, std::size_t{1000}}) {
      constexpr std::size_t kRows = 1000;
      std::vector<float> rows = rows_for(kRows, width, 11);
      std::vector<float> hone_out(kRows);
      std::vector<float> xgboost_out(kRows);
      std::vector<float> ort_out(kRows * ort_width);
      auto calls = ort.calls(rows.data(), kRows, width, ort_out.data(), ort_width, count);
      const auto engine = [&](hone::model::Backend& backend, std::vector<float>& out) {
        return time_per_row(kRows, [&] {
          for (std::size_t at = 0; at < kRows; at += count) {
            (void)backend.predict({rows.data() + at * width, count * width}, count,
                                  {out.data() + at, count});
          }
        });
      };
      const double hone_ns = engine(**hone, hone_out);
      const double xgboost_ns = engine(**xgboost, xgboost_out);
      const double ort_ns =
          time_per_row(kRows, [&] { ort.run_all(session, input_names, output_names, calls); });
      std::printf("%s,%zu,%.1f,%.1f,%.1f,%.3g,%.3g\n", name.c_str(), count, hone_ns, xgboost_ns,
                  ort_ns, worst_difference(hone_out, xgboost_out, 1),
                  worst_difference(hone_out, ort_out, ort_width));
    }
  }
  return 0;
}
