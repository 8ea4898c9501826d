// The model lifecycle's changes to the model table, each on the lifecycle's thread (see
// model_lifecycle.h): loads with their warmup, unloads, room made under the memory budget, the
// repository's poll, and retired pipelines freed once nothing holds them.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "core/strings.h"
#include "core/units.h"
#include "model/model_folder.h"
#include "serve/model_lifecycle.h"

namespace hone::serve {
namespace {

// What a model holds in memory: what its backend says, else its artifact file's size (an upstream
// holds nothing).
std::size_t memory_of(const model::Model& model) {
  if (const std::size_t bytes = model.backend->memory_bytes(); bytes > 0) return bytes;
  if (model.config.backend == model::kUpstreamBackend) return 0;
  std::error_code error;
  const auto size = std::filesystem::file_size(model.config.artifact, error);
  return error ? 0 : static_cast<std::size_t>(size);
}

// The stamps of the versions a load reads: equal stamps, nothing to load.
std::map<std::string, std::string> stamps_of(const std::vector<model::ModelConfig>& configs) {
  std::map<std::string, std::string> stamps;
  for (const auto& config : configs) stamps[config.version] = model::files_stamp(config);
  return stamps;
}

std::string versions_of(const std::vector<model::ModelConfig>& configs) {
  std::vector<std::string> names;
  for (const auto& config : configs) names.push_back(config.version);
  return join(names, ", ");
}

// Idle: no request of any of its versions inside the server.
bool idle(const LoadedVersions& versions) {
  return std::all_of(versions.begin(), versions.end(), [](const auto& pipeline) {
    return pipeline->admission().stats().in_flight == 0;
  });
}

std::int64_t last_used(const LoadedVersions& versions) {
  std::int64_t last = 0;
  for (const auto& pipeline : versions) last = std::max(last, pipeline->last_used_ns());
  return last;
}

std::int64_t now_ns() { return SteadyClock::now().time_since_epoch().count(); }

}  // namespace

std::size_t ModelLifecycle::Record::total_memory() const {
  std::size_t total = 0;
  for (const auto& [version, bytes] : memory) total += bytes;
  return total;
}

Status ModelLifecycle::adopt(const model::ModelRepository& initial) {
  std::vector<std::string> unreadable;
  if (auto s = catalog_.rescan(&unreadable); !s) return s;
  for (const auto& message : unreadable) spdlog::warn("model repository: {}", message);
  auto snapshot = std::make_shared<ModelSnapshot>();
  std::map<std::string, std::vector<model::ModelConfig>> configs;
  for (const auto& model : initial.models()) {
    (*snapshot)[model->config.name].push_back(make_(model));
    configs[model->config.name].push_back(model->config);
  }
  const std::lock_guard lock(mutex_);
  for (const auto& [name, versions] : *snapshot) {
    if (!catalog_.has(name)) catalog_.add_fixed(name, configs[name]);
    Record& record = records_[name];
    for (const auto& pipeline : versions) {
      record.memory[pipeline->model().config.version] = memory_of(pipeline->model());
    }
    record.stamps = stamps_of(configs[name]);
    record.loaded_at_ns = now_ns();
    record.loads = 1;
  }
  table_.publish(std::move(snapshot));
  return {};
}

Result<ModelLifecycle::Versions> ModelLifecycle::read_versions(const std::string& name) const {
  // Read twice, stamped between: what the second read saw is at least as new as the stamp, so a
  // file that changes while it is read gets a new stamp, and the next poll reads it again.
  auto first = catalog_.versions(name);
  if (!first) return first.error();
  Stamps stamps = stamps_of(*first);
  auto configs = catalog_.versions(name);
  if (!configs) return configs.error();
  return Versions{std::move(*configs), std::move(stamps)};
}

Status ModelLifecycle::load_now(const std::string& name, const Versions& versions,
                                const char* why) {
  const auto started = SteadyClock::now();
  const std::vector<model::ModelConfig>& configs = versions.configs;
  const std::shared_ptr<const ModelSnapshot> now = table_.current();
  const auto loaded = now->find(name);
  const LoadedVersions before = loaded != now->end() ? loaded->second : LoadedVersions{};
  const Stamps& stamps = versions.stamps;
  Record old;
  {
    const std::lock_guard lock(mutex_);
    old = records_[name];
  }
  if (!before.empty() && stamps == old.stamps) return {};  // nothing changed on disk
  LoadedVersions next_versions;
  LoadedVersions fresh;  // loaded here, not yet serving
  std::map<std::string, std::size_t> memory;
  const auto give_up = [&](const Error& error) {
    for (const auto& pipeline : fresh) pipeline->stop();
    const std::lock_guard lock(mutex_);
    Record& record = records_[name];
    ++record.failed_loads;
    record.failed_stamps = stamps;
    if (record.memory.empty()) record.not_loaded = "its last load failed: " + error.message;
    spdlog::error("model '{}': load for {} failed: {}", name, why, error.message);
    return error;
  };
  for (const auto& config : configs) {
    // A version whose files did not change keeps serving as it is.
    // (A version the first read did not see has no stamp: it loads.)
    const auto old_stamp = old.stamps.find(config.version);
    const auto new_stamp = stamps.find(config.version);
    const bool unchanged = old_stamp != old.stamps.end() && new_stamp != stamps.end() &&
                           old_stamp->second == new_stamp->second;
    const auto same =
        !unchanged ? before.end() : std::find_if(before.begin(), before.end(), [&](const auto& p) {
          return p->model().config.version == config.version;
        });
    if (same != before.end()) {
      next_versions.push_back(*same);
      memory[config.version] = old.memory[config.version];
      continue;
    }
    std::shared_ptr<model::Model> model;
    if (auto s = model::ModelRepository::load(config, options_.backend, model); !s) {
      return give_up(s.error());
    }
    auto pipeline = make_(model);
    fresh.push_back(pipeline);
    if (auto s = warm_(*model); !s) return give_up(s.error());
    memory[config.version] = memory_of(*model);
    next_versions.push_back(std::move(pipeline));
  }
  std::size_t needed = 0;
  for (const auto& [version, bytes] : memory) needed += bytes;
  auto evict = make_room(name, needed, *now);
  if (!evict) return give_up(evict.error());
  for (const auto& other : *evict) {
    unload_now(other, "memory",
               "unloaded to make room for '" + name +
                   "' (--model-memory); it loads again on its next request");
  }
  // Published on the snapshot as it is after the evictions.
  auto next = std::make_shared<ModelSnapshot>(*table_.current());
  (*next)[name] = next_versions;
  table_.publish(next);
  std::size_t replaced = 0;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& pipeline : before) {
      if (std::find(next_versions.begin(), next_versions.end(), pipeline) == next_versions.end()) {
        retired_.push_back(pipeline);
        ++replaced;
      }
    }
    Record& record = records_[name];
    record.memory = std::move(memory);
    record.stamps = stamps;
    record.failed_stamps.clear();
    record.not_loaded.clear();
    record.loaded_at_ns = now_ns();
    ++record.loads;
    if (replaced > 0) record.unloads["replaced"] += static_cast<std::int64_t>(replaced);
    record.last_load_seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  }
  wake_.notify_all();  // the thread looks at the retired pipelines
  spdlog::info("model '{}' version(s) {} loaded for {} in {} ({} in memory{})", name,
               versions_of(configs), why, format_duration(SteadyClock::now() - started),
               format_bytes(needed),
               replaced > 0 ? "; " + std::to_string(replaced) + " old version(s) retired" : "");
  return {};
}

