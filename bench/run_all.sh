#!/usr/bin/env bash
# Every benchmark as docs/BENCHMARKS.md reports it, on a Release build:
#   cmake -S . -B build/h-bench -G Ninja -DCMAKE_BUILD_TYPE=Release
#   cmake --build build/h-bench --target livesnapd livesnap-loadgen \
#     capture_benchmark clip_capture_benchmark upload_benchmark
#   bench/run_all.sh build/h-bench build/h-bench/bench-results
# Takes about 25 minutes and both cores: run it on an otherwise idle machine
# (uptime's 1-minute load average below 1). Writes the text and JSON of each
# benchmark under the output directory and the plot to docs/benchmarks-cpu.png.
set -euo pipefail

build=${1:-build/h-bench}
out=${2:-$build/bench-results}
here=$(cd "$(dirname "$0")" && pwd)
work="$build/bench-work"
mkdir -p "$out" "$work"

{ date; uptime; } | tee "$out/conditions-before.txt"

"$build/bench/capture_benchmark" --benchmark_filter='BM_Capture/h264_(720p|1080p)$' \
  --benchmark_min_time=2 --benchmark_out="$out/capture.json" --benchmark_out_format=json |
  tee "$out/capture.txt"

python3 "$here/capacity.py" --livesnapd "$build/src/server/livesnapd" \
  --loadgen "$build/tools/loadgen/livesnap-loadgen" \
  --clip-benchmark "$build/bench/clip_capture_benchmark" \
  --streams 100,250,500,1000 --window 60 --work-dir "$work" --json "$out/capacity.json" |
  tee "$out/capacity.txt"

python3 "$here/baseline.py" --livesnapd "$build/src/server/livesnapd" \
  --loadgen "$build/tools/loadgen/livesnap-loadgen" \
  --decode-streams 5,10,20 --skip-frame-streams 10,50,100 --real-ffmpeg-streams 20 \
  --window 30 --work-dir "$work" --json "$out/baseline.json" | tee "$out/baseline.txt"

python3 "$here/capacity.py" --livesnapd "$build/src/server/livesnapd" \
  --loadgen "$build/tools/loadgen/livesnap-loadgen" --profile batched \
  --streams 100,1000 --window 60 --work-dir "$work" --json "$out/capacity-batched.json" |
  tee "$out/capacity-batched.txt"

"$build/bench/upload_benchmark" --benchmark_min_time=2 \
  --benchmark_out="$out/upload.json" --benchmark_out_format=json | tee "$out/upload.txt"

python3 "$here/plot_cpu.py" --capacity "$out/capacity.json" --baseline "$out/baseline.json" \
  --out "$here/../docs/benchmarks-cpu.png"

{ date; uptime; } | tee "$out/conditions-after.txt"
