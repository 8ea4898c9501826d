// Turns an endpoint into the bytes of an HTTP/1.1 request. Fixed requests are serialised once;
// templated bodies are rendered per request from the endpoint's data feed. One builder per
// worker thread (its random generator and scratch buffers are not shared).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "load/plan.h"

namespace hone::load {

class RequestBuilder {
 public:
  RequestBuilder(const LoadPlan& plan, std::uint64_t seed);

  // The request for endpoint `index`; valid until the next call. `now_unix_s` renews minted
  // JWTs when most of their lifetime has passed.
  std::string_view build(std::size_t index, std::int64_t now_unix_s);

  // The distinct bodies an endpoint sent, by hash (for endpoints that send a body): how often
  // requests repeat an earlier input, which is what a response cache could answer. At most
  // kMaxTrackedInputs are kept over all endpoints; past that, counting stops (`inputs_capped`).
  static constexpr std::size_t kMaxTrackedInputs = 1 << 20;
  const std::vector<std::unordered_set<std::uint64_t>>& inputs() const { return inputs_; }
  bool inputs_capped() const { return inputs_capped_; }

 private:
  struct Prepared {
    std::string head;  // request line and headers, without Content-Length and the blank line
    std::string full;  // the whole request, for endpoints without a template
    Template body_template;
    bool templated = false;
  };

  void prepare_all(std::int64_t now_unix_s);

  const LoadPlan& plan_;
  std::vector<Prepared> prepared_;
  std::mt19937_64 random_;
  std::string scratch_;
  std::string body_;
  std::string token_;
  std::int64_t token_renew_at_ = 0;
  std::vector<std::unordered_set<std::uint64_t>> inputs_;
  std::size_t tracked_ = 0;
  bool inputs_capped_ = false;

  void track(std::size_t index, std::string_view body);
};

}  // namespace hone::load
