#include "serve/stored_answer.h"

#include <cstdint>
#include <cstring>

#include "core/heap_size.h"

namespace hone::serve {
namespace {

template <typename Int>
void put(std::string& out, Int value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

void put_text(std::string& out, std::string_view text) {
  put(out, static_cast<std::uint32_t>(text.size()));
  out.append(text);
}

// Reads forward through the bytes; any read past the end marks it failed.
struct Reader {
  std::string_view bytes;
  bool failed = false;

  template <typename Int>
  Int take() {
    Int value{};
    if (bytes.size() < sizeof value) {
      failed = true;
      return value;
    }
    std::memcpy(&value, bytes.data(), sizeof value);
    bytes.remove_prefix(sizeof value);
    return value;
  }
  std::string take_text() {
    const auto size = take<std::uint32_t>();
    if (failed || bytes.size() < size) {
      failed = true;
      return {};
    }
    std::string text(bytes.substr(0, size));
    bytes.remove_prefix(size);
    return text;
  }
};

}  // namespace

std::size_t StoredAnswer::byte_size() const {
  std::size_t size = sizeof(StoredAnswer) - 2 * sizeof(std::string) + string_bytes(content_type) +
                     string_bytes(body) + heap_bytes(headers.capacity() * sizeof(http::Header));
  for (const auto& header : headers) {
    size += string_bytes(header.name) + string_bytes(header.value) - 2 * sizeof(std::string);
  }
  return size;
}

std::string encode_answer(const StoredAnswer& answer) {
  std::string out;
  out.reserve(answer.byte_size() + 16);
  put(out, static_cast<std::uint16_t>(answer.status));
  put_text(out, answer.content_type);
  put(out, static_cast<std::uint32_t>(answer.headers.size()));
  for (const auto& header : answer.headers) {
    put_text(out, header.name);
    put_text(out, header.value);
  }
  out.append(answer.body);
  return out;
}

std::optional<StoredAnswer> decode_answer(std::string_view bytes) {
  Reader in{bytes};
  StoredAnswer answer;
  answer.status = in.take<std::uint16_t>();
  answer.content_type = in.take_text();
  const auto count = in.take<std::uint32_t>();
  if (in.failed || answer.status < 100 || answer.status > 599 || count > 1000) return std::nullopt;
  for (std::uint32_t i = 0; i < count && !in.failed; ++i) {
    http::Header header;
    header.name = in.take_text();
    header.value = in.take_text();
    answer.headers.push_back(std::move(header));
  }
  if (in.failed) return std::nullopt;
  answer.body = std::string(in.bytes);
  return answer;
}

}  // namespace hone::serve
