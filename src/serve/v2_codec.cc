#include "serve/v2_codec.h"

#include "core/json_writer.h"
#include "serve/labels.h"

namespace hone::serve {
namespace {

using simdjson::dom::element;

Result<std::vector<std::int64_t>> read_shape(element node) {
  simdjson::dom::array array;
  if (node.get_array().get(array) != simdjson::SUCCESS) {
    return fail("input 'shape' must be an array of integers", 400);
  }
  std::vector<std::int64_t> shape;
  shape.reserve(array.size());
  for (const element dim : array) {
    std::int64_t value = 0;
    if (dim.get_int64().get(value) != simdjson::SUCCESS || value < 0) {
      return fail("input 'shape' must hold non-negative integers", 400);
    }
    shape.push_back(value);
  }
  return shape;
}

// Checks one entry of "inputs" against the model's input and appends its rows.
Status decode_input(simdjson::dom::object input, const model::Model& model, InferRequest& request) {
  const model::TensorSpec& spec = model.input();
  std::string_view name;
  if (input["name"].get_string().get(name) != simdjson::SUCCESS) {
    return fail("each input needs a string 'name'", 400);
  }
  if (name != spec.name) {
    return fail("unknown input '" + std::string(name) + "' for model '" + model.config.name +
                    "' (expected '" + spec.name + "')",
                400);
  }
  std::string_view datatype;
  if (input["datatype"].get_string().get(datatype) != simdjson::SUCCESS) {
    return fail("input '" + spec.name + "' needs a string 'datatype'", 400);
  }
  // FP64 (numpy's default) is taken for an FP32 input and rounded to the nearest float, as
  // XGBoost converts a float64 array; values beyond FP32's range are refused.
  const bool widened = spec.datatype == model::DataType::kFp32 && datatype == "FP64";
  if (datatype != model::datatype_name(spec.datatype) && !widened) {
    return fail("input '" + spec.name + "' has datatype " + std::string(datatype) + " but model '" +
                    model.config.name + "' expects " +
                    std::string(model::datatype_name(spec.datatype)),
                400);
  }
  element shape_node;
  if (input["shape"].get(shape_node) != simdjson::SUCCESS) {
    return fail("input '" + spec.name + "' needs a 'shape'", 400);
  }
  auto shape = read_shape(shape_node);
  if (!shape) return shape.error();
  bool shape_ok = shape->size() == spec.shape.size();
  for (std::size_t i = 0; shape_ok && i < spec.shape.size(); ++i) {
    shape_ok = spec.shape[i] == -1 || spec.shape[i] == (*shape)[i];
  }
  if (!shape_ok) {
    return fail("input '" + spec.name + "' has shape " + model::shape_to_string(*shape) +
                    " but model '" + model.config.name + "' expects " +
                    model::shape_to_string(spec.shape),
                400);
  }
  const auto rows = static_cast<std::size_t>((*shape)[0]);
  if (rows == 0) return fail("input '" + spec.name + "' has no rows", 400);
  if (rows > model.config.max_rows_per_request) {
    return fail("request has " + std::to_string(rows) + " rows; model '" + model.config.name +
                    "' accepts at most " + std::to_string(model.config.max_rows_per_request),
                413);
  }
  simdjson::dom::object parameters;
  if (input["parameters"].get_object().get(parameters) == simdjson::SUCCESS &&
      parameters["binary_data_size"].error() == simdjson::SUCCESS) {
    return fail("the binary tensor data extension is not supported; send JSON data", 400);
  }
  simdjson::dom::array data;
  if (input["data"].get_array().get(data) != simdjson::SUCCESS) {
    return fail("input '" + spec.name + "' needs a 'data' array", 400);
  }
  const std::size_t expected = rows * static_cast<std::size_t>(spec.row_width());
  request.rows.reserve(expected);
  std::vector<std::size_t> dims;
  dims.reserve(shape->size());
  if (auto s = flatten_array(data, request.rows, dims); !s) return s;
  if (request.rows.size() != expected) {
    return fail("input '" + spec.name + "' has " + std::to_string(request.rows.size()) +
                    " values but shape " + model::shape_to_string(*shape) + " needs " +
                    std::to_string(expected),
                400);
  }
  if (dims.size() > 1) {  // nested data must follow the shape, not merely hold enough values
    bool nested_ok = dims.size() == shape->size();
    for (std::size_t i = 0; nested_ok && i < dims.size(); ++i) {
      nested_ok = dims[i] == static_cast<std::size_t>((*shape)[i]);
    }
    if (!nested_ok) {
      return fail("input '" + spec.name + "' data is nested differently from its shape " +
                      model::shape_to_string(*shape),
                  400);
    }
  }
  request.row_count = rows;
  return {};
}

// The outputs a request names (each must be the model's output, or "label" for a classifier's).
Status check_requested_outputs(simdjson::dom::object root, const model::Model& model,
                               InferRequest& request) {
  element outputs;
  if (root["outputs"].get(outputs) != simdjson::SUCCESS) return {};
  simdjson::dom::array list;
  if (outputs.get_array().get(list) != simdjson::SUCCESS) {
    return fail("'outputs' must be an array", 400);
  }
  for (const element item : list) {
    std::string_view name;
    if (item["name"].get_string().get(name) != simdjson::SUCCESS) {
      return fail("each requested output needs a string 'name'", 400);
    }
    const bool labelled = !model.output().labels.empty();
    if (name != model.output().name && !(labelled && name == model::kLabelOutput)) {
      return fail("unknown output '" + std::string(name) + "' for model '" + model.config.name +
                      "' (it has '" + model.output().name + "'" +
                      (labelled ? " and '" + std::string(model::kLabelOutput) + "'" : "") + ")",
                  400);
    }
    request.outputs.emplace_back(name);
    simdjson::dom::object parameters;
    bool binary = false;
    if (item["parameters"].get_object().get(parameters) == simdjson::SUCCESS &&
        parameters["binary_data"].get_bool().get(binary) == simdjson::SUCCESS && binary) {
      return fail("the binary tensor data extension is not supported", 400);
    }
  }
  return {};
}

void write_tensor_spec(JsonWriter& json, const model::TensorSpec& spec) {
  json.begin_object();
  json.key("name").value(spec.name);
  json.key("datatype").value(model::datatype_name(spec.datatype));
  json.key("shape").begin_array();
  for (const auto dim : spec.shape) json.value(dim);
  json.end_array();
  const bool categories = !spec.category_names.empty();
  if (!spec.feature_names.empty() || categories) {
    json.key("parameters").begin_object();
    if (!spec.feature_names.empty()) {  // so clients can send named instances (v1) or order data
      json.key("feature_names").begin_array();
      for (const auto& name : spec.feature_names) json.value(name);
      json.end_array();
    }
    if (categories) {  // {feature (name or index): [its category names, code 0 first]}
      json.key("categories").begin_object();
      for (std::size_t f = 0; f < spec.category_names.size(); ++f) {
        if (spec.category_names[f].empty()) continue;
        json.key(f < spec.feature_names.size() ? spec.feature_names[f] : std::to_string(f));
        json.begin_array();
        for (const auto& name : spec.category_names[f]) json.value(name);
        json.end_array();
      }
      json.end_object();
    }
    json.end_object();
  }
  json.end_object();
}

}  // namespace

Result<InferRequest> decode_v2_infer(std::string& body, const model::Model& model,
                                     const JsonLimits& limits) {
  auto parsed = parse_json_body(body, limits);
  if (!parsed) return parsed.error();
  simdjson::dom::object root;
  if (parsed->get_object().get(root) != simdjson::SUCCESS) {
    return fail("the request body must be a JSON object", 400);
  }
  InferRequest request;
  element id;
  if (root["id"].get(id) == simdjson::SUCCESS) {
    std::string_view text;
    if (id.get_string().get(text) != simdjson::SUCCESS) {
      return fail("'id' must be a string", 400);
    }
    request.id = std::string(text);
    request.has_id = true;
  }
  simdjson::dom::object parameters;
  if (root["parameters"].get_object().get(parameters) == simdjson::SUCCESS) {
    element timeout;
    if (parameters["timeout"].get(timeout) == simdjson::SUCCESS) {
      std::int64_t micros = 0;
      if (timeout.get_int64().get(micros) != simdjson::SUCCESS || micros <= 0) {
        return fail("parameters.timeout must be a positive number of microseconds", 400);
      }
      request.timeout_us = micros;
    }
    element explain;
    if (parameters["explain"].get(explain) == simdjson::SUCCESS) {
      if (auto s = read_explain(explain, model, request); !s) return s.error();
    }
  }
  simdjson::dom::array inputs;
  if (root["inputs"].get_array().get(inputs) != simdjson::SUCCESS) {
    return fail("the request needs an 'inputs' array", 400);
  }
  if (inputs.size() != 1) {
    return fail("model '" + model.config.name + "' takes exactly one input ('" +
                    model.input().name + "'), got " + std::to_string(inputs.size()),
                400);
  }
  simdjson::dom::object input;
  if ((*inputs.begin()).get_object().get(input) != simdjson::SUCCESS) {
    return fail("each input must be a JSON object", 400);
  }
  if (auto s = decode_input(input, model, request); !s) return s.error();
  if (auto s = check_requested_outputs(root, model, request); !s) return s.error();
  return request;
}

namespace {

// The model's output tensor: [rows, width] of each row's first `width` values.
void write_output(JsonWriter& json, const model::TensorSpec& spec, const InferRequest& request,
                  std::span<const float> outputs) {
  const auto width = static_cast<std::size_t>(spec.row_width());
  const std::size_t stride = width + request.explanation_width;
  json.begin_object();
  json.key("name").value(spec.name);
  json.key("datatype").value(model::datatype_name(spec.datatype));
  json.key("shape").begin_array();
  json.value(static_cast<std::uint64_t>(request.row_count));
  json.value(static_cast<std::uint64_t>(width));
  json.end_array();
  json.key("data").begin_array();
  if (stride == width) {
    for (const float value : outputs) json.value(value);
  } else {
    for (std::size_t row = 0; row < request.row_count; ++row) {
      for (std::size_t k = 0; k < width; ++k) json.value(outputs[row * stride + k]);
    }
  }
  json.end_array();
  json.end_object();
}

}  // namespace

void encode_v2_infer(const model::Model& model, const InferRequest& request,
                     std::span<const float> outputs, std::string& out) {
  const model::TensorSpec& spec = model.output();
  out.reserve(out.size() + 160 + request.id.size() + 16 * outputs.size());
  JsonWriter json(out);
  json.begin_object();
  json.key("model_name").value(model.config.name);
  json.key("model_version").value(model.config.version);
  if (request.has_id) json.key("id").value(request.id);
  const auto width = static_cast<std::size_t>(spec.row_width());
  const std::size_t explained = request.explanation_width;
  const std::size_t stride = width + explained;
  const auto wanted = [&request](std::string_view name) {
    return request.outputs.empty() ||
           std::find(request.outputs.begin(), request.outputs.end(), name) != request.outputs.end();
  };
  json.key("outputs").begin_array();
  if (wanted(spec.name)) write_output(json, spec, request, outputs);
  if (!spec.labels.empty() && wanted(model::kLabelOutput)) {
    // The most probable class of each row.
    json.begin_object().key("name").value(model::kLabelOutput);
    json.key("datatype").value(spec.integer_labels ? "INT64" : "BYTES");
    json.key("shape").begin_array().value(static_cast<std::uint64_t>(request.row_count));
    json.end_array().key("data").begin_array();
    for (std::size_t row = 0; row < request.row_count; ++row)
      write_label(json, spec, outputs.data() + row * stride);
    json.end_array().end_object();
  }
  if (explained > 0) {
    // [rows, features + 1] (each feature's contribution, then the bias), or [rows, classes,
    // features + 1] when the model has several margins.
    const auto features = static_cast<std::uint64_t>(model.input().row_width()) + 1;
    const std::uint64_t groups = explained / features;
    json.begin_object().key("name").value("contributions");
    json.key("datatype").value("FP32");
    json.key("shape").begin_array().value(static_cast<std::uint64_t>(request.row_count));
    if (groups > 1) json.value(groups);
    json.value(features).end_array();
    json.key("data").begin_array();
    for (std::size_t row = 0; row < request.row_count; ++row) {
      for (std::size_t k = 0; k < explained; ++k) json.value(outputs[row * stride + width + k]);
    }
    json.end_array().end_object();
  }
  json.end_array();
  json.end_object();
}

void encode_v2_model_metadata(const model::Model& model, std::string& out,
                              const std::vector<std::string>& versions) {
  JsonWriter json(out);
  json.begin_object();
  json.key("name").value(model.config.name);
  json.key("versions").begin_array();
  if (versions.empty()) json.value(model.config.version);
  for (const auto& version : versions) json.value(version);
  json.end_array();
  json.key("platform").value(model.config.backend);
  json.key("inputs").begin_array();
  for (const auto& input : model.config.inputs) write_tensor_spec(json, input);
  json.end_array();
  json.key("outputs").begin_array();
  for (const auto& output : model.config.outputs) write_tensor_spec(json, output);
  if (!model.output().labels.empty()) {  // the most probable class of each row
    json.begin_object().key("name").value(model::kLabelOutput);
    json.key("datatype").value(model.output().integer_labels ? "INT64" : "BYTES");
    json.key("shape").begin_array().value(-1).end_array();
    json.key("parameters").begin_object().key("classes").begin_array();
    for (const auto& label : model.output().labels) json.value(label);
    json.end_array().end_object().end_object();
  }
  json.end_array();
  json.end_object();
}

}  // namespace hone::serve
