// What an allocation really takes from glibc's malloc on a 64-bit machine: the request, its 8-byte
// size field, rounded up to 16 bytes, and never less than 32. For byte budgets that must hold in
// resident memory (a cache that counts only its payload can use twice its budget).
#pragma once

#include <cstddef>
#include <string>

namespace hone {

constexpr std::size_t heap_bytes(std::size_t requested) {
  if (requested == 0) return 0;
  const std::size_t chunk = (requested + 8 + 15) & ~std::size_t{15};
  return chunk < 32 ? 32 : chunk;
}

// A string's own size and the heap block behind it (none while it fits in the object: 15 bytes).
inline std::size_t string_bytes(const std::string& text) {
  return sizeof(std::string) + (text.capacity() > 15 ? heap_bytes(text.capacity() + 1) : 0);
}

}  // namespace hone
