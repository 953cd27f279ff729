#!/usr/bin/env bash
# grove-worker bench against PyTorch on this machine's CPU, interleaved, ROUNDS times per shape:
#   ./scripts/bench-cpu-training.sh PYTHON [WORKER ...]
# PYTHON: a python with torch and transformers (PyPI); WORKER: release grove-worker binaries
# (default target/release/grove-worker), e.g. one built with `flex` and one with LibTorch
# (./scripts/build-worker-libtorch.sh). Prints one JSON line per run. ROUNDS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:?a python with torch and transformers}
shift
[ $# -gt 0 ] || set -- target/release/grove-worker
WORKERS=("$@")
TORCH=../shared/bench/torch_rm_cpu.py
for spec in "minilm 16 128 5" "bert-base 16 128 2"; do
  read -r shape pairs seq steps <<< "$spec"
  for _ in $(seq 1 "${ROUNDS:-2}"); do
    "$PY" "$TORCH" "$shape" "$pairs" "$seq" "$steps"
    for w in "${WORKERS[@]}"; do
      "$w" --device cpu bench --shape "$shape" --pairs "$pairs" --seq "$seq" --steps "$steps" --warmup 1
    done
  done
done
