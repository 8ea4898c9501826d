// Model servers for the gateway tests, started on a free loopback port with Debian's python3:
// the KServe v2 test server of tests/peers (sums each row; options like --delay-ms) or the
// FastAPI + XGBoost app of bench/peers. Both count the predictions that reach them (GET /calls).
// Stopped when the object goes away.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"

namespace hone::test {

struct UpstreamCalls {
  std::int64_t calls = 0;
  std::int64_t rows = 0;
  std::int64_t max_in_flight = 0;  // the KServe v2 test server only
};

class UpstreamProcess {
 public:
  // tests/peers/kserve_v2_upstream.py with these extra options.
  static std::unique_ptr<UpstreamProcess> kserve_v2(const std::vector<std::string>& options = {});
  // bench/peers/fastapi_app.py serving the XGBoost model file `model`.
  static std::unique_ptr<UpstreamProcess> fastapi(const std::string& model);
  static bool fastapi_available();

  ~UpstreamProcess();
  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  UpstreamCalls calls() const;
  // POSTs to the test server's /admin/PATH?value=VALUE (ready, status).
  void admin(const std::string& what, int value) const;
  void stop();     // SIGKILL: connections are refused from now on
  void restart();  // on the same port; waits until it answers

 private:
  UpstreamProcess(std::vector<std::string> args, std::vector<std::string> env, std::uint16_t port);
  void start();

  std::vector<std::string> args_;
  std::vector<std::string> env_;
  std::uint16_t port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace hone::test
