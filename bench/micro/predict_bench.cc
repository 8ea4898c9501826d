// Per-call cost of a prediction: hone's native tree engine against libxgboost's C API, on the
// demo regressor (ceramic-armor: 100 trees, depth 6, 12 features), one row and batches.
// Run through bench/serve_vs_peers.sh, or: build/release/bench/micro/predict_bench
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <string>

#include "model/backend_factory.h"
#include "model/demo_models.h"
#include "model/xgboost/xgb_handle.h"

namespace {

const std::string kModel =
    std::string(HONE_SOURCE_DIR) + "/examples/models/ceramic-armor/model.json";

void run(benchmark::State& state, const char* backend_name) {
  hone::model::BackendOptions options;
  options.pool_size = 1;
  auto backend = hone::model::create_backend(backend_name, kModel, options).value();
  const auto rows = static_cast<std::size_t>(state.range(0));
  auto data = hone::model::demo_dataset("ceramic-armor", rows, 7).value();
  std::vector<float> out(rows);
  for (auto _ : state) {
    if (!backend->predict(data.features, rows, out)) state.SkipWithError("predict failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows));
}

void BM_Trees(benchmark::State& state) { run(state, "trees"); }
void BM_Xgboost(benchmark::State& state) { run(state, "xgboost"); }

BENCHMARK(BM_Trees)->Arg(1)->Arg(64)->Arg(1024);
BENCHMARK(BM_Xgboost)->Arg(1)->Arg(64)->Arg(1024);

// Explanations (TreeSHAP) of 64 different rows: the native engine's explain() against
// libxgboost's pred_contribs (a DMatrix of the same rows, the booster loaded once).
void BM_ExplainTrees(benchmark::State& state) {
  auto backend = hone::model::create_backend("trees", kModel, {}).value();
  const std::size_t rows = 64;
  auto data = hone::model::demo_dataset("ceramic-armor", rows, 7).value();
  std::vector<float> out(rows * backend->explanation_width());
  for (auto _ : state) {
    if (!backend->explain(data.features, rows, out)) state.SkipWithError("explain failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows));
}
void BM_ExplainXgboost(benchmark::State& state) {
  std::ifstream in(kModel);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto booster = hone::model::xgb::Booster::from_buffer(bytes).value();
  const std::size_t rows = 64;
  auto data = hone::model::demo_dataset("ceramic-armor", rows, 7).value();
  auto matrix = hone::model::xgb::DMatrix::from_dense(data.features, rows, 12).value();
  const char* config =
      R"({"type":2,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false})";
  for (auto _ : state) {
    const bst_ulong* shape = nullptr;
    bst_ulong dims = 0;
    const float* result = nullptr;
    if (XGBoosterPredictFromDMatrix(booster.get(), matrix.get(), config, &shape, &dims, &result) !=
        0) {
      state.SkipWithError(XGBGetLastError());
    }
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows));
}
BENCHMARK(BM_ExplainTrees)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExplainXgboost)->Unit(benchmark::kMillisecond);

}  // namespace

namespace {
void BM_LoadTrees(benchmark::State& state) {
  for (auto _ : state) {
    auto backend = hone::model::create_backend("trees", kModel, {});
    benchmark::DoNotOptimize(backend);
  }
}
void BM_LoadXgboost(benchmark::State& state) {
  hone::model::BackendOptions options;
  options.pool_size = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto backend = hone::model::create_backend("xgboost", kModel, options);
    benchmark::DoNotOptimize(backend);
  }
}
BENCHMARK(BM_LoadTrees)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoadXgboost)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
}  // namespace

BENCHMARK_MAIN();
