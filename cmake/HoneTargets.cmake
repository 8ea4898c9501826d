# Helpers that give every hone target the same warnings and layout.

set(HONE_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast)
if(HONE_WERROR)
  list(APPEND HONE_WARNINGS -Werror)
endif()

# hone_library(NAME SOURCES... [DEPS targets...]) -> target hone_NAME, alias hone::NAME
function(hone_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(hone_${name} STATIC ${ARG_SOURCES})
  add_library(hone::${name} ALIAS hone_${name})
  target_include_directories(hone_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(hone_${name} PRIVATE ${HONE_WARNINGS})
  target_link_libraries(hone_${name} PUBLIC ${ARG_DEPS})
endfunction()

# hone_test(NAME [SERIAL] SOURCES... DEPS targets...) -> one gtest executable registered with
# CTest; SERIAL tests run alone (they measure capacity, which other tests' load would change).
function(hone_test name)
  cmake_parse_arguments(ARG "SERIAL" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${HONE_WARNINGS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE HONE_BINARY="$<TARGET_FILE:hone>")
  set(serial FALSE)
  if(ARG_SERIAL)
    set(serial TRUE)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                       PROPERTIES TIMEOUT 300 LABELS "${ARG_LABELS}" RUN_SERIAL ${serial})
endfunction()
