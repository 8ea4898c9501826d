// The real binary out of file descriptors (ulimit -n 64, more clients than that): accept fails
// while the limit lasts, and the server must pause new connections instead of spinning on the
// failing accept, log that rarely, keep its open connections, and take new ones once descriptors
// are free again.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <vector>

#include "http/client.h"
#include "support/process.h"
#include "support/raw_client.h"
#include "support/redis_process.h"

namespace hone {
namespace {

const std::string kHone = HONE_BINARY;
const std::string kExamples = std::string(HONE_SOURCE_DIR) + "/examples/models";

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

TEST(FdExhaustion, AcceptPausesInsteadOfSpinningAndRecovers) {
#ifdef __SANITIZE_ADDRESS__
  // UBSan's vptr check opens a pipe to probe memory; with no descriptor left it reports every
  // virtual call as invalid and stops the server. The release, debug and tsan builds run this.
  GTEST_SKIP() << "the asan-ubsan runtime needs file descriptors of its own";
#endif
  test::ChildProcess server(
      {"/bin/sh", "-c",
       "ulimit -n 64 && exec " + kHone + " serve --models " + kExamples + " --port 0 --threads 1"});
  const std::string line = server.read_line();
  ASSERT_NE(line.find("listening on"), std::string::npos) << line << server.stderr_text();
  const std::uint16_t port = test::listening_port(line);
  auto early = http::Client::connect("127.0.0.1", port).value();  // opened before the flood
  std::vector<std::unique_ptr<test::RawClient>> flood;
  for (int i = 0; i < 120; ++i) flood.push_back(std::make_unique<test::RawClient>(port));
  // Accept keeps failing while the flood lasts: wait (with a deadline) for the first warning and
  // then a second one, which the server may log no sooner than a second later.
  std::string log;
  ASSERT_TRUE(test::eventually([&] {
    log += server.stderr_text().substr(log.size());
    return count_of(log, "accept failed") >= 1;
  })) << "the limit was never reached";
  const auto first_warning = std::chrono::steady_clock::now();
  ASSERT_TRUE(test::eventually([&] {
    log = server.stderr_text();
    return count_of(log, "accept failed") >= 2;
  })) << "accept failures stopped being reported while the limit lasted";
  // The connection opened before the flood is still served.
  EXPECT_EQ(early.get("/v2/health/live").value().status, 200);
  const auto flood_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - first_warning).count();
  flood.clear();
  EXPECT_TRUE(test::eventually([&] {
    auto client = http::Client::connect("127.0.0.1", port, std::chrono::seconds(1));
    if (!client) return false;
    auto response = client->get("/v2/health/ready");
    return response && response->status == 200;
  })) << "no new connection taken after descriptors were freed";
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0);
  log = server.stderr_text();
  // At most once a second: over the flood's seconds after the first warning, one line each,
  // plus the first (a spinning accept logged ~300k lines a second).
  const auto warnings = static_cast<double>(count_of(log, "accept failed"));
  EXPECT_LE(warnings, 2 + flood_s) << log;
}

}  // namespace
}  // namespace hone
