// A hone serve child process for flag tests: the demo models (unless the flags name others), one
// I/O thread, port 0, and a client to it.
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "http/client.h"
#include "support/process.h"

namespace hone::test {

inline const std::string kHone = HONE_BINARY;
inline const std::string kExamples = std::string(HONE_SOURCE_DIR) + "/examples/models";
inline const std::string kRow = R"({"instances":[[60,20,10,5,5,1800,2,30,3,1.5,98.5,10]]})";

struct Served {
  explicit Served(std::vector<std::string> extra) : process(args(std::move(extra))) {
    port = listening_port(process.read_line());
  }
  static std::vector<std::string> args(std::vector<std::string> extra) {
    std::vector<std::string> all = {kHone, "serve", "--port", "0"};
    const auto has = [&extra](const char* flag) {
      return std::find(extra.begin(), extra.end(), flag) != extra.end();
    };
    if (!has("--config") && !has("--model") && !has("--models") && !has("--upstream")) {
      all.insert(all.end(), {"--models", kExamples});
    }
    if (!has("--threads")) all.insert(all.end(), {"--threads", "1"});
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  }
  http::Client client() const { return http::Client::connect("127.0.0.1", port).value(); }
  std::string get(const std::string& path) const { return client().get(path).value().body; }

  ChildProcess process;
  std::uint16_t port = 0;
};

// The value of one series in the /metrics of the server on `port` (`name{labels}` as printed):
// 0 when it is absent, -1 when the server cannot be asked.
inline double metric_value(std::uint16_t port, const std::string& series) {
  auto client = http::Client::connect("127.0.0.1", port);
  if (!client) return -1;
  const auto metrics = client->get("/metrics");
  if (!metrics) return -1;
  const auto at = metrics->body.find("\n" + series + " ");
  return at == std::string::npos ? 0 : std::stod(metrics->body.substr(at + series.size() + 2));
}

// The totals of hone load's summary line "requests N (N ok, F failed...)"; all -1 when the
// output has none.
struct LoadTotals {
  long long requests = -1;
  long long ok = -1;
  long long failed = -1;
};
inline LoadTotals load_totals(const std::string& out) {
  LoadTotals totals;
  const auto line = out.find("requests ");
  if (line == std::string::npos ||
      std::sscanf(out.c_str() + line, "requests %lld (%lld ok, %lld failed", &totals.requests,
                  &totals.ok, &totals.failed) != 3) {
    return {};
  }
  return totals;
}

inline std::int64_t json_int(const std::string& json, const char* pointer) {
  simdjson::dom::parser parser;
  return parser.parse(json).at_pointer(pointer).get_int64().value();
}

}  // namespace hone::test
