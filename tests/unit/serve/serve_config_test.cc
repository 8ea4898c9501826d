#include "serve/serve_config.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace hone::serve {
namespace {

TEST(ServeConfig, ReadsEveryKey) {
  test::TempDir dir;
  const auto file = dir.write("hone.yaml", R"(host: 0.0.0.0
port: 9000
threads: 3
models: /srv/models
model: [a=/x/a.json]
backend: xgboost
drain_timeout: 2s
log_level: debug
admin_token_file: /etc/hone/token
limits:
  max_body: 2MiB
  max_header: 32KiB
  max_request_line: 4KiB
  header_timeout: 5s
  body_timeout: 7s
  idle_timeout: 90s
  max_pipeline: 8
  json_depth: 16
  max_connections: 500
  max_in_flight: 64
  max_header_fields: 40
)");
  ServeConfig config;
  ASSERT_TRUE(load_serve_config(file, config));
  const auto& options = config.options;
  EXPECT_EQ(options.http.host, "0.0.0.0");
  EXPECT_EQ(options.http.port, 9000);
  EXPECT_EQ(options.http.threads, 3);
  EXPECT_EQ(config.models_dir, "/srv/models");
  EXPECT_EQ(config.model_files, (std::vector<std::string>{"a=/x/a.json"}));
  EXPECT_EQ(options.drain_timeout, std::chrono::seconds(2));
  EXPECT_EQ(options.http.limits.max_body_bytes, 2U * 1024 * 1024);
  EXPECT_EQ(options.http.limits.max_header_bytes, 32U * 1024);
  EXPECT_EQ(options.http.limits.max_request_line, 4U * 1024);
  EXPECT_EQ(options.http.limits.header_timeout, std::chrono::seconds(5));
  EXPECT_EQ(options.http.limits.body_timeout, std::chrono::seconds(7));
  EXPECT_EQ(options.http.limits.idle_timeout, std::chrono::seconds(90));
  EXPECT_EQ(options.http.limits.max_pipeline, 8U);
  EXPECT_EQ(options.json.max_depth, 16U);
  EXPECT_EQ(options.http.limits.max_connections, 500U);
  EXPECT_EQ(options.max_in_flight, 64U);
  EXPECT_EQ(options.http.limits.max_header_fields, 40U);
  EXPECT_EQ(config.admin_token_file, "/etc/hone/token");
  EXPECT_TRUE(validate(config));
}

TEST(ServeConfig, TheModelLifecycleKeys) {
  test::TempDir dir;
  const auto file = dir.write("hone.yaml", R"(models: /srv/models
model_control: poll
model_memory: 512MiB
model_poll_interval: 250ms
reuse_port: true
)");
  ServeConfig config;
  ASSERT_TRUE(load_serve_config(file, config));
  const LifecycleOptions& lifecycle = config.options.lifecycle;
  EXPECT_EQ(lifecycle.control, ModelControl::kPoll);
  EXPECT_EQ(lifecycle.memory_budget, 512U * 1024 * 1024);
  EXPECT_EQ(lifecycle.poll_interval, std::chrono::milliseconds(250));
  EXPECT_TRUE(config.options.http.reuse_port);
  EXPECT_TRUE(validate(config));
  config.models_dir.clear();
  config.model_files = {"a.json"};
  EXPECT_NE(validate(config).error().message.find("--model-control poll watches a repository"),
            std::string::npos);
  config.options.lifecycle.control = ModelControl::kExplicit;
  EXPECT_NE(
      validate(config).error().message.find("--model-memory loads the models of a repository"),
      std::string::npos);
  config.options.lifecycle.memory_budget = 0;
  EXPECT_TRUE(validate(config));
  config.options.lifecycle.poll_interval = std::chrono::milliseconds(1);
  EXPECT_FALSE(validate(config));

  const auto bad = dir.write("bad.yaml", "models: m\nmodel_control: sometimes\n");
  ServeConfig refused;
  const Status status = load_serve_config(bad, refused);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("must be none, poll or explicit"), std::string::npos)
      << status.error().message;
}

