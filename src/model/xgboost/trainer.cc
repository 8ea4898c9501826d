#include "model/xgboost/trainer.h"

#include "model/xgboost/xgb_handle.h"

namespace hone::model {

Status train_xgboost(const TrainingSet& data, const TrainingParams& params,
                     const std::string& path) {
  if (data.features.size() != data.rows * data.cols || data.labels.size() != data.rows) {
    return fail("training set sizes do not match its shape");
  }
  auto matrix = xgb::DMatrix::from_dense(data.features, data.rows, data.cols);
  if (!matrix) return matrix.error();
  if (auto s = xgb::check(
          XGDMatrixSetFloatInfo(matrix->get(), "label", data.labels.data(), data.labels.size()),
          "to set labels");
      !s) {
    return s;
  }
  if (!data.feature_names.empty()) {
    std::vector<const char*> names;
    for (const auto& name : data.feature_names) names.push_back(name.c_str());
    if (auto s = xgb::check(
            XGDMatrixSetStrFeatureInfo(matrix->get(), "feature_name", names.data(), names.size()),
            "to set feature names");
        !s) {
      return s;
    }
  }
  DMatrixHandle handles[] = {matrix->get()};
  BoosterHandle raw = nullptr;
  if (auto s = xgb::check(XGBoosterCreate(handles, 1, &raw), "to create a booster"); !s) return s;
  xgb::Booster booster(raw);
  if (!data.feature_names.empty()) {
    // The booster keeps its own copy of the names; that copy is what the artifact stores.
    std::vector<const char*> names;
    for (const auto& name : data.feature_names) names.push_back(name.c_str());
    if (auto s =
            xgb::check(XGBoosterSetStrFeatureInfo(raw, "feature_name", names.data(), names.size()),
                       "to name the booster's features");
        !s) {
      return s;
    }
  }
  if (auto s = xgb::check(XGBoosterSetParam(raw, "nthread", "1"), "to set nthread"); !s) return s;
  if (auto s = xgb::check(XGBoosterSetParam(raw, "seed", "7"), "to set seed"); !s) return s;
  for (const auto& [name, value] : params.params) {
    if (auto s = xgb::check(XGBoosterSetParam(raw, name.c_str(), value.c_str()), "to set " + name);
        !s) {
      return s;
    }
  }
  for (int round = 0; round < params.rounds; ++round) {
    if (auto s = xgb::check(XGBoosterUpdateOneIter(raw, round, matrix->get()), "to train"); !s) {
      return s;
    }
  }
  return xgb::check(XGBoosterSaveModel(raw, path.c_str()), "to save " + path);
}

}  // namespace hone::model
