#!/usr/bin/env bash
# grove-worker bench against PyTorch on this machine's CPU, interleaved, twice per shape:
#   ./scripts/bench-cpu-training.sh PYTHON [WORKER]
# PYTHON: a python with torch and transformers (PyPI); WORKER: a release grove-worker
# (default target/release/grove-worker). Prints one JSON line per run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:?a python with torch and transformers}
W=${2:-target/release/grove-worker}
TORCH=../shared/bench/torch_rm_cpu.py
for spec in "minilm 16 128 5" "bert-base 16 128 2"; do
  set -- $spec
  for _ in 1 2; do
    "$PY" "$TORCH" "$1" "$2" "$3" "$4"
    "$W" --device cpu bench --shape "$1" --pairs "$2" --seq "$3" --steps "$4" --warmup 1
  done
done
