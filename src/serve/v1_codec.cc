#include "serve/v1_codec.h"

#include <limits>

#include "core/json_writer.h"

namespace hone::serve {
namespace {

using simdjson::dom::element;

Status decode_named_row(simdjson::dom::object row, const model::Model& model,
                        const FeatureIndex& features, std::size_t row_index, float* out) {
  if (features.empty()) {
    return fail("model '" + model.config.name +
                    "' has no feature names; send each instance as an array of values",
                400);
  }
  const std::size_t width = static_cast<std::size_t>(model.input().row_width());
  std::fill(out, out + width, std::numeric_limits<float>::quiet_NaN());
  std::vector<bool> seen(width, false);
  for (const auto field : row) {
    const auto it = features.find(field.key);
    if (it == features.end()) {
      return fail("instance " + std::to_string(row_index) + " has unknown feature '" +
                      std::string(field.key) + "' for model '" + model.config.name + "'",
                  400);
    }
    if (seen[it->second]) {
      return fail("instance " + std::to_string(row_index) + " gives feature '" +
                      std::string(field.key) + "' twice",
                  400);
    }
    seen[it->second] = true;
    auto value = to_feature_value(field.value);
    if (!value) {
      return fail("instance " + std::to_string(row_index) + ", feature '" + std::string(field.key) +
                      "': " + value.error().message,
                  400);
    }
    out[it->second] = *value;
  }
  return {};
}

Status decode_array_row(simdjson::dom::array row, std::size_t width, std::size_t row_index,
                        float* out) {
  if (row.size() != width) {
    return fail("instance " + std::to_string(row_index) + " has " + std::to_string(row.size()) +
                    " values; the model expects " + std::to_string(width),
                400);
  }
  std::size_t column = 0;
  for (const element item : row) {
    auto value = to_feature_value(item);
    if (!value) {
      return fail("instance " + std::to_string(row_index) + ": " + value.error().message, 400);
    }
    out[column++] = *value;
  }
  return {};
}

}  // namespace

FeatureIndex make_feature_index(const model::Model& model) {
  FeatureIndex index;
  const auto& names = model.input().feature_names;
  for (std::size_t i = 0; i < names.size(); ++i) index.emplace(names[i], i);
  return index;
}

Result<InferRequest> decode_v1_predict(std::string& body, const model::Model& model,
                                       const FeatureIndex& features, const JsonLimits& limits) {
  auto parsed = parse_json_body(body, limits);
  if (!parsed) return parsed.error();
  simdjson::dom::object root;
  if (parsed->get_object().get(root) != simdjson::SUCCESS) {
    return fail("the request body must be a JSON object", 400);
  }
  simdjson::dom::array instances;
  if (root["instances"].get_array().get(instances) != simdjson::SUCCESS) {
    return fail("the request needs an 'instances' array", 400);
  }
  const std::size_t rows = instances.size();
  if (rows == 0) return fail("'instances' is empty", 400);
  if (rows > model.config.max_rows_per_request) {
    return fail("request has " + std::to_string(rows) + " instances; model '" + model.config.name +
                    "' accepts at most " + std::to_string(model.config.max_rows_per_request),
                413);
  }
  const auto width = static_cast<std::size_t>(model.input().row_width());
  InferRequest request;
  request.row_count = rows;
  request.rows.resize(rows * width);
  std::size_t index = 0;
  for (const element instance : instances) {
    float* out = request.rows.data() + index * width;
    Status status;
    if (instance.is_array()) {
      status = decode_array_row(instance.get_array().value_unsafe(), width, index, out);
    } else if (instance.is_object()) {
      status = decode_named_row(instance.get_object().value_unsafe(), model, features, index, out);
    } else if (width == 1) {
      auto value = to_feature_value(instance);
      if (value) {
        out[0] = *value;
      } else {
        status = fail("instance " + std::to_string(index) + ": " + value.error().message, 400);
      }
    } else {
      status = fail("instance " + std::to_string(index) +
                        " must be an array of values or an object of named features",
                    400);
    }
    if (!status) return status.error();
    ++index;
  }
  return request;
}

void encode_v1_predictions(const model::Model& model, std::size_t rows,
                           std::span<const float> outputs, std::string& out) {
  const auto width = static_cast<std::size_t>(model.output().row_width());
  JsonWriter json(out);
  json.begin_object().key("predictions").begin_array();
  for (std::size_t row = 0; row < rows; ++row) {
    if (width == 1) {
      json.value(outputs[row]);
      continue;
    }
    json.begin_array();
    for (std::size_t k = 0; k < width; ++k) json.value(outputs[row * width + k]);
    json.end_array();
  }
  json.end_array().end_object();
}

}  // namespace hone::serve
