#include "core/units.h"

#include <gtest/gtest.h>

namespace hone {
namespace {

using std::chrono::microseconds;

TEST(ParseDuration, ReadsEveryUnit) {
  EXPECT_EQ(parse_duration("250us").value(), microseconds(250));
  EXPECT_EQ(parse_duration("500ms").value(), microseconds(500'000));
  EXPECT_EQ(parse_duration("30s").value(), microseconds(30'000'000));
  EXPECT_EQ(parse_duration("1.5s").value(), microseconds(1'500'000));
  EXPECT_EQ(parse_duration("2m").value(), microseconds(120'000'000));
  EXPECT_EQ(parse_duration("1h").value(), microseconds(3'600'000'000));
  EXPECT_EQ(parse_duration("7").value(), microseconds(7'000'000));
  EXPECT_EQ(parse_duration(" 10 ms ").value(), microseconds(10'000));
}

TEST(ParseDuration, RejectsBadText) {
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("ms"));
  EXPECT_FALSE(parse_duration("10 parsecs"));
  EXPECT_FALSE(parse_duration("-5s"));
  EXPECT_NE(parse_duration("3 weeks").error().message.find("unit must be one of"),
            std::string::npos);
}

TEST(ParseBytes, ReadsDecimalAndBinaryUnits) {
  EXPECT_EQ(parse_bytes("512").value(), 512U);
  EXPECT_EQ(parse_bytes("64k").value(), 64'000U);
  EXPECT_EQ(parse_bytes("16KiB").value(), 16U * 1024);
  EXPECT_EQ(parse_bytes("1MiB").value(), 1024U * 1024);
  EXPECT_EQ(parse_bytes("2MB").value(), 2'000'000U);
  EXPECT_FALSE(parse_bytes("lots"));
  EXPECT_FALSE(parse_bytes("1 TiB"));
}

TEST(FormatDuration, PicksAReadableUnit) {
  EXPECT_EQ(format_duration(std::chrono::nanoseconds(800)), "800ns");
  EXPECT_EQ(format_duration(std::chrono::microseconds(320)), "320.0us");
  EXPECT_EQ(format_duration(std::chrono::microseconds(1500)), "1.50ms");
  EXPECT_EQ(format_duration(std::chrono::seconds(2)), "2.00s");
}

TEST(WallTime, UnixSecondsAndRfc3339) {
  EXPECT_EQ(parse_wall_time_ms("1796086200").value(), 1796086200000);
  EXPECT_EQ(parse_wall_time_ms("1796086200.25").value(), 1796086200250);
  EXPECT_EQ(parse_wall_time_ms("2026-12-01T01:30:00Z").value(), 1796088600000);
  EXPECT_EQ(parse_wall_time_ms("2026-12-01T02:30:00.5+01:00").value(), 1796088600500);
  EXPECT_EQ(parse_wall_time_ms("2026-11-30T20:30:00-05:00").value(), 1796088600000);
  for (const char* bad :
       {"", "soon", "2026-12-01", "2026-12-01T01:30:00", "2026-13-01T00:00:00Z",
        "2026-12-01T01:30:00+1", "2026-12-01T01:30:00.Z", "1.2.3", "2026-12-01T24:00:00Z"}) {
    const auto parsed = parse_wall_time_ms(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(parsed.error().message.find("is not a moment"), std::string::npos);
  }
}

TEST(FormatBytes, PicksABinaryUnitParseBytesReads) {
  EXPECT_EQ(format_bytes(812), "812B");
  EXPECT_EQ(format_bytes(3482), "3.4KiB");
  EXPECT_EQ(format_bytes(1258291), "1.20MiB");
  EXPECT_EQ(format_bytes(2ULL << 30), "2.00GiB");
  EXPECT_EQ(parse_bytes(format_bytes(1536)).value(), 1536U);
}

}  // namespace
}  // namespace hone
