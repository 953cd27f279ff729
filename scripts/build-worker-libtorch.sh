#!/usr/bin/env bash
# Builds grove-worker with LibTorch's CPU kernels (burn's `tch` backend, feature `libtorch`):
# PyTorch's training speed on the CPU (BENCHMARKS.md, "Reward-model training").
#   ./scripts/build-worker-libtorch.sh [VENV]
# LibTorch comes from PyPI: PyTorch 2.9.0 (the version tch 0.22 is built against) is installed
# into a virtual environment (default target/libtorch-venv, about 5 GB with its CUDA runtime
# libraries, which LibTorch's CPU library also loads). The binary, target/release/grove-worker,
# finds LibTorch there by its run path: keep the environment where it is, or rebuild. Nothing of
# Python runs when the worker does.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
venv=$(realpath -m "${1:-target/libtorch-venv}")
if ! "$venv/bin/python" -c 'import torch, sys; sys.exit(torch.__version__.split("+")[0] != "2.9.0")' 2>/dev/null; then
  say "installing PyTorch 2.9.0 from PyPI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q torch==2.9.0
fi
lib=$("$venv/bin/python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null)
[ -f "$lib/libtorch_cpu.so" ] || die "no LibTorch in $lib"
say "building grove-worker against $lib"
VIRTUAL_ENV=$venv PATH=$venv/bin:$PATH LIBTORCH_USE_PYTORCH=1 LIBTORCH_RPATH=$lib \
  cargo build --release -p worker --features libtorch
"${CARGO_TARGET_DIR:-target}/release/grove-worker" --device cpu bench --shape minilm --pairs 2 --seq 16 --steps 1 --warmup 0 \
  | grep -q '"backend":"libtorch"' || die "the built worker does not run on LibTorch"
say "${CARGO_TARGET_DIR:-target}/release/grove-worker trains on LibTorch ($lib)"
