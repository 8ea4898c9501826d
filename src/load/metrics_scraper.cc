#include "load/metrics_scraper.h"

#include <optional>

#include "http/client.h"

namespace hone::load {
namespace {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct MetricsScraper::Connection {
  std::optional<http::Client> client;  // reconnected after any failure
};

MetricsScraper::MetricsScraper(ScrapeSettings settings)
    : settings_(std::move(settings)),
      recorder_(settings_.url.scheme + "://" + settings_.url.host_header() + settings_.url.target,
                settings_.interval.count()),
      connection_(std::make_unique<Connection>()) {}

MetricsScraper::~MetricsScraper() {
  if (thread_.joinable()) stop();
}

void MetricsScraper::start() {
  // The first scrape is the run's baseline: it completes before start() returns, so that no
  // request of the run is answered before it (a counter's increase would then miss it).
  scrape_once();
  thread_ = std::thread([this] { run(); });
}

report::ServerMetrics MetricsScraper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  return recorder_.finish();
}

void MetricsScraper::run() {
  auto next = std::chrono::steady_clock::now();
  for (;;) {
    next += settings_.interval;
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_until(lock, next, [this] { return stopping_; })) break;
    }
    scrape_once();
  }
  scrape_once();  // the run's end
}

void MetricsScraper::scrape_once() {
  const Url& url = settings_.url;
  // A scrape may take at most one interval, so that scrapes never pile up.
  const auto timeout = settings_.interval;
  if (!connection_->client) {
    auto client = http::Client::connect(url.host, url.port, timeout);
    if (!client) {
      recorder_.add_gap(unix_ms_now(), client.error().message);
      return;
    }
    connection_->client.emplace(std::move(*client));
    connection_->client->set_body_limit(settings_.max_body_bytes);
  }
  auto response = connection_->client->get(url.target);
  const std::int64_t t_ms = unix_ms_now();
  if (!response) {
    connection_->client.reset();
    recorder_.add_gap(t_ms, response.error().message);
    return;
  }
  if (response->status != 200) {
    recorder_.add_gap(t_ms, "HTTP " + std::to_string(response->status));
    return;
  }
  auto scrape = report::parse_prometheus_text(response->body);
  if (!scrape) {
    recorder_.add_gap(t_ms, "not the Prometheus text format: " + scrape.error().message);
    return;
  }
  recorder_.add(t_ms, *scrape);
}

}  // namespace hone::load
