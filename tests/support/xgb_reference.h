// Predictions straight from libxgboost through a DMatrix, the way XGBoost's own users call it:
// the reference that hone's backends must match.
#pragma once

#include <string>
#include <vector>

namespace hone::test {

// type: 0 predictions, 2 feature contributions (pred_contribs: per group, a value per feature,
// then the bias).
std::vector<float> xgboost_reference(const std::string& model_path, const std::vector<float>& rows,
                                     std::size_t row_count, std::size_t cols, int type = 0);

}  // namespace hone::test
