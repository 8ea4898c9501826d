#include "serve/admission.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace hone::serve {

AdmissionLimit::AdmissionLimit(AdmissionSettings settings)
    : settings_(settings),
      bound_(static_cast<std::int64_t>(settings.adaptive ? settings.min_in_flight
                                                         : settings.max_in_flight)),
      limit_(static_cast<double>(settings.max_in_flight)) {
  samples_.reserve(kCalibrationSamples);
}

bool AdmissionLimit::try_enter() {
  if (!bounded()) {
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    admitted_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  std::int64_t now = in_flight_.load(std::memory_order_relaxed);
  do {
    if (now >= bound_.load(std::memory_order_relaxed)) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  } while (!in_flight_.compare_exchange_weak(now, now + 1, std::memory_order_relaxed));
  admitted_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void AdmissionLimit::leave(std::chrono::nanoseconds latency, AdmissionClock::time_point now) {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  if (settings_.adaptive && bounded() && now != AdmissionClock::time_point{}) sample(latency, now);
}

std::chrono::nanoseconds AdmissionLimit::median(std::vector<std::chrono::nanoseconds>& samples) {
  const auto middle = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
  std::nth_element(samples.begin(), middle, samples.end());
  return *middle;
}

void AdmissionLimit::sample(std::chrono::nanoseconds latency, AdmissionClock::time_point now) {
  std::lock_guard lock(mutex_);
  samples_.push_back(latency);
  const auto floor = static_cast<double>(settings_.min_in_flight);
  const auto ceiling = static_cast<double>(settings_.max_in_flight);
  if (calibrating_) {
    // Held at the floor, requests barely queue: their median latency is the no-load latency.
    if (samples_.size() < kCalibrationSamples) return;
    no_load_ = std::max(median(samples_), std::chrono::nanoseconds(1));
    samples_.clear();
    calibrating_ = false;
    calibrated_at_ = now;
    window_start_ = now;
    bound_.store(static_cast<std::int64_t>(limit_), std::memory_order_relaxed);
    return;
  }
  if (now - window_start_ < settings_.window) return;
  const auto window_latency = std::max(median(samples_), std::chrono::nanoseconds(1));
  samples_.clear();
  window_start_ = now;
  const double gradient = std::clamp(static_cast<double>(no_load_.count()) * (1 + kTolerance) /
                                         static_cast<double>(window_latency.count()),
                                     0.5, 2.0);
  limit_ = std::clamp(gradient * limit_ + std::sqrt(limit_), floor, ceiling);
  if (now - calibrated_at_ >= kRecalibrateEvery) {
    calibrating_ = true;
    bound_.store(static_cast<std::int64_t>(floor), std::memory_order_relaxed);
    return;
  }
  bound_.store(static_cast<std::int64_t>(limit_), std::memory_order_relaxed);
}

AdmissionStats AdmissionLimit::stats() const {
  AdmissionStats s;
  s.in_flight = in_flight_.load(std::memory_order_relaxed);
  s.bound = bounded() ? bound_.load(std::memory_order_relaxed) : 0;
  s.admitted = admitted_.load(std::memory_order_relaxed);
  s.refused = refused_.load(std::memory_order_relaxed);
  if (settings_.adaptive) {
    std::lock_guard lock(mutex_);
    s.no_load_latency = no_load_;
  }
  return s;
}

AdmissionTicket::AdmissionTicket(AdmissionLimit* server, AdmissionLimit* model)
    : server_(server), model_(model) {
  if ((server_ != nullptr && server_->adaptive()) || (model_ != nullptr && model_->adaptive())) {
    entered_ = AdmissionClock::now();
  }
}

AdmissionTicket::AdmissionTicket(AdmissionTicket&& other) noexcept
    : server_(std::exchange(other.server_, nullptr)),
      model_(std::exchange(other.model_, nullptr)),
      entered_(other.entered_) {}

AdmissionTicket& AdmissionTicket::operator=(AdmissionTicket&& other) noexcept {
  if (this != &other) {
    release();
    server_ = std::exchange(other.server_, nullptr);
    model_ = std::exchange(other.model_, nullptr);
    entered_ = other.entered_;
  }
  return *this;
}

void AdmissionTicket::release() {
  if (server_ == nullptr && model_ == nullptr) return;
  const bool timed = entered_ != AdmissionClock::time_point{};
  const auto now = timed ? AdmissionClock::now() : AdmissionClock::time_point{};
  const auto latency = now - entered_;
  if (server_ != nullptr) std::exchange(server_, nullptr)->leave(latency, now);
  if (model_ != nullptr) std::exchange(model_, nullptr)->leave(latency, now);
}

Refusal admit(AdmissionLimit& server, AdmissionLimit& model, AdmissionTicket& ticket) {
  if (!server.try_enter()) return Refusal::kServer;
  if (!model.try_enter()) {
    server.leave(std::chrono::nanoseconds(0), AdmissionClock::time_point{});
    return Refusal::kModel;
  }
  ticket = AdmissionTicket(&server, &model);
  return Refusal::kNone;
}

}  // namespace hone::serve