Result<std::vector<std::string>> ModelLifecycle::make_room(const std::string& name,
                                                           std::size_t needed,
                                                           const ModelSnapshot& now) const {
  const std::size_t budget = options_.memory_budget;
  if (budget == 0) return std::vector<std::string>{};
  if (needed > budget) {
    return fail("model '" + name + "' needs " + format_bytes(needed) + ", more than the whole " +
                    "--model-memory budget of " + format_bytes(budget),
                507);
  }
  struct Candidate {
    std::string name;
    std::int64_t used;
    std::size_t bytes;
  };
  std::vector<Candidate> candidates;
  std::size_t held = 0;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& [other, record] : records_) {
      if (other == name) continue;
      held += record.total_memory();
      const auto it = now.find(other);
      if (it == now.end() || !idle(it->second)) continue;
      candidates.push_back(
          {other, std::max(last_used(it->second), record.loaded_at_ns), record.total_memory()});
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.used < b.used; });
  std::vector<std::string> evict;
  for (const Candidate& candidate : candidates) {
    if (held + needed <= budget) break;
    evict.push_back(candidate.name);
    held -= candidate.bytes;
  }
  if (held + needed > budget) {
    return fail("model '" + name + "' needs " + format_bytes(needed) + " and the other models " +
                    "hold " + format_bytes(held) + " of the --model-memory budget of " +
                    format_bytes(budget) + " while they answer requests; retry later",
                503);
  }
  return evict;
}

