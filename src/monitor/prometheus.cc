#include "monitor/prometheus.h"

#include <charconv>
#include <cmath>

namespace hone::monitor {
namespace {

void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, end);
}

void append_escaped(std::string& out, const std::string& value) {
  for (const char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

}  // namespace

void PromWriter::family(const std::string& name, const char* type, const std::string& help) {
  out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void PromWriter::write_labels(const Labels& labels, const std::string* le) {
  if (labels.empty() && le == nullptr) return;
  out_ += '{';
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!first) out_ += ',';
    first = false;
    out_ += key + "=\"";
    append_escaped(out_, value);
    out_ += '"';
  }
  if (le != nullptr) {
    if (!first) out_ += ',';
    out_ += "le=\"" + *le + "\"";
  }
  out_ += '}';
}

void PromWriter::sample(const std::string& name, const Labels& labels, double value) {
  out_ += name;
  write_labels(labels, nullptr);
  out_ += ' ';
  append_number(out_, value);
  out_ += '\n';
}

void PromWriter::histogram(const std::string& name, const Labels& labels,
                           const LogHistogram::Snapshot& snapshot, double unit_per_exported,
                           std::uint64_t max_bound) {
  for (std::uint64_t bound = 1; bound <= max_bound; bound *= 2) {
    std::string le;
    append_number(le, static_cast<double>(bound) / unit_per_exported);
    out_ += name + "_bucket";
    write_labels(labels, &le);
    out_ += ' ' + std::to_string(snapshot.count_at_most(bound)) + '\n';
  }
  const std::string inf = "+Inf";
  out_ += name + "_bucket";
  write_labels(labels, &inf);
  out_ += ' ' + std::to_string(snapshot.count) + '\n';
  sample(name + "_sum", labels, static_cast<double>(snapshot.sum) / unit_per_exported);
  sample(name + "_count", labels, static_cast<double>(snapshot.count));
}

}  // namespace hone::monitor
