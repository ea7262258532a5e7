#!/usr/bin/env bash
# A fuzzing campaign beyond the CI smoke run: every libFuzzer target for a set
# time each, the corpus each one grows kept between campaigns, the figures
# reached written into docs/FUZZING.md, and every crashing input copied into
# tests/fuzz/regressions/<corpus>/ so that CTest replays it from then on.
#
#   scripts/fuzz-campaign.sh [--seconds N] [--cache DIR] [--seeds DIR] [--doc FILE]
#                            [--jobs N] [--only TARGET] [--libfuzzer-flag -F=V]...
#
#   --seconds N   time per target (default 3600)
#   --cache DIR   persistent corpora, one directory per target
#                 (default ${XDG_CACHE_HOME:-$HOME/.cache}/livesnap-fuzz)
#   --seeds DIR   seed corpus captured from a real push (default build/test/corpus,
#                 made by `ctest -R fuzz_corpus_capture` in build/test; optional)
#   --doc FILE    markdown file whose campaign table is replaced (default docs/FUZZING.md;
#                 "-" to only print the table)
#   --jobs N      build parallelism (default 2)
#   --only T      run only target T
#   --libfuzzer-flag F   one more libFuzzer flag for every target (e.g. -dict=FILE)
# Exit status: 0 when no target crashed, 1 when one did (its inputs are then in
# tests/fuzz/regressions/<corpus>/, to be fixed and committed).
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=true

seconds=3600
cache="${XDG_CACHE_HOME:-$HOME/.cache}/livesnap-fuzz"
seeds=build/test/corpus
doc=docs/FUZZING.md
jobs=2
only=""
user_flags=()
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --cache) cache="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    --doc) doc="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --libfuzzer-flag) user_flags+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,/^set /p' "$0" | grep '^#'; exit 0 ;;
    *) echo "fuzz-campaign: unknown argument $1" >&2; exit 2 ;;
  esac
done

build=build/fuzz
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLIVESNAP_FUZZ=ON -DLIVESNAP_SANITIZE=ON -DLIVESNAP_BUILD_TESTS=OFF \
  -DLIVESNAP_BUILD_BENCH=OFF >/dev/null
targets=$(cut -d: -f1 "$build/fuzzers.txt" | grep . || true)
[[ -n "$only" ]] && targets="$only"
if [[ -z "$targets" ]]; then
  echo "fuzz-campaign: no fuzz targets declared" >&2
  exit 1
fi
# shellcheck disable=SC2086
cmake --build "$build" -j "$jobs" --target $targets

logs="$build/campaign"
mkdir -p "$logs" "$cache"
started="$(date -u +%Y-%m-%dT%H:%MZ)"
rows=()
crashed=0
for target in $targets; do
  line=$(grep "^$target:" "$build/fuzzers.txt")
  corpus_name=$(cut -d: -f2 <<<"$line")
  read -r -a flags <<<"$(cut -d: -f3- <<<"$line")"
  binary=$(find "$build/src" "$build/tools" -name "$target" -type f -executable 2>/dev/null | head -1)
  work="$cache/$target"
  artifacts="$logs/artifacts-$target"
  mkdir -p "$work"
  rm -rf "$artifacts"
  mkdir -p "$artifacts"
  before=$(find "$work" -type f | wc -l)
  extra=()
  [[ -d "$seeds/$corpus_name" ]] && extra+=("$seeds/$corpus_name")
  [[ -d "tests/fuzz/regressions/$corpus_name" ]] && extra+=("tests/fuzz/regressions/$corpus_name")
  echo "fuzz-campaign: $target for ${seconds} s, corpus $work ($before inputs; seeds: ${extra[*]:-none})"
  status=0
  # New inputs go into the first directory ($work) only; -close_fd_mask keeps
  # the targets' own logging out of the log.
  "$binary" -max_total_time="$seconds" -print_final_stats=1 -close_fd_mask=1 "${flags[@]}" \
    "${user_flags[@]}" -artifact_prefix="$artifacts/" "$work" "${extra[@]}" >"$logs/$target.log" 2>&1 || status=$?

  execs=$(grep -ao 'stat::number_of_executed_units:[[:space:]]*[0-9]*' "$logs/$target.log" | tail -1 | awk '{print $2}')
  rss=$(grep -ao 'stat::peak_rss_mb:[[:space:]]*[0-9]*' "$logs/$target.log" | tail -1 | awk '{print $2}')
  # The last status line libFuzzer printed: "#N DONE cov: C ft: F corp: X/Yb ...".
  last=$(grep -aE '^#[0-9]+' "$logs/$target.log" | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | awk '{print $2}' || true)
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | awk '{print $2}' || true)
  after=$(find "$work" -type f | wc -l)
  bytes=$(du -sk "$work" | cut -f1)
  result="ok"
  found=$(find "$artifacts" -type f | sort)
  if [[ -n "$found" ]]; then
    result="CRASH"
    crashed=1
    mkdir -p "tests/fuzz/regressions/$corpus_name"
    while IFS= read -r input; do
      kind=$(basename "$input" | cut -d- -f1)
      dest="tests/fuzz/regressions/$corpus_name/$target-$kind-$(sha1sum "$input" | cut -c1-16)"
      cp "$input" "$dest"
      echo "fuzz-campaign: $target found a $kind; input kept as $dest (see $logs/$target.log)," \
        "replayed by ctest -R fuzz_replay.$target (re-run cmake if the directory is new): fix it and commit the input" >&2
    done <<<"$found"
  elif ((status != 0)); then
    result="exit $status"
    crashed=1
    echo "fuzz-campaign: $target exited $status without an input; see $logs/$target.log" >&2
    tail -20 "$logs/$target.log" >&2
  fi
  echo "fuzz-campaign: $target: ${execs:-?} executions, cov ${cov:-?}, ft ${ft:-?}, corpus $before -> $after inputs, $result"
  rows+=("| \`$target\` | ${seconds} | ${execs:-?} | $((${execs:-0} / (seconds > 0 ? seconds : 1))) | ${cov:-?} | ${ft:-?} | $before → $after (${bytes} KiB) | ${rss:-?} | $result |")
done

table=$(
  echo "Campaign of $started, \`scripts/fuzz-campaign.sh --seconds $seconds\` on $(nproc) cores" \
    "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))," \
    "clang $(clang --version | head -1 | grep -o '[0-9][0-9.]*' | head -1), ASan+UBSan:"
  echo
  echo "| target | s | executions | exec/s | cov | ft | corpus inputs (size) | peak RSS MiB | result |"
  echo "|---|---:|---:|---:|---:|---:|---|---:|---|"
  printf '%s\n' "${rows[@]}"
)
echo "$table"
if [[ "$doc" != "-" ]]; then
  if ! grep -q '<!-- campaign:begin -->' "$doc" 2>/dev/null; then
    printf '\n<!-- campaign:begin -->\n<!-- campaign:end -->\n' >>"$doc"
  fi
  TABLE="$table" python3 - "$doc" <<'EOF'
import os, re, sys
path = sys.argv[1]
text = open(path).read()
new = "<!-- campaign:begin -->\n" + os.environ["TABLE"] + "\n<!-- campaign:end -->"
text = re.sub(r"<!-- campaign:begin -->.*?<!-- campaign:end -->", lambda _: new, text, flags=re.S)
open(path, "w").write(text)
EOF
  echo "fuzz-campaign: table written into $doc"
fi
exit "$crashed"
