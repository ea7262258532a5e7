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

# livesnap_fuzzer(<name> SOURCES <files...> LIBS <targets...> CORPUS <corpus-subdir>
#                 [MALLOC_LIMIT_MB <mb>])
# The sources define LLVMFuzzerTestOneInput. With LIVESNAP_FUZZ (clang) this is
# a libFuzzer binary; otherwise it links a driver that replays every file of
# the seed corpus once, so the normal test run keeps the target compiling and
# exercises it on real input. Inputs that once failed a target are kept in
# tests/fuzz/regressions/<corpus-subdir> and replayed with the seeds.
# MALLOC_LIMIT_MB fails the target on any single allocation larger than that
# (libFuzzer -malloc_limit_mb; in the replay, ASan's max_allocation_size_mb).
function(livesnap_fuzzer name)
  cmake_parse_arguments(F "" "CORPUS;MALLOC_LIMIT_MB" "SOURCES;LIBS" ${ARGN})
  if(LIVESNAP_FUZZ)
    add_executable(${name} ${F_SOURCES})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(${name} ${F_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cc)
  endif()
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  set(flags "")
  if(F_MALLOC_LIMIT_MB)
    set(flags "-malloc_limit_mb=${F_MALLOC_LIMIT_MB}")
  endif()
  set_property(GLOBAL APPEND PROPERTY LIVESNAP_FUZZERS "${name}:${F_CORPUS}:${flags}")
  if(LIVESNAP_BUILD_TESTS AND NOT LIVESNAP_FUZZ)
    set(regressions ${PROJECT_SOURCE_DIR}/tests/fuzz/regressions/${F_CORPUS})
    if(NOT EXISTS ${regressions})
      set(regressions "")
    endif()
    add_test(NAME fuzz_replay.${name}
      COMMAND ${name} ${LIVESNAP_CORPUS_DIR}/${F_CORPUS} ${regressions})
    set_tests_properties(fuzz_replay.${name} PROPERTIES
      FIXTURES_REQUIRED fuzz_corpus LABELS fuzz)
    if(F_MALLOC_LIMIT_MB)
      set_tests_properties(fuzz_replay.${name} PROPERTIES ENVIRONMENT_MODIFICATION
        "ASAN_OPTIONS=string_append::max_allocation_size_mb=${F_MALLOC_LIMIT_MB}")
    endif()
  endif()
endfunction()
