#include "model/xgboost/xgboost_backend.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "model/xgboost/json_check.h"
#include "model/xgboost/ubjson.h"
#include "model/xgboost/xgb_handle.h"

namespace hone::model {
namespace {

constexpr const char* kPredictConfig =
    R"({"type":0,"training":false,"iteration_begin":0,"iteration_end":0,)"
    R"("strict_shape":false,"cache_id":0,"missing":NaN})";
// The same for a DMatrix, the path of boosters without in-place prediction (gblinear).
constexpr const char* kMatrixPredictConfig =
    R"({"type":0,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false})";
// Feature contributions (pred_contribs): per row and output group, a value per feature, then the
// bias.
constexpr const char* kContribsConfig =
    R"({"type":2,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false})";

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot open the model file");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::size_t parse_count(simdjson::dom::element node) {
  std::string_view text;
  if (node.get_string().get(text) == simdjson::SUCCESS) {
    return static_cast<std::size_t>(std::strtoull(std::string(text).c_str(), nullptr, 10));
  }
  return 0;
}

// Objective, classes and targets come from the booster's own JSON config.
// `groups`: the margins per row (classes of a multi-class model, targets), which explanations
// have one set of contributions each.
Status describe(const xgb::Booster& booster, BackendInfo& info, bool& inplace,
                std::size_t& groups) {
  auto config = booster.json_config();
  if (!config) return config.error();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(*config).get(root) != simdjson::SUCCESS) {
    return fail("libxgboost returned an unreadable config");
  }
  std::string_view objective;
  if (root["learner"]["objective"]["name"].get_string().get(objective) != simdjson::SUCCESS) {
    return fail("the model has no objective");
  }
  info.objective = std::string(objective);
  if (info.objective == "binary:logistic" || info.objective == "reg:logistic") {
    info.output_name = "probability";
  } else if (info.objective == "multi:softprob") {
    info.output_name = "probabilities";
  } else if (info.objective == "multi:softmax") {
    info.output_name = "class";
  }
  std::string_view booster_name;
  if (root["learner"]["gradient_booster"]["name"].get_string().get(booster_name) ==
      simdjson::SUCCESS) {
    inplace = booster_name != "gblinear";  // libxgboost: "not supported by current booster"
  }
  const auto params = root["learner"]["learner_model_param"];
  const std::size_t classes = parse_count(params["num_class"].value_unsafe());
  const std::size_t targets = params["num_target"].error() == simdjson::SUCCESS
                                  ? parse_count(params["num_target"].value_unsafe())
                                  : 1;
  info.num_outputs = 1;
  if (info.objective == "multi:softprob" && classes > 1) info.num_outputs = classes;
  if (targets > 1) info.num_outputs = targets;
  groups = std::max<std::size_t>({1, classes, targets});
  auto rounds = booster.boosted_rounds();
  if (!rounds) return rounds.error();
  info.num_trees = static_cast<std::size_t>(*rounds) * std::max<std::size_t>(1, classes);
  return {};
}

// Copies what libxgboost returned into `out`, which must be exactly that size.
Status copy_result(const bst_ulong* shape, bst_ulong dims, const float* result,
                   std::size_t row_count, const char* what, std::span<float> out) {
  std::size_t produced = 1;
  for (bst_ulong d = 0; d < dims; ++d) produced *= shape[d];
  if (produced != out.size()) {
    return fail("libxgboost returned " + std::to_string(produced) + " " + what + " for " +
                std::to_string(row_count) + " rows, expected " + std::to_string(out.size()));
  }
  std::memcpy(out.data(), result, produced * sizeof(float));
  return {};
}

class XgboostBackend final : public Backend {
 public:
  XgboostBackend(BackendInfo info, std::vector<xgb::Booster> boosters, bool inplace,
                 std::size_t groups)
      : info_(std::move(info)), inplace_(inplace), groups_(groups), slots_(boosters.size()) {
    for (std::size_t i = 0; i < boosters.size(); ++i) slots_[i].booster = std::move(boosters[i]);
  }

  const BackendInfo& info() const override { return info_; }

