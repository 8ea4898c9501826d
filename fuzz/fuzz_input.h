// Helpers shared by the fuzz targets: a scratch file for readers that take a path.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

namespace hone::fuzz {

// A file of this process's own under /tmp, rewritten with each input.
inline const std::string& scratch_file(const char* suffix) {
  static const std::string path =
      "/tmp/hone-fuzz-" + std::to_string(::getpid()) + "-" + std::string(suffix);
  return path;
}

inline const std::string& write_scratch(const char* suffix, const std::uint8_t* data,
                                        std::size_t size) {
  const std::string& path = scratch_file(suffix);
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

inline std::string text_of(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace hone::fuzz
