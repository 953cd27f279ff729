#!/usr/bin/env bash
# Prepares the GPU check of the reward-model worker (issue 20), here, for a lent GPU machine
# that has no Rust and no Postgres:   ./scripts/gpu-prepare.sh
#   -> gpu/grove-worker    the CUDA build (CUDARC_CUDA_VERSION=13000, CUDA 13.0 driver there)
#      gpu/groups-en.json  ranked groups of 120 simulated trees (sensible over shuffled replies)
#      gpu/minilm.part-0[01] all-MiniLM-L6-v2 in two halves (the device tool carries 64 MiB a call)
#      gpu/torch_rm_*.py   the PyTorch references, run beside it on the same GPU
# Then, with the `device` tool: first call carries gpu/grove-worker, gpu/groups-en.json,
# gpu/torch_rm_baseline.py, gpu/torch_rm_compile.py and gpu/minilm.part-00 and runs
# `true`; the second carries gpu/minilm.part-01 and gpu/minilm.config and runs
# `./scripts/gpu-check.sh` (files of the first call stay on the warm machine).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
mkdir -p gpu

say "CUDA build of grove-worker (release)"
CUDARC_CUDA_VERSION=13000 cargo build --release -p worker --features cuda
cp target/release/grove-worker gpu/grove-worker
strip gpu/grove-worker || true

say "simulated training data"
base=$(./scripts/test-db.sh start)
db=grove_gpu_groups
psql -q "$base" -c "drop database if exists $db" -c "create database $db"
url=${base%/*}/$db
DATABASE_URL=$url cargo run --quiet --release -p server --bin grove -- migrate
DATABASE_URL=$url GROVE_GOAL_TREE_SIZE=6 cargo run --quiet --release -p server --bin grove -- \
  simulate --users 8 --trees 120 --spammers 0 --lang en --seed 5 --writing sensible
gpu/grove-worker --device cpu groups --database-url "$url" --languages en --out gpu/groups-en.json

say "base model in two halves"
model=data/base-models/all-MiniLM-L6-v2
split -n 2 -d "$model/model.safetensors" gpu/minilm.part-
mkdir -p gpu/minilm.config
cp "$model/config.json" "$model/tokenizer.json" gpu/minilm.config/
cp ../shared/bench/torch_rm_baseline.py ../shared/bench/torch_rm_compile.py gpu/
du -sh gpu/*
