#include "model/upstream/upstream_backend.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/units.h"
#include "http/client.h"
#include "http/url.h"
#include "model/upstream/upstream_codec.h"

namespace hone::model {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kBreakerFailures = 5;
constexpr auto kBreakerCooldown = std::chrono::seconds(1);
constexpr auto kHealthInterval = std::chrono::seconds(1);

milliseconds to_ms(std::int64_t us) { return std::max(milliseconds(1), milliseconds(us / 1000)); }

// Kept-alive connections to one upstream, each used by one call at a time.
class ConnectionPool {
 public:
  ConnectionPool(http::Url url, milliseconds connect_timeout, milliseconds timeout)
      : url_(std::move(url)), connect_timeout_(connect_timeout), timeout_(timeout) {}

  struct Lease {
    http::Client client;
    bool reused = false;
  };

  Result<Lease> acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        Lease lease{std::move(idle_.back()), true};
        idle_.pop_back();
        return lease;
      }
    }
    auto client = http::Client::connect(url_.host, url_.port, connect_timeout_);
    if (!client) return client.error();
    client->set_timeout(timeout_);
    return Lease{std::move(*client), false};
  }

  void release(http::Client client) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(client));
  }

 private:
  http::Url url_;
  milliseconds connect_timeout_;
  milliseconds timeout_;
  std::mutex mutex_;
  std::vector<http::Client> idle_;
};

// Closed while calls succeed; open (refusing) for a cool-down after kBreakerFailures failures
// in a row; then one call at a time probes until one succeeds.
class Breaker {
 public:
  bool allow() {
    std::lock_guard lock(mutex_);
    if (failures_ < kBreakerFailures) return true;
    if (Clock::now() < open_until_ || probing_) return false;
    probing_ = true;
    return true;
  }
  void succeeded() {
    std::lock_guard lock(mutex_);
    failures_ = 0;
    probing_ = false;
  }
  void failed(const std::string& name) {
    std::lock_guard lock(mutex_);
    probing_ = false;
    if (++failures_ >= kBreakerFailures) {
      if (failures_ == kBreakerFailures) {
        spdlog::warn("upstream '{}' failed {} times in a row: refusing calls for {}", name,
                     kBreakerFailures, format_duration(kBreakerCooldown));
      }
      open_until_ = Clock::now() + kBreakerCooldown;
    }
  }

 private:
  std::mutex mutex_;
  int failures_ = 0;
  bool probing_ = false;
  Clock::time_point open_until_;
};

// GETs the health path once a second on its own thread; healthy() is the last answer.
class HealthPoller {
 public:
  HealthPoller(std::string name, http::Url url, std::string path, milliseconds connect_timeout)
      : name_(std::move(name)),
        url_(std::move(url)),
        path_(std::move(path)),
        connect_timeout_(connect_timeout) {
    thread_ = std::thread([this] { run(); });
  }
  ~HealthPoller() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }

 private:
  bool check(std::optional<http::Client>& client) {
    if (!client) {
      auto made = http::Client::connect(url_.host, url_.port, connect_timeout_);
      if (!made) return false;
      made->set_timeout(std::chrono::seconds(1));
      client.emplace(std::move(*made));
    }
    auto answer = client->get(path_);
    if (!answer) client.reset();
    return answer && answer->status == 200;
  }
  void run() {
    std::optional<http::Client> client;
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      const bool now = check(client);
      if (now != healthy_.exchange(now)) {
        if (now) {
          spdlog::info("upstream '{}' is healthy ({} answers 200)", name_, path_);
        } else {
          spdlog::warn("upstream '{}' is not healthy ({} does not answer 200)", name_, path_);
        }
      }
      lock.lock();
      wake_.wait_for(lock, kHealthInterval, [this] { return stopping_; });
    }
  }

  std::string name_;
  http::Url url_;
  std::string path_;
  milliseconds connect_timeout_;
  std::atomic<bool> healthy_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

