// Backend "http": the model runs in another server (a FastAPI app, Triton, TF-Serving, a KServe
// runtime) that speaks KServe v2 or TF-Serving REST. predict() sends the rows of one backend call
// (one request, or a batch merged from many clients) as one upstream request over a pool of
// kept-alive connections, and answers with the HTTP status a gateway gives:
// - the upstream did not answer in time: 504; refused or reset the connection: 502; its answer
//   cannot be read: 502; it answered 4xx/5xx: that status and its message, passed through;
// - only failures where nothing was sent are retried, once, on a new connection (a refused
//   connect, a kept-alive connection the upstream had closed);
// - after 5 failures in a row (502/504) a circuit breaker opens: calls answer 503 at once for 1 s,
//   then one call probes, and a success closes it.
// With `health`, a thread polls that path once a second and ready() is its last answer.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "model/backend.h"
#include "model/model_config.h"

namespace hone::model {

// The URL of an upstream: http://HOST[:PORT][/PATH]; a one-line error otherwise.
Status check_upstream_url(const std::string& url);

// Connects nothing yet: the first call, the health poller or the warmup does. For a v2 upstream
// whose config declares no inputs, asks the upstream for the model's metadata
// (GET /v2/models/NAME) to learn them.
Result<std::unique_ptr<Backend>> create_upstream_backend(const ModelConfig& config);

}  // namespace hone::model
