#include "load/feeder.h"

#include <simdjson.h>

#include <fstream>
#include <sstream>

#include "core/strings.h"

namespace hone::load {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string value_text(simdjson::dom::element value) {
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) return std::string(text);
  return simdjson::minify(value);
}

}  // namespace

Result<std::vector<std::vector<std::string>>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  bool field_started = false;
  std::size_t line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && !field_started) {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
      if (!(row.size() == 1 && row[0].empty())) rows.push_back(std::move(row));
      row.clear();
      ++line;
    } else if (c == '"') {
      return fail("line " + std::to_string(line) + ": a quote inside an unquoted field");
    } else {
      field.push_back(c);
      field_started = true;
    }
  }
  if (quoted) return fail("line " + std::to_string(line) + ": a quoted field is not closed");
  if (field_started || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::shared_ptr<DataFeed>> DataFeed::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot open the data file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  auto feed = std::make_shared<DataFeed>();
  if (ends_with(to_lower(path), ".csv")) {
    auto rows = parse_csv(text);
    if (!rows) return fail(path + ": " + rows.error().message);
    if (rows->size() < 2) return fail(path + ": needs a header line and at least one row");
    feed->columns_ = rows->front();
    for (std::size_t i = 1; i < rows->size(); ++i) {
      if ((*rows)[i].size() != feed->columns_.size()) {
        return fail(path + ": row " + std::to_string(i + 1) + " has " +
                    std::to_string((*rows)[i].size()) + " fields, the header has " +
                    std::to_string(feed->columns_.size()));
      }
      feed->rows_.push_back(std::move((*rows)[i]));
    }
    return feed;
  }
  if (!ends_with(to_lower(path), ".jsonl") && !ends_with(to_lower(path), ".ndjson")) {
    return fail(path + ": data files must be .csv or .jsonl");
  }
  simdjson::dom::parser parser;
  std::size_t line_number = 0;
  for (const auto line_view : split(text, '\n')) {
    ++line_number;
    const std::string line(trim(line_view));
    if (line.empty()) continue;
    simdjson::dom::object object;
    if (parser.parse(line).get_object().get(object) != simdjson::SUCCESS) {
      return fail(path + ": line " + std::to_string(line_number) + " is not a JSON object");
    }
    std::vector<std::string> row(feed->columns_.size());
    for (const auto field : object) {
      const std::string key(field.key);
      int column = feed->column(key);
      if (column < 0) {
        if (!feed->rows_.empty()) {
          return fail(path + ": line " + std::to_string(line_number) + " has key '" + key +
                      "' that the first line lacks");
        }
        feed->columns_.push_back(key);
        row.emplace_back();
        column = static_cast<int>(feed->columns_.size()) - 1;
      }
      row[static_cast<std::size_t>(column)] = value_text(field.value);
    }
    feed->rows_.push_back(std::move(row));
  }
  if (feed->rows_.empty()) return fail(path + ": has no rows");
  return feed;
}

int DataFeed::column(const std::string& name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

Result<Template> Template::compile(const std::string& text, const DataFeed& feed) {
  Template out;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto open = text.find("{{", at);
    if (open == std::string::npos) {
      out.parts_.push_back({text.substr(at), -1});
      break;
    }
    if (open > at) out.parts_.push_back({text.substr(at, open - at), -1});
    const auto close = text.find("}}", open + 2);
    if (close == std::string::npos) return fail("template has '{{' without '}}'");
    const std::string name(trim(std::string_view(text).substr(open + 2, close - open - 2)));
    int column = feed.column(name);
    if (column < 0) {
      if (name != "row") {
        return fail("template uses {{" + name + "}} but the data has columns " +
                    join(feed.columns(), ", ") + " (or {{row}} for all of them)");
      }
      column = kWholeRow;
    }
    out.parts_.push_back({"", column});
    at = close + 2;
  }
  return out;
}

void Template::render(const std::vector<std::string>& row, std::string& out) const {
  for (const auto& part : parts_) {
    if (part.column == kWholeRow) {
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (i > 0) out.push_back(',');
        out.append(row[i]);
      }
    } else {
      out.append(part.column < 0 ? part.literal : row[static_cast<std::size_t>(part.column)]);
    }
  }
}

}  // namespace hone::load