class UpstreamBackend final : public Backend {
 public:
  UpstreamBackend(const ModelConfig& config, http::Url url, UpstreamProtocol protocol,
                  const BackendInfo& info)
      : name_(config.name),
        settings_(config.upstream),
        protocol_(protocol),
        input_name_(config.inputs.empty() ? info.input_name : config.inputs.front().name),
        target_(url.target),
        info_(info),
        pool_(url, to_ms(settings_.connect_timeout_us), to_ms(settings_.timeout_us)) {
    if (!settings_.health.empty()) {
      health_ = std::make_unique<HealthPoller>(name_, url, settings_.health,
                                               to_ms(settings_.connect_timeout_us));
    }
  }

  const BackendInfo& info() const override { return info_; }
  Capabilities capabilities() const override {
    return {.inline_rows = 0,
            .batchable = true,
            .thread_safe = true,
            .remote = true,
            .max_concurrency = settings_.max_connections};
  }
  bool ready() const override { return health_ == nullptr || health_->healthy(); }

  Status predict(std::span<const float> rows, std::size_t row_count,
                 std::span<float> out) override {
    if (Status sizes = check_buffers(rows, row_count, out); !sizes) return sizes;
    if (!breaker_.allow()) {
      return fail("upstream '" + name_ + "' is unavailable: " + std::to_string(kBreakerFailures) +
                      " calls in a row failed; calls resume after a cool-down",
                  503);
    }
    thread_local std::string body;
    encode_upstream_request(protocol_, input_name_, rows, row_count, info_.num_features, body);
    auto answer = call(body);
    if (!answer) {
      breaker_.failed(name_);
      return answer.error();
    }
    if (answer->status != 200) {
      // Its own refusal (a 4xx) says nothing about its health; a 5xx does.
      if (answer->status >= 500) {
        breaker_.failed(name_);
      } else {
        breaker_.succeeded();
      }
      const int status = answer->status >= 400 && answer->status <= 599 ? answer->status : 502;
      return fail("upstream '" + name_ + "' answered " + std::to_string(answer->status) + ": " +
                      upstream_error_message(answer->body),
                  status);
    }
    if (Status read = decode_upstream_response(protocol_, answer->body, row_count, out); !read) {
      breaker_.failed(name_);
      return fail("upstream '" + name_ + "': " + read.error().message, 502);
    }
    breaker_.succeeded();
    return {};
  }

 private:
  // One call, retried once on a new connection only when nothing reached the upstream.
  Result<http::ClientResponse> call(const std::string& body) {
    const std::vector<http::Header> headers = {{"Content-Type", "application/json"}};
    std::string last;
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto lease = pool_.acquire();
      if (!lease) {
        last = lease.error().message;
        continue;
      }
      auto answer = lease->client.request("POST", target_, body, headers);
      if (answer) {
        if (answer->header("Connection") != "close") pool_.release(std::move(lease->client));
        return answer;
      }
      const int kind = answer.error().code;
      if (kind == http::kClientTimedOut) {
        return fail("upstream '" + name_ + "' did not answer within " +
                        format_duration(std::chrono::microseconds(settings_.timeout_us)),
                    504);
      }
      last = answer.error().message;
      if (kind == http::kClientClosedEarly && lease->reused) continue;  // a stale keep-alive
      break;
    }
    return fail("upstream '" + name_ + "' (" + settings_.url + ") failed: " + last, 502);
  }

  std::string name_;
  UpstreamSettings settings_;
  UpstreamProtocol protocol_;
  std::string input_name_;
  std::string target_;
  BackendInfo info_;
  ConnectionPool pool_;
  Breaker breaker_;
  std::unique_ptr<HealthPoller> health_;
};

