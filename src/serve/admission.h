// Admission control in front of a model's work: a bound on the requests inside hone at once (from
// before the body is decoded until the answer is handed to the connection), fixed or adaptive. A
// request over the bound is refused at once with 503 and Retry-After, before any work is spent on
// it, so that overload turns into fast refusals instead of a queue that only grows.
//
// The adaptive bound follows Envoy's adaptive concurrency (gradient) controller: the latency of
// the requests admitted in each window is compared with the latency measured without queueing
// (at the floor), and the bound moves by their ratio:
//   gradient = clamp(no_load * (1 + kTolerance) / window_p50, 0.5, 2)
//   bound    = clamp(gradient * bound + sqrt(bound), min_in_flight, max_in_flight)
// The no-load latency is measured again every kRecalibrateEvery by holding the bound at the floor
// until kCalibrationSamples requests have finished.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "model/model_config.h"

namespace hone::serve {

using AdmissionClock = std::chrono::steady_clock;

using model::AdmissionSettings;

struct AdmissionStats {
  std::int64_t in_flight = 0;
  std::int64_t bound = 0;  // 0: none
  std::int64_t admitted = 0;
  std::int64_t refused = 0;
  std::chrono::nanoseconds no_load_latency{0};  // adaptive, once measured
};

class AdmissionLimit {
 public:
  static constexpr double kTolerance = 0.25;
  static constexpr std::size_t kCalibrationSamples = 25;
  static constexpr std::chrono::seconds kRecalibrateEvery{30};

  explicit AdmissionLimit(AdmissionSettings settings);
  AdmissionLimit(const AdmissionLimit&) = delete;
  AdmissionLimit& operator=(const AdmissionLimit&) = delete;

  bool bounded() const { return settings_.max_in_flight > 0; }
  bool adaptive() const { return settings_.adaptive; }
  // Counts a request in, or refuses it (and counts the refusal) when the bound is reached.
  bool try_enter();
  // A request counted in has left: answered `latency` after it entered, at `now` (for adaptive
  // bounds; a default `now` leaves without a sample, as a request refused by another bound).
  void leave(std::chrono::nanoseconds latency, AdmissionClock::time_point now);
  AdmissionStats stats() const;

 private:
  void sample(std::chrono::nanoseconds latency, AdmissionClock::time_point now);
  static std::chrono::nanoseconds median(std::vector<std::chrono::nanoseconds>& samples);

  const AdmissionSettings settings_;
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::int64_t> bound_;
  std::atomic<std::int64_t> admitted_{0};
  std::atomic<std::int64_t> refused_{0};

  // Adaptive state, under the mutex (taken once per answered request of an adaptive model).
  mutable std::mutex mutex_;
  bool calibrating_ = true;
  double limit_ = 0;  // the bound as a real number, between windows
  std::chrono::nanoseconds no_load_{0};
  AdmissionClock::time_point window_start_{};
  AdmissionClock::time_point calibrated_at_{};
  std::vector<std::chrono::nanoseconds> samples_;
};

// A request's place under the server's bound and its model's; leaves both when destroyed.
class AdmissionTicket {
 public:
  AdmissionTicket() = default;
  AdmissionTicket(AdmissionLimit* server, AdmissionLimit* model);
  AdmissionTicket(AdmissionTicket&& other) noexcept;
  AdmissionTicket& operator=(AdmissionTicket&& other) noexcept;
  AdmissionTicket(const AdmissionTicket&) = delete;
  AdmissionTicket& operator=(const AdmissionTicket&) = delete;
  ~AdmissionTicket() { release(); }

  void release();

 private:
  AdmissionLimit* server_ = nullptr;
  AdmissionLimit* model_ = nullptr;
  AdmissionClock::time_point entered_{};
};

// Why a request was refused: which bound was full.
enum class Refusal { kNone, kServer, kModel };

// Enters the server's bound, then the model's; on a refusal nothing stays counted in.
Refusal admit(AdmissionLimit& server, AdmissionLimit& model, AdmissionTicket& ticket);

}  // namespace hone::serve
