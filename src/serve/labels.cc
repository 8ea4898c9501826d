#include "serve/labels.h"

namespace hone::serve {

void write_label(JsonWriter& json, const model::TensorSpec& spec, const float* probabilities) {
  const std::string& label = spec.labels[model::most_probable(probabilities, spec.labels.size())];
  if (spec.integer_labels) {
    json.raw(label);  // the model's integer label, written in decimal when it was read
  } else {
    json.value(label);
  }
}

}  // namespace hone::serve
