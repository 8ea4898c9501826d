#include "core/json_syntax.h"

#include <cstddef>

namespace hone {
namespace {

class Scanner {
 public:
  Scanner(std::string_view text, int max_depth) : text_(text), max_depth_(max_depth) {}

  std::optional<std::string> run() {
    skip_space();
    if (!value(0)) return where();
    skip_space();
    if (at_ < text_.size()) {
      problem_ = "unexpected text after the JSON value";
      return where();
    }
    return std::nullopt;
  }

 private:
  bool value(int depth) {
    if (at_ >= text_.size()) return stop("the text ends where a value should be");
    switch (text_[at_]) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        if (text_[at_] == '-' || is_digit(text_[at_])) return number();
        return stop("expected a value (object, array, string, number, true, false or null)");
    }
  }

  bool object(int depth) {
    if (depth > max_depth_) return stop("nested deeper than " + std::to_string(max_depth_));
    ++at_;  // '{'
    skip_space();
    if (peek('}')) return consume();
    while (true) {
      if (!peek('"')) return stop("expected a quoted member name");
      if (!string()) return false;
      skip_space();
      if (!peek(':')) return stop("expected ':' after the member name");
      ++at_;
      skip_space();
      if (!value(depth)) return false;
      skip_space();
      if (peek('}')) return consume();
      if (!peek(',')) return stop("expected ',' or '}' after an object member");
      ++at_;
      skip_space();
    }
  }

  bool array(int depth) {
    if (depth > max_depth_) return stop("nested deeper than " + std::to_string(max_depth_));
    ++at_;  // '['
    skip_space();
    if (peek(']')) return consume();
    while (true) {
      if (!value(depth)) return false;
      skip_space();
      if (peek(']')) return consume();
      if (!peek(',')) return stop("expected ',' or ']' after an array element");
      ++at_;
      skip_space();
    }
  }

  bool string() {
    ++at_;  // opening quote
    while (at_ < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[at_]);
      if (c == '"') return consume();
      if (c < 0x20) return stop("a control character inside a string (escape it)");
      if (c == '\\') {
        ++at_;
        if (at_ >= text_.size()) break;
        const char e = text_[at_];
        if (e == 'u') {
          for (int k = 1; k <= 4; ++k) {
            if (at_ + k >= text_.size() || !is_hex(text_[at_ + k])) {
              return stop("\\u must be followed by four hex digits");
            }
          }
          at_ += 4;
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return stop(std::string("invalid escape '\\") + e + "'");
        }
      }
      ++at_;
    }
    return stop("a string is not closed");
  }

  bool number() {
    if (peek('-')) ++at_;
    if (peek('0')) {
      ++at_;
    } else if (at_ < text_.size() && is_digit(text_[at_])) {
      while (at_ < text_.size() && is_digit(text_[at_])) ++at_;
    } else {
      return stop("expected a digit");
    }
    if (peek('.')) {
      ++at_;
      if (at_ >= text_.size() || !is_digit(text_[at_])) return stop("expected a digit after '.'");
      while (at_ < text_.size() && is_digit(text_[at_])) ++at_;
    }
    if (peek('e') || peek('E')) {
      ++at_;
      if (peek('+') || peek('-')) ++at_;
      if (at_ >= text_.size() || !is_digit(text_[at_])) return stop("expected an exponent");
      while (at_ < text_.size() && is_digit(text_[at_])) ++at_;
    }
    return true;
  }

  bool literal(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) {
      return stop("expected a value (object, array, string, number, true, false or null)");
    }
    at_ += word.size();
    return true;
  }

  void skip_space() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) {
      ++at_;
    }
  }

  bool consume() {
    ++at_;
    return true;
  }
  bool peek(char c) const { return at_ < text_.size() && text_[at_] == c; }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  bool stop(std::string problem) {
    problem_ = std::move(problem);
    return false;
  }

  std::string where() const {
    std::size_t line = 1;
    std::size_t line_start = 0;
    const std::size_t end = at_ < text_.size() ? at_ : text_.size();
    for (std::size_t i = 0; i < end; ++i) {
      if (text_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(end - line_start + 1) +
           ": " + problem_;
  }

  std::string_view text_;
  int max_depth_;
  std::size_t at_ = 0;
  std::string problem_;
};

}  // namespace

std::optional<std::string> json_syntax_error(std::string_view text, int max_depth) {
  return Scanner(text, max_depth).run();
}

}  // namespace hone
