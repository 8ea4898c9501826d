#include "model/tensor_spec.h"

namespace hone::model {

std::string_view datatype_name(DataType type) {
  switch (type) {
    case DataType::kBool:
      return "BOOL";
    case DataType::kInt32:
      return "INT32";
    case DataType::kInt64:
      return "INT64";
    case DataType::kFp32:
      return "FP32";
    case DataType::kFp64:
      return "FP64";
  }
  return "FP32";
}

std::optional<DataType> parse_datatype(std::string_view name) {
  if (name == "BOOL") return DataType::kBool;
  if (name == "INT32") return DataType::kInt32;
  if (name == "INT64") return DataType::kInt64;
  if (name == "FP32") return DataType::kFp32;
  if (name == "FP64") return DataType::kFp64;
  return std::nullopt;
}

std::size_t most_probable(const float* row, std::size_t width) {
  std::size_t best = 0;
  for (std::size_t k = 1; k < width; ++k) {
    if (row[k] > row[best]) best = k;
  }
  return best;
}

std::int64_t TensorSpec::row_width() const {
  std::int64_t width = 1;
  for (std::size_t i = 1; i < shape.size(); ++i) width *= shape[i];
  return width;
}

std::string shape_to_string(const std::vector<std::int64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

}  // namespace hone::model
