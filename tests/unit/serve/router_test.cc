#include "serve/router.h"

#include <gtest/gtest.h>

namespace hone::serve {
namespace {

// A sink that records the answer delivered through a Responder.
class Capture : public http::ResponseSink {
 public:
  void deliver(std::uint64_t, http::Response response) override { last = std::move(response); }
  http::Response last;
};

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.add(http::Method::kGet, "/v2/models/{model}", [this](auto&, const auto& p, auto r) {
      seen_ = "meta:" + p.get("model");
      r.send({});
    });
    router_.add(http::Method::kPost, "/v2/models/{model}/infer",
                [this](auto&, const auto& p, auto r) {
                  seen_ = "infer:" + p.get("model");
                  r.send({});
                });
    router_.add(http::Method::kPost, "/v1/models/{model}:predict",
                [this](auto&, const auto& p, auto r) {
                  seen_ = "predict:" + p.get("model");
                  r.send({});
                });
  }

  http::Response call(http::Method method, const std::string& target) {
    http::Request request;
    request.method = method;
    request.method_text = std::string(http::method_name(method));
    request.target = target;
    auto sink = std::make_shared<Capture>();
    router_.handle(request, http::Responder(sink, 0));
    return sink->last;
  }

  Router router_;
  std::string seen_;
};

TEST_F(RouterTest, MatchesParametersAndSuffixes) {
  EXPECT_EQ(call(http::Method::kGet, "/v2/models/abc").status, 200);
  EXPECT_EQ(seen_, "meta:abc");
  EXPECT_EQ(call(http::Method::kPost, "/v2/models/x-1/infer?debug=1").status, 200);
  EXPECT_EQ(seen_, "infer:x-1");
  EXPECT_EQ(call(http::Method::kPost, "/v1/models/fraud:predict").status, 200);
  EXPECT_EQ(seen_, "predict:fraud");
  EXPECT_EQ(call(http::Method::kPost, "/v1/models/my%20model:predict").status, 200);
  EXPECT_EQ(seen_, "predict:my model");
}

TEST_F(RouterTest, HeadUsesGetRoutes) {
  EXPECT_EQ(call(http::Method::kHead, "/v2/models/abc").status, 200);
  EXPECT_EQ(seen_, "meta:abc");
}

TEST_F(RouterTest, UnknownPathIs404) {
  const auto response = call(http::Method::kGet, "/v3/nothing");
  EXPECT_EQ(response.status, 404);
  EXPECT_NE(response.body.find("no route for /v3/nothing"), std::string::npos);
  EXPECT_EQ(call(http::Method::kPost, "/v1/models/x:explain").status, 404);
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  const auto response = call(http::Method::kDelete, "/v2/models/abc/infer");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(http::find_header(response.headers, "Allow"), "POST");
  const auto get_only = call(http::Method::kPost, "/v2/models/abc");
  EXPECT_EQ(get_only.status, 405);
  EXPECT_EQ(http::find_header(get_only.headers, "Allow"), "GET, HEAD");
}

TEST_F(RouterTest, OptionsListsMethods) {
  const auto response = call(http::Method::kOptions, "/v2/models/abc/infer");
  EXPECT_EQ(response.status, 204);
  EXPECT_EQ(http::find_header(response.headers, "Allow"), "POST, OPTIONS");
}

TEST_F(RouterTest, AFallbackTakesOnlyPathsNoPatternMatches) {
  router_.set_fallback([this](http::Request& request, http::Responder& responder) {
    if (request.path().substr(0, 5) != "/api/") return false;
    seen_ = "fallback:" + std::string(request.path());
    responder.send({});
    return true;
  });
  EXPECT_EQ(call(http::Method::kPost, "/api/predict").status, 200);
  EXPECT_EQ(seen_, "fallback:/api/predict");
  EXPECT_EQ(call(http::Method::kGet, "/elsewhere").status, 404);  // declined: the usual 404
  EXPECT_EQ(call(http::Method::kDelete, "/v2/models/abc/infer").status, 405);  // a route's path
  EXPECT_EQ(call(http::Method::kGet, "/v2/models/abc").status, 200);
  EXPECT_EQ(seen_, "meta:abc");
}

TEST_F(RouterTest, BadEscapeIs400) {
  EXPECT_EQ(call(http::Method::kGet, "/v2/models/a%zz").status, 400);
  EXPECT_EQ(call(http::Method::kGet, "/v2/models/a%2").status, 400);
}

TEST(PercentDecode, Decodes) {
  std::string out;
  EXPECT_TRUE(percent_decode("a%2Fb%20c", out));
  EXPECT_EQ(out, "a/b c");
  EXPECT_FALSE(percent_decode("%g0", out));
}

}  // namespace
}  // namespace hone::serve
