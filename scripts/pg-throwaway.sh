#!/usr/bin/env bash
# Source this file. pg_throwaway_start starts a throwaway PostgreSQL cluster on a free
# localhost port and exports TRACKER_TEST_POSTGRES_URL; pg_throwaway_stop removes it.
# initdb refuses to run as root, so as root the cluster runs as the `postgres` user.

pg_throwaway_start() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bindir" ] && command -v initdb >/dev/null 2>&1; then
    bindir=$(dirname "$(command -v initdb)")
  fi
  if [ -z "$bindir" ]; then
    echo "pg-throwaway: no PostgreSQL server binaries; PostgreSQL tests will skip (fail under CI=true)." >&2
    return 1
  fi
  PG_TMP=$(mktemp -d /tmp/tracker-pg.XXXXXX)
  chmod 755 "$PG_TMP"
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$PG_TMP" postgres
    chown postgres "$PG_TMP"
    as=(runuser -u postgres --)
  fi
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${as[@]}" "$bindir/initdb" -D "$PG_TMP/data" -U postgres -A trust --no-sync -E UTF8 >/dev/null
  "${as[@]}" "$bindir/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/log" -w \
    -o "-p $PG_PORT -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  "${as[@]}" "$bindir/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -c "CREATE DATABASE tracker_test" >/dev/null
  PG_AS=("${as[@]}")
  PG_BINDIR=$bindir
  export TRACKER_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/tracker_test"
  echo "pg-throwaway: PostgreSQL on 127.0.0.1:$PG_PORT" >&2
}

pg_throwaway_stop() {
  if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP/data" ]; then
    "${PG_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
  fi
}
