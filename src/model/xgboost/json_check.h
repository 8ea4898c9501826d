// A structural check of an XGBoost JSON model before libxgboost sees it. libxgboost 1.7 trusts
// the file: a per-node array shorter than num_nodes, a child or feature index out of range, or a
// tree id past the forest makes it read out of bounds or loop while loading or predicting, and
// the process dies. This check refuses such files with the place and the reason instead.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace hone::model::xgb {

// Past these a model file is taken as damaged rather than large (both backends refuse it).
inline constexpr std::int64_t kMaxFeatures = std::int64_t{1} << 24;
inline constexpr std::int64_t kMaxClasses = std::int64_t{1} << 16;  // classes or targets

enum class ModelFormat { kJson, kUbjson, kOther };

// JSON text opens with '{' then a quote or '}'; UBJSON opens with '{' then a type marker.
ModelFormat model_format(const std::string& bytes);

// `text` is the whole JSON file. Only structure is checked; whether the model is supported is
// left to libxgboost.
Status check_model_json(const std::string& text);

}  // namespace hone::model::xgb
