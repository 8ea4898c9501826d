# Third-party dependencies, all from Debian's packages (see scripts/setup).
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(simdjson REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)
# ONNX's protobuf classes (libonnx-dev), for .onnx tree ensembles; they need protobuf's target.
find_package(Protobuf REQUIRED)
find_package(ONNX REQUIRED)
find_library(BROTLIENC_LIBRARY NAMES brotlienc REQUIRED)
find_library(ZSTD_LIBRARY NAMES zstd REQUIRED)
find_library(XXHASH_LIBRARY NAMES xxhash REQUIRED)
find_library(HIREDIS_LIBRARY NAMES hiredis REQUIRED)
# Debian's xgboost CMake package also demands the xgboost command-line tool; the library and
# its header are all hone needs, so find them directly.
find_library(XGBOOST_LIBRARY NAMES xgboost REQUIRED)
find_path(XGBOOST_INCLUDE_DIR NAMES xgboost/c_api.h REQUIRED)
add_library(xgboost::xgboost SHARED IMPORTED)
set_target_properties(xgboost::xgboost PROPERTIES
  IMPORTED_LOCATION ${XGBOOST_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${XGBOOST_INCLUDE_DIR})
if(HONE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(HONE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
