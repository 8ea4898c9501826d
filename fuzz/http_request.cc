// The HTTP/1.1 request parser, fed the input in pieces (the first byte sets their size) and
// pipelined: each request that completes is followed by the next in the same bytes. A request
// either completes with a method and a path, or fails with a 4xx/5xx status and a message.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const hone::http::Limits limits = [] {
    hone::http::Limits l;
    l.max_body_bytes = 4096;
    l.max_header_bytes = 2048;
    l.max_request_line = 512;
    return l;
  }();
  const std::size_t piece = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  hone::http::RequestParser parser(limits);
  std::size_t offered = 0;  // bytes handed to the parser but not yet used
  std::size_t start = 0;
  while (start < input.size()) {
    offered = std::min(input.size() - start, offered + piece);
    const std::size_t used = parser.feed(input.substr(start, offered));
    if (used > offered) std::abort();
    start += used;
    offered -= used;
    switch (parser.state()) {
      case hone::http::RequestParser::State::kDone:
        if (parser.request().target.empty()) std::abort();
        parser.reset();
        break;
      case hone::http::RequestParser::State::kError:
        if (parser.error_status() < 400 || parser.error_status() > 505 ||
            parser.error_message().empty()) {
          std::abort();
        }
        return 0;
      default:
        if (used == 0 && start + offered == input.size()) return 0;  // waits for more bytes
    }
  }
  return 0;
}