void ModelLifecycle::unload_now(const std::string& name, const std::string& reason,
                                const std::string& why) {
  const std::shared_ptr<const ModelSnapshot> now = table_.current();
  const auto it = now->find(name);
  {
    const std::lock_guard lock(mutex_);
    Record& record = records_[name];
    record.not_loaded = why;
    if (it == now->end()) return;  // not loaded: nothing to do
    record.memory.clear();
    record.stamps.clear();
    ++record.unloads[reason];
    retired_.insert(retired_.end(), it->second.begin(), it->second.end());
  }
  auto next = std::make_shared<ModelSnapshot>(*now);
  next->erase(name);
  table_.publish(std::move(next));
  wake_.notify_all();
  spdlog::info("model '{}': {}", name, why);
}

void ModelLifecycle::poll() {
  std::vector<std::string> unreadable;
  if (auto s = catalog_.rescan(&unreadable); !s) {
    spdlog::error("model repository poll: {}", s.error().message);
    return;
  }
  // Each folder that cannot be read is logged once, until it reads again.
  std::set<std::string> still_unreadable(unreadable.begin(), unreadable.end());
  for (const auto& message : still_unreadable) {
    if (unreadable_.count(message) == 0) spdlog::error("model repository poll: {}", message);
  }
  unreadable_ = std::move(still_unreadable);
  const std::shared_ptr<const ModelSnapshot> now = table_.current();
  for (const auto& [name, versions] : *now) {
    if (!catalog_.has(name)) unload_now(name, "removed", "its folder left the repository");
  }
  for (const auto& name : catalog_.names()) {
    Record record;
    {
      const std::lock_guard lock(mutex_);
      record = records_[name];
    }
    // Under a memory budget, a model that is not loaded waits for its first request.
    if (record.memory.empty() && options_.memory_budget > 0) continue;
    auto versions = read_versions(name);
    {
      // A model whose folder cannot be read counts one failed load, until it reads again.
      const std::string failed = versions ? "" : versions.error().message;
      const std::lock_guard lock(mutex_);
      if (!failed.empty() && failed != records_[name].failed_read) ++records_[name].failed_loads;
      records_[name].failed_read = failed;
    }
    if (!versions) continue;
    if (versions->stamps == record.stamps || versions->stamps == record.failed_stamps) continue;
    (void)load_now(name, *versions, "the repository poll");  // a failure is logged and counted
  }
}

void ModelLifecycle::reap() {
  std::vector<std::shared_ptr<ModelPipeline>> done;
  {
    const std::lock_guard lock(mutex_);
    // Nothing else holds a retired pipeline once its count is 1: it is in no snapshot a request
    // could still take, and every request it was given has been answered.
    const auto free = std::stable_partition(retired_.begin(), retired_.end(),
                                            [](const auto& p) { return p.use_count() > 1; });
    done.assign(std::make_move_iterator(free), std::make_move_iterator(retired_.end()));
    retired_.erase(free, retired_.end());
  }
  for (const auto& pipeline : done) pipeline->stop();
}

std::vector<IndexEntry> ModelLifecycle::index() const {
  const std::shared_ptr<const ModelSnapshot> now = table_.current();
  std::set<std::string> names = catalog_.names();
  for (const auto& [name, versions] : *now) names.insert(name);
  std::vector<IndexEntry> out;
  const std::lock_guard lock(mutex_);
  for (const auto& name : names) {
    if (const auto it = now->find(name); it != now->end()) {
      for (const auto& pipeline : it->second) {
        out.push_back({name, pipeline->model().config.version, pipeline, {}});
      }
      continue;
    }
    const auto record = records_.find(name);
    std::string why = record != records_.end() ? record->second.not_loaded : std::string();
    if (why.empty()) {
      why = options_.memory_budget > 0 ? "not loaded yet: it loads on its first request"
                                       : "not loaded";
    }
    out.push_back({name, {}, nullptr, why});
  }
  return out;
}

LifecycleFigures ModelLifecycle::figures() const {
  LifecycleFigures figures;
  figures.memory_budget = options_.memory_budget;
  const std::lock_guard lock(mutex_);
  for (const auto& [name, record] : records_) {
    LifecycleFigures::Model model;
    model.name = name;
    model.loads = record.loads;
    model.failed_loads = record.failed_loads;
    model.unloads = record.unloads;
    model.last_load_seconds = record.last_load_seconds;
    model.memory_bytes = record.total_memory();
    figures.memory_bytes += model.memory_bytes;
    figures.models.push_back(std::move(model));
  }
  return figures;
}

}  // namespace hone::serve
