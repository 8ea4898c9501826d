// Seeded mutants of valid requests (both protocols, chunked bodies, pipelining, Expect, admin
// calls) sent over raw TCP to a real server: every answer is a proper status, never a 500, every
// connection ends when the client hangs up, and afterwards the server predicts correctly and holds
// no leftover connection.
#include <gtest/gtest.h>

#include "http/client.h"
#include "serve/prediction_server.h"
#include "support/mutator.h"
#include "support/raw_client.h"
#include "support/redis_process.h"

namespace hone::serve {
namespace {

const std::string kExamples = std::string(HONE_SOURCE_DIR) + "/examples/models";
const std::string kRow = "[60,20,10,5,5,1800,2,30,3,1.5,98.5,10]";
const std::string kV2 =
    R"({"id":"a","inputs":[{"name":"features","datatype":"FP32","shape":[1,12],"data":)" + kRow +
    "}]}";

std::vector<std::string> seeds() {
  const std::string chunked_body = "1a\r\n" + kV2.substr(0, 26) + "\r\n" + [] {
    char size[16];
    std::snprintf(size, sizeof size, "%zx", kV2.size() - 26);
    return std::string(size);
  }() + "\r\n" + kV2.substr(26) + "\r\n0\r\n\r\n";
  return {
      test::post_request("/v2/models/ceramic-armor/infer", kV2),
      test::post_request("/v1/models/ceramic-armor:predict", R"({"instances":[)" + kRow + "]}"),
      test::get_request("/v2/models/ceramic-armor", "Accept-Encoding: gzip, br\r\n"),
      "POST /v2/models/ceramic-armor/infer HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
      "chunked\r\n\r\n" +
          chunked_body,
      test::get_request("/v2/health/ready") +
          test::post_request("/v2/models/fraud-detector/infer", "{\"inputs\":[]}"),
      test::post_request("/v2/models/ceramic-armor/infer", kV2, "Expect: 100-continue\r\n"),
      "DELETE /api/cache HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer s3cret\r\n\r\n",
      test::get_request("/api/performance/history?window=5s", "Connection: keep-alive\r\n"),
  };
}

TEST(MalformedHttp, MutantsGetProperAnswersAndTheServerStaysWhole) {
  auto models = std::make_shared<model::ModelRepository>();
  ASSERT_TRUE(models->load_directory(kExamples, {1}));
  ServeOptions options;
  options.http.port = 0;
  options.http.threads = 2;
  options.admin_token = "s3cret";
  PredictionServer server(options, models);
  ASSERT_TRUE(server.start());
  const std::vector<std::string> valid = seeds();
  hone::test::Mutator mutator(4242);
  int answered = 0;
  const int rounds = hone::test::mutation_rounds(1200);
  for (int i = 0; i < rounds; ++i) {
    const std::string& seed = valid[static_cast<std::size_t>(i) % valid.size()];
    const std::string request = i % 3 == 0 ? mutator.mutate_number(seed) : mutator.mutate(seed);
    test::RawClient raw(server.port(), std::chrono::seconds(5));
    ASSERT_TRUE(raw.connected());
    raw.send(request);
    raw.shutdown_write();
    ASSERT_TRUE(raw.closed_by_peer()) << "connection left open after the client hung up:\n"
                                      << request;
    // Everything has arrived; read it back response by response.
    while (!raw.unread().empty()) {
      const std::string rest = raw.unread();
      const test::RawResponse response = raw.read_response();
      ASSERT_NE(response.status, 0) << "not a whole response:\n" << rest;
      EXPECT_LT(response.status, 600) << request;
      EXPECT_NE(response.status, 500) << request << "\n---\n" << rest;
      ++answered;
    }
  }
  EXPECT_GT(answered, 1000);
  auto client = http::Client::connect("127.0.0.1", server.port()).value();
  const auto prediction = client.post("/v2/models/ceramic-armor/infer", kV2).value();
  EXPECT_EQ(prediction.status, 200) << prediction.body;
  EXPECT_TRUE(test::eventually([&] {
    return client.get("/metrics").value().body.find("\nhone_open_connections 1\n") !=
           std::string::npos;
  })) << "connections leaked";
}

}  // namespace
}  // namespace hone::serve
