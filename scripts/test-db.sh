#!/usr/bin/env bash
# A throwaway Postgres cluster for tests: ./scripts/test-db.sh start|stop|restart|url
#   DIR defaults to a folder under /tmp (reachable by the postgres user when we run as root);
#   fsync and friends are off because the data is thrown away.
set -euo pipefail
cmd=${1:-start}
DIR=${TEST_PG_DIR:-/tmp/grove-test-pg}
PORT=${TEST_PG_PORT:-55432}
BIN=${GROVE_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$BIN/pg_ctl" ] || { echo "no Postgres server binaries found (install postgresql)" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $cmd in
  start)
    if [ ! -f "$DIR/data/PG_VERSION" ]; then
      mkdir -p "$DIR"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
      as_pg "$BIN/initdb" -D "$DIR/data" -A trust -U postgres >/dev/null
    fi
    if ! as_pg "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start >/dev/null
    fi
    echo "postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  restart)
    # the same options as at start (pg_ctl keeps them); for the fault check
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -m fast -w restart >/dev/null
    ;;
  stop)
    as_pg "$BIN/pg_ctl" -D "$DIR/data" stop -m fast >/dev/null 2>&1 || true
    ;;
  url)
    echo "postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  *) echo "usage: $0 start|stop|restart|url" >&2; exit 2 ;;
esac
