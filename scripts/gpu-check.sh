#!/usr/bin/env bash
# The GPU check of the reward-model worker, on the lent GPU machine (see gpu-prepare.sh):
# grove-worker bench for MiniLM and BERT-base at 16×512, 32×256 and 16×128 (f32; burn 0.21's
# CUDA backend runs the worker in f32), PyTorch's reference on the same GPU in the same call,
# and one real training job on simulated data with its held-out accuracy. Writes $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu/out}
mkdir -p "$OUT"
W=gpu/grove-worker
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
export CUDA_PATH=${CUDA_PATH:-/usr/local/cuda}

for shape in minilm bert-base; do
  for ps in "16 512" "32 256" "16 128"; do
    set -- $ps
    timeout 150 "$W" --device cuda bench --shape "$shape" --pairs "$1" --seq "$2" --steps 10 \
      --warmup 2 >> "$OUT/grove-bench.jsonl" 2>> "$OUT/grove-bench.log" ||
      echo "{\"model\":\"$shape\",\"pairs\":$1,\"seq\":$2,\"failed\":true}" >> "$OUT/grove-bench.jsonl"
  done
done
# PyTorch on the same GPU, same call (eager, bf16 autocast, SDPA): the figure to compare
OUT="$OUT" timeout 200 python3 gpu/torch_rm_baseline.py > "$OUT/torch-baseline.txt" 2>&1 || true

# one training job on simulated data: MiniLM, held-out share 0.2, 2 epochs
if [ -f gpu/minilm.part-00 ] && [ -f gpu/minilm.part-01 ]; then
  mkdir -p gpu/minilm
  cat gpu/minilm.part-00 gpu/minilm.part-01 > gpu/minilm/model.safetensors
  cp gpu/minilm.config/* gpu/minilm/
  timeout 200 "$W" --device cuda train --groups gpu/groups-en.json --base-model gpu/minilm \
    --out gpu/trained \
    --settings '{"held_out_fraction":0.2,"epochs":2,"batch_groups":8,"max_tokens":128,"learning_rate":3e-5}' \
    > "$OUT/train.json" 2> "$OUT/train.log" || echo "training failed" >> "$OUT/train.log"
fi
cat "$OUT"/grove-bench.jsonl "$OUT"/train.json 2>/dev/null
