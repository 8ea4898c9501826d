// A model's config.yaml: what the server needs to know to serve one model, with defaults for
// everything the artifact can tell by itself. Parsing is strict: unknown keys, bad types and
// inconsistencies with the artifact are errors naming the file (and line, where known).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "model/backend.h"
#include "model/tensor_spec.h"
#include "model/version_policy.h"

namespace hone::model {

// How requests reach the backend (see serve/batcher.h). Without batching, fast backends run
// inline on the I/O thread and slow ones get a worker queue of batch size 1.
struct BatchingSettings {
  bool enabled = false;
  std::size_t max_batch_size = 64;        // rows in one backend call
  std::int64_t max_queue_delay_us = 500;  // counted from the oldest queued request
  std::vector<std::size_t> preferred_batch_sizes;
  std::size_t max_queue_size = 1024;  // requests waiting; more are refused with 503
  std::int64_t timeout_us = 0;        // default per-request deadline; 0 = none
  int workers = 1;                    // threads calling the backend
};

// Admission control (see serve/admission.h): a bound on a model's requests inside the server at
// once, beyond which requests are refused with 503 before they are decoded.
struct AdmissionSettings {
  std::size_t max_in_flight = 0;  // 0: no bound of its own (the server's --max-in-flight holds)
  bool adaptive = false;          // move the bound with latency, between min and max_in_flight
  std::size_t min_in_flight = 4;
  std::chrono::microseconds window{100'000};  // how often an adaptive bound moves
};

// Whether a model's predictions need credentials (see serve/auth.h): as the server says (when it
// has --api-keys or a JWT key, they do), always (the server refuses to start without any), or
// never (an open model on a server that checks the others).
enum class AuthPolicy { inherit, required, none };

// The response cache (see serve/response_cache.h).
struct CacheSettings {
  bool enabled = false;
  std::int64_t ttl_us = 300'000'000;  // 5 min; 0 = until evicted
};

// Requests run before the model is declared ready, so that the first user does not pay for
// cold caches and lazy initialisation.
struct WarmupSettings {
  int rounds = 1;                        // passes over the samples
  std::vector<std::vector<float>> rows;  // explicit samples; empty = one synthetic row
};

// How a protocol-json upstream treats a request: the first rule whose method (empty: any) and
// path (exact, or a prefix when it ends in '*') match decides; without a match, POST requests
// with a JSON body are predictions and everything else is proxied unchanged.
struct ApiRoute {
  std::string method;
  std::string path;
  std::string action;  // predict (cached, coalesced), proxy (forwarded unchanged), refuse (403)
};

// A model served by another server (backend: http): where it is and how to talk to it.
struct UpstreamSettings {
  std::string url;              // http://HOST:PORT[/PATH]; without a path, the protocol's own
  std::string protocol = "v2";  // v2 (KServe v2), v1 (TF-Serving REST), json (any JSON API)
  std::int64_t timeout_us = 10'000'000;         // for the whole answer
  std::int64_t connect_timeout_us = 1'000'000;  // for a new connection
  int max_connections = 8;                      // upstream calls at once (kept-alive connections)
  std::string health;  // a path polled for readiness; empty = ready while it answers
  // protocol json only:
  std::string mount;  // the path prefix clients use; empty = the upstream's own
  // Request headers that are part of the cache key: by default the credentials, so that clients
  // with different keys never share an answer.
  std::vector<std::string> key_headers = {"Authorization"};
  std::vector<ApiRoute> routes;
};

// What models given as bare artifacts (hone serve --model) get: batching and cache off unless
// flags turn them on.
struct ServingDefaults {
  BatchingSettings batching;
  CacheSettings cache;
};

struct ModelConfig {
  std::string name;
  std::string version = "1";
  VersionPolicy version_policy;  // which of the folder's numbered versions are served
  std::string backend = "auto";  // auto, xgboost, trees, http
  std::string artifact;          // path of the model file, resolved against the config's folder
  UpstreamSettings upstream;     // backend: http
  std::string description;
  std::size_t max_rows_per_request = 1024;
  std::vector<TensorSpec> inputs;   // empty = inferred from the artifact
  std::vector<TensorSpec> outputs;  // empty = inferred from the artifact
  std::string source;               // the config file, or the artifact when inferred
  BatchingSettings batching;
  CacheSettings cache;
  AdmissionSettings admission;
  AuthPolicy auth = AuthPolicy::inherit;
  WarmupSettings warmup;
};

// The backend that calls another server instead of reading an artifact.
inline constexpr const char* kUpstreamBackend = "http";

// The name a model file is served under when none is given: the file's name without its
// extension, or its folder's name for a file named model.* (churn/model.txt: "churn").
std::string name_for_artifact(const std::string& path);

// The model file a folder holds when its config names none: the first of model.json, model.ubj
// (XGBoost) and model.txt (LightGBM) that exists, model.json when none does.
std::string default_artifact(const std::string& dir);

// Reads DIR/config.yaml; the name defaults to the folder's name, the artifact to the folder's
// default_artifact(). The artifact is looked for in `artifact_dir` when given (a version folder).
Result<ModelConfig> load_model_config(const std::string& dir, const std::string& artifact_dir = {});

// A config for a bare artifact (`hone serve --model [NAME=]PATH`); inputs and outputs are left
// empty for reconcile() to infer.
ModelConfig config_for_artifact(const std::string& name, const std::string& artifact,
                                const std::string& backend);

// Fills inferred inputs/outputs from what the artifact says, and checks declared ones against it.
Status reconcile(ModelConfig& config, const BackendInfo& info);

// The config as YAML, in the format load_model_config() reads.
std::string to_yaml(const ModelConfig& config);

// Names used in URLs: letters, digits, '-', '_' and '.', not starting with '.'.
bool valid_model_name(const std::string& name);

}  // namespace hone::model
