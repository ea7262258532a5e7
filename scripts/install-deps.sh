#!/usr/bin/env bash
# Installs the Debian 12 packages livesnap needs, skipping those already present.
#   scripts/install-deps.sh run    build and run livesnapd
#   scripts/install-deps.sh test   also everything the test suite starts or drives
#   scripts/install-deps.sh bench  run, plus what the benchmarks compare with
set -euo pipefail

profile="${1:-run}"

run_packages=(
  build-essential cmake ninja-build pkg-config git ccache
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev
  libturbojpeg0-dev libcurl4-openssl-dev libssl-dev libexpat1-dev libsrt-openssl-dev
  libsqlite3-dev libpq-dev
  libasio-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libtoml11-dev libcpp-httplib-dev libabsl-dev libboost-dev
  prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  ffmpeg
)
test_packages=(
  clang clang-format libclang-rt-14-dev
  postgresql
  chromium
  s3cmd
  # GStreamer as a second RTMP and SRT client: videotestsrc (base), x264enc
  # (ugly), h264parse, mpegtsmux and srtsink (bad), flvmux and rtmp2sink.
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  curl ca-certificates openssl
  # The cluster test's TCP load balancer in front of the nodes' RTMP ports.
  nginx libnginx-mod-stream
)
# The baseline the benchmarks compare with (nginx-rtmp + ffmpeg) and their plot.
bench_packages=(
  nginx libnginx-mod-rtmp gnuplot-nox
)
# The real clients bench/write_patterns.py traces (strace, OBS under Xvfb):
# benchmarks only, never the tests.
trace_packages=(
  strace obs-studio xvfb xauth
)

packages=("${run_packages[@]}")
# The build installs the web console's library with npm (web/package-lock.json).
# The machine image may ship its own Node.js; Debian's npm conflicts with it.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi
if [[ "$profile" == "test" ]]; then
  packages+=("${test_packages[@]}")
fi
if [[ "$profile" == "test" || "$profile" == "bench" ]]; then
  packages+=("${bench_packages[@]}")
fi
if [[ "$profile" == "bench" ]]; then
  packages+=("${trace_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [[ "$(id -u)" != 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
