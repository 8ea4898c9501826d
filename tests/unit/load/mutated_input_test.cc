// Seeded mutants of what hone load reads: server answers (fed whole and in random pieces),
// scenario files, URLs, stage lists and CSV data. Each ends in a result or a clear error; run
// under the sanitizer presets, a read past a buffer or an unchecked value() would show here.
#include <gtest/gtest.h>

#include <random>

#include "http/url.h"
#include "load/feeder.h"
#include "load/profile.h"
#include "load/response_parser.h"
#include "load/scenario.h"
#include "support/mutator.h"
#include "support/temp_dir.h"

namespace hone::load {
namespace {

TEST(MutatedInput, ResponsesParseOrFailAtEveryPiecing) {
  const std::vector<std::string> seeds = {
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
      "{\"ok\":true}",
      "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\nRetry-After: 1\r\n\r\n"
      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: y\r\n\r\n",
      "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nuntil the end",
  };
  test::Mutator mutator(11);
  std::mt19937 pieces(12);
  int done = 0;
  int failed = 0;
  const int rounds = hone::test::mutation_rounds(6000);
  for (int i = 0; i < rounds; ++i) {
    const std::string text =
        (i % 2 ? mutator.mutate_number(seeds[static_cast<std::size_t>(i) % seeds.size()])
               : mutator.mutate(seeds[static_cast<std::size_t>(i) % seeds.size()]));
    ResponseParser parser;
    parser.reset(i % 7 == 0, true);
    std::size_t at = 0;
    while (at < text.size() && !parser.done() && !parser.failed()) {
      const std::size_t step = std::uniform_int_distribution<std::size_t>(1, 40)(pieces);
      const std::size_t used = parser.feed(std::string_view(text).substr(at, step));
      ASSERT_LE(used, std::min(step, text.size() - at)) << text;
      if (used == 0 && !parser.done() && !parser.failed()) {
        ADD_FAILURE() << "parser took nothing and asked for nothing: " << text;
        break;
      }
      at += used;
    }
    if (!parser.done() && !parser.failed()) parser.on_eof();
    ASSERT_TRUE(parser.done() || parser.failed()) << text;
    if (parser.failed()) {
      EXPECT_FALSE(parser.error().empty()) << text;
      ++failed;
    } else {
      EXPECT_GE(parser.status(), 100) << text;
      EXPECT_LE(parser.status(), 999) << text;
      EXPECT_LE(parser.body().size(), text.size()) << text;
      ++done;
    }
  }
  EXPECT_GT(done, 0);
  EXPECT_GT(failed, 0);
}

TEST(MutatedInput, ScenarioFilesLoadOrNameTheProblem) {
  test::TempDir dir;
  dir.write("rows.csv", "id,amount\n1,10\n2,20\n");
  dir.write("body.json", "{\"x\": 1}");
  const std::string seed = R"(base_url: http://127.0.0.1:9
rate: 400
duration: 1s
stages: [{duration: 2s, target: 100}, {duration: 1s, target: 0}]
headers: {X-Team: ml}
thresholds: ["p99 < 100ms", "error_rate < 1%"]
jwt: {secret: k, claims: '{"sub":"a"}', expiry: 1h}
endpoints:
  - name: heavy
    weight: 3
    path: /heavy
    expect: {status: [200, 201], body_contains: ok}
  - name: light
    method: POST
    path: /light?x={{id}}
    body: '{"id": {{id}}, "amount": {{amount}}}'
    data: {file: rows.csv, order: random}
  - path: /file
    body_file: body.json
)";
  test::Mutator mutator(5);
  int loaded = 0;
  const int rounds = hone::test::mutation_rounds(1500);
  for (int i = 0; i < rounds; ++i) {
    const std::string path =
        dir.write("s.yaml", (i % 2 ? mutator.mutate_number(seed) : mutator.mutate(seed)));
    const auto scenario = read_scenario(path);
    if (scenario) {
      ++loaded;
      EXPECT_FALSE(scenario->endpoints.empty());
    } else {
      EXPECT_FALSE(scenario.error().message.empty());
    }
  }
  EXPECT_GT(loaded, 0);
}

TEST(MutatedInput, UrlsStagesAndCsvParseOrFail) {
  test::Mutator mutator(3);
  const int rounds = hone::test::mutation_rounds(3000);
  for (int i = 0; i < rounds; ++i) {
    const auto url =
        parse_url(mutator.mutate("https://user@example.com:8443/v2/models/m/infer?x=1"));
    if (url) {
      EXPECT_FALSE(url->host.empty());
    } else {
      EXPECT_FALSE(url.error().message.empty());
    }
    const auto stages = parse_stages(mutator.mutate("10s:100,1m:500.5,30s:0"));
    if (!stages) {
      EXPECT_FALSE(stages.error().message.empty());
    }
    const auto csv = parse_csv(mutator.mutate("a,b,\"c,d\"\n1,\"x\"\"y\",3\n4,5,6\n"));
    if (!csv) {
      EXPECT_FALSE(csv.error().message.empty());
    }
  }
}

}  // namespace
}  // namespace hone::load
