// A load run, fully resolved from flags, preset and scenario file: what to send (endpoints with
// weights, bodies, data and checks), how much (open model: a request-rate profile; closed model:
// a virtual-user profile), with how many threads and connections, and when to call it a failure.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/url.h"
#include "load/feeder.h"
#include "load/jwt.h"
#include "load/profile.h"
#include "report/thresholds.h"

namespace hone::load {

using http::parse_url;
using http::resolve_url;
using http::Url;

struct Expectation {
  std::vector<int> statuses;  // empty: any status below 400 is a success
  std::string body_contains;  // empty: no body check

  bool accepts(int status) const;
  bool needs_body() const { return !body_contains.empty(); }
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct EndpointPlan {
  std::string name;
  double weight = 1;
  std::string method = "GET";
  Url url;
  HeaderList headers;  // the run's global headers, then the endpoint's (which win)
  std::string body;    // the body, or a template when `feed` is set
  std::shared_ptr<DataFeed> feed;
  FeedOrder order = FeedOrder::kSequential;
  Expectation expect;
};

enum class LoadModel { kOpen, kClosed };

// The server's Prometheus endpoint to scrape during the run (--metrics-url).
struct ScrapeSettings {
  Url url;
  std::chrono::milliseconds interval{1000};
  std::uint64_t max_body_bytes = 16 * 1024 * 1024;
};

struct LoadPlan {
  std::vector<EndpointPlan> endpoints;
  LoadModel model = LoadModel::kClosed;
  Profile profile;         // requests/s (open) or virtual users (closed)
  double think_min_s = 0;  // closed model: pause after each answer, uniform in [min, max]
  double think_max_s = 0;
  int threads = 1;
  int connections = 1;    // most open connections, over all threads
  double timeout_s = 30;  // per request, and per connection attempt
  int shard_index = 0;    // this generator's share of the run: i of N
  int shard_count = 1;
  // When the run starts on the wall clock (Unix ms), so that shards on several machines start
  // together; none: at once.
  std::optional<std::int64_t> start_at_ms;
  bool insecure = false;           // https: skip certificate checks
  std::string bearer;              // Authorization: Bearer, unless a header sets it
  std::optional<JwtSettings> jwt;  // mint HS256 tokens instead
  std::vector<report::Threshold> thresholds;
  std::uint64_t seed = 1;
  std::optional<ScrapeSettings> metrics;
  std::string target;       // the base URL, for display
  std::string config_json;  // the plan as JSON, for the result file
};

}  // namespace hone::load
