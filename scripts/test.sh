#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what is missing,
# builds livesnap with AddressSanitizer + UndefinedBehaviorSanitizer, runs
# every CTest test (unit, integration with real ffmpeg, PostgreSQL, the SDK),
# then builds the libFuzzer targets with clang and runs each briefly.
#
#   scripts/test.sh                 everything
#   LIVESNAP_FUZZ_SECONDS=0 ...     skip the fuzzing runs
#   LIVESNAP_TEST_JOBS=N ...        ctest parallelism (default: 2)
set -euo pipefail
cd "$(dirname "$0")/.."
# Compiler cache: paths under the checkout hash alike in every clone of it.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=true

scripts/install-deps.sh test

jobs="${LIVESNAP_TEST_JOBS:-2}"
build=build/test
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIVESNAP_SANITIZE=ON
cmake --build "$build" -j "$(nproc)"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 600

fuzz_seconds="${LIVESNAP_FUZZ_SECONDS:-20}"
if [[ "$fuzz_seconds" != 0 ]]; then
  scripts/fuzz.sh "$build/corpus" "$fuzz_seconds"
fi
