#!/usr/bin/env bash
# Runs Grove: installs what is missing, builds (release), and serves at http://127.0.0.1:3000.
# Without DATABASE_URL, Grove keeps its own Postgres cluster under ./data. Extra arguments go
# to `grove serve` (see ./target/release/grove --help).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
./scripts/setup.sh run
./scripts/build.sh release
exec ./target/release/grove serve "$@"
