// Appends compact JSON to a caller-owned std::string, with no intermediate DOM.
// Numbers use the shortest text that reads back to the same value (std::to_chars);
// NaN and infinities, which JSON cannot hold, are written as null.
// Commas are placed automatically; the caller must balance begin_/end_ calls (checked in debug).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hone {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(bool flag);
  JsonWriter& value(double number);
  JsonWriter& value(float number);
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(std::uint64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& null();
  // Inserts already-serialised JSON as one value.
  JsonWriter& raw(std::string_view json);

 private:
  void before_value();
  bool first_in_scope() const;
  void set_first_in_scope(bool first);
  void open_scope();
  void close_scope();
  template <typename Float>
  JsonWriter& floating(Float number);

  std::string& out_;
  std::size_t depth_ = 0;      // open objects and arrays
  std::uint64_t shallow_ = 0;  // first-value flags of the 64 outermost scopes
  std::vector<bool> deeper_;   // and of deeper ones
  bool after_key_ = false;
};

// Appends `text` as a quoted JSON string with the required escapes.
void append_json_string(std::string& out, std::string_view text);

}  // namespace hone
