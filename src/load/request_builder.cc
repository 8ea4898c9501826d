#include "load/request_builder.h"

#include "core/strings.h"
#include "core/version.h"

namespace hone::load {
namespace {

bool has_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return true;
  }
  return false;
}

bool method_has_body(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace

bool Expectation::accepts(int status) const {
  if (statuses.empty()) return status < 400;
  for (const int wanted : statuses) {
    if (wanted == status) return true;
  }
  return false;
}

RequestBuilder::RequestBuilder(const LoadPlan& plan, std::uint64_t seed)
    : plan_(plan),
      prepared_(plan.endpoints.size()),
      random_(seed),
      inputs_(plan.endpoints.size()) {}

void RequestBuilder::track(std::size_t index, std::string_view body) {
  if (inputs_capped_) return;
  if (inputs_[index].insert(std::hash<std::string_view>{}(body)).second &&
      ++tracked_ >= kMaxTrackedInputs) {
    inputs_capped_ = true;
  }
}

void RequestBuilder::prepare_all(std::int64_t now_unix_s) {
  if (plan_.jwt) {
    token_ = mint_jwt(*plan_.jwt, now_unix_s);
    token_renew_at_ = now_unix_s + plan_.jwt->expiry_s * 4 / 5;
  } else {
    token_ = plan_.bearer;
    token_renew_at_ = INT64_MAX;
  }
  for (std::size_t i = 0; i < plan_.endpoints.size(); ++i) {
    const EndpointPlan& endpoint = plan_.endpoints[i];
    Prepared& p = prepared_[i];
    p.head = endpoint.method + " " + endpoint.url.target + " HTTP/1.1\r\n";
    if (!has_header(endpoint.headers, "host"))
      p.head += "Host: " + endpoint.url.host_header() + "\r\n";
    if (!has_header(endpoint.headers, "user-agent")) {
      p.head += std::string("User-Agent: hone/") + kVersion + "\r\n";
    }
    if (!token_.empty() && !has_header(endpoint.headers, "authorization")) {
      p.head += "Authorization: Bearer " + token_ + "\r\n";
    }
    const bool with_body = !endpoint.body.empty() || method_has_body(endpoint.method);
    if (!endpoint.body.empty() && !has_header(endpoint.headers, "content-type")) {
      p.head += "Content-Type: application/json\r\n";
    }
    for (const auto& [name, value] : endpoint.headers) p.head += name + ": " + value + "\r\n";
    p.templated = endpoint.feed != nullptr;
    if (p.templated) {
      // The plan builder compiled the template once already; this cannot fail.
      p.body_template = Template::compile(endpoint.body, *endpoint.feed).value();
      continue;
    }
    p.full = p.head;
    if (with_body) p.full += "Content-Length: " + std::to_string(endpoint.body.size()) + "\r\n";
    p.full += "\r\n" + endpoint.body;
  }
}

std::string_view RequestBuilder::build(std::size_t index, std::int64_t now_unix_s) {
  if (token_renew_at_ == 0 || now_unix_s >= token_renew_at_) prepare_all(now_unix_s);
  const Prepared& p = prepared_[index];
  if (!p.templated) {
    if (!plan_.endpoints[index].body.empty()) track(index, plan_.endpoints[index].body);
    return p.full;
  }
  const EndpointPlan& endpoint = plan_.endpoints[index];
  std::size_t row = 0;
  if (endpoint.order == FeedOrder::kRandom) {
    row = static_cast<std::size_t>(random_() % endpoint.feed->size());
  } else {
    row = endpoint.feed->next_index() % endpoint.feed->size();
  }
  body_.clear();
  p.body_template.render(endpoint.feed->row(row), body_);
  track(index, body_);
  scratch_ = p.head;
  scratch_ += "Content-Length: " + std::to_string(body_.size()) + "\r\n\r\n";
  scratch_ += body_;
  return scratch_;
}

}  // namespace hone::load
