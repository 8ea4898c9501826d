// Rows/s of hone's native engine against LightGBM's own predict (its C API, one thread), on the
// committed LightGBM fixtures: single rows (LightGBM's fastest single-row path,
// LGBM_BoosterPredictForMatSingleRowFast) and batches of 1,000 rows (LGBM_BoosterPredictForMat).
// Built and run by bench/lightgbm_predict.sh, which builds LightGBM from its npm package first;
// CI never builds it. Prints one line per (model, rows, engine): nanoseconds per row.
#include <LightGBM/c_api.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "bench/peers/time_per_row.h"
#include "model/trees/trees_backend.h"

namespace {

std::vector<float> rows_for(std::size_t count, std::size_t width, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> value(-3, 6);
  std::vector<float> rows(count * width);
  for (auto& x : rows) x = std::round(value(rng) * 4) / 4;  // categories and numbers alike
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: lightgbm_predict FIXTURES_DIR [MODEL...]\n");
    return 2;
  }
  const std::string dir = argv[1];
  for (int m = 2; m < argc; ++m) {
    const std::string name = argv[m];
    const std::string path = dir + "/" + name + "/model.txt";
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    auto forest = hone::model::read_forest(text.str(), path);
    if (!forest) {
      std::fprintf(stderr, "%s\n", forest.error().message.c_str());
      return 1;
    }
    BoosterHandle booster = nullptr;
    int iterations = 0;
    if (LGBM_BoosterCreateFromModelfile(path.c_str(), &iterations, &booster) != 0) {
      std::fprintf(stderr, "LightGBM: %s\n", LGBM_GetLastError());
      return 1;
    }
    const auto width = static_cast<std::int32_t>(forest->num_features());
    const std::size_t outputs = forest->num_outputs();
    FastConfigHandle fast = nullptr;
    if (LGBM_BoosterPredictForMatSingleRowFastInit(booster, C_API_PREDICT_NORMAL, 0, -1,
                                                   C_API_DTYPE_FLOAT32, width, "num_threads=1",
                                                   &fast) != 0) {
      std::fprintf(stderr, "LightGBM: %s\n", LGBM_GetLastError());
      return 1;
    }
    // 1,000 different rows, predicted one call per row, then in one call: a row repeated would
    // let the branch predictor learn its path.
    const std::size_t count = 1000;
    const auto rows = rows_for(count, static_cast<std::size_t>(width), 11);
    std::vector<float> hone_out(count * outputs);
    std::vector<double> lightgbm_out(count * outputs);
    for (const bool single : {true, false}) {
      std::int64_t length = 0;
      const double hone_ns = time_per_row(count, [&] {
        if (!single) return forest->predict(rows, count, hone_out);
        for (std::size_t r = 0; r < count; ++r) {
          forest->predict(std::span(rows).subspan(r * static_cast<std::size_t>(width),
                                                  static_cast<std::size_t>(width)),
                          1, std::span(hone_out).subspan(r * outputs, outputs));
        }
      });
      const double lightgbm_ns = time_per_row(count, [&] {
        if (!single) {
          LGBM_BoosterPredictForMat(
              booster, rows.data(), C_API_DTYPE_FLOAT32, static_cast<std::int32_t>(count), width, 1,
              C_API_PREDICT_NORMAL, 0, -1, "num_threads=1", &length, lightgbm_out.data());
          return;
        }
        for (std::size_t r = 0; r < count; ++r) {
          LGBM_BoosterPredictForMatSingleRowFast(fast, rows.data() + r * width, &length,
                                                 lightgbm_out.data() + r * outputs);
        }
      });
      double worst = 0;  // the two must agree before their speed means anything
      for (std::size_t i = 0; i < hone_out.size(); ++i) {
        const double a = hone_out[i];
        const double b = lightgbm_out[i];
        if (a != b)
          worst = std::max(worst, std::fabs(a - b) / std::max(std::fabs(a), std::fabs(b)));
      }
      std::printf("%s,%s,%.1f,%.1f,%.2g\n", name.c_str(), single ? "1" : "1000", hone_ns,
                  lightgbm_ns, worst);
    }
    LGBM_FastConfigFree(fast);
    LGBM_BoosterFree(booster);
  }
  return 0;
}
