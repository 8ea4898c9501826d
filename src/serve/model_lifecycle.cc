#include "serve/model_lifecycle.h"

#include <spdlog/spdlog.h>

#include "core/units.h"

namespace hone::serve {
namespace {

Error stopping() { return fail("the server is stopping", 503); }

}  // namespace

Result<ModelControl> parse_model_control(const std::string& text) {
  if (text == "none") return ModelControl::kNone;
  if (text == "poll") return ModelControl::kPoll;
  if (text == "explicit") return ModelControl::kExplicit;
  return fail("--model-control must be none, poll or explicit, not '" + text + "'");
}

const char* model_control_name(ModelControl control) {
  switch (control) {
    case ModelControl::kPoll:
      return "poll";
    case ModelControl::kExplicit:
      return "explicit";
    case ModelControl::kNone:
      break;
  }
  return "none";
}

ModelLifecycle::ModelLifecycle(ModelTable& table, LifecycleOptions options, PipelineFactory make,
                               Warmer warm)
    : table_(table),
      options_(std::move(options)),
      make_(std::move(make)),
      warm_(std::move(warm)),
      catalog_(options_.repository) {}

ModelLifecycle::~ModelLifecycle() { stop(); }

void ModelLifecycle::start() {
  const std::lock_guard lock(mutex_);
  if (running_ || stopped_) return;
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void ModelLifecycle::stop() {
  std::deque<std::function<void()>> left;
  {
    const std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    left.swap(tasks_);
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& task : left) task();  // each sees stopped_ and answers 503
  std::vector<std::shared_ptr<ModelPipeline>> pipelines;
  {
    const std::lock_guard lock(mutex_);
    pipelines.swap(retired_);
  }
  // Held while looping: a range-for would keep only the map, not the snapshot that owns it.
  const std::shared_ptr<const ModelSnapshot> now = table_.current();
  for (const auto& [name, versions] : *now) {
    pipelines.insert(pipelines.end(), versions.begin(), versions.end());
  }
  for (const auto& pipeline : pipelines) pipeline->stop();
}

std::string ModelLifecycle::how_to_load(const std::string& name) const {
  const std::lock_guard lock(mutex_);
  const auto it = records_.find(name);
  std::string why = it != records_.end() ? it->second.not_loaded : std::string();
  if (options_.memory_budget > 0) {
    why = (why.empty() ? "not loaded yet" : why.substr(0, why.find(';'))) +
          "; a prediction request loads it";
  } else if (why.empty()) {
    why = "not loaded yet";
  }
  if (options_.control == ModelControl::kExplicit && options_.memory_budget == 0) {
    why += "; load it with POST /v2/repository/models/" + name + "/load";
  }
  return " (" + why + ")";
}

bool ModelLifecycle::loads_on_demand(const std::string& name) const {
  return options_.memory_budget > 0 && catalog_.has(name);
}

void ModelLifecycle::enqueue(std::function<Status()> work, Done done, bool counted) {
  auto task = [this, work = std::move(work), done = std::move(done), counted] {
    bool stopped = false;
    {
      const std::lock_guard lock(mutex_);
      if (counted) --waiting_;
      stopped = stopped_;
    }
    done(stopped ? Status(stopping()) : work());
  };
  {
    const std::lock_guard lock(mutex_);
    if (!stopped_) {
      tasks_.push_back(std::move(task));
      wake_.notify_all();
      return;
    }
  }
  task();  // stopped: it answers 503 at once
}

void ModelLifecycle::when_loaded(const std::string& name, Done then) {
  {
    const std::lock_guard lock(mutex_);
    if (options_.max_waiting > 0 && waiting_ >= options_.max_waiting) {
      then(fail("too many requests are waiting for their models to load (--max-in-flight " +
                    std::to_string(options_.max_waiting) + "); retry later",
                503));
      return;
    }
    ++waiting_;
  }
  enqueue(
      [this, name]() -> Status {
        if (find_pipeline(*table_.current(), name, "") != nullptr) return {};
        auto versions = read_versions(name);
        if (!versions) return versions.error();
        return load_now(name, *versions, "its first request");
      },
      std::move(then), true);
}

void ModelLifecycle::load(const std::string& name, Done done) {
  enqueue(
      [this, name]() -> Status {
        if (auto s = catalog_.rescan(); !s) return s;
        auto versions = read_versions(name);
        if (!versions) return versions.error();
        return load_now(name, *versions, "a load request");
      },
      std::move(done));
}

void ModelLifecycle::unload(const std::string& name, Done done) {
  enqueue(
      [this, name]() -> Status {
        if (table_.current()->count(name) == 0 && !catalog_.has(name)) {
          return fail("unknown model '" + name + "'", 404);
        }
        unload_now(name, "request", "unloaded by request");
        return {};
      },
      std::move(done));
}

void ModelLifecycle::run() {
  const bool polling = options_.control == ModelControl::kPoll;
  auto next_poll = SteadyClock::now() + options_.poll_interval;
  std::unique_lock lock(mutex_);
  while (!stopped_) {
    if (!tasks_.empty()) {
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
      continue;
    }
    if (polling && SteadyClock::now() >= next_poll) {
      lock.unlock();
      poll();
      lock.lock();
      next_poll = SteadyClock::now() + options_.poll_interval;
      continue;
    }
    lock.unlock();
    reap();
    lock.lock();
    auto until = polling ? next_poll : SteadyClock::now() + std::chrono::hours(1);
    // Retired pipelines are looked at again soon: they are freed once their requests are done.
    if (!retired_.empty())
      until = std::min(until, SteadyClock::now() + std::chrono::milliseconds(10));
    wake_.wait_until(lock, until, [this] { return stopped_ || !tasks_.empty(); });
  }
}

}  // namespace hone::serve
