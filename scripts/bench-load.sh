#!/usr/bin/env bash
# The load table of BENCHMARKS.md: simulated annotators over HTTP against release servers on
# one database (a fresh copy of TEMPLATE, or an empty database for "fresh").
# Usage: [THINK_MS=0] [DETAIL=1] [SAMPLES=file.json] bench-load.sh GROVE_BIN TEMPLATE|fresh USERS [SERVERS=1] [SECONDS=60]
#        with DATABASE_URL naming the Postgres server (any database on it).
# Server, Postgres and load generator share the machine; rate limits are off (one address
# does a crowd's work); each server has a pool of 16 connections.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
bin=$1 template=$2 users=$3 servers=${4:-1} seconds=${5:-60}
base=${DATABASE_URL%/*}
db=grove_load_run
psql -q "$base/postgres" -c "drop database if exists $db" 2>/dev/null
if [ "$template" = fresh ]; then
  psql -q "$base/postgres" -c "create database $db"
else
  psql -q "$base/postgres" -c "create database $db template $template"
fi
[ -n "${BENCH_DB_SETTING:-}" ] && psql -q "$base/postgres" -c "alter database $db set $BENCH_DB_SETTING"
export DATABASE_URL=$base/$db GROVE_RATE_LIMIT_SCALE=0 GROVE_LOG_FORMAT=text RUST_LOG=warn
pids=()
bases=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
for i in $(seq 1 "$servers"); do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  GROVE_ADDR=127.0.0.1:$port "$bin" serve > "target/bench-load-$i.log" 2>&1 &
  pids+=($!)
  bases+=("http://127.0.0.1:$port")
  for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
done
joined=$(IFS=,; echo "${bases[*]}")
node e2e/bench/annotators.mjs --base "$joined" --users "$users" --duration "$seconds" --think-ms "${THINK_MS:-0}" --detail "${DETAIL:-0}" ${SAMPLES:+--samples "$SAMPLES"}
# what each server counted: the surveys of available work and their time, retried transactions
for b in "${bases[@]}"; do
  curl -fs "$b/metrics" | grep -E '^grove_(survey|transaction_retries)' | sed "s|^|$b |" || true
done
