// --reuse-port: a restart without a failed request. A new hone serve starts on the port the old
// one holds, turns ready, and the old one gets SIGTERM while hone load keeps requests coming;
// without the flag, the second process cannot listen.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "support/redis_process.h"
#include "support/served.h"

namespace hone::test {
namespace {

std::vector<std::string> serve_on(std::uint16_t port, bool reuse) {
  std::vector<std::string> args = {
      kHone, "serve", "--models", kExamples, "--port", std::to_string(port), "--threads", "1"};
  if (reuse) args.push_back("--reuse-port");
  return args;
}

double requests_answered(std::uint16_t port) {
  return metric_value(port, R"(hone_requests_total{model="ceramic-armor",status="200"})");
}

TEST(ReusePort, ANewProcessTakesOverWithoutAFailedRequest) {
  const std::uint16_t port = free_port();
  ChildProcess old_server(serve_on(port, true));
  ASSERT_EQ(listening_port(old_server.read_line()), port);
  ProcessResult load;
  std::thread client([&] {
    load = run_process(
        {kHone, "load",
         "http://127.0.0.1:" + std::to_string(port) + "/v1/models/ceramic-armor:predict", "--body",
         kRow, "-c", "8", "-d", "4s", "--threads", "1"});
  });
  ASSERT_TRUE(eventually([&] { return requests_answered(port) > 200; }));
  ChildProcess new_server(serve_on(port, true));
  ASSERT_EQ(listening_port(new_server.read_line()), port);  // printed once it is ready
  old_server.signal(SIGTERM);
  EXPECT_EQ(old_server.wait(), 0);
  client.join();
  const LoadTotals totals = load_totals(load.out);
  EXPECT_EQ(totals.failed, 0) << load.out << load.err;
  EXPECT_GT(totals.requests, 400) << load.out;
  // The new process answered the rest (its own counters: the old one is gone).
  EXPECT_GT(requests_answered(port), 0);
}

TEST(ReusePort, WithoutItASecondProcessCannotListen) {
  const std::uint16_t port = free_port();
  ChildProcess first(serve_on(port, true));
  ASSERT_EQ(listening_port(first.read_line()), port);
  const ProcessResult second = run_process(serve_on(port, false));
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("cannot listen on 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << second.err;
}

}  // namespace
}  // namespace hone::test
