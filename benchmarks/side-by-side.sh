#!/usr/bin/env bash
# One table of where MiniTorch stands: the training step and the no-grad forward ("infer") of the composed recurrent
# modules for every configuration at 1 and 2 threads (best kept), fp32 GEMM at 256 and 1024, and, when a python3
# with torch is present, the same figures of the peers (benchmarks/peers/torch_bench.py: PyTorch torch.nn and the
# seed's equations in torch ops, the seed's numpy code) in the same run. Ratio = MiniTorch / fastest peer;
# the roof = GFLOP of the step's matmuls / time as a percentage of the best measured 1024^3 SGEMM rate (every row; the target is for large).
#   benchmarks/side-by-side.sh                 # everything
#   CONFIGS=small,medium MODELS=lstm PEERS=0 benchmarks/side-by-side.sh
# Env: SECONDS_PER_FIGURE (4; large x3), CONFIGS, MODELS (lstm,rnn,gru), MODES (train,infer), PEERS (auto|0),
# PYTHON (a python3 with torch; default: the first of python3, /usr/bin/python3 that imports torch), QUIET_WAIT
# (seconds the peers' script waits for a quiet machine before each figure; 5). Raw output is kept in $OUT_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIGS=${CONFIGS:-small,medium,large}
MODELS=${MODELS:-lstm,rnn,gru}
MODES=${MODES:-train,infer}
OUT_DIR=${OUT_DIR:-$(mktemp -d)}
results="$OUT_DIR/minitorch.txt"; : > "$results"
dotnet build benchmarks/MiniTorch.Benchmarks -c Release -v quiet -nologo >/dev/null
# DOTNET_TieredCompilation=0: every method is compiled optimised on its first call, so a figure is steady state from
# the first timed step (tiered compilation needs ~30 calls per method, i.e. ~30 warm-up steps for the per-sequence
# code: 15 s of warm-up per large figure). Tier-1 code with PGO, what a long training run ends up with, is as fast or faster.
bench() { DOTNET_TieredCompilation=0 dotnet benchmarks/MiniTorch.Benchmarks/bin/Release/net10.0/MiniTorch.Benchmarks.dll "$@" | grep '^RESULT'; }
for mode in ${MODES//,/ }; do
  for config in ${CONFIGS//,/ }; do
    for model in ${MODELS//,/ }; do
      for threads in 1 2; do
        seconds=${SECONDS_PER_FIGURE:-4}; [ "$config" = large ] && seconds=$((seconds * 3)) # large steps take ~0.5 s: time >= 12 of them
        line=$(bench "$mode" --model "$model" --config "$config" --threads "$threads" --seconds "$seconds")
        echo "threads=$threads $line" | tee -a "$results"
      done
    done
  done
done
for n in 256 1024; do bench matmul --n "$n" --threads 2 --seconds 3 | tee -a "$results"; done

python=${PYTHON:-}
if [ -z "$python" ] && [ "${PEERS:-auto}" != 0 ]; then
  for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import torch, numpy' 2>/dev/null; then python=$p; break; fi
  done
fi
peer_args=()
if [ -n "$python" ]; then
  # On this machine's Xeon, OpenBLAS 0.3.21 falls back to its generic Prescott kernels unless the core type is named:
  # set for the peers' command only.
  common=(--configs "$CONFIGS" --models "$MODELS" --quiet-wait "${QUIET_WAIT:-5}")
  if [[ ",$MODES," == *,train,* ]]; then
    OPENBLAS_CORETYPE=SkylakeX "$python" benchmarks/peers/torch_bench.py "${common[@]}" --json "$OUT_DIR/peers-train.json" | tee "$OUT_DIR/peers-train.txt"
    peer_args+=("$OUT_DIR/peers-train.json")
  else
    peer_args+=("")
  fi
  if [[ ",$MODES," == *,infer,* ]]; then
    OPENBLAS_CORETYPE=SkylakeX "$python" benchmarks/peers/torch_bench.py "${common[@]}" --inference --no-matmul --json "$OUT_DIR/peers-infer.json" | tee "$OUT_DIR/peers-infer.txt"
    peer_args+=("$OUT_DIR/peers-infer.json")
  fi
else
  echo "(no python3 with torch and numpy: peers skipped; Debian: apt-get install python3-torch python3-numpy)"
fi
echo
echo "Side by side ($(date -u +%FT%TZ), $(nproc) cores; raw figures in $OUT_DIR):"
if command -v python3 >/dev/null; then
  python3 benchmarks/peers/side_by_side_table.py "$results" "${peer_args[@]}"
else
  cat "$results"
fi
