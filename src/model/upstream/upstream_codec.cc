#include "model/upstream/upstream_codec.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>

namespace hone::model {
namespace {

void append_value(std::string& out, float value) {
  if (std::isnan(value) || std::isinf(value)) {
    out += "null";
    return;
  }
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, end);
}

// Appends the numbers of a value (a number, or arrays of them nested) to `out`.
bool flatten(simdjson::dom::element value, std::span<float> out, std::size_t& at) {
  simdjson::dom::array items;
  if (value.get_array().get(items) == simdjson::SUCCESS) {
    for (const auto item : items) {
      if (!flatten(item, out, at)) return false;
    }
    return true;
  }
  double number = 0;
  if (value.get_double().get(number) != simdjson::SUCCESS) {
    bool flag = false;
    if (value.get_bool().get(flag) != simdjson::SUCCESS) return false;
    number = flag ? 1 : 0;
  }
  if (at >= out.size()) {
    ++at;  // counted, so that the size check names how many came
    return true;
  }
  out[at++] = static_cast<float>(number);
  return true;
}

Status bad_answer(const std::string& why) {
  return fail("the upstream's answer cannot be read: " + why, 502);
}

simdjson::dom::parser& thread_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

}  // namespace

Result<UpstreamProtocol> parse_upstream_protocol(const std::string& name) {
  if (name == "v2") return UpstreamProtocol::kV2;
  if (name == "v1") return UpstreamProtocol::kV1;
  return fail("upstream protocol '" + name + "': expected v2 or v1");
}

void encode_upstream_request(UpstreamProtocol protocol, const std::string& input_name,
                             std::span<const float> rows, std::size_t row_count, std::size_t width,
                             std::string& body) {
  body.clear();
  body.reserve(32 + rows.size() * 10);
  if (protocol == UpstreamProtocol::kV2) {
    body += R"({"inputs":[{"name":")";
    body += input_name;  // a model's input name: letters, digits and '_' (checked at load)
    body += R"(","datatype":"FP32","shape":[)";
    body += std::to_string(row_count) + "," + std::to_string(width) + R"(],"data":[)";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (i > 0) body += ',';
      append_value(body, rows[i]);
    }
    body += "]}]}";
    return;
  }
  body += R"({"instances":[)";
  for (std::size_t r = 0; r < row_count; ++r) {
    if (r > 0) body += ',';
    body += '[';
    for (std::size_t c = 0; c < width; ++c) {
      if (c > 0) body += ',';
      append_value(body, rows[r * width + c]);
    }
    body += ']';
  }
  body += "]}";
}

Status decode_upstream_response(UpstreamProtocol protocol, std::string& body, std::size_t row_count,
                                std::span<float> out) {
  simdjson::dom::element root;
  if (thread_parser().parse(body).get(root) != simdjson::SUCCESS) return bad_answer("not JSON");
  simdjson::dom::element values;
  if (protocol == UpstreamProtocol::kV2) {
    simdjson::dom::array outputs;
    if (root["outputs"].get_array().get(outputs) != simdjson::SUCCESS || outputs.size() == 0) {
      return bad_answer("no \"outputs\" array");
    }
    if (outputs.at(0)["data"].get(values) != simdjson::SUCCESS) {
      return bad_answer("its first output has no \"data\"");
    }
  } else if (root["predictions"].get(values) != simdjson::SUCCESS) {
    return bad_answer("no \"predictions\"");
  }
  std::size_t count = 0;
  if (!flatten(values, out, count)) return bad_answer("its values are not all numbers");
  if (count != out.size()) {
    return bad_answer(std::to_string(count) + " values for " + std::to_string(row_count) +
                      " rows; expected " + std::to_string(out.size()));
  }
  return {};
}

std::string upstream_error_message(std::string& body) {
  simdjson::dom::element root;
  if (thread_parser().parse(body).get(root) == simdjson::SUCCESS) {
    for (const char* key : {"error", "detail", "message"}) {
      std::string_view text;
      if (root[key].get_string().get(text) == simdjson::SUCCESS) return std::string(text);
      simdjson::dom::element other;
      if (root[key].get(other) == simdjson::SUCCESS) return simdjson::minify(other);
    }
  }
  constexpr std::size_t kShown = 200;
  return body.size() <= kShown ? body : body.substr(0, kShown) + "...";
}

}  // namespace hone::model
