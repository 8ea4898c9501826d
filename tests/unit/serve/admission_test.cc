#include "serve/admission.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

namespace hone::serve {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using Clock = AdmissionClock;

AdmissionSettings fixed(std::size_t max) {
  AdmissionSettings s;
  s.max_in_flight = max;
  return s;
}

AdmissionSettings adaptive(std::size_t min, std::size_t max) {
  AdmissionSettings s;
  s.max_in_flight = max;
  s.min_in_flight = min;
  s.adaptive = true;
  s.window = milliseconds(100);
  return s;
}

TEST(Admission, AFixedBoundRefusesTheRequestOverItAndAdmitsAgainWhenOneLeaves) {
  AdmissionLimit limit(fixed(2));
  EXPECT_TRUE(limit.try_enter());
  EXPECT_TRUE(limit.try_enter());
  EXPECT_FALSE(limit.try_enter());
  limit.leave({}, {});
  EXPECT_TRUE(limit.try_enter());
  const AdmissionStats s = limit.stats();
  EXPECT_EQ(s.in_flight, 2);
  EXPECT_EQ(s.bound, 2);
  EXPECT_EQ(s.admitted, 3);
  EXPECT_EQ(s.refused, 1);
}

TEST(Admission, NoBoundAdmitsEverythingAndStillCountsWhatIsInFlight) {
  AdmissionLimit limit(fixed(0));
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(limit.try_enter());
  EXPECT_EQ(limit.stats().in_flight, 10'000);
  EXPECT_EQ(limit.stats().bound, 0);
  EXPECT_EQ(limit.stats().refused, 0);
}

TEST(Admission, ARefusalByTheModelLeavesNothingCountedUnderTheServer) {
  AdmissionLimit server(fixed(10));
  AdmissionLimit model(fixed(1));
  AdmissionTicket first;
  ASSERT_EQ(admit(server, model, first), Refusal::kNone);
  AdmissionTicket second;
  EXPECT_EQ(admit(server, model, second), Refusal::kModel);
  EXPECT_EQ(server.stats().in_flight, 1);
  EXPECT_EQ(model.stats().in_flight, 1);
  EXPECT_EQ(model.stats().refused, 1);
  EXPECT_EQ(server.stats().refused, 0);
}

TEST(Admission, ARefusalByTheServerNeverReachesTheModel) {
  AdmissionLimit server(fixed(1));
  AdmissionLimit model(fixed(10));
  AdmissionTicket first;
  ASSERT_EQ(admit(server, model, first), Refusal::kNone);
  AdmissionTicket second;
  EXPECT_EQ(admit(server, model, second), Refusal::kServer);
  EXPECT_EQ(model.stats().in_flight, 1);
  EXPECT_EQ(model.stats().admitted, 1);
  EXPECT_EQ(server.stats().refused, 1);
}

TEST(Admission, ATicketLeavesBothBoundsOnceWhenDestroyedOrMovedFrom) {
  AdmissionLimit server(fixed(4));
  AdmissionLimit model(fixed(4));
  {
    AdmissionTicket ticket;
    ASSERT_EQ(admit(server, model, ticket), Refusal::kNone);
    AdmissionTicket moved(std::move(ticket));
    AdmissionTicket assigned;
    assigned = std::move(moved);
    EXPECT_EQ(server.stats().in_flight, 1);
    EXPECT_EQ(model.stats().in_flight, 1);
  }
  EXPECT_EQ(server.stats().in_flight, 0);
  EXPECT_EQ(model.stats().in_flight, 0);
  AdmissionTicket released;
  ASSERT_EQ(admit(server, model, released), Refusal::kNone);
  released.release();
  released.release();
  EXPECT_EQ(server.stats().in_flight, 0);
}

// Feeds `count` answered requests of `latency`, `step` apart from `at`; returns the time after.
Clock::time_point answer(AdmissionLimit& limit, int count, microseconds latency,
                         Clock::time_point at, microseconds step) {
  for (int i = 0; i < count; ++i) {
    at += step;
    if (!limit.try_enter()) continue;  // refused at the bound: no sample
    limit.leave(latency, at);
  }
  return at;
}

TEST(Admission, AnAdaptiveBoundMeasuresItsNoLoadLatencyAtTheFloorFirst) {
  AdmissionLimit limit(adaptive(4, 100));
  EXPECT_EQ(limit.stats().bound, 4);
  auto t = answer(limit, static_cast<int>(AdmissionLimit::kCalibrationSamples) - 1,
                  microseconds(200), Clock::time_point{} + std::chrono::hours(1), microseconds(10));
  EXPECT_EQ(limit.stats().bound, 4);  // one sample short
  answer(limit, 1, microseconds(200), t, microseconds(10));
  EXPECT_EQ(limit.stats().no_load_latency, microseconds(200));
  EXPECT_EQ(limit.stats().bound, 100);  // then it starts from the most it may grow to
}

TEST(Admission, AnAdaptiveBoundShrinksWhenLatencyGrowsAndGrowsBackWhenItFalls) {
  AdmissionLimit limit(adaptive(4, 100));
  auto t = answer(limit, static_cast<int>(AdmissionLimit::kCalibrationSamples), microseconds(200),
                  Clock::time_point{} + std::chrono::hours(1), microseconds(10));
  ASSERT_EQ(limit.stats().bound, 100);
  // Queueing: four times the no-load latency. The gradient is clamped at 0.5 each window.
  std::int64_t previous = limit.stats().bound;
  for (int round = 0; round < 30; ++round) {
    t = answer(limit, 20, microseconds(800), t, microseconds(6'000));
    const std::int64_t bound = limit.stats().bound;
    EXPECT_LE(bound, previous) << "round " << round;
    previous = bound;
  }
  // L -> 0.5 L + sqrt(L) settles at L = 4, the floor here.
  EXPECT_LE(previous, 5);
  EXPECT_GE(previous, 4);
  // No queueing: the no-load latency again. The bound grows by 1.25 L + sqrt(L) per window.
  for (int round = 0; round < 30; ++round) {
    t = answer(limit, 20, microseconds(200), t, microseconds(6'000));
  }
  EXPECT_EQ(limit.stats().bound, 100);
}

TEST(Admission, AnAdaptiveBoundHoldsStillWithinTheTolerance) {
  AdmissionLimit limit(adaptive(4, 1000));
  auto t = answer(limit, static_cast<int>(AdmissionLimit::kCalibrationSamples), microseconds(200),
                  Clock::time_point{} + std::chrono::hours(1), microseconds(10));
  // Latency of no_load * (1 + tolerance) gives a gradient of 1: only the headroom moves it.
  t = answer(limit, 20, microseconds(800), t, microseconds(6'000));  // shrink it first
  const std::int64_t shrunk = limit.stats().bound;
  ASSERT_LT(shrunk, 1000);
  answer(limit, 20, microseconds(250), t, microseconds(6'000));
  const std::int64_t after = limit.stats().bound;
  EXPECT_GE(after, shrunk);
  EXPECT_LE(after, shrunk + static_cast<std::int64_t>(std::sqrt(shrunk)) + 1);
}

TEST(Admission, AnAdaptiveBoundMeasuresItsNoLoadLatencyAgainEveryThirtySeconds) {
  AdmissionLimit limit(adaptive(4, 100));
  auto t = answer(limit, static_cast<int>(AdmissionLimit::kCalibrationSamples), microseconds(200),
                  Clock::time_point{} + std::chrono::hours(1), microseconds(10));
  // 29 s of windows at the no-load latency: the bound stays at the top.
  t = answer(limit, 290, microseconds(200), t, microseconds(100'000));
  EXPECT_EQ(limit.stats().bound, 100);
  t = answer(limit, 20, microseconds(200), t, microseconds(100'000));
  EXPECT_EQ(limit.stats().bound, 4);  // back at the floor to measure
  answer(limit, static_cast<int>(AdmissionLimit::kCalibrationSamples), microseconds(300), t,
         microseconds(10));
  EXPECT_EQ(limit.stats().no_load_latency, microseconds(300));
  EXPECT_EQ(limit.stats().bound, 100);
}

TEST(Admission, AFixedBoundTakesNoSamples) {
  AdmissionLimit limit(fixed(3));
  answer(limit, 1000, microseconds(5'000), Clock::time_point{} + std::chrono::hours(1),
         microseconds(1'000));
  EXPECT_EQ(limit.stats().bound, 3);
  EXPECT_EQ(limit.stats().no_load_latency.count(), 0);
}

}  // namespace
}  // namespace hone::serve
