#!/usr/bin/env bash
# Fuzzes the REST API from its own OpenAPI document: the document is validated
# (openapi-spec-validator), then schemathesis sends generated valid and invalid requests
# (wrong types, missing fields, huge and odd strings, unknown ids) to every operation with an
# API key that may annotate and export, against a database with simulated trees in it.
# Any 5xx fails the run; so does a response that breaks the documented schema.
# Usage: fuzz-api.sh BASE_URL [MAX_EXAMPLES]  (a Postgres server URL; makes its own database)
#        Needs target/debug/grove (./scripts/build.sh debug). FUZZ_GROVE_BIN picks another.
#        The generator's seed is fixed so the test command is repeatable; FUZZ_SEED=random
#        explores new inputs (or FUZZ_SEED=N replays a run).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
base=$1
examples=${2:-60}
seed=${FUZZ_SEED:-20261127}
seed_args=(--seed "$seed")
[ "$seed" = random ] && seed_args=()
grove=${FUZZ_GROVE_BIN:-./target/debug/grove}
out=target/api-fuzz
rm -rf "$out" && mkdir -p "$out"

venv=target/py-fuzz
if [ ! -x "$venv/bin/schemathesis" ]; then
  say "installing schemathesis into $venv (once)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet schemathesis==4.32.5 openapi-spec-validator==0.9.0
fi

db=grove_fuzz
psql -q "$base" -c "drop database if exists $db" -c "create database $db" 2>/dev/null
export DATABASE_URL=${base%/*}/$db
# the fuzzer is one client sending thousands of requests: rate limits would only answer 429
export GROVE_RATE_LIMIT_SCALE=0
$grove simulate --trees 4 --users 6 --spammers 0 --seed 5 >/dev/null
$grove user create --username fuzzer --role admin --password fuzz-password-123 --accept-terms >/dev/null
key=$($grove api-key create --name fuzz --scope annotate --scope export --by fuzzer --user fuzzer |
  grep -Eo 'grove_[A-Za-z0-9_-]+' | head -n1)
[ -n "$key" ] || die "no API key was printed"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
GROVE_ADDR=127.0.0.1:$port $grove serve > "$out/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "$url/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$out/server.log"; die "grove did not start"; }
  sleep 0.2
done

say "the OpenAPI document validates"
curl -fs "$url/api/v1/openapi.json" -o "$out/openapi.json"
"$venv/bin/openapi-spec-validator" "$out/openapi.json"

# One worker: Python 3.11's ast module is not thread-safe and hypothesis uses it while
# generating ("AST constructor recursion depth mismatch"). Two runs: ids as generated (mostly unknown or malformed), then the ids of a real message and
# of a task handed to the fuzzer, so that bodies reach the use-cases behind the lookups.
task_id=$(curl -fs -X POST "$url/api/v1/tasks" -H "Authorization: Bearer $key" \
  -H 'Content-Type: application/json' -d '{"lang": "en", "kind": "label_assistant_reply"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["task_id"])') ||
  die "the fuzzer got no task"
message_id=$(psql -tAc "select message_id from message where role = 'assistant' limit 1" "$DATABASE_URL")
printf '[parameters]\ntask_id = "%s"\nmessage_id = "%s"\n' "$task_id" "$message_id" > "$out/real-ids.toml"
: > "$out/empty.toml"

status=0
for config in empty real-ids; do
  say "schemathesis ($config): $examples examples per operation and phase"
  "$venv/bin/schemathesis" --config-file "$out/$config.toml" run "$out/openapi.json" \
    --url "$url/api/v1" -H "Authorization: Bearer $key" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing --max-examples "$examples" --workers 1 \
    --suppress-health-check all --no-color "${seed_args[@]}" \
    --report junit --report-dir "$out/$config" > "$out/$config.log" 2>&1 || status=$?
  sed -n '/SUMMARY/,$p' "$out/$config.log"
done
# tower-http's trace layer logs every 5xx as a failed response
server_errors=$(grep -c "response failed" "$out/server.log" || true)
! grep -q "panicked" "$out/server.log" || die "the server panicked (see $out/server.log)"
[ "$status" = 0 ] || die "schemathesis found failures (see $out/*.log)"
[ "$server_errors" = 0 ] || die "$server_errors server errors in $out/server.log"
say "API fuzzing passed: no server error, every response as documented"
