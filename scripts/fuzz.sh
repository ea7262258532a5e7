#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for a
# while on the seed corpus captured from a real ffmpeg push.
#   scripts/fuzz.sh [CORPUS_DIR] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
# Compiler cache: paths under the checkout hash alike in every clone of it.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=true

corpus="${1:-build/test/corpus}"
seconds="${2:-60}"
build=build/fuzz
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLIVESNAP_FUZZ=ON -DLIVESNAP_SANITIZE=ON -DLIVESNAP_BUILD_TESTS=OFF -DLIVESNAP_BUILD_BENCH=OFF
targets=$(cut -d: -f1 "$build/fuzzers.txt" | grep . || true)
if [[ -z "$targets" ]]; then
  echo "fuzz: no fuzz targets declared"
  exit 1
fi
# shellcheck disable=SC2086
cmake --build "$build" -j "$(nproc)" --target $targets

failed=0
for target in $targets; do
  line=$(grep "^$target:" "$build/fuzzers.txt")
  corpus_name=$(cut -d: -f2 <<<"$line")
  read -r -a flags <<<"$(cut -d: -f3- <<<"$line")"
  binary=$(find "$build/src" -name "$target" -type f -executable | head -1)
  work="$build/corpus-$target"
  mkdir -p "$work"
  seeds=()
  [[ -d "$corpus/$corpus_name" ]] && seeds=("$corpus/$corpus_name")
  [[ -d "tests/fuzz/regressions/$corpus_name" ]] && seeds+=("tests/fuzz/regressions/$corpus_name")
  echo "fuzz: $target for ${seconds}s (seeds: ${seeds[*]:-none}; flags: ${flags[*]:-none})"
  if ! "$binary" -max_total_time="$seconds" -print_final_stats=1 "${flags[@]}" \
      -artifact_prefix="$build/crash-$target-" "$work" "${seeds[@]}" >"$build/$target.log" 2>&1; then
    echo "fuzz: $target FAILED; see $build/$target.log"
    tail -50 "$build/$target.log"
    failed=1
  else
    grep -E "stat::number_of_executed_units|Done" "$build/$target.log" | tail -2
  fi
done
exit "$failed"
