// Reads a LightGBM text model (model.txt, as LightGBM's save_model writes it) into an Ensemble,
// with LightGBM's prediction rules: a numerical split sends x left when x <= threshold (a double),
// missing values by the split's missing type (None: NaN is 0; Zero: NaN and zero take the default
// side; NaN: NaN takes it), categorical splits by bitset (NaN and negative values right), linear
// leaves, average_output, and the objective's output transform. Sums are in double, as LightGBM's.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "model/trees/ensemble.h"

namespace hone::model::trees {

// Whether `text` starts like a LightGBM text model.
bool looks_like_lightgbm(std::string_view text);

// `text` is the model file's content; `name` prefixes errors.
Result<Ensemble> read_lightgbm_text(const std::string& text, const std::string& name);

}  // namespace hone::model::trees
