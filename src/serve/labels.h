// A classifier's label in an answer: the class of the row's largest probability.
#pragma once

#include "core/json_writer.h"
#include "model/tensor_spec.h"

namespace hone::serve {

// Writes the label of `probabilities` (spec.row_width() values) as a JSON value: a number for
// integer labels, a string otherwise. Only for specs with labels.
void write_label(JsonWriter& json, const model::TensorSpec& spec, const float* probabilities);

}  // namespace hone::serve
