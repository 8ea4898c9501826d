// Models coming and going while the server runs, as Triton's model control does: loads and
// unloads asked for (--model-control explicit), the repository watched for new versions and
// changed configs (poll), and a memory budget (--model-memory) under which models load on their
// first request and the least recently used idle model is unloaded to make room.
//
// Every change runs on the lifecycle's own thread, one at a time: a model's new versions are read,
// loaded and warmed up first, then one new snapshot of the model table is published; requests
// that hold the old one finish on the old pipelines, which are stopped and freed on this thread
// once nothing holds them. Other threads only queue work and read figures.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "model/repository.h"
#include "serve/model_catalog.h"
#include "serve/model_table.h"

namespace hone::serve {

enum class ModelControl { kNone, kPoll, kExplicit };
Result<ModelControl> parse_model_control(const std::string& text);
const char* model_control_name(ModelControl control);

struct LifecycleOptions {
  ModelControl control = ModelControl::kNone;
  std::string repository;         // the --models folder; empty: only the models given one by one
  std::size_t memory_budget = 0;  // bytes of models loaded at once; 0: no budget, all load at start
  std::chrono::milliseconds poll_interval{10'000};
  model::BackendOptions backend;
  std::size_t max_waiting = 0;  // requests waiting for their model to load; 0: no bound
};

// A model as the repository index shows it: a loaded version, or a model that is not loaded.
struct IndexEntry {
  std::string name;
  std::string version;                      // empty when not loaded
  std::shared_ptr<ModelPipeline> pipeline;  // null when not loaded
  std::string reason;                       // why it is not loaded
};

// What /metrics shows of the lifecycle.
struct LifecycleFigures {
  struct Model {
    std::string name;
    std::int64_t loads = 0;
    std::int64_t failed_loads = 0;
    std::map<std::string, std::int64_t> unloads;  // by reason: request, memory, removed, replaced
    double last_load_seconds = 0;
    std::size_t memory_bytes = 0;  // of its loaded versions
  };
  std::vector<Model> models;
  std::size_t memory_bytes = 0;
  std::size_t memory_budget = 0;
};

using PipelineFactory =
    std::function<std::shared_ptr<ModelPipeline>(std::shared_ptr<const model::Model>)>;
// Checks a new model and runs it once (serve::warm_up) before it takes traffic.
using Warmer = std::function<Status(const model::Model&)>;

class ModelLifecycle {
 public:
  using Done = std::function<void(const Status&)>;

  ModelLifecycle(ModelTable& table, LifecycleOptions options, PipelineFactory make, Warmer warm);
  ~ModelLifecycle();
  ModelLifecycle(const ModelLifecycle&) = delete;
  ModelLifecycle& operator=(const ModelLifecycle&) = delete;

  // Publishes the models the server starts with and learns what the repository holds. From the
  // owning thread, before start(); fails for a repository folder it cannot read.
  Status adopt(const model::ModelRepository& initial);
  void start();
  // Stops the thread (work still queued is answered with 503) and every pipeline, served or not.
  void stop();

  ModelControl control() const { return options_.control; }
  // Whether `name` is a model the repository holds (loaded or not); any thread.
  bool knows(const std::string& name) const { return catalog_.has(name); }
  // How a model that is not loaded gets loaded, as advice for a 404 (" (...)").
  std::string how_to_load(const std::string& name) const;
  bool loads_on_demand(const std::string& name) const;

  // Queued for the lifecycle's thread; `done` runs there.
  void when_loaded(const std::string& name, Done then);  // loads it unless it is loaded
  void load(const std::string& name, Done done);         // (re)reads it and loads what changed
  void unload(const std::string& name, Done done);

  std::vector<IndexEntry> index() const;
  LifecycleFigures figures() const;

 private:
  // Each version's files as model::files_stamp saw them, by version: equal stamps, same files.
  using Stamps = std::map<std::string, std::string>;
  struct Record {                               // per model name
    std::map<std::string, std::size_t> memory;  // of each version loaded now
    Stamps stamps;                              // of the versions loaded now
    Stamps failed_stamps;     // of the files a failed load read (poll does not retry them)
    std::string failed_read;  // why its folder could not be read at the last poll (counted once)
    std::string not_loaded;   // why, when no version is loaded
    std::int64_t loaded_at_ns = 0;
    std::int64_t loads = 0;
    std::int64_t failed_loads = 0;
    std::map<std::string, std::int64_t> unloads;  // by reason
    double last_load_seconds = 0;
    std::size_t total_memory() const;
  };

  // model_lifecycle.cc: the thread and its queue.
  void run();
  // Queues `work` for the thread; `done` gets its outcome (503 once stopped, then at once).
  // `counted`: a request waiting for a load (waiting_ counts it until it runs).
  void enqueue(std::function<Status()> work, Done done, bool counted = false);
  // model_loading.cc: the changes, on the lifecycle's thread.
  struct Versions {
    std::vector<model::ModelConfig> configs;  // as read_model_folder gives them
    Stamps stamps;  // of their files, taken before they were read: a later change shows
  };
  Result<Versions> read_versions(const std::string& name) const;
  Status load_now(const std::string& name, const Versions& versions, const char* why);
  // `reason` counts the unload (request, memory, removed); `why` is what the index shows.
  void unload_now(const std::string& name, const std::string& reason, const std::string& why);
  // The models to unload, least recently used first, so that `needed` more bytes fit.
  Result<std::vector<std::string>> make_room(const std::string& name, std::size_t needed,
                                             const ModelSnapshot& now) const;
  void poll();
  void reap();

  ModelTable& table_;
  LifecycleOptions options_;
  PipelineFactory make_;
  Warmer warm_;
  ModelCatalog catalog_;
  std::set<std::string> unreadable_;  // the folders poll could not read last time (its thread's)

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  std::size_t waiting_ = 0;  // requests queued behind loads
  bool running_ = false;
  bool stopped_ = false;
  std::map<std::string, Record, std::less<>> records_;
  std::vector<std::shared_ptr<ModelPipeline>> retired_;  // unpublished, maybe still in use
  std::thread thread_;
};

}  // namespace hone::serve
