// An upstream's answer as the json protocol keeps it in the caches: status, content type, the
// end-to-end headers and the body, with a compact byte form for Redis.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace hone::serve {

struct StoredAnswer {
  int status = 200;
  std::string content_type;
  std::vector<http::Header> headers;  // without Content-Type and hop-by-hop headers
  std::string body;

  std::size_t byte_size() const;  // the object and its heap blocks, for cache budgets
};

// [u16 status][u32 n][n bytes content type][u32 headers]{[u32 n][name][u32 n][value]}[body]
std::string encode_answer(const StoredAnswer& answer);
// Nothing for bytes that are not an encoded answer (another writer's value under the key).
std::optional<StoredAnswer> decode_answer(std::string_view bytes);

}  // namespace hone::serve
