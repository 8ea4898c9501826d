#include "support/upstream_process.h"

#include <signal.h>
#include <simdjson.h>
#include <unistd.h>

#include <stdexcept>

#include "http/client.h"
#include "support/redis_process.h"

namespace hone::test {
namespace {

const std::string kPython = "/usr/bin/python3";
const std::string kSource = HONE_SOURCE_DIR;

}  // namespace

std::unique_ptr<UpstreamProcess> UpstreamProcess::kserve_v2(
    const std::vector<std::string>& options) {
  const std::uint16_t port = free_port();
  std::vector<std::string> args = {kPython, kSource + "/tests/peers/kserve_v2_upstream.py",
                                   "--port", std::to_string(port)};
  args.insert(args.end(), options.begin(), options.end());
  auto process = std::unique_ptr<UpstreamProcess>(new UpstreamProcess(args, {}, port));
  process->start();
  return process;
}

bool UpstreamProcess::fastapi_available() {
  return run_process({kPython, "-c", "import fastapi, uvicorn, xgboost"}).exit_code == 0;
}

std::unique_ptr<UpstreamProcess> UpstreamProcess::fastapi(const std::string& model) {
  const std::uint16_t port = free_port();
  // One worker, no access log (nobody reads its output; a full pipe would stall it).
  std::vector<std::string> args = {
      "/usr/bin/env",    "MODEL=" + model,  kPython,     "-m",
      "uvicorn",         "fastapi_app:app", "--app-dir", kSource + "/bench/peers",
      "--host",          "127.0.0.1",       "--port",    std::to_string(port),
      "--no-access-log", "--log-level",     "warning"};
  auto process = std::unique_ptr<UpstreamProcess>(new UpstreamProcess(args, {}, port));
  process->start();
  return process;
}

UpstreamProcess::UpstreamProcess(std::vector<std::string> args, std::vector<std::string> env,
                                 std::uint16_t port)
    : args_(std::move(args)), env_(std::move(env)), port_(port) {}

UpstreamProcess::~UpstreamProcess() { stop(); }

void UpstreamProcess::start() {
  process_ = std::make_unique<ChildProcess>(args_);
  const bool up = eventually(
      [this] {
        auto client = http::Client::connect("127.0.0.1", port_, std::chrono::milliseconds(200));
        if (!client) {
          ::usleep(20'000);
          return false;
        }
        auto answer = client->get("/calls");
        return answer && answer->status == 200;
      },
      std::chrono::seconds(30));
  if (!up) {
    throw std::runtime_error("upstream did not start on port " + std::to_string(port_) + ": " +
                             process_->stderr_text());
  }
}

void UpstreamProcess::stop() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait();
  process_.reset();
}

void UpstreamProcess::restart() {
  stop();
  start();
}

UpstreamCalls UpstreamProcess::calls() const {
  auto client = http::Client::connect("127.0.0.1", port_).value();
  auto answer = client.get("/calls").value();
  simdjson::dom::parser parser;
  const auto root = parser.parse(answer.body).value();
  std::int64_t max_in_flight = 0;
  if (root["max_in_flight"].get_int64().get(max_in_flight) != simdjson::SUCCESS) max_in_flight = 0;
  return {root["calls"].get_int64().value(), root["rows"].get_int64().value(), max_in_flight};
}

void UpstreamProcess::admin(const std::string& what, int value) const {
  auto client = http::Client::connect("127.0.0.1", port_).value();
  const auto answer =
      client.post("/admin/" + what + "?value=" + std::to_string(value), "{}").value();
  if (answer.status != 200) throw std::runtime_error("admin call failed: " + answer.body);
}

}  // namespace hone::test
