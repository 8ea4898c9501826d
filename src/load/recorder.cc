#include "load/recorder.h"

#include <algorithm>

namespace hone::load {

Recorder::Recorder(std::vector<std::string> endpoint_names, TimePoint start,
                   std::int64_t start_unix_ms, LiveBoard* live)
    : names_(std::move(endpoint_names)),
      endpoints_(names_.size()),
      start_(start),
      start_unix_ms_(start_unix_ms),
      live_(live) {
  if (names_.size() > 1) {
    current_endpoints_.resize(names_.size());
    current_endpoint_latency_.assign(names_.size(), report::make_timeline_histogram());
  }
}

std::int64_t Recorder::micros(std::chrono::nanoseconds duration) {
  return std::max<std::int64_t>(1, (duration.count() + 500) / 1000);
}

std::int64_t Recorder::unix_second(TimePoint when) const {
  const auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(when - start_).count();
  return (start_unix_ms_ + elapsed_ms) / 1000;
}

void Recorder::roll_to(std::int64_t second) {
  if (second == current_second_) return;
  if (current_second_ >= 0 && current_.requests > 0) {
    current_.second = current_second_;
    current_.latency = current_latency_.to_sparse();
    for (std::size_t e = 0; e < current_endpoints_.size(); ++e) {
      if (current_endpoints_[e].requests == 0) continue;
      current_endpoints_[e].latency = current_endpoint_latency_[e].to_sparse();
      current_.endpoints[names_[e]] = current_endpoints_[e];
    }
    if (live_ != nullptr) live_->publish(current_);
    timeline_.push_back(current_);
  }
  current_ = report::TimelineRow{};
  current_latency_.reset();
  for (std::size_t e = 0; e < current_endpoints_.size(); ++e) {
    current_endpoints_[e] = {};
    current_endpoint_latency_[e].reset();
  }
  current_second_ = second;
}

void Recorder::answer(std::size_t endpoint, int status, const char* failure, bool status_unexpected,
                      TimePoint intended, TimePoint sent, TimePoint done, std::int64_t bytes_in,
                      std::int64_t bytes_out) {
  report::Stats& stats = endpoints_[endpoint];
  const std::int64_t latency = micros(done - intended);
  stats.latency.record(latency);
  stats.service.record(micros(done - sent));
  ++stats.requests;
  ++stats.by_status[status];
  stats.bytes_in += bytes_in;
  stats.bytes_out += bytes_out;
  if (failure == nullptr) {
    ++stats.ok;
    stats.latency_ok.record(latency);
  } else {
    ++stats.failed;
    ++stats.by_kind[failure];
    if (status_unexpected) ++stats.failed_by_status[status];
  }
  roll_to(unix_second(done));
  ++current_.requests;
  current_.bytes_in += bytes_in;
  if (failure == nullptr) {
    ++current_.ok;
  } else {
    ++current_.failed;
  }
  current_latency_.record(latency);
  if (!current_endpoints_.empty()) {
    report::EndpointSecond& second = current_endpoints_[endpoint];
    ++second.requests;
    ++(failure == nullptr ? second.ok : second.failed);
    current_endpoint_latency_[endpoint].record(latency);
  }
  if (live_ != nullptr) live_->count(failure != nullptr);
}

void Recorder::failure(std::size_t endpoint, const char* kind, TimePoint done,
                       std::int64_t bytes_out) {
  report::Stats& stats = endpoints_[endpoint];
  ++stats.requests;
  ++stats.failed;
  ++stats.by_kind[kind];
  stats.bytes_out += bytes_out;
  roll_to(unix_second(done));
  ++current_.requests;
  ++current_.failed;
  if (!current_endpoints_.empty()) {
    ++current_endpoints_[endpoint].requests;
    ++current_endpoints_[endpoint].failed;
  }
  if (live_ != nullptr) live_->count(true);
}

void Recorder::sent(std::chrono::nanoseconds lag, bool generator_late) {
  ++schedule_.sent;
  schedule_.lag.record(micros(lag));
  if (generator_late) ++schedule_.lag_when_connections_free;
}

void Recorder::finish() {
  roll_to(-2);
  schedule_.intended = intended_;
  schedule_.max_connections = max_connections_;
  schedule_.connections_opened = connections_opened_;
}

}  // namespace hone::load
