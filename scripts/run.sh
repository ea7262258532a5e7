#!/usr/bin/env bash
# Installs what is missing, builds livesnap (Release) and starts livesnapd.
# With no arguments it runs on the embedded defaults: RTMP on :1935, API on
# :8080, SQLite catalog and snapshots under ./data, domains 127.0.0.1 and
# localhost with a snapshot every 5 s. Arguments go to livesnapd
# (e.g. scripts/run.sh -c livesnap.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
# Compiler cache: paths under the checkout hash alike in every clone of it.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=true

scripts/install-deps.sh run
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DLIVESNAP_BUILD_TESTS=OFF -DLIVESNAP_BUILD_BENCH=OFF
cmake --build build/release -j "$(nproc)" --target livesnapd
exec build/release/src/server/livesnapd "$@"
