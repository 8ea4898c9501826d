// Rows/s of hone's native engine against ONNX Runtime (its C API, one thread, outputs written
// into buffers given to it) on the committed ONNX fixtures: single rows and batches of 1,000.
// ONNX Runtime comes from the npm package onnxruntime-node (bench/peers/onnxruntime.h). Built and
// run by
// bench/onnx_predict.sh; CI never runs it. Prints one line per (model, rows): model, rows,
// hone ns/row, ONNX Runtime ns/row, max relative difference of the outputs.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/peers/onnxruntime.h"
#include "bench/peers/time_per_row.h"
#include "model/trees/trees_backend.h"

namespace {

// Rows like the fixtures' training data: normal values, feature 2 a small integer.
std::vector<float> rows_for(std::size_t count, std::size_t width, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> value(0, 1);
  std::vector<float> rows(count * width);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i] = i % width == 2 ? static_cast<float>(rng() % 5) : value(rng);
  }
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: onnxruntime_predict LIBONNXRUNTIME FIXTURES_DIR [MODEL...]\n");
    return 2;
  }
  const bench::Ort ort(argv[1]);
  std::fprintf(stderr, "ONNX Runtime %s\n", ort.version());
  for (int m = 3; m < argc; ++m) {
    const std::string name = argv[m];
    const std::string path = std::string(argv[2]) + "/" + name + "/model.onnx";
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    auto forest = hone::model::read_forest(bytes.str(), path);
    if (!forest) {
      std::fprintf(stderr, "%s\n", forest.error().message.c_str());
      return 1;
    }
    const std::size_t width = forest->num_features();
    const std::size_t outputs = forest->num_outputs();
    bench::OrtSession* session = ort.open(path);
    const std::vector<const char*> input_names{forest->input_name().c_str()};
    const std::string output = forest->output_name();
    // The probabilities only (the node computes its label anyway; hone names labels when it
    // writes an answer, not in predict).
    const std::vector<const char*> output_names{output.c_str()};
    for (const std::size_t count : {std::size_t{1}, std::size_t{1000}}) {
      constexpr std::size_t kRows = 1000;
      std::vector<float> rows = rows_for(kRows, width, 7);
      std::vector<float> hone_out(kRows * outputs);
      std::vector<float> ort_out(kRows * outputs);
      auto calls = ort.calls(rows.data(), kRows, width, ort_out.data(), outputs, count);
      const double hone_ns = time_per_row(kRows, [&] {
        for (std::size_t at = 0; at < kRows; at += count) {
          forest->predict({rows.data() + at * width, count * width}, count,
                          {hone_out.data() + at * outputs, count * outputs});
        }
      });
      const double ort_ns =
          time_per_row(kRows, [&] { ort.run_all(session, input_names, output_names, calls); });
      double worst = 0;
      for (std::size_t i = 0; i < hone_out.size(); ++i) {
        const double a = hone_out[i];
        const double b = ort_out[i];
        if (a != b)
          worst = std::max(worst, std::fabs(a - b) / std::max(std::fabs(a), std::fabs(b)));
      }
      std::printf("%s,%zu,%.1f,%.1f,%.3g\n", name.c_str(), count, hone_ns, ort_ns, worst);
    }
  }
  return 0;
}
