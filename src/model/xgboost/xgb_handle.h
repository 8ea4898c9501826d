// RAII ownership of libxgboost handles, and the error text of the last failed call.
// Shared by the xgboost backend and the demo-model trainer.
#pragma once

#include <xgboost/c_api.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace hone::model::xgb {

// Turns a libxgboost return code into a Status naming what was being done.
Status check(int code, std::string_view doing);

class Booster {
 public:
  Booster() = default;
  explicit Booster(BoosterHandle handle) : handle_(handle) {}
  Booster(Booster&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
  Booster& operator=(Booster&& other) noexcept;
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;
  ~Booster();

  // Loads a model from the bytes of a JSON or UBJSON artifact, single-threaded for serving.
  static Result<Booster> from_buffer(std::string_view bytes);
  BoosterHandle get() const { return handle_; }

  Result<std::string> json_config() const;
  Result<std::string> ubjson() const;  // the model in XGBoost's binary JSON form
  Result<std::vector<std::string>> feature_names() const;
  Result<std::size_t> num_features() const;
  Result<int> boosted_rounds() const;

 private:
  BoosterHandle handle_ = nullptr;
};

class DMatrix {
 public:
  DMatrix() = default;
  explicit DMatrix(DMatrixHandle handle) : handle_(handle) {}
  DMatrix(DMatrix&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
  DMatrix& operator=(DMatrix&&) = delete;
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  ~DMatrix();

  // Dense row-major matrix; NaN is missing.
  static Result<DMatrix> from_dense(const std::vector<float>& values, std::size_t rows,
                                    std::size_t cols);
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

}  // namespace hone::model::xgb
