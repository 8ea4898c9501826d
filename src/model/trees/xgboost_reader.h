// Reads an XGBoost JSON model (gbtree, numerical splits) into an Ensemble. Thresholds and leaves
// stay floats summed in float, as libxgboost does.
//
// Supported objectives: reg:squarederror, reg:squaredlogerror, reg:pseudohubererror,
// reg:absoluteerror, reg:logistic, binary:logistic, binary:logitraw, multi:softmax,
// multi:softprob, count:poisson, reg:gamma, reg:tweedie. Anything else is refused with the reason.
#pragma once

#include <string>

#include "core/result.h"
#include "model/trees/ensemble.h"

namespace hone::model::trees {

// `text` is the model file's content; `name` prefixes errors.
Result<Ensemble> read_xgboost_json(const std::string& text, const std::string& name);

}  // namespace hone::model::trees
