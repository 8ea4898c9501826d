#include "model/xgboost/xgb_handle.h"

#include <cmath>

namespace hone::model::xgb {

Status check(int code, std::string_view doing) {
  if (code == 0) return {};
  return fail("libxgboost failed " + std::string(doing) + ": " + XGBGetLastError());
}

Booster& Booster::operator=(Booster&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) XGBoosterFree(handle_);
    handle_ = other.handle_;
    other.handle_ = nullptr;
  }
  return *this;
}

Booster::~Booster() {
  if (handle_ != nullptr) XGBoosterFree(handle_);
}

Result<Booster> Booster::from_buffer(std::string_view bytes) {
  BoosterHandle handle = nullptr;
  if (auto s = check(XGBoosterCreate(nullptr, 0, &handle), "to create a booster"); !s) {
    return s.error();
  }
  Booster booster(handle);
  if (auto s = check(XGBoosterLoadModelFromBuffer(handle, bytes.data(), bytes.size()),
                     "to load the model");
      !s) {
    return s.error();
  }
  // The server owns the threads: one libxgboost thread per call, never a hidden pool.
  if (auto s = check(XGBoosterSetParam(handle, "nthread", "1"), "to set nthread"); !s) {
    return s.error();
  }
  return booster;
}

Result<std::string> Booster::json_config() const {
  bst_ulong length = 0;
  const char* text = nullptr;
  if (auto s = check(XGBoosterSaveJsonConfig(handle_, &length, &text), "to read its config"); !s) {
    return s.error();
  }
  return std::string(text, length);
}

Result<std::string> Booster::ubjson() const {
  bst_ulong length = 0;
  const char* data = nullptr;
  if (auto s = check(XGBoosterSaveModelToBuffer(handle_, R"({"format":"ubj"})", &length, &data),
                     "to save the model");
      !s) {
    return s.error();
  }
  return std::string(data, length);
}

Result<std::vector<std::string>> Booster::feature_names() const {
  bst_ulong count = 0;
  const char** names = nullptr;
  if (auto s = check(XGBoosterGetStrFeatureInfo(handle_, "feature_name", &count, &names),
                     "to read feature names");
      !s) {
    return s.error();
  }
  return std::vector<std::string>(names, names + count);
}

Result<std::size_t> Booster::num_features() const {
  bst_ulong count = 0;
  if (auto s = check(XGBoosterGetNumFeature(handle_, &count), "to read the feature count"); !s) {
    return s.error();
  }
  return static_cast<std::size_t>(count);
}

Result<int> Booster::boosted_rounds() const {
  int rounds = 0;
  if (auto s = check(XGBoosterBoostedRounds(handle_, &rounds), "to count rounds"); !s) {
    return s.error();
  }
  return rounds;
}

DMatrix::~DMatrix() {
  if (handle_ != nullptr) XGDMatrixFree(handle_);
}

Result<DMatrix> DMatrix::from_dense(const std::vector<float>& values, std::size_t rows,
                                    std::size_t cols) {
  DMatrixHandle handle = nullptr;
  if (auto s = check(XGDMatrixCreateFromMat(values.data(), rows, cols, std::nanf(""), &handle),
                     "to build a matrix");
      !s) {
    return s.error();
  }
  return DMatrix(handle);
}

}  // namespace hone::model::xgb
