// GET or POST /v2/repository/index: every served model with its version and state; a POST body
// {"ready": true} lists only the ready ones; a body that is not such an object is a 400. (The
// UNAVAILABLE state, for a model whose upstream fails its health check, is in upstream_test.)
#include <gtest/gtest.h>

#include "support/served.h"

namespace hone::test {
namespace {

TEST(RepositoryIndex, ListsEveryModelWithItsState) {
  Served served({"--model", "a=" + kExamples + "/ceramic-armor/model.json", "--model",
                 "b=" + kExamples + "/fraud-detector/model.json"});
  const std::string listed = R"([{"name":"a","version":"1","state":"READY","reason":""},)"
                             R"({"name":"b","version":"1","state":"READY","reason":""}])";
  EXPECT_EQ(served.get("/v2/repository/index"), listed);
  auto client = served.client();
  for (const char* body : {"", "{}", R"({"ready":true})", R"({"ready":false})"}) {
    const auto answer = client.post("/v2/repository/index", body).value();
    EXPECT_EQ(answer.status, 200) << body;
    EXPECT_EQ(answer.body, listed) << body;
  }
  for (const auto& [body, why] : std::vector<std::pair<std::string, std::string>>{
           {"nope", "invalid JSON: line 1, column 1"},
           {"[]", "must be a JSON object"},
           {R"({"ready":1})", "'ready' must be true or false"}}) {
    const auto answer = client.post("/v2/repository/index", body).value();
    EXPECT_EQ(answer.status, 400) << body;
    EXPECT_NE(answer.body.find(why), std::string::npos) << answer.body;
  }
}

}  // namespace
}  // namespace hone::test
