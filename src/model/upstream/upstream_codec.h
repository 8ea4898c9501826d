// The bodies hone sends to an upstream model server and reads back, per protocol: KServe v2
// ({"inputs":[{name, datatype FP32, shape [n, width], data}]} -> outputs[0].data) and TF-Serving
// REST ({"instances": [[...], ...]} -> "predictions"). Missing values (NaN) are sent as null.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "core/result.h"

namespace hone::model {

enum class UpstreamProtocol { kV2, kV1 };

Result<UpstreamProtocol> parse_upstream_protocol(const std::string& name);

// The request body for `row_count` rows of `width` values.
void encode_upstream_request(UpstreamProtocol protocol, const std::string& input_name,
                             std::span<const float> rows, std::size_t row_count, std::size_t width,
                             std::string& body);

// Reads an answer's outputs into `out` (row_count x out.size() / row_count values); an error
// (code 502) when the body is not the protocol's answer or holds the wrong number of values.
Status decode_upstream_response(UpstreamProtocol protocol, std::string& body, std::size_t row_count,
                                std::span<float> out);

// The message of an upstream's error answer: its JSON "error" (v2, v1) or "detail" (FastAPI)
// field, or the start of the body.
std::string upstream_error_message(std::string& body);

}  // namespace hone::model
