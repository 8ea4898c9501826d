// What a model's inputs and outputs look like: name, datatype and shape (as in KServe v2),
// plus optional feature names for tabular models.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hone::model {

enum class DataType { kBool, kInt32, kInt64, kFp32, kFp64 };

std::string_view datatype_name(DataType type);                  // "FP32"
std::optional<DataType> parse_datatype(std::string_view name);  // KServe v2 names

struct TensorSpec {
  std::string name;
  DataType datatype = DataType::kFp32;
  std::vector<std::int64_t> shape;         // -1 is a variable dimension (the batch, first)
  std::vector<std::string> feature_names;  // inputs only; empty when unnamed
  // Inputs only: per feature, category names a v1 request may send instead of the code (the
  // i-th name is code i; a name not listed is a missing value); empty when none.
  std::vector<std::vector<std::string>> category_names{};
  // Outputs only: a classifier's class for each column (its probability); the answer then also
  // names each row's most probable class in an output "label" (INT64 when integer_labels, else
  // BYTES). Empty for other models.
  std::vector<std::string> labels{};
  bool integer_labels = false;

  // Elements per row: the product of every dimension after the first.
  std::int64_t row_width() const;
};

// "[-1, 12]"
std::string shape_to_string(const std::vector<std::int64_t>& shape);

// The name of the output that names a classifier's most probable class.
inline constexpr std::string_view kLabelOutput = "label";

// The column of a row's largest value, the first on ties: a classifier's most probable class.
std::size_t most_probable(const float* row, std::size_t width);

}  // namespace hone::model
