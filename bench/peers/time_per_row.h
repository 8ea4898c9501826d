// The timing loop the engine-against-engine harnesses share.
#pragma once

#include <chrono>
#include <cstddef>

// Nanoseconds per row of `call()` (which predicts `rows` rows) over enough repetitions to last
// about 0.3 s.
template <typename Call>
double time_per_row(std::size_t rows, Call call) {
  using Clock = std::chrono::steady_clock;
  std::size_t repetitions = 1;
  for (;;) {
    const auto start = Clock::now();
    for (std::size_t i = 0; i < repetitions; ++i) call();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (seconds > 0.3) return seconds * 1e9 / static_cast<double>(repetitions * rows);
    repetitions *= 2;
  }
}
