"""Prints side-by-side.sh's one table from MiniTorch's RESULT lines and the peers' --json files (stdlib only).

    python3 side_by_side_table.py RESULTS_FILE [PEERS_TRAIN_JSON [PEERS_INFER_JSON]]

RESULTS_FILE holds lines `threads=K RESULT model=M config=C [mode=infer] median_ms=... min_ms=...` and
`RESULT op=matmul n=N gflops=G`. Per row: MiniTorch's median at its best thread count, the fastest peer's median
(and which), their ratio, and the roof: GFLOP of the step's matmuls / time, as a percentage of the fastest measured
1024^3 fp32 GEMM rate (MiniTorch's or the peer BLAS's, whichever is higher). The issue's roof target is for large;
for small and medium the percentage shows how much of the step is not matmul at full speed.
"""
import json
import sys

CONFIGS = {"small": (16, 16, 32, 64), "medium": (32, 50, 128, 256), "large": (64, 100, 512, 512)}
GATES = {"lstm": 4, "rnn": 1, "gru": 3}


def matmul_gflop(model, mode, n, t, d, h):
    """GFLOP of the matmuls of one step: per time step the input product (N,D)x(D,GH) and the recurrent product
    (N,H)x(H,GH), 2·N·G·H·(D+H) flops; the backward has two products per forward product (the input's and the
    weight's gradient), so a training step is three times the forward."""
    g = GATES[model]
    forward = 2 * n * t * g * h * (d + h)
    return (forward if mode == "infer" else 3 * forward) / 1e9


def parse(path):
    steps, gemm = {}, {}
    for line in open(path):
        fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
        if fields.get("op") == "matmul":
            gemm[int(fields["n"])] = max(gemm.get(int(fields["n"]), 0.0), float(fields["gflops"]))
        elif "model" in fields:
            key = (fields.get("mode", "train"), fields["config"], fields["model"])
            cand = (float(fields["median_ms"]), float(fields["min_ms"]), int(fields.get("threads", 0)),
                    float(fields.get("alloc_mb_per_step", "nan")))
            if key not in steps or cand[0] < steps[key][0]:
                steps[key] = cand
    return steps, gemm


def peers(path, mode):
    best, gemm = {}, {}
    if not path:
        return best, gemm
    data = json.load(open(path))
    for r in data["steps"]:
        key = (mode, r["config"], r["model"])
        if key not in best or r["ms"] < best[key][0]:
            best[key] = (r["ms"], r["impl"])
    for r in data.get("matmul", []):
        gemm[r["n"]] = max(gemm.get(r["n"], 0.0), r["gflops"])
    return best, gemm


def main():
    steps, gemm = parse(sys.argv[1])
    peer, peer_gemm = peers(sys.argv[2] if len(sys.argv) > 2 else None, "train")
    infer_peer, _ = peers(sys.argv[3] if len(sys.argv) > 3 else None, "infer")
    peer.update(infer_peer)
    roof = max([gemm.get(1024, 0.0), peer_gemm.get(1024, 0.0)])
    print(f"| mode | config (N,T,D,H) | model | MiniTorch ms (min, threads) | MB/step | fastest peer ms | ratio "
          f"| matmul GFLOP | GFLOP/s | % of roof ({roof:.0f} GFLOP/s) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for (mode, config, model), (ms, min_ms, threads, alloc) in sorted(
            steps.items(), key=lambda kv: (kv[0][0] != "train", list(CONFIGS).index(kv[0][1]), kv[0][2])):
        shape = CONFIGS[config]
        p = peer.get((mode, config, model))
        peer_cell = f"{p[0]:.2f} ({p[1]})" if p else "-"
        ratio = f"{ms / p[0]:.2f}" if p else "-"
        flop = matmul_gflop(model, mode, *shape)
        rate = flop / (ms / 1e3)
        roof_cell = f"{100 * rate / roof:.0f}%" if roof else "-"
        print(f"| {mode} | {config} {','.join(map(str, shape))} | {model.upper()} | {ms:.2f} ({min_ms:.2f}, t{threads}) "
              f"| {alloc:.1f} | {peer_cell} | {ratio} | {flop:.1f} | {rate:.0f} | {roof_cell} |")
    for n in sorted(gemm):
        p = peer_gemm.get(n)
        print(f"| SGEMM | {n}^3 | | {gemm[n]:.0f} GFLOP/s | | {f'{p:.0f} GFLOP/s (torch/numpy)' if p else '-'} "
              f"| {f'{gemm[n] / p:.2f}' if p else '-'} (rate ratio) | | | |")


if __name__ == "__main__":
    main()
