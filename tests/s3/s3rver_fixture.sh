#!/usr/bin/env bash
# The S3 server the storage tests run against: s3rver from npm, pinned by
# package-lock.json, installed into and run from the build tree.
#
#   s3rver_fixture.sh install STATE_DIR   npm ci into STATE_DIR/npm (skipped when current)
#   s3rver_fixture.sh start STATE_DIR     a fresh server on a free 127.0.0.1 port; its
#                                         port in STATE_DIR/port, its log in STATE_DIR/s3rver.log
#   s3rver_fixture.sh stop STATE_DIR      stops the server start left running
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
command="${1:?install, start or stop}"
state="${2:?state directory}"
mkdir -p "$state"
state="$(cd "$state" && pwd)"

stop_server() {
  if [[ -f "$state/pid" ]]; then
    pid="$(cat "$state/pid")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$state/pid"
  fi
  rm -f "$state/port"
}

case "$command" in
  install)
    npm_dir="$state/npm"
    mkdir -p "$npm_dir"
    if cmp -s "$here/package-lock.json" "$npm_dir/package-lock.json" &&
       [[ -f "$npm_dir/node_modules/s3rver/package.json" ]]; then
      exit 0
    fi
    command -v npm >/dev/null || { echo "npm not found: run scripts/install-deps.sh test" >&2; exit 1; }
    cp "$here/package.json" "$here/package-lock.json" "$npm_dir/"
    (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error)
    ;;
  start)
    stop_server
    rm -rf "$state/data"
    # Detached, with every descriptor redirected, so that CTest does not wait on it.
    # The legacy provider: see s3rver_main.js.
    setsid node --openssl-legacy-provider "$here/s3rver_main.js" --modules "$state/npm/node_modules" \
      --directory "$state/data" --port 0 --bucket livesnap-test \
      --ready-file "$state/port" </dev/null >"$state/s3rver.log" 2>&1 &
    echo $! >"$state/pid"
    for _ in $(seq 300); do
      if [[ -f "$state/port" ]]; then
        echo "s3rver on 127.0.0.1:$(cat "$state/port") (pid $(cat "$state/pid"))"
        exit 0
      fi
      if ! kill -0 "$(cat "$state/pid")" 2>/dev/null; then break; fi
      sleep 0.1
    done
    echo "s3rver did not start:" >&2
    cat "$state/s3rver.log" >&2
    stop_server
    exit 1
    ;;
  stop)
    stop_server
    ;;
  *)
    echo "unknown command $command" >&2
    exit 2
    ;;
esac
