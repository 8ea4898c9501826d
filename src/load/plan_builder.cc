// Resolving LoadOptions (flags) and a scenario file into a LoadPlan.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/json_writer.h"
#include "core/strings.h"
#include "core/units.h"
#include "load/options.h"
#include "load/presets.h"
#include "load/scenario.h"

namespace hone::load {
namespace {

Result<std::string> body_text(const std::string& body) {
  if (body.empty() || body.front() != '@') return body;
  const std::string path = body.substr(1);
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("--body @" + path + ": cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<HeaderList> parse_header_flags(const std::vector<std::string>& flags) {
  HeaderList headers;
  for (const auto& flag : flags) {
    const auto colon = flag.find(':');
    if (colon == std::string::npos || trim(std::string_view(flag).substr(0, colon)).empty()) {
      return fail("-H '" + flag + "': expected 'Name: value'");
    }
    headers.emplace_back(std::string(trim(std::string_view(flag).substr(0, colon))),
                         std::string(trim(std::string_view(flag).substr(colon + 1))));
  }
  return headers;
}

// "100ms" or "100ms-500ms" -> [min, max] seconds.
Status parse_think(const std::string& text, double& low, double& high) {
  if (text.empty()) return {};
  const auto dash = text.find('-');
  auto first = parse_duration(text.substr(0, dash));
  if (!first) return fail("think time '" + text + "': " + first.error().message);
  low = high = static_cast<double>(first->count()) / 1e6;
  if (dash != std::string::npos) {
    auto second = parse_duration(text.substr(dash + 1));
    if (!second) return fail("think time '" + text + "': " + second.error().message);
    high = static_cast<double>(second->count()) / 1e6;
    if (high < low) return fail("think time '" + text + "': the range must go up");
  }
  return {};
}

Status parse_shard(const std::string& text, int& index, int& count) {
  if (text.empty()) return {};
  const auto slash = text.find('/');
  char* end = nullptr;
  const long i = std::strtol(text.c_str(), &end, 10);
  const long n = slash == std::string::npos ? 0 : std::strtol(text.c_str() + slash + 1, &end, 10);
  if (slash == std::string::npos || *end != '\0' || n < 1 || i < 0 || i >= n || n > 10000) {
    return fail("--shard '" + text + "': expected i/N with 0 <= i < N, like 0/2");
  }
  index = static_cast<int>(i);
  count = static_cast<int>(n);
  return {};
}

// The load profile and model from rate, concurrency, stages, preset, duration and scale.
Status resolve_profile(const LoadOptions& options, const ScenarioFile* scenario, LoadPlan& plan) {
  std::optional<double> rate = options.rate;
  std::optional<double> users = options.concurrency;
  if (!rate && !users && scenario) {
    rate = scenario->rate;
    users = scenario->concurrency;
  }
  std::string preset = options.preset;
  if (preset.empty() && scenario && !options.rate && !options.concurrency)
    preset = scenario->preset;
  std::optional<std::vector<Stage>> stages;
  if (!options.stages.empty()) {
    auto parsed = parse_stages(options.stages);
    if (!parsed) return fail("--stages: " + parsed.error().message);
    stages = *parsed;
  } else if (scenario && scenario->stages) {
    stages = scenario->stages;
  }
  std::optional<double> duration = options.duration_s;
  if (!duration && scenario) duration = scenario->duration_s;
  if (rate && users)
    return fail("choose --rate (open model) or --concurrency (closed model), not both");
  if (!preset.empty() && (rate || users || stages)) {
    return fail("--preset sets the load shape; drop --rate, --concurrency and --stages");
  }
  if (rate && *rate < 0) return fail("--rate must be positive");
  if (users && *users < 0) return fail("--concurrency must be positive");
  if (!preset.empty()) {
    auto profile = preset_profile(preset);
    if (!profile) return profile.error();
    plan.model = LoadModel::kClosed;
    plan.profile = *profile;
    if (duration) plan.profile = plan.profile.stretched(*duration);
  } else if (rate || users || stages) {
    plan.model = rate ? LoadModel::kOpen : LoadModel::kClosed;
    const double start = rate ? *rate : users.value_or(0);
    if (stages) {
      plan.profile = Profile(start, *stages);
      if (duration) plan.profile = plan.profile.stretched(*duration);
    } else {
      plan.profile = Profile::constant(start, duration.value_or(30));
    }
  } else {
    return fail("say how much load: --rate R, --concurrency N, --stages or --preset");
  }
  const std::optional<double> scale =
      options.scale ? options.scale : (scenario ? scenario->scale : std::nullopt);
  if (scale) {
    if (*scale <= 0) return fail("--scale must be positive");
    plan.profile = plan.profile.scaled(*scale);
  }
  if (plan.profile.total_seconds() <= 0) return fail("the run has no duration");
  if (plan.profile.max_value() <= 0) return fail("the load is zero throughout the run");
  if (plan.model == LoadModel::kClosed && plan.profile.max_value() > 100000) {
    return fail("more than 100000 virtual users");
  }
  return {};
}

Status add_endpoint(LoadPlan& plan, const Url& base, const HeaderList& global,
                    const ScenarioEndpoint& source, const LoadOptions& options) {
  EndpointPlan endpoint;
  const std::string where = source.where.empty() ? "" : source.where + ": ";
  auto url = resolve_url(base, source.path);
  if (!url) return fail(where + url.error().message);
  endpoint.url = *url;
  endpoint.body = source.body;
  endpoint.method =
      source.method.empty() ? (endpoint.body.empty() ? "GET" : "POST") : source.method;
  endpoint.name = source.name.empty() ? endpoint.method + " " + endpoint.url.target : source.name;
  endpoint.weight = source.weight;
  endpoint.headers = global;
  for (const auto& header : source.headers) {
    std::erase_if(endpoint.headers,
                  [&header](const auto& h) { return iequals(h.first, header.first); });
    endpoint.headers.push_back(header);
  }
  if (source.data_file.empty()) {
    if (const auto open = endpoint.body.find("{{"); open != std::string::npos) {
      const auto close = endpoint.body.find("}}", open);
      return fail(where + "endpoint '" + endpoint.name + "': the body uses " +
                  endpoint.body.substr(open, close == std::string::npos ? 2 : close + 2 - open) +
                  " but has no data file to fill it (add data: {file: rows.csv})");
    }
  } else {
    auto feed = DataFeed::load(source.data_file);
    if (!feed) return fail(where + feed.error().message);
    if (auto compiled = Template::compile(endpoint.body, **feed); !compiled) {
      return fail(where + "endpoint '" + endpoint.name + "': " + compiled.error().message);
    }
    endpoint.feed = *feed;
    endpoint.order = source.order;
  }
  endpoint.expect.statuses =
      source.expect_status.empty() ? options.expect_status : source.expect_status;
  endpoint.expect.body_contains =
      source.expect_body.empty() ? options.expect_body : source.expect_body;
  for (const auto& existing : plan.endpoints) {
    if (existing.name == endpoint.name)
      return fail(where + "two endpoints are named '" + endpoint.name + "'");
  }
  plan.endpoints.push_back(std::move(endpoint));
  return {};
}

// --metrics-url (or the scenario's metrics_url): absolute, or a path on the base URL's server.
Status add_metrics(LoadPlan& plan, const Url& base, const LoadOptions& options,
                   const ScenarioFile* file) {
  const std::string text =
      !options.metrics_url.empty() ? options.metrics_url : (file ? file->metrics_url : "");
  std::optional<double> interval_s = options.metrics_interval_s;
  if (!interval_s && file != nullptr) interval_s = file->metrics_interval_s;
  if (text.empty()) {
    if (interval_s) return fail("--metrics-interval needs --metrics-url");
    return {};
  }
  auto url = resolve_url(base, text);
  if (!url) return fail("--metrics-url: " + url.error().message);
  if (url->tls()) return fail("--metrics-url: only http:// endpoints can be scraped");
  ScrapeSettings settings;
  settings.url = *url;
  const double seconds = interval_s ? *interval_s : 1.0;
  if (seconds < 0.1 || seconds > 60) return fail("--metrics-interval: from 100ms to 60s");
  settings.interval = std::chrono::milliseconds(std::llround(seconds * 1000));
  plan.metrics = settings;
  return {};
}

std::string plan_json(const LoadPlan& plan, const LoadOptions& options) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("target").value(plan.target);
  json.key("model").value(plan.model == LoadModel::kOpen ? "open" : "closed");
  json.key("start").value(plan.profile.start());
  json.key("stages").value(stages_to_string(plan.profile.stages()));
  json.key("duration_s").value(plan.profile.total_seconds());
  if (!options.preset.empty()) json.key("preset").value(options.preset);
  if (!options.scenario_file.empty()) json.key("scenario").value(options.scenario_file);
  json.key("threads").value(plan.threads);
  json.key("connections").value(plan.connections);
  json.key("timeout_s").value(plan.timeout_s);
  json.key("think_s").begin_array().value(plan.think_min_s).value(plan.think_max_s).end_array();
  json.key("shard").value(std::to_string(plan.shard_index) + "/" +
                          std::to_string(plan.shard_count));
  json.key("endpoints").begin_array();
  for (const auto& endpoint : plan.endpoints) {
    json.begin_object();
    json.key("name").value(endpoint.name);
    json.key("method").value(endpoint.method);
    json.key("url").value(endpoint.url.origin() + endpoint.url.target);
    json.key("weight").value(endpoint.weight);
    json.end_object();
  }
  json.end_array();
  json.key("thresholds").begin_array();
  for (const auto& threshold : plan.thresholds) json.value(threshold.text);
  json.end_array();
  if (plan.metrics) {
    json.key("metrics_url").value(plan.metrics->url.origin() + plan.metrics->url.target);
    json.key("metrics_interval_s").value(static_cast<double>(plan.metrics->interval.count()) / 1e3);
  }
  json.end_object();
  return out;
}

}  // namespace

Result<LoadPlan> build_plan(const LoadOptions& options) {
  LoadPlan plan;
  std::optional<ScenarioFile> scenario;
  if (!options.scenario_file.empty()) {
    auto read = read_scenario(options.scenario_file);
    if (!read) return read.error();
    scenario = std::move(*read);
  }
  const ScenarioFile* file = scenario ? &*scenario : nullptr;
  if (auto s = resolve_profile(options, file, plan); !s) return s.error();

  std::string base_text = options.url;
  if (base_text.empty() && file) base_text = file->base_url;
  if (base_text.empty()) return fail("no URL: give one, or base_url in the scenario");
  auto base = parse_url(base_text);
  if (!base) return base.error();
  plan.target = base_text;

  HeaderList global = file ? file->headers : HeaderList{};
  auto flag_headers = parse_header_flags(options.headers);
  if (!flag_headers) return flag_headers.error();
  for (const auto& header : *flag_headers) global.push_back(header);

  if (file) {
    if (!options.method.empty() || !options.body.empty()) {
      return fail("-X and --body describe a single request; with --scenario, put them in the file");
    }
    for (const auto& source : file->endpoints) {
      if (auto s = add_endpoint(plan, *base, global, source, options); !s) return s.error();
    }
  } else {
    ScenarioEndpoint single;
    auto body = body_text(options.body);
    if (!body) return body.error();
    single.body = *body;
    single.method = to_lower(options.method);
    for (char& c : single.method)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    single.path = base->target;
    if (auto s = add_endpoint(plan, *base, global, single, options); !s) return s.error();
  }

  plan.threads =
      options.threads > 0 ? options.threads : (file && file->threads > 0 ? file->threads : 0);
  if (plan.threads <= 0)
    plan.threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  if (plan.threads > 256) return fail("--threads: at most 256");
  plan.connections = options.connections > 0 ? options.connections : (file ? file->connections : 0);
  if (plan.connections <= 0) {
    const double most = plan.profile.max_value();
    plan.connections = plan.model == LoadModel::kOpen
                           ? static_cast<int>(std::clamp(std::ceil(most / 10), 1.0, 1024.0))
                           : static_cast<int>(std::ceil(most));
  }
  plan.connections = std::max(plan.connections, plan.threads);
  const auto timeout =
      options.timeout_s ? options.timeout_s : (file ? file->timeout_s : std::nullopt);
  plan.timeout_s = timeout.value_or(30);
  if (plan.timeout_s <= 0) return fail("--timeout must be positive");
  const std::string think = !options.think.empty() ? options.think : (file ? file->think : "");
  if (auto s = parse_think(think, plan.think_min_s, plan.think_max_s); !s) return s.error();
  if (auto s = parse_shard(options.shard, plan.shard_index, plan.shard_count); !s) return s.error();
  if (!options.start_at.empty()) {
    auto start_at = parse_wall_time_ms(options.start_at);
    if (!start_at) return fail("--start-at " + start_at.error().message);
    plan.start_at_ms = *start_at;
  }
  plan.insecure = options.insecure;
  plan.seed = options.seed.value_or(1);

  plan.bearer = !options.bearer.empty() ? options.bearer : (file ? file->bearer : "");
  const std::string secret =
      !options.jwt_secret.empty() ? options.jwt_secret : (file ? file->jwt_secret : "");
  if (!secret.empty()) {
    JwtSettings jwt;
    jwt.secret = secret;
    const std::string claims =
        !options.jwt_claims.empty() ? options.jwt_claims : (file ? file->jwt_claims : "");
    if (!claims.empty()) jwt.claims_json = claims;
    const auto expiry =
        options.jwt_expiry_s ? options.jwt_expiry_s : (file ? file->jwt_expiry_s : std::nullopt);
    if (expiry) jwt.expiry_s = static_cast<std::int64_t>(std::llround(*expiry));
    if (auto s = validate_jwt(jwt); !s) return fail("--jwt-secret: " + s.error().message);
    if (!plan.bearer.empty()) return fail("give --bearer or --jwt-secret, not both");
    plan.jwt = jwt;
  }

  // Thresholds from the file first (their errors name the file), then the flags.
  std::vector<std::pair<std::string, std::string>> thresholds;  // where, text
  if (file) {
    for (const auto& t : file->thresholds) thresholds.emplace_back(options.scenario_file + ": ", t);
  }
  for (const auto& t : options.thresholds) thresholds.emplace_back("", t);
  for (const auto& [where, text] : thresholds) {
    auto threshold = report::parse_threshold(text);
    if (!threshold) return fail(where + threshold.error().message);
    // A threshold on an endpoint the run does not have is a typo: say so before the run.
    const auto named = [&threshold](const EndpointPlan& e) {
      return e.name == threshold->endpoint;
    };
    if (!threshold->endpoint.empty() &&
        std::none_of(plan.endpoints.begin(), plan.endpoints.end(), named)) {
      std::vector<std::string> names;
      for (const auto& endpoint : plan.endpoints) names.push_back("'" + endpoint.name + "'");
      return fail(where + "threshold '" + text + "': no endpoint named '" + threshold->endpoint +
                  "' (endpoints: " + join(names, ", ") + ")");
    }
    plan.thresholds.push_back(*threshold);
  }
  if (auto s = add_metrics(plan, *base, options, file); !s) return s.error();
  plan.config_json = plan_json(plan, options);
  return plan;
}

Result<std::vector<LoadPlan>> build_suite_plans(const LoadOptions& options) {
  if (options.scenario_file.empty()) return fail("hone load suite needs a scenario file");
  auto whole = build_plan(options);
  if (!whole) return whole.error();
  std::vector<LoadPlan> plans;
  for (const auto& endpoint : whole->endpoints) {
    LoadPlan plan = *whole;
    if (!plans.empty()) plan.start_at_ms.reset();  // the suite starts at --start-at
    plan.endpoints = {endpoint};
    plan.endpoints.front().weight = 1;
    plans.push_back(std::move(plan));
  }
  return plans;
}

}  // namespace hone::load
