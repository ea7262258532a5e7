# Helpers shared by every module's CMakeLists.txt.

# livesnap_test(<name> SOURCES <files...> LIBS <targets...> [LABELS <labels...>])
# A GoogleTest executable whose tests are registered with CTest one by one, as
# <name>.<Suite>.<Test> so that `ctest -R <module>` selects a module's tests.
function(livesnap_test name)
  if(NOT LIVESNAP_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name}
    TEST_PREFIX "${name}."
    PROPERTIES LABELS "${T_LABELS}"
    DISCOVERY_TIMEOUT 60)
endfunction()

# livesnap_fuzzer(<name> SOURCES <files...> LIBS <targets...> CORPUS <corpus-subdir>)
# The sources define LLVMFuzzerTestOneInput. With LIVESNAP_FUZZ (clang) this is
# a libFuzzer binary; otherwise it links a driver that replays every file of
# the seed corpus once, so the normal test run keeps the target compiling and
# exercises it on real input.
function(livesnap_fuzzer name)
  cmake_parse_arguments(F "" "CORPUS" "SOURCES;LIBS" ${ARGN})
  if(LIVESNAP_FUZZ)
    add_executable(${name} ${F_SOURCES})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(${name} ${F_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cc)
  endif()
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  set_property(GLOBAL APPEND PROPERTY LIVESNAP_FUZZERS "${name}:${F_CORPUS}")
  if(LIVESNAP_BUILD_TESTS AND NOT LIVESNAP_FUZZ)
    add_test(NAME fuzz_replay.${name}
      COMMAND ${name} ${LIVESNAP_CORPUS_DIR}/${F_CORPUS})
    set_tests_properties(fuzz_replay.${name} PROPERTIES
      FIXTURES_REQUIRED fuzz_corpus LABELS fuzz)
  endif()
endfunction()
