#!/usr/bin/env bash
# Refreshes .sqlx/, the committed metadata that lets the sqlx query macros compile offline.
# Run it after changing a query or a migration. Needs Postgres binaries (scripts/test-db.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
base=$(./scripts/test-db.sh start)
db=grove_sqlx_prepare
psql -q "$base" -c "drop database if exists $db" -c "create database $db"
url=${base%/*}/$db
for f in migrations/*.sql; do psql -q -v ON_ERROR_STOP=1 "$url" -f "$f" >/dev/null; done
rm -rf .sqlx && mkdir .sqlx
# the macros only run when their crate recompiles
find engine/src -name '*.rs' -exec touch {} +
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$PWD/.sqlx" DATABASE_URL="$url" \
  cargo check --all-targets --quiet
echo "$(ls .sqlx | wc -l) queries in .sqlx/"
