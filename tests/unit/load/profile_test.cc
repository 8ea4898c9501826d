#include "load/profile.h"

#include <gtest/gtest.h>

#include "load/presets.h"

namespace hone::load {
namespace {

TEST(Stages, ParseAndPrint) {
  auto stages = parse_stages("30s:100, 1m:500,500ms:0").value();
  ASSERT_EQ(stages.size(), 3U);
  EXPECT_DOUBLE_EQ(stages[1].seconds, 60);
  EXPECT_DOUBLE_EQ(stages[1].target, 500);
  EXPECT_DOUBLE_EQ(stages[2].seconds, 0.5);
  EXPECT_EQ(stages_to_string(stages), "30s:100,60s:500,0.5s:0");
  EXPECT_FALSE(parse_stages("30s"));
  EXPECT_FALSE(parse_stages("30x:10"));
  EXPECT_FALSE(parse_stages("30s:-1"));
  EXPECT_FALSE(parse_stages("30s:many"));
}

TEST(Profile, ConstantRateSpacesRequestsEvenly) {
  const Profile profile = Profile::constant(100, 10);
  EXPECT_DOUBLE_EQ(profile.integral(10), 1000);
  EXPECT_NEAR(profile.time_of(0.5), 0.005, 1e-12);
  EXPECT_NEAR(profile.time_of(999.5), 9.995, 1e-9);
  EXPECT_LT(profile.time_of(1000.5), 0);  // beyond the end
  EXPECT_DOUBLE_EQ(profile.mean_value(), 100);
}

TEST(Profile, RampsLinearlyAndInvertsExactly) {
  const Profile profile(0, {{10, 100}, {10, 100}, {5, 0}});
  EXPECT_DOUBLE_EQ(profile.value_at(5), 50);
  EXPECT_DOUBLE_EQ(profile.value_at(15), 100);
  EXPECT_DOUBLE_EQ(profile.value_at(22.5), 50);
  EXPECT_DOUBLE_EQ(profile.integral(10), 500);
  EXPECT_DOUBLE_EQ(profile.integral(25), 500 + 1000 + 250);
  for (const double t : {0.3, 4.0, 9.99, 12.5, 20.0, 23.7}) {
    EXPECT_NEAR(profile.time_of(profile.integral(t)), t, 1e-9) << t;
  }
  EXPECT_DOUBLE_EQ(profile.max_value(), 100);
}

TEST(Profile, SkipsZeroRatePeriods) {
  const Profile profile(10, {{1, 10}, {0, 0}, {5, 0}, {0, 10}, {1, 10}});
  EXPECT_DOUBLE_EQ(profile.integral(100), 20);
  EXPECT_NEAR(profile.time_of(10.5), 6.05, 1e-9);  // after the 5 s pause
}

TEST(Profile, StretchAndScale) {
  const Profile profile(0, {{10, 100}, {30, 100}});
  const Profile short_run = profile.stretched(4);
  EXPECT_DOUBLE_EQ(short_run.total_seconds(), 4);
  EXPECT_DOUBLE_EQ(short_run.value_at(0.5), 50);
  const Profile doubled = profile.scaled(2);
  EXPECT_DOUBLE_EQ(doubled.max_value(), 200);
}

TEST(Presets, ShapesAsDocumented) {
  EXPECT_DOUBLE_EQ(preset_profile("basic")->max_value(), 10);
  EXPECT_DOUBLE_EQ(preset_profile("basic")->total_seconds(), 60);
  EXPECT_DOUBLE_EQ(preset_profile("stress")->max_value(), 50);
  EXPECT_DOUBLE_EQ(preset_profile("stress")->total_seconds(), 300);
  const Profile spike = *preset_profile("spike");
  EXPECT_DOUBLE_EQ(spike.total_seconds(), 120);
  EXPECT_DOUBLE_EQ(spike.value_at(10), 10);
  EXPECT_DOUBLE_EQ(spike.value_at(40), 100);
  EXPECT_DOUBLE_EQ(spike.value_at(100), 10);
  EXPECT_DOUBLE_EQ(preset_profile("endurance")->total_seconds(), 1800);
  EXPECT_DOUBLE_EQ(preset_profile("ramp")->value_at(60), 25);
  EXPECT_GE(preset_profile("soak")->total_seconds(), 7200);
  auto unknown = preset_profile("chaos");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("basic, stress, spike"), std::string::npos);
}

}  // namespace
}  // namespace hone::load
