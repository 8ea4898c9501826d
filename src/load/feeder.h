// Data for request templates: rows from a CSV file (first line names the columns) or a
// JSON-lines file (one object per line), handed out in order or at random, and body templates
// whose {{column}} placeholders take a row's values (the raw text: CSV cells as written, JSON
// strings unquoted, other JSON values as JSON). {{row}} takes the whole row, its values joined
// by commas in column order (so one placeholder fills a feature array), unless the data has a
// column named "row".
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/result.h"

namespace hone::load {

enum class FeedOrder { kSequential, kRandom };

class DataFeed {
 public:
  static Result<std::shared_ptr<DataFeed>> load(const std::string& path);

  const std::vector<std::string>& columns() const { return columns_; }
  std::size_t size() const { return rows_.size(); }
  const std::vector<std::string>& row(std::size_t index) const {
    return rows_[index % rows_.size()];
  }
  // The next row in file order, shared by every thread (wraps around).
  std::size_t next_index() { return next_.fetch_add(1, std::memory_order_relaxed); }
  int column(const std::string& name) const;  // -1 when absent

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> rows_;
  std::atomic<std::uint64_t> next_{0};
};

// A body with {{column}} placeholders, checked against the feed's columns when compiled.
class Template {
 public:
  static Result<Template> compile(const std::string& text, const DataFeed& feed);
  void render(const std::vector<std::string>& row, std::string& out) const;
  bool empty() const { return parts_.empty(); }

 private:
  static constexpr int kWholeRow = -2;
  struct Part {
    std::string literal;
    int column = -1;  // -1: literal text; kWholeRow: every value, comma-separated
  };
  std::vector<Part> parts_;
};

// Parses CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF).
Result<std::vector<std::vector<std::string>>> parse_csv(const std::string& text);

}  // namespace hone::load
