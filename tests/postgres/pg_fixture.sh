#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, in a directory of the build tree.
#
#   tests/postgres/pg_fixture.sh start DIR [postgres -c options...]
#   tests/postgres/pg_fixture.sh stop DIR
#   tests/postgres/pg_fixture.sh restart DIR [SECONDS_DOWN]
#
# start: initdb's a cluster in DIR/data, starts it on a free 127.0.0.1 port
# (TCP only, trust authentication, superuser "livesnap"), creates the database
# "livesnap" and writes its URL to DIR/url. A cluster left running in DIR by an
# earlier run is stopped first. stop: stops the cluster and removes DIR/data.
# restart: stops the running cluster (fast: clients are disconnected), waits
# SECONDS_DOWN (default 0) and starts it again on the same port and data, as a
# database failover or upgrade would (start's extra options are not kept).
#
# initdb and postgres refuse to run as root; as root they run as the
# "postgres" user, which then owns the cluster. When that user cannot reach
# DIR (a checkout under a private home directory), the cluster lives in a
# temporary directory instead, recorded in DIR/cluster. The binaries are those
# of LIVESNAP_PG_BIN, else of the newest /usr/lib/postgresql/*/bin, else of PATH.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR [postgres -c options...]" >&2
  exit 2
}
(($# >= 2)) || usage
command="$1"
dir="$2"
shift 2

pg_bin="${LIVESNAP_PG_BIN:-}"
if [[ -z "$pg_bin" ]]; then
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi
if [[ -z "$pg_bin" ]]; then
  pg_bin="$(dirname "$(command -v initdb || echo /nonexistent/initdb)")"
fi
if [[ ! -x "$pg_bin/initdb" ]]; then
  echo "pg_fixture: no PostgreSQL server binaries (initdb) found; install the postgresql package" >&2
  exit 1
fi

as_owner=()
if [[ "$(id -u)" == 0 ]]; then
  as_owner=(runuser -u postgres --)
fi

# The directory holding the cluster's data and log: DIR, or the one DIR/cluster names.
cluster_root() {
  if [[ -f "$dir/cluster" ]]; then cat "$dir/cluster"; else echo "$dir"; fi
}

stop_cluster() {
  local mode="$1" root
  root="$(cluster_root)"
  if [[ -f "$root/data/postmaster.pid" ]]; then
    "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$root/data" -m "$mode" -w -t 60 stop >/dev/null || true
  fi
  if [[ "$root" != "$dir" ]]; then
    rm -rf "$root"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
  stop_cluster immediate
  rm -rf "$dir"
  mkdir -p "$dir"
  local root="$dir"
  if ((${#as_owner[@]} > 0)); then
    chown postgres: "$dir"
    if ! "${as_owner[@]}" test -w "$dir"; then
      root="$(mktemp -d "${TMPDIR:-/tmp}/livesnap-pg.XXXXXX")"
      chown postgres: "$root"
      echo "$root" >"$dir/cluster"
    fi
  fi
  data="$root/data"
  log="$root/postgres.log"

  if ! "${as_owner[@]}" "$pg_bin/initdb" -D "$data" -U livesnap -A trust -E UTF8 --no-locale \
      --no-sync >"$dir/initdb.log" 2>&1; then
    echo "pg_fixture: initdb failed:" >&2
    cat "$dir/initdb.log" >&2
    exit 1
  fi

  local attempt port=""
  for attempt in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    if port_in_use "$port"; then
      continue
    fi
    # Unix sockets off: the socket path limit (~107 bytes) would tie the
    # fixture to short build paths, and every client connects over TCP.
    if "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$data" -l "$log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories= $*" \
        start >/dev/null; then
      break
    fi
    if grep -q "could not bind\|could not create any TCP/IP sockets" "$log" 2>/dev/null; then
      port=""
      continue
    fi
    echo "pg_fixture: postgres did not start:" >&2
    cat "$log" >&2 || true
    exit 1
  done
  if [[ -z "$port" ]]; then
    echo "pg_fixture: found no free port for postgres" >&2
    exit 1
  fi

  "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U livesnap -d postgres \
    -c "CREATE DATABASE livesnap" >/dev/null
  echo "postgresql://livesnap@127.0.0.1:$port/livesnap" >"$dir/url.tmp"
  mv "$dir/url.tmp" "$dir/url"
  echo "pg_fixture: PostgreSQL $("$pg_bin/postgres" -V | awk '{print $3}') at $(cat "$dir/url")"
}

stop() {
  stop_cluster fast
  rm -rf "$dir/data" "$dir/cluster" "$dir/url"
}

restart() {
  local root port
  root="$(cluster_root)"
  port="$(sed -E 's|.*:([0-9]+)/.*|\1|' "$dir/url")"
  "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$root/data" -m fast -w -t 60 stop >/dev/null
  sleep "${1:-0}"
  "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$root/data" -l "$root/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=" start >/dev/null
  echo "pg_fixture: PostgreSQL restarted at $(cat "$dir/url")"
}

case "$command" in
  start) start "$@" ;;
  stop) stop ;;
  restart) restart "$@" ;;
  *) usage ;;
esac