  Status predict(std::span<const float> rows, std::size_t row_count,
                 std::span<float> out) override {
    if (Status sizes = check_buffers(rows, row_count, out); !sizes) return sizes;
    if (row_count == 0) return {};
    char array_interface[160];
    std::snprintf(array_interface, sizeof array_interface,
                  R"({"data":[%llu,true],"shape":[%zu,%zu],"typestr":"<f4","version":3})",
                  static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(rows.data())),
                  row_count, info_.num_features);
    Slot& slot = acquire();
    std::lock_guard lock(slot.mutex, std::adopt_lock);
    const bst_ulong* shape = nullptr;
    bst_ulong dims = 0;
    const float* result = nullptr;
    if (inplace_) {
      if (auto s =
              xgb::check(XGBoosterPredictFromDense(slot.booster.get(), array_interface,
                                                   kPredictConfig, nullptr, &shape, &dims, &result),
                         "to predict");
          !s) {
        return s;
      }
    } else {
      auto matrix = xgb::DMatrix::from_dense(std::vector<float>(rows.begin(), rows.end()),
                                             row_count, info_.num_features);
      if (!matrix) return matrix.error();
      if (auto s =
              xgb::check(XGBoosterPredictFromDMatrix(slot.booster.get(), matrix->get(),
                                                     kMatrixPredictConfig, &shape, &dims, &result),
                         "to predict");
          !s) {
        return s;
      }
    }
    return copy_result(shape, dims, result, row_count, "values", out);
  }

  std::size_t explanation_width() const override { return groups_ * (info_.num_features + 1); }

  // libxgboost's own pred_contribs, through a DMatrix.
  Status explain(std::span<const float> rows, std::size_t row_count,
                 std::span<float> out) override {
    if (rows.size() != row_count * info_.num_features ||
        out.size() != row_count * explanation_width()) {
      return fail("explain called with mismatched buffer sizes");
    }
    if (row_count == 0) return {};
    auto matrix = xgb::DMatrix::from_dense(std::vector<float>(rows.begin(), rows.end()), row_count,
                                           info_.num_features);
    if (!matrix) return matrix.error();
    Slot& slot = acquire();
    std::lock_guard lock(slot.mutex, std::adopt_lock);
    const bst_ulong* shape = nullptr;
    bst_ulong dims = 0;
    const float* result = nullptr;
    if (auto s = xgb::check(XGBoosterPredictFromDMatrix(slot.booster.get(), matrix->get(),
                                                        kContribsConfig, &shape, &dims, &result),
                            "to explain");
        !s) {
      return s;
    }
    return copy_result(shape, dims, result, row_count, "contributions", out);
  }

 private:
  struct Slot {
    std::mutex mutex;
    xgb::Booster booster;
  };

  // Returns a locked slot: a free one if any, else waits on the calling thread's own slot.
  Slot& acquire() {
    const std::size_t start = std::hash<std::thread::id>{}(std::this_thread::get_id());
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      Slot& slot = slots_[(start + i) % slots_.size()];
      if (slot.mutex.try_lock()) return slot;
    }
    Slot& slot = slots_[start % slots_.size()];
    slot.mutex.lock();
    return slot;
  }

  BackendInfo info_;
  bool inplace_;  // XGBoosterPredictFromDense; else through a DMatrix
  std::size_t groups_;
  std::vector<Slot> slots_;
};

}  // namespace

Result<std::unique_ptr<Backend>> load_xgboost_backend(const std::string& artifact_path,
                                                      const XgboostOptions& options) {
  auto bytes = read_file(artifact_path);
  if (!bytes) return bytes.error();
  int pool = options.pool_size;
  if (pool <= 0) pool = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  // libxgboost trusts the file; a damaged model is refused here rather than crash it.
  switch (xgb::model_format(*bytes)) {
    case xgb::ModelFormat::kJson:
      bytes->erase(0, bytes->find('{'));  // libxgboost tells JSON by a '{' in the first byte
      if (Status sound = xgb::check_model_json(*bytes); !sound)
        return fail(artifact_path + ": damaged XGBoost model: " + sound.error().message);
      break;
    case xgb::ModelFormat::kUbjson: {
      // The same check, on the JSON the binary model spells; libxgboost still reads the bytes.
      auto json = xgb::ubjson_to_json(*bytes);
      Status sound = json ? xgb::check_model_json(*json) : Status(json.error());
      if (!sound) {
        return fail(artifact_path + ": damaged XGBoost model: " + sound.error().message);
      }
      break;
    }
    case xgb::ModelFormat::kOther:
      return fail(artifact_path +
                  ": not an XGBoost JSON or UBJSON model (save it with "
                  "booster.save_model(\"model.json\"); the old binary format is not read)");
  }
  std::vector<xgb::Booster> boosters;
  auto loaded = xgb::Booster::from_buffer(*bytes);
  if (!loaded) return fail(artifact_path + ": " + loaded.error().message);
  boosters.push_back(std::move(*loaded));
  if (pool > 1) {
    // The other boosters load from the first one's UBJSON form, several times faster to parse.
    auto binary = boosters.front().ubjson();
    if (!binary) return fail(artifact_path + ": " + binary.error().message);
    for (int i = 1; i < pool; ++i) {
      auto booster = xgb::Booster::from_buffer(*binary);
      if (!booster) return fail(artifact_path + ": " + booster.error().message);
      boosters.push_back(std::move(*booster));
    }
  }
  BackendInfo info;
  info.backend = "xgboost";
  const xgb::Booster& first = boosters.front();
  auto features = first.num_features();
  if (!features) return fail(artifact_path + ": " + features.error().message);
  info.num_features = *features;
  if (info.num_features == 0) return fail(artifact_path + ": the model has no features");
  auto names = first.feature_names();
  if (!names) return fail(artifact_path + ": " + names.error().message);
  info.feature_names = std::move(*names);
  bool inplace = true;
  std::size_t groups = 1;
  if (auto s = describe(first, info, inplace, groups); !s) {
    return fail(artifact_path + ": " + s.error().message);
  }
  return std::unique_ptr<Backend>(
      std::make_unique<XgboostBackend>(std::move(info), std::move(boosters), inplace, groups));
}

}  // namespace hone::model
