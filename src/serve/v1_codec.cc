#include "serve/v1_codec.h"

#include <limits>

#include "core/json_writer.h"
#include "serve/labels.h"

namespace hone::serve {
namespace {

using simdjson::dom::element;

// The category names a feature's value may be given as, or null.
const std::vector<std::string>* categories_of(const model::Model& model, std::size_t column) {
  const auto& names = model.input().category_names;
  return column < names.size() && !names[column].empty() ? &names[column] : nullptr;
}

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
    auto value = to_feature_value(field.value, categories_of(model, it->second));
    if (!value) {
      return fail("instance " + std::to_string(row_index) + ", feature '" + std::string(field.key) +
                      "': " + value.error().message,
                  400);
    }
    out[it->second] = *value;
  }
  return {};
}

Status decode_array_row(simdjson::dom::array row, const model::Model& model, std::size_t width,
                        std::size_t row_index, float* out) {
  if (row.size() != width) {
    return fail("instance " + std::to_string(row_index) + " has " + std::to_string(row.size()) +
                    " values; the model expects " + std::to_string(width),
                400);
  }
  std::size_t column = 0;
  for (const element item : row) {
    auto value = to_feature_value(item, categories_of(model, column));
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

namespace {

Status check_row_count(std::size_t rows, const char* what, const model::Model& model) {
  if (rows == 0) return fail(std::string("'") + what + "' is empty", 400);
  if (rows > model.config.max_rows_per_request) {
    return fail("request has " + std::to_string(rows) + " " + what + "; model '" +
                    model.config.name + "' accepts at most " +
                    std::to_string(model.config.max_rows_per_request),
                413);
  }
  return {};
}

// Rows, each an array of values, an object of named features, or (one feature) a bare value.
Status decode_rows(simdjson::dom::array instances, const char* what, const model::Model& model,
                   const FeatureIndex& features, InferRequest& request) {
  const std::size_t rows = instances.size();
  if (auto s = check_row_count(rows, what, model); !s) return s;
  const auto width = static_cast<std::size_t>(model.input().row_width());
  request.row_count = rows;
  request.rows.resize(rows * width);
  std::size_t index = 0;
  for (const element instance : instances) {
    float* out = request.rows.data() + index * width;
    Status status;
    if (instance.is_array()) {
      status = decode_array_row(instance.get_array().value_unsafe(), model, width, index, out);
    } else if (instance.is_object()) {
      status = decode_named_row(instance.get_object().value_unsafe(), model, features, index, out);
    } else if (width == 1) {
      auto value = to_feature_value(instance, categories_of(model, 0));
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
    if (!status) return status;
    ++index;
  }
  return {};
}

// Columnar named features: {"feature": [one value per row], ...}; all lists equally long.
Status decode_columns(simdjson::dom::object columns, const model::Model& model,
                      const FeatureIndex& features, InferRequest& request) {
  if (features.empty()) {
    return fail("model '" + model.config.name +
                    "' has no feature names; send 'inputs' as a list "
                    "of rows, or as {\"" +
                    model.input().name + "\": [rows]}",
                400);
  }
  std::size_t rows = 0;
  for (const auto field : columns) {
    simdjson::dom::array list;
    if (field.value.get_array().get(list) != simdjson::SUCCESS) {
      return fail("input '" + std::string(field.key) + "' must be a list with a value per row",
                  400);
    }
    if (rows == 0) rows = list.size();
    if (list.size() != rows) {
      return fail("inputs have different lengths (" + std::to_string(rows) + " and " +
                      std::to_string(list.size()) + " for '" + std::string(field.key) + "')",
                  400);
    }
  }
  if (auto s = check_row_count(rows, "rows in 'inputs'", model); !s) return s;
  const auto width = static_cast<std::size_t>(model.input().row_width());
  request.row_count = rows;
  request.rows.assign(rows * width, std::numeric_limits<float>::quiet_NaN());
  std::vector<bool> seen(width, false);
  for (const auto field : columns) {
    const auto it = features.find(field.key);
    if (it == features.end()) {
      return fail(
          "unknown feature '" + std::string(field.key) + "' for model '" + model.config.name + "'",
          400);
    }
    if (seen[it->second]) return fail("feature '" + std::string(field.key) + "' given twice", 400);
    seen[it->second] = true;
    std::size_t row = 0;
    const simdjson::dom::array list = field.value.get_array().value_unsafe();
    for (const element item : list) {
      auto value = to_feature_value(item, categories_of(model, it->second));
      if (!value) {
        return fail("feature '" + std::string(field.key) + "', row " + std::to_string(row) + ": " +
                        value.error().message,
                    400);
      }
      request.rows[row++ * width + it->second] = *value;
    }
  }
  return {};
}

Status decode_inputs(element inputs, const model::Model& model, const FeatureIndex& features,
                     InferRequest& request) {
  request.columnar = true;
  simdjson::dom::array rows;
  if (inputs.get_array().get(rows) == simdjson::SUCCESS) {
    return decode_rows(rows, "inputs", model, features, request);
  }
  simdjson::dom::object named;
  if (inputs.get_object().get(named) != simdjson::SUCCESS) {
    return fail("'inputs' must be a list of rows or an object of named inputs", 400);
  }
  // {"<the model's input name>": [rows]} names the one tensor; anything else names features.
  element tensor;
  if (named.size() == 1 && named[model.input().name].get(tensor) == simdjson::SUCCESS &&
      features.find(model.input().name) == features.end()) {
    if (tensor.get_array().get(rows) != simdjson::SUCCESS) {
      return fail("input '" + model.input().name + "' must be a list of rows", 400);
    }
    return decode_rows(rows, "inputs", model, features, request);
  }
  return decode_columns(named, model, features, request);
}

}  // namespace

Result<InferRequest> decode_v1_predict(std::string& body, const model::Model& model,
                                       const FeatureIndex& features, const JsonLimits& limits) {
  auto parsed = parse_json_body(body, limits);
  if (!parsed) return parsed.error();
  simdjson::dom::object root;
  if (parsed->get_object().get(root) != simdjson::SUCCESS) {
    return fail("the request body must be a JSON object", 400);
  }
  element instances;
  element inputs;
  const bool has_instances = root["instances"].get(instances) == simdjson::SUCCESS;
  const bool has_inputs = root["inputs"].get(inputs) == simdjson::SUCCESS;
  if (has_instances && has_inputs) {
    return fail("give 'instances' (row form) or 'inputs' (columnar form), not both", 400);
  }
  InferRequest request;
  if (element explain; root["explain"].get(explain) == simdjson::SUCCESS) {
    if (auto s = read_explain(explain, model, request); !s) return s.error();
  }
  Status status;
  if (has_inputs) {
    status = decode_inputs(inputs, model, features, request);
  } else if (has_instances && instances.is_array()) {
    status =
        decode_rows(instances.get_array().value_unsafe(), "instances", model, features, request);
  } else {
    return fail("the request needs an 'instances' array (or columnar 'inputs')", 400);
  }
  if (!status) return status.error();
  return request;
}

void encode_v1_predictions(const model::Model& model, const InferRequest& request,
                           std::span<const float> outputs, std::string& out) {
  const auto width = static_cast<std::size_t>(model.output().row_width());
  const std::size_t explained = request.explanation_width;
  const std::size_t stride = width + explained;
  JsonWriter json(out);
  json.begin_object().key(request.columnar ? "outputs" : "predictions").begin_array();
  for (std::size_t row = 0; row < request.row_count; ++row) {
    if (width == 1) {
      json.value(outputs[row * stride]);
      continue;
    }
    json.begin_array();
    for (std::size_t k = 0; k < width; ++k) json.value(outputs[row * stride + k]);
    json.end_array();
  }
  json.end_array();
  if (!model.output().labels.empty()) {  // each row's most probable class
    json.key("labels").begin_array();
    for (std::size_t row = 0; row < request.row_count; ++row)
      write_label(json, model.output(), outputs.data() + row * stride);
    json.end_array();
  }
  if (explained > 0) {
    // Per row, each feature's contribution then the bias; a list of those per class when the
    // model has several margins.
    const auto features = static_cast<std::size_t>(model.input().row_width()) + 1;
    const std::size_t groups = explained / features;
    json.key("contributions").begin_array();
    for (std::size_t row = 0; row < request.row_count; ++row) {
      const float* values = outputs.data() + row * stride + width;
      if (groups > 1) json.begin_array();
      for (std::size_t g = 0; g < groups; ++g) {
        json.begin_array();
        for (std::size_t f = 0; f < features; ++f) json.value(values[g * features + f]);
        json.end_array();
      }
      if (groups > 1) json.end_array();
    }
    json.end_array();
  }
  json.end_object();
}

std::string_view v1_model_state(bool ready, bool was_ready) {
  if (ready) return "AVAILABLE";
  return was_ready ? "UNLOADING" : "LOADING";
}

void encode_v1_model_status(const model::Model& model, std::string_view state, std::string& out) {
  JsonWriter json(out);
  json.begin_object().key("model_version_status").begin_array().begin_object();
  json.key("version").value(model.config.version);
  json.key("state").value(state);
  json.key("status").begin_object();
  json.key("error_code").value("OK");
  json.key("error_message").value("");
  json.end_object();
  json.end_object().end_array().end_object();
}

namespace {

std::string_view tf_dtype(model::DataType type) {
  switch (type) {
    case model::DataType::kBool:
      return "DT_BOOL";
    case model::DataType::kInt32:
      return "DT_INT32";
    case model::DataType::kInt64:
      return "DT_INT64";
    case model::DataType::kFp32:
      return "DT_FLOAT";
    case model::DataType::kFp64:
      return "DT_DOUBLE";
  }
  return "DT_INVALID";
}

void write_tf_tensors(JsonWriter& json, const std::vector<model::TensorSpec>& tensors) {
  json.begin_object();
  for (const auto& tensor : tensors) {
    json.key(tensor.name).begin_object();
    json.key("dtype").value(tf_dtype(tensor.datatype));
    json.key("tensor_shape").begin_object().key("dim").begin_array();
    for (const auto dim : tensor.shape) {
      json.begin_object().key("size").value(std::to_string(dim)).key("name").value("").end_object();
    }
    json.end_array().key("unknown_rank").value(false).end_object();
    json.key("name").value(tensor.name);
    json.end_object();
  }
  json.end_object();
}

}  // namespace

void encode_v1_model_metadata(const model::Model& model, std::string& out) {
  JsonWriter json(out);
  json.begin_object();
  json.key("model_spec").begin_object();
  json.key("name").value(model.config.name);
  json.key("signature_name").value("");
  json.key("version").value(model.config.version);
  json.end_object();
  json.key("metadata").begin_object().key("signature_def").begin_object();
  json.key("signature_def").begin_object().key("serving_default").begin_object();
  json.key("inputs");
  write_tf_tensors(json, model.config.inputs);
  json.key("outputs");
  write_tf_tensors(json, model.config.outputs);
  json.key("method_name").value("tensorflow/serving/predict");
  json.end_object().end_object();
  json.end_object().end_object();
  json.end_object();
}

}  // namespace hone::serve
