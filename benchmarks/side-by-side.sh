#!/usr/bin/env bash
# MiniTorch's figures for the README's comparison table: the training step of the composed Lstm/Rnn for every
# configuration at 1 and 2 threads, and fp32 GEMM at 256 and 1024. Run the peers right before or after, in the same
# session (this machine drifts by ~25% between sessions):
#   OPENBLAS_CORETYPE=SkylakeX python3 ../shared/peers/torch_bench.py --configs small,medium,large
# (on this machine OpenBLAS picks its generic "Prescott" kernels unless the core type is named).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build benchmarks/MiniTorch.Benchmarks -c Release -v quiet -nologo >/dev/null
bench() { dotnet benchmarks/MiniTorch.Benchmarks/bin/Release/net10.0/MiniTorch.Benchmarks.dll "$@" | grep '^RESULT'; }
for config in small medium large; do
  for model in lstm rnn; do
    for threads in 1 2; do
      seconds=${SECONDS_PER_FIGURE:-4}; [ "$config" = large ] && seconds=$((seconds * 3)) # large steps take ~0.5 s: time >= 12 of them
      echo -n "threads=$threads "; bench train --model "$model" --config "$config" --threads "$threads" --seconds "$seconds"
    done
  done
done
for n in 256 1024; do bench matmul --n "$n" --threads 2 --seconds 3; done
