#include "report/prom_text.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace hone::report {
namespace {

bool name_char(char c, bool first) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  return letter || (!first && c >= '0' && c <= '9');
}

// A cursor over one line.
class LineReader {
 public:
  explicit LineReader(std::string_view line) : line_(line) {}

  void skip_spaces() {
    while (pos_ < line_.size() && (line_[pos_] == ' ' || line_[pos_] == '\t')) ++pos_;
  }
  bool at_end() const { return pos_ >= line_.size(); }
  bool take(char c) {
    if (pos_ < line_.size() && line_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string name() {
    const std::size_t start = pos_;
    while (pos_ < line_.size() && name_char(line_[pos_], pos_ == start)) ++pos_;
    return std::string(line_.substr(start, pos_ - start));
  }
  // A double-quoted label value with \\, \" and \n escapes; false when malformed.
  bool quoted(std::string& out) {
    if (!take('"')) return false;
    while (pos_ < line_.size()) {
      const char c = line_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= line_.size()) return false;
      const char escaped = line_[pos_++];
      out += escaped == 'n' ? '\n' : escaped;
    }
    return false;
  }
  std::string_view word() {
    const std::size_t start = pos_;
    while (pos_ < line_.size() && line_[pos_] != ' ' && line_[pos_] != '\t') ++pos_;
    return line_.substr(start, pos_ - start);
  }
  std::string_view rest() const { return line_.substr(std::min(pos_, line_.size())); }

 private:
  std::string_view line_;
  std::size_t pos_ = 0;
};

bool parse_value(std::string_view text, double& out) {
  if (text == "NaN") {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (text == "+Inf" || text == "Inf") {
    out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (text == "-Inf") {
    out = -std::numeric_limits<double>::infinity();
    return true;
  }
  if (text.empty()) return false;
  const std::string copy(text);
  char* end = nullptr;
  out = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size();
}

Result<PromSample> parse_sample(std::string_view line) {
  LineReader reader(line);
  PromSample sample;
  sample.name = reader.name();
  if (sample.name.empty()) return fail("a sample must start with a metric name");
  if (reader.take('{')) {
    for (;;) {
      reader.skip_spaces();
      if (reader.take('}')) break;
      std::string key = reader.name();
      if (key.empty()) return fail("a label name was expected");
      reader.skip_spaces();
      if (!reader.take('=')) return fail("'=' was expected after label '" + key + "'");
      reader.skip_spaces();
      std::string value;
      if (!reader.quoted(value)) return fail("label '" + key + "' has no closed quoted value");
      sample.labels.emplace_back(std::move(key), std::move(value));
      reader.skip_spaces();
      if (reader.take(',')) continue;
      if (reader.take('}')) break;
      return fail("',' or '}' was expected after a label");
    }
  }
  reader.skip_spaces();
  const std::string_view value = reader.word();
  if (!parse_value(value, sample.value)) {
    return fail("'" + std::string(value) + "' is not a sample value");
  }
  // What may follow: a timestamp, and in OpenMetrics an exemplar after " # "; neither is kept.
  std::sort(sample.labels.begin(), sample.labels.end());
  return sample;
}

}  // namespace

Result<PromScrape> parse_prometheus_text(std::string_view text, std::size_t max_samples) {
  PromScrape scrape;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    LineReader reader(line);
    reader.skip_spaces();
    if (reader.at_end()) continue;
    if (reader.take('#')) {
      reader.skip_spaces();
      if (reader.word() != "TYPE") continue;  // HELP, EOF, UNIT and comments
      reader.skip_spaces();
      std::string family = reader.name();
      reader.skip_spaces();
      const std::string_view type = reader.word();
      if (family.empty() || type.empty()) {
        return fail("line " + std::to_string(line_number) +
                    ": a TYPE line names a family and a type");
      }
      scrape.types[std::move(family)] = std::string(type);
      continue;
    }
    auto sample = parse_sample(reader.rest());
    if (!sample) return fail("line " + std::to_string(line_number) + ": " + sample.error().message);
    if (scrape.samples.size() >= max_samples) {
      return fail("more than " + std::to_string(max_samples) + " samples");
    }
    scrape.samples.push_back(std::move(*sample));
  }
  return scrape;
}

}  // namespace hone::report
