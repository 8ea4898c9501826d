#include "model/xgboost/ubjson.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "model/trees/trees_backend.h"
#include "model/xgboost/json_check.h"
#include "model/xgboost/xgb_handle.h"
#include "support/test_models.h"

namespace hone::model::xgb {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (const int v : values) out.push_back(static_cast<char>(v));
  return out;
}

std::string json_of(const std::string& ubjson) {
  auto json = ubjson_to_json(ubjson);
  EXPECT_TRUE(json) << json.error().message;
  return json ? *json : "";
}

TEST(Ubjson, ValuesReadAsJson) {
  EXPECT_EQ(json_of("Z"), "null");
  EXPECT_EQ(json_of("T"), "true");
  EXPECT_EQ(json_of(bytes({'i', 0xFF})), "-1");
  EXPECT_EQ(json_of(bytes({'U', 0xFF})), "255");
  EXPECT_EQ(json_of(bytes({'I', 0x01, 0x00})), "256");
  EXPECT_EQ(json_of(bytes({'l', 0xFF, 0xFF, 0xFF, 0xFE})), "-2");
  EXPECT_EQ(json_of(bytes({'L', 0, 0, 0, 1, 0, 0, 0, 0})), "4294967296");
  EXPECT_EQ(json_of(bytes({'d', 0x3F, 0xC0, 0, 0})), "1.5");
  EXPECT_EQ(json_of(bytes({'D', 0xC0, 0x04, 0, 0, 0, 0, 0, 0})), "-2.5");
  EXPECT_EQ(json_of(bytes({'S', 'i', 2, 'h', '"'})), R"("h\"")");
  EXPECT_EQ(json_of(bytes({'C', 'x'})), R"("x")");
  // Objects and arrays, with and without a count, typed, and with no-ops between values.
  EXPECT_EQ(json_of(bytes({'{', 'i', 1, 'a', 'i', 5, 'N', 'i', 1, 'b', 'T', '}'})),
            R"({"a":5,"b":true})");
  EXPECT_EQ(json_of(bytes({'[', '#', 'i', 2, 'Z', 'F'})), "[null,false]");
  EXPECT_EQ(json_of(bytes({'[', '$', 'd', '#', 'i', 2, 0x3F, 0x80, 0, 0, 0xC0, 0, 0, 0})),
            "[1,-2]");
  EXPECT_EQ(json_of(bytes({'{', '$', 'U', '#', 'i', 1, 'i', 1, 'k', 7})), R"({"k":7})");
  EXPECT_EQ(json_of(bytes({'[', '[', ']', '{', '}', ']'})), "[[],{}]");
  // Non-finite floats have no JSON spelling: 0 (the text serves the structural check).
  EXPECT_EQ(json_of(bytes({'d', 0x7F, 0xC0, 0, 0})), "0");
}

TEST(Ubjson, DamagedBytesAreErrorsWithTheirOffset) {
  for (const auto& [input, reason] : std::vector<std::pair<std::string, std::string>>{
           {"", "ends where a value was expected"},
           {bytes({'l', 0, 0}), "ends inside a number"},
           {bytes({'S', 'i', 5, 'a'}), "past the end of the file"},
           {bytes({'S', 'i', 0xFF}), "negative length"},
           {bytes({'[', '$', 'd', '#', 'L', 0x7F, 0, 0, 0, 0, 0, 0, 0}), "past the end"},
           {bytes({'[', '$', 'd', 0x3F}), "needs a count"},
           {bytes({'[', '$', '[', '#', 'i', 1}), "cannot be one"},
           {bytes({'[', 'Z'}), "ends inside a container"},
           {bytes({'{', 'Z', '}'}), "expected an integer marker"},
           {bytes({'q'}), "unknown marker"},
           {bytes({'T', 'T'}), "bytes after the end"},
           {std::string(65, '['), "nesting deeper than 64"}}) {
    const auto json = ubjson_to_json(input);
    ASSERT_FALSE(json) << reason;
    EXPECT_NE(json.error().message.find(reason), std::string::npos) << json.error().message;
    EXPECT_NE(json.error().message.find("offset"), std::string::npos) << json.error().message;
  }
}

// Every kind of test model, saved by libxgboost as UBJSON, reads into JSON that passes the
// structural check and that the native engine loads into the same forest as the JSON file.
TEST(Ubjson, LibxgboostsBinaryModelsReadAsTheirJson) {
  const std::vector<float> rows = hone::test::random_rows(32, 8, 3);
  for (const auto& model : hone::test::test_models()) {
    std::ifstream in(model.path);
    std::ostringstream text;
    text << in.rdbuf();
    auto booster = Booster::from_buffer(text.str());
    ASSERT_TRUE(booster) << model.name;
    auto binary = booster->ubjson();
    ASSERT_TRUE(binary) << model.name;
    ASSERT_EQ(model_format(*binary), ModelFormat::kUbjson);
    const auto json = ubjson_to_json(*binary);
    ASSERT_TRUE(json) << model.name << ": " << json.error().message;
    EXPECT_TRUE(check_model_json(*json)) << model.name;
    auto from_json = read_forest(text.str(), "json");
    auto from_binary = read_forest(*json, "ubj");
    ASSERT_TRUE(from_json && from_binary) << model.name;
    const std::size_t width = from_json->num_features();
    ASSERT_LE(width, 8U);
    std::vector<float> input;
    for (std::size_t r = 0; r < 32; ++r) {
      input.insert(input.end(), rows.begin() + static_cast<std::ptrdiff_t>(r * 8),
                   rows.begin() + static_cast<std::ptrdiff_t>(r * 8 + width));
    }
    std::vector<float> a(32 * from_json->num_outputs());
    std::vector<float> b(a.size());
    from_json->predict(input, 32, a);
    from_binary->predict(input, 32, b);
    EXPECT_EQ(a, b) << model.name;
  }
}

}  // namespace
}  // namespace hone::model::xgb
