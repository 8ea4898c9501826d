#include "support/xgb_reference.h"

#include <fstream>
#include <iterator>
#include <stdexcept>

#include "model/xgboost/xgb_handle.h"

namespace hone::test {

std::vector<float> xgboost_reference(const std::string& model_path, const std::vector<float>& rows,
                                     std::size_t row_count, std::size_t cols, int type) {
  std::ifstream in(model_path);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto booster = model::xgb::Booster::from_buffer(bytes);
  if (!booster) throw std::runtime_error(booster.error().message);
  auto matrix = model::xgb::DMatrix::from_dense(rows, row_count, cols);
  if (!matrix) throw std::runtime_error(matrix.error().message);
  const bst_ulong* shape = nullptr;
  bst_ulong dims = 0;
  const float* result = nullptr;
  const std::string config =
      R"({"type":)" + std::to_string(type) +
      R"(,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false})";
  if (XGBoosterPredictFromDMatrix(booster->get(), matrix->get(), config.c_str(), &shape, &dims,
                                  &result) != 0) {
    throw std::runtime_error(XGBGetLastError());
  }
  std::size_t count = 1;
  for (bst_ulong d = 0; d < dims; ++d) count *= shape[d];
  return std::vector<float>(result, result + count);
}

}  // namespace hone::test
