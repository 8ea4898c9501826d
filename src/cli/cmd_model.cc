// hone model: make the demo models, or describe a model artifact.
#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "core/strings.h"
#include "core/units.h"
#include "model/backend_factory.h"
#include "model/demo_models.h"
#include "model/model_config.h"

namespace hone::cli {
namespace {

struct ModelFlags {
  std::string out_dir;
  std::string file;
  std::string backend = "auto";
};

int run_demo_models(const ModelFlags& flags) {
  const auto started = std::chrono::steady_clock::now();
  if (auto s = model::write_demo_models(flags.out_dir); !s) return report_error(s.error().message);
  std::printf("wrote %s to %s in %s\n", join(model::demo_model_names(), ", ").c_str(),
              flags.out_dir.c_str(),
              format_duration(std::chrono::steady_clock::now() - started).c_str());
  return 0;
}

int run_inspect(const ModelFlags& flags) {
  model::BackendOptions options;
  options.pool_size = 1;
  std::string why;
  auto backend = model::create_backend(flags.backend, flags.file, options, &why);
  if (!backend) return report_error(backend.error().message);
  const model::BackendInfo& info = (*backend)->info();
  std::printf(
      "# %s\n# backend: %s, objective: %s, features: %zu, outputs per row: %zu, "
      "trees: %zu\n",
      flags.file.c_str(), info.backend.c_str(), info.objective.c_str(), info.num_features,
      info.num_outputs, info.num_trees);
  if (!why.empty()) std::printf("# backend auto chose %s\n", why.c_str());
  const std::string name = model::name_for_artifact(flags.file);
  model::ModelConfig config = model::config_for_artifact(name, flags.file, flags.backend);
  if (auto s = model::reconcile(config, info); !s) return report_error(s.error().message);
  std::printf("# the config hone serve --model infers:\n%s", model::to_yaml(config).c_str());
  return 0;
}

}  // namespace

Command add_model_command(CLI::App& root) {
  auto flags = std::make_shared<ModelFlags>();
  CLI::App* app = root.add_subcommand("model", "Make the demo models or inspect a model file");
  app->require_subcommand(1);
  CLI::App* demo = app->add_subcommand(
      "demo", "Train the demo models (ceramic-armor, fraud-detector) from synthetic data");
  demo->add_option("--out", flags->out_dir, "Folder to write the model repository into")
      ->required();
  CLI::App* inspect =
      app->add_subcommand("inspect", "Describe a model file and its inferred config");
  inspect->add_option("file", flags->file, "Model artifact (XGBoost JSON or UBJSON)")
      ->required()
      ->check(CLI::ExistingFile);
  inspect->add_option("--backend", flags->backend,
                      "Backend to load it with: auto (default), trees or xgboost");
  return {app,
          [flags, demo] { return demo->parsed() ? run_demo_models(*flags) : run_inspect(*flags); }};
}

}  // namespace hone::cli
