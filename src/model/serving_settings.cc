#include "model/serving_settings.h"

#include <algorithm>
#include <cmath>

namespace hone::model {

void read_batching(YamlMap& parent, BatchingSettings& batching) {
  const YAML::Node node = parent.node("batching");
  if (!node.IsDefined()) return;
  YamlMap map(node, parent.file(), "batching");
  batching.enabled = map.boolean("enabled").value_or(true);
  if (auto v = map.integer("max_batch_size")) {
    if (*v < 1 || *v > 65536)
      map.error_at(map.node("max_batch_size"), "max_batch_size must be 1..65536");
    batching.max_batch_size = static_cast<std::size_t>(*v);
  }
  if (auto v = map.duration_us("max_queue_delay")) batching.max_queue_delay_us = *v;
  if (auto sizes = map.integers("preferred_batch_sizes")) {
    for (const auto size : *sizes) {
      if (size < 1 || static_cast<std::size_t>(size) > batching.max_batch_size) {
        map.error_at(map.node("preferred_batch_sizes"),
                     "preferred batch sizes must be between 1 and max_batch_size");
      }
      batching.preferred_batch_sizes.push_back(static_cast<std::size_t>(size));
    }
    std::sort(batching.preferred_batch_sizes.begin(), batching.preferred_batch_sizes.end());
  }
  if (auto v = map.integer("max_queue_size")) {
    if (*v < 1) map.error_at(map.node("max_queue_size"), "max_queue_size must be at least 1");
    batching.max_queue_size = static_cast<std::size_t>(*v);
  }
  if (auto v = map.duration_us("timeout")) batching.timeout_us = *v;
  if (auto v = map.integer("workers")) {
    if (*v < 1 || *v > 64) map.error_at(map.node("workers"), "workers must be 1..64");
    batching.workers = static_cast<int>(*v);
  }
  map.finish();
}

void read_cache(YamlMap& parent, CacheSettings& cache) {
  const YAML::Node node = parent.node("cache");
  if (!node.IsDefined()) return;
  YamlMap map(node, parent.file(), "cache");
  cache.enabled = map.boolean("enabled").value_or(true);
  if (auto v = map.duration_us("ttl")) cache.ttl_us = *v;
  map.finish();
}

void read_admission(YamlMap& parent, AdmissionSettings& admission) {
  const YAML::Node node = parent.node("admission");
  if (!node.IsDefined()) return;
  YamlMap map(node, parent.file(), "admission");
  if (auto v = map.integer("max_in_flight")) {
    if (*v < 1 || *v > 1'000'000)
      map.error_at(map.node("max_in_flight"), "max_in_flight must be 1..1000000");
    admission.max_in_flight = static_cast<std::size_t>(*v);
  }
  admission.adaptive = map.boolean("adaptive").value_or(false);
  if (auto v = map.integer("min_in_flight")) {
    if (*v < 1 || *v > 1'000'000)
      map.error_at(map.node("min_in_flight"), "min_in_flight must be 1..1000000");
    admission.min_in_flight = static_cast<std::size_t>(*v);
  }
  if (auto v = map.duration_us("window")) {
    if (*v < 1000 || *v > 60'000'000) map.error_at(map.node("window"), "window must be 1ms..60s");
    admission.window = std::chrono::microseconds(*v);
  }
  if (admission.adaptive && admission.max_in_flight == 0) {
    map.error_at(node, "an adaptive bound needs max_in_flight, the most it may grow to");
  }
  if (admission.adaptive && admission.min_in_flight > admission.max_in_flight) {
    map.error_at(node, "min_in_flight is above max_in_flight");
  }
  map.finish();
}

void read_warmup(YamlMap& parent, WarmupSettings& warmup) {
  const YAML::Node node = parent.node("warmup");
  if (!node.IsDefined()) return;
  YamlMap map(node, parent.file(), "warmup");
  if (auto v = map.integer("rounds")) {
    if (*v < 0 || *v > 10000) map.error_at(map.node("rounds"), "rounds must be 0..10000");
    warmup.rounds = static_cast<int>(*v);
  }
  const YAML::Node rows = map.node("rows");
  if (rows.IsDefined()) {
    if (!rows.IsSequence()) map.error_at(rows, "'rows' must be a list of rows of numbers");
    for (const auto& row : rows) {
      if (!row.IsSequence()) map.error_at(row, "each warmup row must be a list of numbers");
      std::vector<float> values;
      for (const auto& value : row) {
        try {
          values.push_back(value.IsNull() ? std::nanf("") : value.as<float>());
        } catch (const YAML::Exception&) {
          map.error_at(value, "warmup values must be numbers or null");
        }
      }
      warmup.rows.push_back(std::move(values));
    }
  }
  map.finish();
}

void read_auth(YamlMap& parent, AuthPolicy& auth) {
  const auto value = parent.string("auth");
  if (!value) return;
  if (*value == "inherit") {
    auth = AuthPolicy::inherit;
  } else if (*value == "required") {
    auth = AuthPolicy::required;
  } else if (*value == "none") {
    auth = AuthPolicy::none;
  } else {
    parent.error_at(parent.node("auth"), "auth must be inherit, required or none");
  }
}

void read_version_policy(YamlMap& parent, VersionPolicy& policy) {
  if (!parent.has("version_policy")) return;
  const YAML::Node node = parent.node("version_policy");
  if (node.IsScalar()) {
    if (node.Scalar() != "all") {
      parent.error_at(node, "version_policy must be all, {latest: N} or {specific: [V, ...]}");
    }
    policy.kind = VersionPolicy::Kind::kAll;
    return;
  }
  if (!node.IsMap() || node.size() != 1) {
    parent.error_at(node, "version_policy must be all, {latest: N} or {specific: [V, ...]}");
  }
  YamlMap map(node, parent.file(), "version_policy");
  if (auto latest = map.integer("latest")) {
    if (*latest < 1) map.error_at(map.node("latest"), "latest must be at least 1");
    policy.kind = VersionPolicy::Kind::kLatest;
    policy.latest = static_cast<std::size_t>(*latest);
  } else if (auto specific = map.strings("specific")) {
    if (specific->empty()) map.error_at(map.node("specific"), "specific names no version");
    for (const auto& version : *specific) {
      if (!is_version_number(version)) {
        map.error_at(map.node("specific"), "'" + version + "' is not a version number");
      }
    }
    policy.kind = VersionPolicy::Kind::kSpecific;
    policy.specific = std::move(*specific);
  }
  map.finish();
}

void emit_serving_settings(YAML::Emitter& out, const ModelConfig& config) {
  if (config.auth != AuthPolicy::inherit) {
    out << YAML::Key << "auth" << YAML::Value
        << (config.auth == AuthPolicy::required ? "required" : "none");
  }
  const VersionPolicy& policy = config.version_policy;
  if (policy != VersionPolicy{}) {
    out << YAML::Key << "version_policy" << YAML::Value;
    if (policy.kind == VersionPolicy::Kind::kAll) {
      out << "all";
    } else if (policy.kind == VersionPolicy::Kind::kLatest) {
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "latest" << YAML::Value << policy.latest
          << YAML::EndMap;
    } else {
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "specific" << YAML::Value << YAML::Flow
          << policy.specific << YAML::EndMap;
    }
  }
  const BatchingSettings& b = config.batching;
  if (b.enabled) {
    out << YAML::Key << "batching" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "max_batch_size" << YAML::Value << b.max_batch_size;
    out << YAML::Key << "max_queue_delay" << YAML::Value
        << (std::to_string(b.max_queue_delay_us) + "us");
    if (!b.preferred_batch_sizes.empty()) {
      out << YAML::Key << "preferred_batch_sizes" << YAML::Value << YAML::Flow
          << b.preferred_batch_sizes;
    }
    out << YAML::Key << "max_queue_size" << YAML::Value << b.max_queue_size;
    if (b.timeout_us > 0)
      out << YAML::Key << "timeout" << YAML::Value << (std::to_string(b.timeout_us) + "us");
    out << YAML::Key << "workers" << YAML::Value << b.workers;
    out << YAML::EndMap;
  }
  const AdmissionSettings& a = config.admission;
  if (a.max_in_flight > 0) {
    out << YAML::Key << "admission" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "max_in_flight" << YAML::Value << a.max_in_flight;
    if (a.adaptive) {
      out << YAML::Key << "adaptive" << YAML::Value << true;
      out << YAML::Key << "min_in_flight" << YAML::Value << a.min_in_flight;
      out << YAML::Key << "window" << YAML::Value << (std::to_string(a.window.count()) + "us");
    }
    out << YAML::EndMap;
  }
  if (config.cache.enabled) {
    out << YAML::Key << "cache" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "ttl" << YAML::Value
        << (std::to_string(config.cache.ttl_us / 1'000'000) + "s");
    out << YAML::EndMap;
  }
}

}  // namespace hone::model
