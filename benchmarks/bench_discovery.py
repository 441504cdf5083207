"""Discovery benchmark (issue 14): collection cost, SAE training time, the match table.

1. Activation collection for ~100k positions (bouncing-ball, 3200 sequences × 32 steps
   at ``blocks.2``): traces used, wall time, and ÷ a raw batched torch forward of the
   same rows (256 sequences per forward, the same chunking): what nnsight tracing and
   the read cost on top of the model's own compute.
2. SAE training time on the collected rows (TopK, the default steps), on this
   machine's threads (2 cores in CI-like runs).
3. The match table: per zoo model and method (pca, ica, sae, random), at each model's
   chosen site: MCC (one-to-one, held out), the 2-D subspace match (mean canonical
   correlation over the model's 2-D variables: velocity, per particle position and
   velocity on springs) next to the supervised probe's R², and for tiny-lm the held-out
   AUROC of the best feature per direction.

Targets (issue 14): springs per-particle position+velocity mean canonical correlation
≥ 0.8; tiny-lm direction AUROC ≥ 0.9; bouncing-ball velocity ≥ 0.9 (sanity check).
No speed number is in the issue; collection is reported against the raw forward.

Run: python benchmarks/bench_discovery.py [--positions 100000] [--threads 2]
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import torch

import iwm_widgets as iwm

SITES = {
    "bouncing-ball": "blocks.2",
    "springs-fixed": "blocks.0",
    "springs": "blocks.0",
    "springs-meanfield": "blocks.0",
    "tiny-lm": "transformer.h.2",
}
K = {"bouncing-ball": 8, "springs-fixed": 8, "springs": 8, "springs-meanfield": 16, "tiny-lm": 16}
METHODS = ("pca", "ica", "sae", "random")


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def collection(positions: int) -> None:
    model = iwm.load("bouncing-ball")
    T = model.spec.default_length
    n = math.ceil(positions / T)
    x = model.spec.sample_batch(n, seed=4_400_000)
    t0 = time.perf_counter()
    fs = iwm.discover(model, "blocks.2", "pca", k=8, inputs=x, progress=False)
    total = time.perf_counter() - t0
    collect_s = fs.timing["collect_s"]
    mod = model.module
    t1 = time.perf_counter()
    with torch.no_grad():
        for i in range(0, n, 256):
            mod(x[i : i + 256])
    raw = time.perf_counter() - t1
    print(f"## collection: {n} sequences x {T} steps = {n * T} positions at blocks.2")
    print(f"traces used: {int(fs.timing['traces'])} (256 sequences each)")
    print(f"collect {collect_s:.2f} s; raw batched forward of the same rows {raw:.2f} s")
    print(f"collect / raw forward = {collect_s / raw:.2f}x")
    print(f"PCA fit {fs.timing['fit_s']:.2f} s; discover() total {total:.2f} s")
    t2 = time.perf_counter()
    sae = iwm.discover(model, "blocks.2", "sae", k=32, inputs=x, progress=False)
    print(
        f"SAE (TopK k=32, topk {sae.config['topk']}, {sae.config['steps']} steps of "
        f"{sae.config['batch']} rows, {torch.get_num_threads()} threads): fit "
        f"{sae.timing['fit_s']:.1f} s (discover total {time.perf_counter() - t2:.1f} s); "
        f"unexplained {sae.reconstruction_error:.3f}, dead features "
        f"{sae.config['dead_features']}"
    )


def table(models: list[str], n: int) -> None:
    print("\n## match table (held-out sequences; pairs chosen on the fit split)")
    print("| model | site | method | k | MCC | 2-D mean cc | probe R² | other |")
    print("|---|---|---|---|---|---|---|---|")
    verdicts = []
    for name in models:
        model = iwm.load(name)
        site, k = SITES[name], K[name]
        for method in METHODS:
            t0 = time.perf_counter()
            kw = {"n": n} if model.kind == "world" else {}
            fs = iwm.discover(model, site, method, k=k, seed=1, progress=False, **kw)
            other = ""
            cc = probe = float("nan")
            if fs.groups:
                sub = fs.subspaces(probe=method == "pca")
                rows = [
                    g
                    for g in sub.index
                    if g.startswith(("velocity", "position"))
                    and (name != "bouncing-ball" or g == "velocity")
                ]
                cc = float(sub.loc[rows, "mean_cc"].mean())
                if "probe_r2" in sub:
                    probe = float(sub.loc[rows, "probe_r2"].mean())
            if model.kind != "world":
                d = fs.separations()
                dirs = d[d.index.str.startswith("direction=")]
                au = float(dirs.auroc.min())
                other = f"direction AUROC min {au:.2f}"
                if method == "pca":
                    verdicts.append((f"{name} direction AUROC >= 0.9", au >= 0.9, au))
            elif method == "pca" and name != "springs-meanfield":
                target = 0.9 if name == "bouncing-ball" else 0.8
                verdicts.append((f"{name} 2-D mean cc >= {target}", cc >= target, cc))
            print(
                f"| {name} | {site} | {method} | {k} | {fs.mcc:.3f} | {cc:.3f} | "
                f"{'' if math.isnan(probe) else f'{probe:.3f}'} | {other} "
                f"({time.perf_counter() - t0:.1f} s) |",
                flush=True,
            )
    print("\n## targets")
    for what, ok, v in verdicts:
        print(f"{what}: {v:.3f} {verdict(ok)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--positions", type=int, default=100_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n", type=int, default=384, help="sequences per world-model data set")
    ap.add_argument("--models", default=",".join(SITES))
    ap.add_argument("--skip-collection", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    if not args.skip_collection:
        collection(args.positions)
    table(args.models.split(","), args.n)


if __name__ == "__main__":
    main()
