// Backend "http": the model runs in another server (a FastAPI app, Triton, TF-Serving, a KServe
// runtime) that speaks KServe v2 or TF-Serving REST. predict() sends the rows of one backend call
// (one request, or a batch merged from many clients) as one upstream request through an
// UpstreamClient (pool, retries, breaker, health; see upstream_client.h) and fails with the HTTP
// status a gateway gives: the client's 502, 503 or 504; 502 for an answer it cannot read; the
// upstream's own 4xx/5xx, with its message, passed through. ready() is the health path's answer.
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
