#include "core/yaml_reader.h"

#include <gtest/gtest.h>

namespace hone {
namespace {

YamlMap map_of(const std::string& text) {
  return YamlMap(parse_yaml(text, "test.yaml").value(), "test.yaml", "test config");
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(YamlReader, ReadsTypedValues) {
  auto map = map_of(
      "name: x\ncount: 3\nratio: 0.5\non: true\nlist: [a, b]\nwait: 250ms\n"
      "size: 2KiB\n");
  EXPECT_EQ(map.string("name").value(), "x");
  EXPECT_EQ(map.integer("count").value(), 3);
  EXPECT_DOUBLE_EQ(map.number("ratio").value(), 0.5);
  EXPECT_TRUE(map.boolean("on").value());
  EXPECT_EQ(map.strings("list").value(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(map.duration_us("wait").value(), 250'000);
  EXPECT_EQ(map.bytes("size").value(), 2048U);
  EXPECT_FALSE(map.string("absent").has_value());
  EXPECT_NO_THROW(map.finish());
}

TEST(YamlReader, UnknownKeyNamesFileLineAndKey) {
  auto map = map_of("name: x\nnmae: y\n");
  map.string("name");
  const std::string message = error_of([&] { map.finish(); });
  EXPECT_NE(message.find("test.yaml:2:1"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown key 'nmae'"), std::string::npos) << message;
}

TEST(YamlReader, BadTypeNamesTheKey) {
  auto map = map_of("count: many\n");
  const std::string message = error_of([&] { map.integer("count"); });
  EXPECT_NE(message.find("test.yaml:1:8"), std::string::npos) << message;
  EXPECT_NE(message.find("'count' must be an integer"), std::string::npos) << message;
}

TEST(YamlReader, SyntaxErrorsGiveTheLine) {
  auto parsed = parse_yaml("a: [1, 2\nb: 3\n", "broken.yaml");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("broken.yaml:"), std::string::npos);
}

TEST(YamlReader, RequiredKeyMissing) {
  auto map = map_of("other: 1\n");
  const std::string message = error_of([&] { map.required_string("name"); });
  EXPECT_NE(message.find("needs 'name'"), std::string::npos) << message;
}

}  // namespace
}  // namespace hone
