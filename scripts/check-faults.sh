#!/usr/bin/env bash
# Two servers on one database, and faults under load. First, with rate limits on: a user signs
# in on one server and works on the other, an export started on one is downloaded from the
# other, login attempts on both count against one limit (e2e/support/two-servers.mjs). Then
# simulated annotators work through both servers over HTTP while one is killed with SIGKILL
# (its annotators go on through the other, as behind a proxy) and started again, and then while
# Postgres restarts. Afterwards every submit a server acknowledged must be in the database, the
# invariants must hold, and work must have gone on after each fault.
# Usage: check-faults.sh BASE_URL (a Postgres server URL; the script makes its own database)
#        Needs target/debug/grove (./scripts/build.sh debug); restarts the test cluster
#        (scripts/test-db.sh), so run nothing else against it meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
base=$1
grove=${FAULT_CHECK_BIN:-./target/debug/grove}
out=target/fault-check
rm -rf "$out" && mkdir -p "$out"
db=grove_faults
psql -q "$base" -c "drop database if exists $db" -c "create database $db" 2>/dev/null
export DATABASE_URL=${base%/*}/$db
export GROVE_GOAL_TREE_SIZE=6 GROVE_REVIEWS_PER_MESSAGE=1 GROVE_RANKINGS_PER_PARENT=1
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_a=$(free_port)
port_b=$(free_port)
url=http://127.0.0.1:$port_a
url_b=http://127.0.0.1:$port_b
server_pid=
server_b_pid=
load_pid=
cleanup() {
  [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null || true
  [ -n "$server_b_pid" ] && kill -9 "$server_b_pid" 2>/dev/null || true
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null || true
}
trap cleanup EXIT

# start_on PORT: starts a server, waits for it, prints nothing; its pid is in $started_pid
start_on() {
  GROVE_ADDR=127.0.0.1:$1 $grove serve >> "$out/server-$1.log" 2>&1 &
  started_pid=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  cat "$out/server-$1.log"
  die "grove did not start"
}
start_server() { start_on "$port_a"; server_pid=$started_pid; }
start_server_b() { start_on "$port_b"; server_b_pid=$started_pid; }
stop_both() {
  kill -TERM "$server_pid" "$server_b_pid"
  wait "$server_pid" || die "grove did not stop cleanly"
  wait "$server_b_pid" || die "grove did not stop cleanly"
  server_pid= server_b_pid=
}

say "two servers, one database: sessions, exports and rate limits are shared"
GROVE_RATE_LIMIT_SCALE=1 start_server
GROVE_RATE_LIMIT_SCALE=1 start_server_b
node e2e/support/two-servers.mjs "$url" "$url_b" "$grove" || die "the two-server check failed"
stop_both

export GROVE_RATE_LIMIT_SCALE=0

acks_since() { awk -v t="$1" -F'"at":' '{ split($2, a, "}"); if (a[1] + 0 > t) n++ } END { print n + 0 }' "$out/acks.jsonl"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

start_server
start_server_b
touch "$out/acks.jsonl"
node e2e/bench/annotators.mjs --base "$url,$url_b" --users 16 --duration 24 --log "$out/acks.jsonl" \
  > "$out/load.json" 2> "$out/load.err" &
load_pid=$!
sleep 6

say "kill -9 of one server under load (its annotators go on through the other)"
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null || true
killed_at=$(now_ms)
sleep 2
[ "$(acks_since "$killed_at")" -gt 0 ] || die "no submit succeeded through the other server"
start_server
sleep 3

say "Postgres restart under load"
./scripts/test-db.sh restart
restarted_at=$(now_ms)
sleep 5
curl -fs "$url/healthz" >/dev/null || die "health did not come back after the database restart"
[ "$(acks_since "$restarted_at")" -gt 0 ] || die "no submit succeeded after Postgres restarted"

wait "$load_pid"
load_pid=
cat "$out/load.json"
grep -q '"tasks_completed"' "$out/load.json" || die "the load generator failed: $(cat "$out/load.err")"
! grep -q "panicked" "$out"/server-*.log || die "a server panicked (see $out/server-*.log)"
grep -q '"completed_per_server"' "$out/load.json" || die "the load did not go through both servers"

say "every acknowledged submit is in the database"
python3 - "$out/acks.jsonl" "$DATABASE_URL" <<'PY'
import json, subprocess, sys
acks = [json.loads(line) for line in open(sys.argv[1])]
assert acks, "no submit was acknowledged"

def count(sql):
    # The query goes in on standard input: thousands of ids do not fit in one argument.
    return int(subprocess.run(["psql", sys.argv[2], "-tA", "-v", "ON_ERROR_STOP=1", "-f", "-"],
                              input=sql, check=True, capture_output=True, text=True).stdout.strip())

ids = ",".join(f"'{a['task_id']}'" for a in acks)
done = count(f"select count(*) from task where task_id in ({ids}) and done_at is not null;")
texts = {a["text"] for a in acks if a["text"]}
values = ",".join("'" + t.replace("'", "''") + "'" for t in texts) or "''"
stored = count(f"select count(distinct text) from message where text in ({values});")
assert done == len(acks), f"{len(acks)} submits acknowledged, {done} tasks done"
assert stored == len(texts), f"{len(texts)} texts acknowledged, {stored} stored"
print(f"{len(acks)} acknowledged submits, all in the database ({len(texts)} texts)")
PY
$grove check >/dev/null || die "an invariant broke"
stop_both