TEST(ServeConfig, RedisCompressionAndCacheSections) {
  test::TempDir dir;
  const auto file = dir.write("hone.yaml", R"(models: m
cache_size: 8MiB
redis: {url: "redis://10.0.0.5:6380", command_timeout: 5ms, breaker_failures: 2, prefix: "x:",
        connect_timeout: 150ms, breaker_cooldown: 3s}
compression: {enabled: false, min_size: 4KiB, gzip_level: 7, brotli_quality: 9, zstd_level: 12}
)");
  ServeConfig config;
  ASSERT_TRUE(load_serve_config(file, config));
  ASSERT_TRUE(config.options.redis.has_value());
  EXPECT_EQ(config.options.redis->host, "10.0.0.5");
  EXPECT_EQ(config.options.redis->port, 6380);
  EXPECT_EQ(config.options.redis->command_timeout, std::chrono::milliseconds(5));
  EXPECT_EQ(config.options.redis->breaker_failures, 2);
  EXPECT_EQ(config.options.redis->prefix, "x:");
  EXPECT_EQ(config.options.cache_bytes, 8U * 1024 * 1024);
  EXPECT_FALSE(config.options.http.compression.enabled);
  EXPECT_EQ(config.options.http.compression.min_bytes, 4096U);
  EXPECT_EQ(config.options.redis->connect_timeout, std::chrono::milliseconds(150));
  EXPECT_EQ(config.options.redis->breaker_cooldown, std::chrono::seconds(3));
  EXPECT_EQ(config.options.http.compression.gzip_level, 7);
  EXPECT_EQ(config.options.http.compression.brotli_quality, 9);
  EXPECT_EQ(config.options.http.compression.zstd_level, 12);
  for (const char* wrong :
       {"compression: {gzip_level: 10}\n", "compression: {brotli_quality: -1}\n",
        "compression: {zstd_level: 20}\n",
        "redis: {url: \"redis://x:1\", breaker_failures: 0}\n"}) {
    const auto out_of_range = dir.write("range.yaml", std::string("models: m\n") + wrong);
    const auto refused = load_serve_config(out_of_range, config);
    ASSERT_FALSE(refused) << wrong;
    EXPECT_NE(refused.error().message.find("must be from"), std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find(out_of_range + ":2:"), std::string::npos)
        << refused.error().message;
  }
  const auto short_history = dir.write("history.yaml", "models: m\nhistory: 5s\n");
  const auto too_short = load_serve_config(short_history, config);
  ASSERT_FALSE(too_short);
  EXPECT_NE(too_short.error().message.find(short_history + ":2:10: 'history' must be at least 10s"),
            std::string::npos)
      << too_short.error().message;
  const auto bad = dir.write("bad.yaml", "redis: {url: \"http://x\"}\n");
  const auto status = load_serve_config(bad, config);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("must start with redis://"), std::string::npos);
}

TEST(ServeConfig, TheAuthSection) {
  test::TempDir dir;
  const auto file = dir.write("hone.yaml", R"(models: m
auth:
  api_keys: /etc/hone/keys
  rate: 5/s
  jwt:
    secret_file: /etc/hone/secret
    public_key: /etc/hone/jwt.pem
    jwks: /etc/hone/jwks.json
    audience: hone
    issuer: https://id.example
    leeway: 2m
    models_claim: scope
)");
  ServeConfig config;
  ASSERT_TRUE(load_serve_config(file, config));
  EXPECT_EQ(config.api_keys_file, "/etc/hone/keys");
  EXPECT_EQ(config.api_key_rate, "5/s");
  EXPECT_EQ(config.jwt.secret_file, "/etc/hone/secret");
  EXPECT_EQ(config.jwt.public_key_file, "/etc/hone/jwt.pem");
  EXPECT_EQ(config.jwt.jwks_file, "/etc/hone/jwks.json");
  EXPECT_EQ(config.jwt.audience, "hone");
  EXPECT_EQ(config.jwt.issuer, "https://id.example");
  EXPECT_EQ(config.jwt.leeway_s, 120);
  EXPECT_EQ(config.jwt.models_claim, "scope");
  const auto keyless = dir.write("keyless.yaml", "auth: {jwt: {audience: hone}}\n");
  const auto status = load_serve_config(keyless, config = {});
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("needs secret_file, public_key or jwks"),
            std::string::npos);
}

TEST(ServeConfig, ErrorsNameFileAndLine) {
  test::TempDir dir;
  const auto file = dir.write("hone.yaml", "port: 8000\nlimits:\n  max_bdoy: 1MiB\n");
  ServeConfig config;
  const auto status = load_serve_config(file, config);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find(file + ":3:3"), std::string::npos)
      << status.error().message;
  EXPECT_NE(status.error().message.find("unknown key 'max_bdoy'"), std::string::npos);

  const auto bad_port = dir.write("port.yaml", "port: 70000\n");
  EXPECT_FALSE(load_serve_config(bad_port, config));
  const auto bad_size = dir.write("size.yaml", "limits:\n  max_body: huge\n");
  EXPECT_FALSE(load_serve_config(bad_size, config));
}

TEST(ServeConfig, ValidateNeedsSomethingToServe) {
  ServeConfig config;
  const auto status = validate(config);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("nothing to serve"), std::string::npos);
  config.model_files = {"a.json", "b.json", "c.json"};
  config.backends = {"xgboost", "xgboost"};
  EXPECT_FALSE(validate(config));
}

}  // namespace
}  // namespace hone::serve
