// The stages of a prediction, defined once: every exporter (/metrics, /api/performance, the
// statistics extension) and the trace that records them read this table. A stage is a span of
// time stamped where it happens; a request passes through some of them, in this order.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace hone::monitor {

enum class Stage : std::uint8_t {
  kDecode,     // first byte received -> body decoded into rows
  kLookup,     // in-process (L1) cache lookup
  kRedis,      // Redis (L2) lookup, after an L1 miss
  kCoalesced,  // waiting for an identical request's outcome instead of computing
  kQueue,      // handed to the runner -> its backend call began
  kCompute,    // the backend call, in this process
  kUpstream,   // the backend call, to an upstream server
  kSerialize,  // outputs -> answer body
  kWrite,      // answer body -> written to the socket
};
inline constexpr std::size_t kStageCount = 9;

struct StageInfo {
  const char* name;    // key in /api/performance and the dashboard
  const char* metric;  // Prometheus histogram, in seconds
  const char* help;
};

inline constexpr std::array<StageInfo, kStageCount> kStages = {{
    {"decode", "hone_decode_duration_seconds",
     "Time from a request's first byte to its body decoded."},
    {"cache_lookup", "hone_cache_lookup_duration_seconds",
     "Time of a request's in-process cache lookup."},
    {"redis", "hone_redis_duration_seconds", "Time of a request's Redis lookup after an L1 miss."},
    {"coalesced", "hone_coalesced_wait_duration_seconds",
     "Time a request waited for an identical request's outcome."},
    {"queue", "hone_queue_duration_seconds", "Time a request waited for its backend call."},
    {"compute", "hone_compute_duration_seconds",
     "Time of the in-process backend call that served a request."},
    {"upstream", "hone_upstream_duration_seconds",
     "Time of the upstream call that served a request."},
    {"serialize", "hone_serialize_duration_seconds", "Time to encode a request's answer."},
    {"write", "hone_write_duration_seconds", "Time from an answer encoded to it written."},
}};

inline constexpr std::size_t index_of(Stage stage) { return static_cast<std::size_t>(stage); }
inline const StageInfo& info_of(Stage stage) { return kStages[index_of(stage)]; }

// How a successful request got its answer.
enum class Path : std::uint8_t {
  kComputed,   // a backend call of its own
  kCached,     // a cache (L1 or Redis) held it
  kCoalesced,  // an identical request's outcome
};
inline constexpr std::size_t kPathCount = 3;

}  // namespace hone::monitor
