#include "model/upstream/upstream_backend.h"

#include <simdjson.h>

#include "http/client.h"
#include "http/url.h"
#include "model/upstream/upstream_client.h"
#include "model/upstream/upstream_codec.h"

namespace hone::model {
namespace {

class UpstreamBackend final : public Backend {
 public:
  UpstreamBackend(const ModelConfig& config, http::Url url, UpstreamProtocol protocol,
                  const BackendInfo& info)
      : name_(config.name),
        settings_(config.upstream),
        protocol_(protocol),
        input_name_(config.inputs.empty() ? info.input_name : config.inputs.front().name),
        target_(url.target),
        info_(info),
        client_(config.name, settings_, url) {}

  const BackendInfo& info() const override { return info_; }
  Capabilities capabilities() const override {
    return {.inline_rows = 0,
            .batchable = true,
            .thread_safe = true,
            .remote = true,
            .max_concurrency = settings_.max_connections};
  }
  bool ready() const override { return client_.healthy(); }

  Status predict(std::span<const float> rows, std::size_t row_count,
                 std::span<float> out) override {
    if (Status sizes = check_buffers(rows, row_count, out); !sizes) return sizes;
    thread_local std::string body;
    encode_upstream_request(protocol_, input_name_, rows, row_count, info_.num_features, body);
    auto answer = client_.post(target_, body);
    if (!answer) return answer.error();
    if (answer->status != 200) {
      const int status = answer->status >= 400 && answer->status <= 599 ? answer->status : 502;
      return fail("upstream '" + name_ + "' answered " + std::to_string(answer->status) + ": " +
                      upstream_error_message(answer->body),
                  status);
    }
    if (Status read = decode_upstream_response(protocol_, answer->body, row_count, out); !read) {
      return fail("upstream '" + name_ + "': " + read.error().message, 502);
    }
    return {};
  }

 private:
  std::string name_;
  UpstreamSettings settings_;
  UpstreamProtocol protocol_;
  std::string input_name_;
  std::string target_;
  BackendInfo info_;
  UpstreamClient client_;
};

// The model's metadata from a v2 upstream (GET /v2/models/NAME): its first input and output.
Status learn_from_metadata(const http::Url& url, const ModelConfig& config, BackendInfo& info) {
  const std::string path = "/v2/models/" + config.name;
  const std::string hint = "; declare inputs (and outputs) in the model's config.yaml instead";
  auto client =
      http::Client::connect(url.host, url.port, to_timeout(config.upstream.connect_timeout_us));
  if (!client) {
    return fail("cannot ask upstream " + config.upstream.url + " for model '" + config.name +
                "''s inputs: " + client.error().message + hint);
  }
  client->set_timeout(to_timeout(config.upstream.timeout_us));
  auto answer = client->get(path);
  if (!answer || answer->status != 200) {
    return fail("upstream " + config.upstream.url + " did not answer GET " + path + " with 200 (" +
                (answer ? std::to_string(answer->status) : answer.error().message) + ")" + hint);
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const auto width = [](simdjson::dom::element tensor, std::size_t& out) {
    simdjson::dom::array shape;
    std::string_view type;
    if (tensor["shape"].get_array().get(shape) != simdjson::SUCCESS ||
        tensor["datatype"].get_string().get(type) != simdjson::SUCCESS || type != "FP32") {
      return false;
    }
    std::size_t product = 1;
    bool first = true;
    for (const auto dim : shape) {
      std::int64_t n = 0;
      if (dim.get_int64().get(n) != simdjson::SUCCESS) return false;
      if (!first) {
        if (n < 1) return false;
        product *= static_cast<std::size_t>(n);
      }
      first = false;
    }
    out = product;
    return true;
  };
  simdjson::dom::element input;
  simdjson::dom::element output;
  std::string_view name;
  if (parser.parse(answer->body).get(root) != simdjson::SUCCESS ||
      root["inputs"].at(0).get(input) != simdjson::SUCCESS ||
      input["name"].get_string().get(name) != simdjson::SUCCESS ||
      !width(input, info.num_features)) {
    return fail("upstream " + config.upstream.url + ": GET " + path +
                " does not describe one FP32 input of shape [-1, N]" + hint);
  }
  info.input_name = std::string(name);
  if (root["outputs"].at(0).get(output) == simdjson::SUCCESS) width(output, info.num_outputs);
  return {};
}

}  // namespace

Status check_upstream_url(const std::string& url) {
  auto parsed = http::parse_url(url);
  if (!parsed) return fail("url '" + url + "': " + parsed.error().message);
  if (parsed->tls()) return fail("url '" + url + "': only http:// upstreams are supported");
  if (parsed->target.find('?') != std::string::npos) {
    return fail("url '" + url + "': an upstream URL has no query");
  }
  return {};
}

Result<std::unique_ptr<Backend>> create_upstream_backend(const ModelConfig& config) {
  const std::string where = config.source + ": ";
  if (auto s = check_upstream_url(config.upstream.url); !s) return fail(where + s.error().message);
  auto protocol = parse_upstream_protocol(config.upstream.protocol);
  if (!protocol) return fail(where + protocol.error().message);
  http::Url url = *http::parse_url(config.upstream.url);
  if (url.target.empty() || url.target == "/") {
    url.target = *protocol == UpstreamProtocol::kV2 ? "/v2/models/" + config.name + "/infer"
                                                    : "/v1/models/" + config.name + ":predict";
  }
  BackendInfo info;
  info.backend = kUpstreamBackend;
  if (config.inputs.empty()) {
    if (*protocol != UpstreamProtocol::kV2) {
      return fail(where + "a v1 upstream does not describe its inputs: declare them in the " +
                  "model's config.yaml (inputs: [{name, shape: [-1, N]}])");
    }
    if (auto s = learn_from_metadata(url, config, info); !s) return fail(where + s.error().message);
  } else {
    info.num_features = static_cast<std::size_t>(config.inputs.front().row_width());
    if (!config.outputs.empty()) {
      info.num_outputs = static_cast<std::size_t>(config.outputs.front().row_width());
    }
  }
  return std::unique_ptr<Backend>(
      std::make_unique<UpstreamBackend>(config, std::move(url), *protocol, info));
}

}  // namespace hone::model
