#include "load/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "report/summary_text.h"

namespace hone::load {

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(const LiveBoard& live, double total_seconds, bool enabled)
    : live_(live), total_seconds_(total_seconds), enabled_(enabled) {}

Progress::~Progress() { stop(); }

void Progress::start() {
  if (!enabled_) return;
  running_ = true;
  thread_ = std::thread([this] {
    const auto begin = std::chrono::steady_clock::now();
    while (running_) {
      draw(std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());
      for (int i = 0; i < 5 && running_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

void Progress::stop() {
  if (!running_.exchange(false)) return;
  if (thread_.joinable()) thread_.join();
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

void Progress::draw(double elapsed) const {
  constexpr int kWidth = 24;
  const double fraction = total_seconds_ > 0 ? std::clamp(elapsed / total_seconds_, 0.0, 1.0) : 0;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, ' ');
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  double rate = 0;
  std::string p50 = "-";
  std::string p99 = "-";
  if (auto row = live_.row(now_s - 1)) {
    rate = static_cast<double>(row->requests);
    if (auto h = HdrHistogram::from_sparse(row->latency); h && h->count() > 0) {
      p50 = report::format_us(static_cast<double>(h->value_at_percentile(50)));
      p99 = report::format_us(static_cast<double>(h->value_at_percentile(99)));
    }
  }
  const auto requests = live_.requests();
  const auto failed = live_.failed();
  std::fprintf(
      stderr, "\r\033[K[%s] %.0fs/%.0fs  %.0f req/s  p50 %s  p99 %s  errors %lld (%.2f%%)",
      bar.c_str(), elapsed, total_seconds_, rate, p50.c_str(), p99.c_str(),
      static_cast<long long>(failed),
      requests > 0 ? 100.0 * static_cast<double>(failed) / static_cast<double>(requests) : 0.0);
  std::fflush(stderr);
}

}  // namespace hone::load