// The model's metadata from a v2 upstream (GET /v2/models/NAME): its first input and output.
Status learn_from_metadata(const http::Url& url, const ModelConfig& config, BackendInfo& info) {
  const std::string path = "/v2/models/" + config.name;
  const std::string hint = "; declare inputs (and outputs) in the model's config.yaml instead";
  auto client =
      http::Client::connect(url.host, url.port, to_ms(config.upstream.connect_timeout_us));
  if (!client) {
    return fail("cannot ask upstream " + config.upstream.url + " for model '" + config.name +
                "''s inputs: " + client.error().message + hint);
  }
  client->set_timeout(to_ms(config.upstream.timeout_us));
  auto answer = client->get(path);
  if (!answer || answer->status != 200) {
    return fail("upstream " + config.upstream.url + " did not answer GET " + path + " with 200 (" +
                (answer ? std::to_string(answer->status) : answer.error().message) + ")" + hint);
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const auto width = [](simdjson::dom::element tensor, std::size_t& out) {
    simdjson::dom::array shape;
    std::string_view type;
    if (tensor["shape"].get_array().get(shape) != simdjson::SUCCESS ||
        tensor["datatype"].get_string().get(type) != simdjson::SUCCESS || type != "FP32") {
      return false;
    }
    std::size_t product = 1;
    bool first = true;
    for (const auto dim : shape) {
      std::int64_t n = 0;
      if (dim.get_int64().get(n) != simdjson::SUCCESS) return false;
      if (!first) {
        if (n < 1) return false;
        product *= static_cast<std::size_t>(n);
      }
      first = false;
    }
    out = product;
    return true;
  };
  simdjson::dom::element input;
  simdjson::dom::element output;
  std::string_view name;
  if (parser.parse(answer->body).get(root) != simdjson::SUCCESS ||
      root["inputs"].at(0).get(input) != simdjson::SUCCESS ||
      input["name"].get_string().get(name) != simdjson::SUCCESS ||
      !width(input, info.num_features)) {
    return fail("upstream " + config.upstream.url + ": GET " + path +
                " does not describe one FP32 input of shape [-1, N]" + hint);
  }
  info.input_name = std::string(name);
  if (root["outputs"].at(0).get(output) == simdjson::SUCCESS) width(output, info.num_outputs);
  return {};
}

}  // namespace

Status check_upstream_url(const std::string& url) {
  auto parsed = http::parse_url(url);
  if (!parsed) return fail("url '" + url + "': " + parsed.error().message);
  if (parsed->tls()) return fail("url '" + url + "': only http:// upstreams are supported");
  if (parsed->target.find('?') != std::string::npos) {
    return fail("url '" + url + "': an upstream URL has no query");
  }
  return {};
}

Result<std::unique_ptr<Backend>> create_upstream_backend(const ModelConfig& config) {
  const std::string where = config.source + ": ";
  if (auto s = check_upstream_url(config.upstream.url); !s) return fail(where + s.error().message);
  auto protocol = parse_upstream_protocol(config.upstream.protocol);
  if (!protocol) return fail(where + protocol.error().message);
  http::Url url = *http::parse_url(config.upstream.url);
  if (url.target.empty() || url.target == "/") {
    url.target = *protocol == UpstreamProtocol::kV2 ? "/v2/models/" + config.name + "/infer"
                                                    : "/v1/models/" + config.name + ":predict";
  }
  BackendInfo info;
  info.backend = kUpstreamBackend;
  if (config.inputs.empty()) {
    if (*protocol != UpstreamProtocol::kV2) {
      return fail(where + "a v1 upstream does not describe its inputs: declare them in the " +
                  "model's config.yaml (inputs: [{name, shape: [-1, N]}])");
    }
    if (auto s = learn_from_metadata(url, config, info); !s) return fail(where + s.error().message);
  } else {
    info.num_features = static_cast<std::size_t>(config.inputs.front().row_width());
    if (!config.outputs.empty()) {
      info.num_outputs = static_cast<std::size_t>(config.outputs.front().row_width());
    }
  }
  return std::unique_ptr<Backend>(
      std::make_unique<UpstreamBackend>(config, std::move(url), *protocol, info));
}

}  // namespace hone::model
