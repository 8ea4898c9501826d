// Bounds on everything a client can send, with the answer each one triggers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace hone::http {

struct Limits {
  // Open connections; at the bound the server stops accepting until one closes (new clients wait
  // in the listen backlog). 0: no bound.
  std::size_t max_connections = 10'000;
  std::size_t max_request_line = 8 * 1024;     // longer request line -> 414
  std::size_t max_header_bytes = 16 * 1024;    // request line + headers -> 431
  std::size_t max_header_fields = 100;         // header fields (as Envoy) -> 431
  std::uint64_t max_body_bytes = 1024 * 1024;  // -> 413 (Content-Length or chunked total)
  std::size_t max_pipeline = 32;               // parsed but unanswered requests per connection
  // A fresh connection must deliver its request header within header_timeout, and so must a
  // request once its first byte arrived; otherwise 408 and close.
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};  // whole body after the header -> 408
  // A kept-alive connection with no bytes of a new request is closed quietly after this.
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{30'000};  // a client that stops reading is dropped
  // While draining, an idle kept-alive connection is closed after this much quiet; a request
  // that arrives in time is still answered (with Connection: close).
  std::chrono::milliseconds drain_idle_grace{250};
};

}  // namespace hone::http
