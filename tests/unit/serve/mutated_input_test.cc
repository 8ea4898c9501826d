// Thousands of seeded mutants of valid prediction bodies and config files: each decodes into a
// well-formed request or fails with a 4xx and a message. Run under the sanitizer presets, this is
// where a read past a buffer or an unchecked value() would show.
#include <gtest/gtest.h>

#include "codec_fixture.h"
#include "serve/serve_config.h"
#include "serve/v1_codec.h"
#include "serve/v2_codec.h"
#include "support/mutator.h"
#include "support/temp_dir.h"

namespace hone::serve {
namespace {

constexpr int kMutants = 4000;

void expect_sound(const Result<InferRequest>& decoded, const model::Model& model,
                  const std::string& body) {
  if (!decoded) {
    EXPECT_GE(decoded.error().code, 400) << body;
    EXPECT_LT(decoded.error().code, 500) << body;
    EXPECT_FALSE(decoded.error().message.empty()) << body;
    return;
  }
  const auto width = static_cast<std::size_t>(model.config.inputs[0].shape[1]);
  EXPECT_EQ(decoded->rows.size(), decoded->row_count * width) << body;
  EXPECT_LE(decoded->row_count, model.config.max_rows_per_request) << body;
}

// Decodes mutants of `seeds` with `decode`; checks each, and that both outcomes occurred (some
// mutants stay valid, such as a changed digit; most do not).
template <typename Decode>
void decode_mutants(const std::vector<std::string>& seeds, std::uint32_t seed, Decode decode) {
  const model::Model model = test::make_model();
  hone::test::Mutator mutator(seed);
  const int rounds = hone::test::mutation_rounds(kMutants);
  int accepted = 0;
  for (int i = 0; i < rounds; ++i) {
    const std::string& valid = seeds[static_cast<std::size_t>(i) % seeds.size()];
    std::string body = i % 2 ? mutator.mutate_number(valid) : mutator.mutate(valid);
    const std::string shown = body;
    const Result<InferRequest> decoded = decode(body, model);
    accepted += decoded ? 1 : 0;
    expect_sound(decoded, model, shown);
  }
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, rounds);
}

TEST(MutatedInput, V2BodiesDecodeOrFailWithA4xx) {
  decode_mutants(
      {
          R"({"id":"r1","inputs":[{"name":"features","datatype":"FP32","shape":[2,3],"data":[1,2,3,4,5,6]}]})",
          R"({"inputs":[{"name":"features","datatype":"FP64","shape":[1,3],"data":[[1.5,null,-3e2]]}],"parameters":{"timeout":1000}})",
          R"({"inputs":[{"name":"features","datatype":"INT32","shape":[3],"data":[1,2,3]}],"outputs":[{"name":"score"}]})",
      },
      20261125, [](std::string& body, const model::Model& model) {
        return decode_v2_infer(body, model, JsonLimits{});
      });
}

TEST(MutatedInput, V1BodiesDecodeOrFailWithA4xx) {
  decode_mutants(
      {
          R"({"instances":[[1,2,3],[4,null,6]]})",
          R"({"signature_name":"serving_default","instances":[{"a":1,"c":3},{"b":2.5}]})",
          R"({"inputs":{"a":[1,2],"b":[3,4],"c":[5,null]}})",
      },
      7, [](std::string& body, const model::Model& model) {
        return decode_v1_predict(body, model, make_feature_index(model), JsonLimits{});
      });
}

TEST(MutatedInput, ServerConfigLoadsOrNamesTheProblem) {
  const std::string seed =
      "host: 127.0.0.1\nport: 8080\nthreads: 2\ncache_size: 16MiB\nadmin_token: abc\n"
      "history: 10m\nlimits: {max_body: 2MiB, header_timeout: 5s, json_depth: 16}\n"
      "compression: {enabled: true, min_size: 1KiB, gzip_level: 5}\n"
      "alerts: {webhook: http://127.0.0.1:9000/a,\n"
      "         rules: [\"p99_ms > 100 for 30s\", {expr: \"error_rate > 5%\", model: m}]}\n"
      "redis: {url: redis://127.0.0.1:6379, command_timeout: 20ms, breaker_failures: 5}\n";
  hone::test::TempDir dir;
  hone::test::Mutator mutator(99);
  const int rounds = hone::test::mutation_rounds(1500);
  for (int i = 0; i < rounds; ++i) {
    const std::string path =
        dir.write("hone.yaml", (i % 2 ? mutator.mutate_number(seed) : mutator.mutate(seed)));
    ServeConfig config;
    const Status loaded = load_serve_config(path, config);
    if (!loaded) {
      EXPECT_FALSE(loaded.error().message.empty());
      continue;
    }
    const Status valid = validate(config);
    if (!valid) {
      EXPECT_FALSE(valid.error().message.empty());
    }
  }
}

}  // namespace
}  // namespace hone::serve
