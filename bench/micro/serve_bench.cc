// Per-request cost of hone serve's hot components on the demo regressor's one-row KServe v2
// request: HTTP request parse, v2 decode, cache key, L1 lookup (a hit), answer encode, and the
// whole HTTP answer (status line and headers) written.
// Run through bench/serve_vs_peers.sh, or: build/release/bench/serve_bench
#include <benchmark/benchmark.h>

#include <string>

#include "http/request_parser.h"
#include "http/serialize.h"
#include "model/repository.h"
#include "serve/cache_key.h"
#include "serve/response_cache.h"
#include "serve/v2_codec.h"

namespace {

const std::string kModels = std::string(HONE_SOURCE_DIR) + "/examples/models";
const std::string kBody = R"({"inputs":[{"name":"features","datatype":"FP32","shape":[1,12],)"
                          R"("data":[60,20,10,5,5,1800,2,30,3,1.5,98.5,10]}]})";
// What wrk sends in bench/serve_vs_peers.sh, with a client's usual headers.
const std::string kRequest =
    "POST /v2/models/ceramic-armor/infer HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
    "User-Agent: bench\r\nAccept: */*\r\nContent-Type: application/json\r\n"
    "Content-Length: " +
    std::to_string(kBody.size()) + "\r\n\r\n" + kBody;

const hone::model::Model& demo_model() {
  static const auto* repository = [] {
    auto* r = new hone::model::ModelRepository;
    hone::model::BackendOptions options;
    options.pool_size = 1;
    if (!r->load_directory(kModels, options)) std::abort();
    return r;
  }();
  return *repository->find("ceramic-armor");
}

hone::serve::InferRequest decoded() {
  std::string body = kBody;
  return hone::serve::decode_v2_infer(body, demo_model(), {}).value();
}

hone::serve::CacheKey key_of(const hone::serve::InferRequest& request) {
  const auto& model = demo_model();
  return hone::serve::make_cache_key(model.config.name, model.config.version, model.fingerprint,
                                     request.rows, request.row_count);
}

void BM_RequestParse(benchmark::State& state) {
  const hone::http::Limits limits;
  hone::http::RequestParser parser(limits);
  for (auto _ : state) {
    parser.reset();
    parser.feed(kRequest);
    if (parser.state() != hone::http::RequestParser::State::kDone) state.SkipWithError("no");
    benchmark::DoNotOptimize(parser.request());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kRequest.size()));
}

void BM_V2Decode(benchmark::State& state) {
  const auto& model = demo_model();
  std::string body;
  for (auto _ : state) {
    body = kBody;
    auto request = hone::serve::decode_v2_infer(body, model, {});
    if (!request) state.SkipWithError("not decoded");
    benchmark::DoNotOptimize(request);
  }
}

void BM_CacheKey(benchmark::State& state) {
  const auto request = decoded();
  for (auto _ : state) {
    auto key = key_of(request);
    benchmark::DoNotOptimize(key);
  }
}

void BM_L1Hit(benchmark::State& state) {
  hone::serve::ResponseCache cache(64 << 20);
  const auto key = key_of(decoded());
  cache.put(key, std::make_shared<const hone::serve::CachedValue>(std::vector<float>{1.5F}),
            std::chrono::seconds(300));
  for (auto _ : state) {
    auto hit = cache.get(key);
    if (!hit) state.SkipWithError("miss");
    benchmark::DoNotOptimize(hit);
  }
}

void BM_V2Encode(benchmark::State& state) {
  const auto request = decoded();
  const std::vector<float> outputs{1234.5F};
  std::string out;
  for (auto _ : state) {
    out.clear();
    hone::serve::encode_v2_infer(demo_model(), request, outputs, out);
    benchmark::DoNotOptimize(out.data());
  }
}

void BM_ResponseWrite(benchmark::State& state) {
  hone::http::Response response;
  response.body = R"({"model_name":"ceramic-armor","outputs":[{"name":"predict"}]})";
  response.headers.push_back({"X-Cache", "HIT"});
  std::string out;
  for (auto _ : state) {
    out.clear();
    hone::http::serialize_response(response, {}, out);
    benchmark::DoNotOptimize(out.data());
  }
}

}  // namespace

BENCHMARK(BM_RequestParse);
BENCHMARK(BM_V2Decode);
BENCHMARK(BM_CacheKey);
BENCHMARK(BM_L1Hit);
BENCHMARK(BM_V2Encode);
BENCHMARK(BM_ResponseWrite);
BENCHMARK_MAIN();
