#include "serve/answer_probe.h"

#include "core/strings.h"
#include "http/serialize.h"

namespace hone::serve {

bool wants_fresh(const http::Request& request) {
  const std::string value = to_lower(request.header("Cache-Control"));
  return value.find("no-cache") != std::string::npos || value.find("no-store") != std::string::npos;
}

http::Response error_answer(int status, const std::string& message) {
  http::Response response = http::error_response(status, message);
  if (status == 503) response.headers.push_back({"Retry-After", "1"});
  return response;
}

std::shared_ptr<AnswerProbe> AnswerProbe::start(monitor::ModelMetrics* metrics,
                                                const http::Request& request,
                                                std::chrono::steady_clock::time_point now) {
  if (metrics == nullptr) return nullptr;
  auto probe = std::make_shared<AnswerProbe>();
  probe->metrics = metrics;
  probe->trace.received = request.received;
  probe->trace.mark(monitor::Stage::kDecode, request.received, now);
  metrics->started();
  return probe;
}

void AnswerProbe::answered(const std::shared_ptr<AnswerProbe>& probe,
                           std::chrono::steady_clock::time_point encoding,
                           http::Response& response) {
  if (!probe) return;
  probe->serialized = std::chrono::steady_clock::now();
  probe->trace.mark(monitor::Stage::kSerialize, encoding, probe->serialized);
  probe->armed = true;
  response.on_written = probe;
}

void AnswerProbe::written() {
  trace.written = std::chrono::steady_clock::now();
  trace.mark(monitor::Stage::kWrite, serialized, trace.written);
}

AnswerProbe::~AnswerProbe() {
  if (!armed) return;
  if (trace.written == std::chrono::steady_clock::time_point{}) trace.written = serialized;
  metrics->succeeded(trace);
}

}  // namespace hone::serve
