// The rules of a json upstream: which requests are predictions, proxied or refused; which
// headers travel; which answers may be kept; what the cache key holds; the stored answer's bytes;
// and the pool of calls with its bounded queue.
#include "serve/api_forwarding.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "serve/call_pool.h"
#include "serve/canonical_json.h"

namespace hone::serve {
namespace {

http::Request request(http::Method method, std::string text, std::vector<http::Header> headers) {
  http::Request r;
  r.method = method;
  r.method_text = std::move(text);
  r.headers = std::move(headers);
  return r;
}

TEST(ApiForwarding, ByDefaultJsonPostsArePredictionsAndTheRestIsProxied) {
  const std::vector<model::ApiRoute> none;
  const auto json_post =
      request(http::Method::kPost, "POST", {{"content-type", "application/json; charset=utf-8"}});
  EXPECT_EQ(classify(none, json_post, "/predict"), ApiAction::kPredict);
  const auto vendor_json =
      request(http::Method::kPost, "POST", {{"Content-Type", "application/vnd.api+json"}});
  EXPECT_EQ(classify(none, vendor_json, "/predict"), ApiAction::kPredict);
  const auto form =
      request(http::Method::kPost, "POST", {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(classify(none, form, "/predict"), ApiAction::kProxy);
  const auto get = request(http::Method::kGet, "GET", {});
  EXPECT_EQ(classify(none, get, "/info"), ApiAction::kProxy);
  const auto put = request(http::Method::kPut, "PUT", {{"Content-Type", "application/json"}});
  EXPECT_EQ(classify(none, put, "/items"), ApiAction::kProxy);
}

TEST(ApiForwarding, TheFirstMatchingRouteDecides) {
  const std::vector<model::ApiRoute> routes = {
      {"", "/admin/*", "refuse"},
      {"GET", "/score", "predict"},
      {"", "/predict", "proxy"},
  };
  const auto json_post =
      request(http::Method::kPost, "POST", {{"Content-Type", "application/json"}});
  const auto get = request(http::Method::kGet, "GET", {});
  EXPECT_EQ(classify(routes, get, "/admin/users"), ApiAction::kRefuse);
  EXPECT_EQ(classify(routes, json_post, "/admin/"), ApiAction::kRefuse);
  EXPECT_EQ(classify(routes, get, "/administrator"), ApiAction::kProxy);  // not under /admin/
  EXPECT_EQ(classify(routes, get, "/score"), ApiAction::kPredict);
  EXPECT_EQ(classify(routes, json_post, "/score"), ApiAction::kPredict);  // default: JSON POST
  EXPECT_EQ(classify(routes, json_post, "/predict"), ApiAction::kProxy);
  EXPECT_EQ(classify(routes, json_post, "/predict/more"), ApiAction::kPredict);  // exact only
}

TEST(ApiForwarding, HopByHopHeadersStayAndPredictionsAskForThePlainAnswer) {
  const auto r = request(http::Method::kPost, "POST",
                         {{"Host", "hone:8000"},
                          {"Connection", "keep-alive"},
                          {"Content-Length", "12"},
                          {"Transfer-Encoding", "chunked"},
                          {"Accept-Encoding", "gzip"},
                          {"Authorization", "Bearer k"},
                          {"X-Tenant", "a"},
                          {"X-Tenant", "b"}});
  const auto names = [](const std::vector<http::Header>& headers) {
    std::string out;
    for (const auto& h : headers) out += h.name + "=" + h.value + ";";
    return out;
  };
  EXPECT_EQ(names(upstream_headers(r, true)), "Authorization=Bearer k;X-Tenant=a;X-Tenant=b;");
  EXPECT_EQ(names(upstream_headers(r, false)),
            "Accept-Encoding=gzip;Authorization=Bearer k;X-Tenant=a;X-Tenant=b;");
}

TEST(ApiForwarding, TheClientGetsTheUpstreamsEndToEndHeaders) {
  http::ClientResponse upstream;
  upstream.status = 201;
  upstream.headers = {{"Content-Type", "application/json"},
                      {"Content-Length", "2"},
                      {"Connection", "keep-alive"},
                      {"Date", "x"},
                      {"Server", "uvicorn"},
                      {"X-Model-Version", "7"}};
  upstream.body = "{}";
  const StoredAnswer answer = client_answer(std::move(upstream));
  EXPECT_EQ(answer.status, 201);
  EXPECT_EQ(answer.content_type, "application/json");
  ASSERT_EQ(answer.headers.size(), 1U);
  EXPECT_EQ(answer.headers[0].name, "X-Model-Version");
  EXPECT_EQ(answer.body, "{}");
}

TEST(ApiForwarding, OnlyA200ThatAllowsItIsKept) {
  StoredAnswer answer;
  answer.status = 200;
  EXPECT_TRUE(cacheable(answer));
  answer.headers = {{"Cache-Control", "max-age=60"}};
  EXPECT_TRUE(cacheable(answer));
  for (const char* refusal : {"no-store", "No-Cache", "private, max-age=60"}) {
    answer.headers = {{"cache-control", refusal}};
    EXPECT_FALSE(cacheable(answer)) << refusal;
  }
  answer.headers = {{"Set-Cookie", "session=1"}};
  EXPECT_FALSE(cacheable(answer));
  answer.headers = {};
  for (const int status : {201, 204, 404, 422, 500}) {
    answer.status = status;
    EXPECT_FALSE(cacheable(answer)) << status;
  }
}

TEST(ApiForwarding, TheKeyHoldsMethodTargetChosenHeadersAndTheCanonicalBody) {
  const std::vector<std::string> key_headers = {"X-Tenant"};
  const auto with = [](std::vector<http::Header> headers, std::string method = "POST") {
    return request(http::Method::kPost, std::move(method), std::move(headers));
  };
  const auto body = canonical_json(R"({"b": 1.0, "a": [1e0]})", 32).value();
  EXPECT_EQ(body, canonical_json(R"({"a":[1],"b":1})", 32).value());
  const auto key = [&](const http::Request& r, std::string_view target,
                       const std::string& canonical) {
    return api_key_bytes("api", "f00d", r, target, key_headers, canonical);
  };
  const auto base = key(with({{"X-Tenant", "a"}, {"User-Agent", "x"}}), "/predict", body);
  EXPECT_EQ(base, key(with({{"x-tenant", "a"}, {"User-Agent", "y"}}), "/predict", body));
  EXPECT_NE(base, key(with({{"X-Tenant", "b"}}), "/predict", body));
  EXPECT_NE(base, key(with({}), "/predict", body));
  EXPECT_NE(key(with({}), "/predict", body), key(with({{"X-Tenant", ""}}), "/predict", body));
  EXPECT_NE(base, key(with({{"X-Tenant", "a"}}), "/predict?v=2", body));
  EXPECT_NE(base, key(with({{"X-Tenant", "a"}}, "PUT"), "/predict", body));
  EXPECT_NE(base, key(with({{"X-Tenant", "a"}}), "/predict", "{}"));
  EXPECT_NE(base, api_key_bytes("other", "f00d", with({{"X-Tenant", "a"}}), "/predict", key_headers,
                                body));
}

TEST(StoredAnswer, RoundTripsAndRefusesOtherBytes) {
  StoredAnswer answer;
  answer.status = 200;
  answer.content_type = "application/json";
  answer.headers = {{"X-Model-Version", "7"}, {"Vary", "X-Tenant"}};
  answer.body = std::string("{\"p\":1}\0tail", 12);
  const auto back = decode_answer(encode_answer(answer));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, 200);
  EXPECT_EQ(back->content_type, answer.content_type);
  ASSERT_EQ(back->headers.size(), 2U);
  EXPECT_EQ(back->headers[1].value, "X-Tenant");
  EXPECT_EQ(back->body, answer.body);
  EXPECT_FALSE(decode_answer(""));
  EXPECT_FALSE(decode_answer(std::string(16, '\xff')));
  const std::string bytes = encode_answer(answer);
  EXPECT_FALSE(decode_answer(std::string_view(bytes).substr(0, 10)));  // cut in a header
}

TEST(CallPool, RunsTasksRefusesBeyondItsQueueAndTellsTheLeftOnesOnStop) {
  CallPool pool(1, 2);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> ran{0};
  std::atomic<int> refused{0};
  std::promise<void> started;
  ASSERT_TRUE(pool.submit([&](bool run) {
    started.set_value();
    gate.wait();
    if (run) ++ran;
  }));
  started.get_future().wait();  // the one thread is busy: the next two wait in the queue
  const auto count = [&](bool run) { ++(run ? ran : refused); };
  EXPECT_TRUE(pool.submit(count));
  EXPECT_TRUE(pool.submit(count));
  EXPECT_FALSE(pool.submit(count));  // the queue holds two
  std::thread stopper([&] { pool.stop(); });
  // stop() tells the queued ones at once, then waits for the running one.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (refused.load() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  release.set_value();
  stopper.join();
  EXPECT_EQ(ran.load(), 1);
  EXPECT_EQ(refused.load(), 2);
  EXPECT_FALSE(pool.submit(count));
}

}  // namespace
}  // namespace hone::serve
