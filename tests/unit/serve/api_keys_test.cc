#include "serve/api_keys.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace hone::serve {
namespace {

using std::chrono::milliseconds;

std::unique_ptr<ApiKeys> load(const std::string& text, KeyRate rate = {}) {
  test::TempDir dir;
  auto keys = ApiKeys::load(dir.write("keys", text), rate);
  EXPECT_TRUE(keys) << (keys ? "" : keys.error().message);
  return keys ? std::move(*keys) : nullptr;
}

TEST(ApiKeys, AKeyMayCallItsModels) {
  auto keys = load("# team keys\n\nalpha-key\nbeta-key models=fraud,churn\n");
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(keys->size(), 2U);
  EXPECT_EQ(keys->check("alpha-key", "m").status, 200);
  EXPECT_EQ(keys->check("alpha-ke", "m").status, 401);
  EXPECT_EQ(keys->check("beta-key", "fraud").status, 200);
  EXPECT_EQ(keys->check("beta-key", "churn").status, 200);
  const auto other = keys->check("beta-key", "m");
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(other.message.find("beta-key"), std::string::npos);  // a key is never echoed
}

TEST(ApiKeys, EachKeyHasATokenBucket) {
  auto keys = load("slow rate=2/s\nfast\n", KeyRate{1000});
  ASSERT_NE(keys, nullptr);
  const std::string slow = "slow";
  const auto t0 = ApiKeys::Clock::now();
  EXPECT_EQ(keys->check(slow, "m", t0).status, 200);  // a burst of one second's worth: 2
  EXPECT_EQ(keys->check(slow, "m", t0).status, 200);
  const auto limited = keys->check(slow, "m", t0);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.retry_after_s, 1);
  EXPECT_EQ(keys->check(slow, "m", t0 + milliseconds(499)).status, 429);
  EXPECT_EQ(keys->check(slow, "m", t0 + milliseconds(1000)).status, 200);  // refilled
  // Another key's bucket is its own, at the default rate.
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(keys->check("fast", "m", t0).status, 200);
  }
}

TEST(ApiKeys, RatesAndFileMistakesAreNamed) {
  EXPECT_DOUBLE_EQ(parse_key_rate("50/s")->per_second, 50);
  EXPECT_DOUBLE_EQ(parse_key_rate("600/m")->per_second, 10);
  for (const char* bad : {"50", "0/s", "-1/s", "x/s", "5/h", ""}) {
    EXPECT_FALSE(parse_key_rate(bad)) << bad;
  }
  test::TempDir dir;
  for (const auto& [text, expected] : std::vector<std::pair<std::string, std::string>>{
           {"a\nb colour=red\n", "keys:2: unknown setting"},
           {"a\na\n", "keys:2: this key is already in the file"},
           {"a rate=fast\n", "keys:1: a rate is N/s or N/m"},
           {"a models=\n", "keys:1: models= names no model"},
           {"# only a comment\n\n", "holds no key"}}) {
    auto keys = ApiKeys::load(dir.write("keys", text), {});
    ASSERT_FALSE(keys) << text;
    EXPECT_NE(keys.error().message.find(expected), std::string::npos) << keys.error().message;
  }
  EXPECT_FALSE(ApiKeys::load(dir.file("missing"), {}));
}

}  // namespace
}  // namespace hone::serve
