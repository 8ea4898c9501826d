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

AnswerProbe::~AnswerProbe() {
  if (!armed) return;
  if (trace.written == std::chrono::steady_clock::time_point{}) trace.written = serialized;
  metrics->succeeded(trace);
}

}  // namespace hone::serve
