// The model lifecycle on its own: requests waiting for loads are bounded and answered when it
// stops, and a pipeline that leaves the table is freed once the last holder lets go of it.
#include "serve/model_lifecycle.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "support/redis_process.h"
#include "support/temp_dir.h"
#include "support/test_models.h"

namespace hone::serve {
namespace {

struct Harness {
  explicit Harness(LifecycleOptions options) : caches(1 << 20) {
    std::filesystem::create_directories(repo.path() / "a");
    std::filesystem::copy_file(test::test_model("regression").path, repo.path() / "a/model.json");
    repo.write("a/config.yaml", "name: a\n");
    options.repository = repo.path().string();
    lifecycle.emplace(
        table, std::move(options),
        [this](std::shared_ptr<const model::Model> model) {
          return std::make_shared<ModelPipeline>(std::move(model), caches, milestones, nullptr);
        },
        [](const model::Model&) { return Status{}; });
  }

  test::TempDir repo;
  SharedCaches caches;
  Milestones milestones;
  ModelTable table;
  std::optional<ModelLifecycle> lifecycle;
};

TEST(ModelLifecycleUnit, RequestsWaitingForLoadsAreBoundedAndAnsweredWhenItStops) {
  LifecycleOptions options;
  options.memory_budget = 1 << 30;
  options.max_waiting = 1;
  Harness harness(options);
  ModelLifecycle& lifecycle = *harness.lifecycle;
  ASSERT_TRUE(lifecycle.adopt(model::ModelRepository{}));
  EXPECT_TRUE(lifecycle.loads_on_demand("a"));
  EXPECT_FALSE(lifecycle.loads_on_demand("b"));
  // Not started: the first request waits in the queue, the second finds it full.
  std::optional<Status> first;
  std::optional<Status> second;
  lifecycle.when_loaded("a", [&first](const Status& s) { first = s; });
  lifecycle.when_loaded("a", [&second](const Status& s) { second = s; });
  EXPECT_FALSE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->error().code, 503);
  EXPECT_NE(second->error().message.find("too many requests are waiting for their models to load "
                                         "(--max-in-flight 1)"),
            std::string::npos);
  lifecycle.stop();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->error().code, 503);
  EXPECT_EQ(first->error().message, "the server is stopping");
  std::optional<Status> late;
  lifecycle.load("a", [&late](const Status& s) { late = s; });
  ASSERT_TRUE(late.has_value());  // answered at once, on this thread
  EXPECT_EQ(late->error().code, 503);
}

TEST(ModelLifecycleUnit, AnUnloadedPipelineIsFreedOnceItsLastHolderLetsGo) {
  LifecycleOptions options;
  options.control = ModelControl::kExplicit;
  Harness harness(options);
  ModelLifecycle& lifecycle = *harness.lifecycle;
  model::ModelRepository initial;
  ASSERT_TRUE(initial.load_directory(harness.repo.path().string()));
  ASSERT_TRUE(lifecycle.adopt(initial));
  lifecycle.start();
  std::shared_ptr<ModelPipeline> held = find_pipeline(*harness.table.current(), "a", "");
  ASSERT_NE(held, nullptr);
  const std::weak_ptr<ModelPipeline> watched = held;
  std::atomic<bool> unloaded{false};
  lifecycle.unload("a", [&unloaded](const Status& s) { unloaded = static_cast<bool>(s); });
  ASSERT_TRUE(test::eventually([&] { return unloaded.load(); }));
  EXPECT_EQ(find_pipeline(*harness.table.current(), "a", ""), nullptr);
  EXPECT_FALSE(watched.expired());  // a request (here: this test) still holds it
  held.reset();
  EXPECT_TRUE(test::eventually([&] { return watched.expired(); }));

  std::atomic<int> loaded{0};
  lifecycle.load("a", [&loaded](const Status& s) { loaded = s ? 1 : 2; });
  ASSERT_TRUE(test::eventually([&] { return loaded.load() != 0; }));
  EXPECT_EQ(loaded.load(), 1);
  EXPECT_NE(find_pipeline(*harness.table.current(), "a", ""), nullptr);
  const LifecycleFigures figures = lifecycle.figures();
  ASSERT_EQ(figures.models.size(), 1U);
  EXPECT_EQ(figures.models[0].loads, 2);
  EXPECT_EQ(figures.models[0].unloads.at("request"), 1);
  EXPECT_GT(figures.models[0].memory_bytes, 0U);
  lifecycle.stop();
}

}  // namespace
}  // namespace hone::serve
