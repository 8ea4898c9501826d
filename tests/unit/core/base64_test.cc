#include "core/base64.h"

#include <gtest/gtest.h>

namespace hone {
namespace {

TEST(Base64Url, EncodesWithoutPadding) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(Base64Url, DecodesWhatItEncodes) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (std::size_t length = 0; length <= bytes.size(); length += 37) {
    const std::string part = bytes.substr(0, length);
    EXPECT_EQ(base64url_decode(base64url_encode(part)), part) << length;
  }
  EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff");
}

TEST(Base64Url, RefusesWhatNoEncoderWrites) {
  EXPECT_FALSE(base64url_decode("Zg=="));  // padding
  EXPECT_FALSE(base64url_decode("Zm+v"));  // the standard alphabet's '+'
  EXPECT_FALSE(base64url_decode("Zm/v"));
  EXPECT_FALSE(base64url_decode("Zm9vY"));  // 4n+1 characters
  EXPECT_FALSE(base64url_decode("Zh"));     // bits set past the last byte
  EXPECT_FALSE(base64url_decode("Zm9 v"));
}

}  // namespace
}  // namespace hone
