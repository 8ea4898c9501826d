#include "serve/host_guard.h"

#include <gtest/gtest.h>

namespace hone::serve {
namespace {

TEST(HostGuard, OnLoopbackTheMonitoringPathsAnswerOnlyAddressesLocalhostAndAllowedNames) {
  const HostGuard guard("127.0.0.1", {"My.Box"});
  ASSERT_TRUE(guard.active());
  for (const char* path :
       {"/api/performance", "/api", "/metrics", "/dashboard", "/dashboard/app.js"}) {
    EXPECT_FALSE(guard.allows(path, "evil.example")) << path;
    EXPECT_FALSE(guard.allows(path, "evil.example:8000")) << path;
    EXPECT_TRUE(guard.allows(path, "127.0.0.1:8000")) << path;
    EXPECT_TRUE(guard.allows(path, "[::1]:8000")) << path;
    EXPECT_TRUE(guard.allows(path, "10.1.2.3")) << path;
    EXPECT_TRUE(guard.allows(path, "localhost:8000")) << path;
    EXPECT_TRUE(guard.allows(path, "LOCALHOST")) << path;
    EXPECT_TRUE(guard.allows(path, "hone.localhost")) << path;
    EXPECT_TRUE(guard.allows(path, "my.box:8000")) << path;
    EXPECT_TRUE(guard.allows(path, "")) << path;  // HTTP/1.0 without Host
  }
  EXPECT_FALSE(guard.allows("/api/cache", "localhost.evil.example"));
  // Predictions and health are the API itself: any name.
  for (const char* path :
       {"/v2/models/m/infer", "/v1/models/m:predict", "/v2/health/ready", "/apis", "/metricsx"}) {
    EXPECT_TRUE(guard.allows(path, "evil.example")) << path;
  }
}

TEST(HostGuard, OtherListenersAreGuardedOnlyWhenNamesAreConfigured) {
  for (const char* host : {"0.0.0.0", "10.0.0.5", "::"}) {
    const HostGuard open(host, {});
    EXPECT_FALSE(open.active()) << host;
    EXPECT_TRUE(open.allows("/metrics", "evil.example")) << host;
    const HostGuard named(host, {"metrics.internal"});
    EXPECT_TRUE(named.active()) << host;
    EXPECT_FALSE(named.allows("/metrics", "evil.example")) << host;
    EXPECT_TRUE(named.allows("/metrics", "metrics.internal:9000")) << host;
  }
  for (const char* loopback : {"localhost", "::1", "127.0.0.2"}) {
    EXPECT_TRUE(HostGuard(loopback, {}).active()) << loopback;
  }
}

TEST(HostGuard, NameOfStripsThePortAndBrackets) {
  EXPECT_EQ(HostGuard::name_of("a.b:80"), "a.b");
  EXPECT_EQ(HostGuard::name_of("[::1]:80"), "::1");
  EXPECT_EQ(HostGuard::name_of("[::1]"), "::1");
  EXPECT_EQ(HostGuard::name_of(" a "), "a");
}

}  // namespace
}  // namespace hone::serve
