"""Cognitive-map benchmark (issue 17): reconstructing the whole city's implied map.

The map reconstruction (:func:`iwm_widgets.tracing.cognitive_map.implied_graph`) reads the
next-move probabilities at every position of a set of held-out routes and votes, per
intersection, on the moves the model accepts. Reported: traces used, wall time, and ÷ a
raw batched torch forward of the same routes (the same chunks, ``model.module`` with no
tracing). Both sides run in interleaved rounds and the best of each is kept, so load from
other jobs hits both alike.

Target: the reconstruction ≤ 1.5× the raw forward (one trace per chunk of routes; the
vote itself is cheap). The issue sets no number; this one says "one forward's worth".

Run: python benchmarks/bench_cognitive_map.py [--routes 2048] [--chunk 512] [--threads 2]
"""

from __future__ import annotations

import argparse
import time

import torch

import iwm_widgets as iwm
from iwm_widgets.tracing.cognitive_map import implied_graph


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--routes", type=int, default=2048)
    ap.add_argument("--chunk", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for name in ("city-taxi", "city-taxi-shortest"):
        model = iwm.load(name)
        routes = model.spec.sample_routes(args.routes, seed=40_000_000, kind="mix")
        ids = routes[0]
        ours, raw, g = [], [], None
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            g = implied_graph(model, routes, chunk=args.chunk)
            ours.append(time.perf_counter() - t0)
            t1 = time.perf_counter()
            with torch.no_grad():
                for i in range(0, len(ids), args.chunk):
                    model.module(ids[i : i + args.chunk]).softmax(-1)
            raw.append(time.perf_counter() - t1)
        assert g is not None
        ratio = min(ours) / min(raw)
        print(f"## {name}: implied map of the city from {len(ids)} routes x {ids.shape[1]} tokens")
        print(f"traces used: {g.traces} (chunks of {args.chunk}); forwards: {g.forwards}")
        print(
            f"precision {g.precision:.3f}, recall {g.recall:.3f} "
            f"({len(g.false_edges)} false, {len(g.missing_edges)} missing edges)"
        )
        print(
            f"reconstruction {min(ours) * 1e3:.1f} ms, raw batched forward {min(raw) * 1e3:.1f} ms"
            f" -> {ratio:.2f}x (target <= 1.5x: {verdict(ratio <= 1.5)})"
        )


if __name__ == "__main__":
    main()
