"""Soak: random edits, clears and input changes against one Workspace with three widgets.

One background Workspace on bouncing-ball with an ActivationMap, SteeringDials and a
CausalGraph attached, while a plain forward of the user's own runs now and then. For
``--seconds`` (default 600) it makes random changes as a user at a notebook would,
waits for the runner now and then, and checks on a sample of states that the result
equals a fresh synchronous run of the same state (same torch thread count as the
runner). Prints resident memory (after a warm-up minute, or a tenth of the run),
hooks left on any module, and met / NOT met for:
  * resident memory flat within 5% (last sample vs the post-warm-up sample);
  * no hooks left on model.module or the library's twin;
  * every sampled result equal to a fresh synchronous run; no errors.

Run: python benchmarks/soak.py [--seconds 600] [--seed 0]
CI runs ``soak(30)`` in tests/test_soak.py.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from typing import Any

import torch

import iwm_widgets as iwm


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def hooks_left(module: torch.nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in module.modules())


def soak(seconds: float = 600.0, seed: int = 0, check_every: int = 10) -> dict[str, Any]:
    rng = random.Random(seed)
    torch.manual_seed(seed)
    model = iwm.load("bouncing-ball")
    inputs = [model.sample(seed=s, latents=True) for s in range(4)]
    vel = iwm.probe_sweep(model, "velocity", n=128, seed=99, progress=False).variable(
        "velocity", layer="blocks.2"
    )
    ws = iwm.Workspace(model, inputs[0])
    views = [
        iwm.ActivationMap(ws),
        iwm.SteeringDials(ws, [vel]),
        iwm.CausalGraph(
            ws,
            [vel, iwm.output_node(lambda o: o[:, -1, 0], "next x", "position_x")],
            threshold=0.1,
        ),
    ]
    ws.wait()
    d = model.shape(model.layers[0])[-1]
    counts = {"changes": 0, "checks": 0, "mismatches": 0, "errors": 0, "user_forwards": 0}
    errors: list[str] = []
    memory: list[tuple[float, float]] = []
    warmup = min(60.0, seconds / 10)
    t0 = time.monotonic()
    next_mem = t0
    reference_out = {}
    while time.monotonic() - t0 < seconds:
        op = rng.random()
        layer = rng.choice(model.layers)
        try:
            if op < 0.45:
                v = torch.randn(d, generator=torch.Generator().manual_seed(rng.randrange(1 << 30)))
                ws.add_edit(iwm.Edit.add(layer, v, scale=rng.uniform(-3, 3)).with_(id="dial"))
            elif op < 0.6:
                ws.add_edit(iwm.Edit.scale(layer, rng.uniform(0.5, 1.5)).with_(id="scale"))
            elif op < 0.7:
                ws.add_edit(iwm.Edit.ablate(layer, positions=[-1]).with_(id="ablate"))
            elif op < 0.8:
                ws.clear_edits()
            elif op < 0.88:
                x, truth = inputs[rng.randrange(len(inputs))]
                ws.truth = truth
                ws.inputs = x
            else:  # the user's own forward, at any moment
                x = ws.inputs
                with torch.no_grad():
                    out = model.module(x)
                key = id(x)
                if key not in reference_out:
                    reference_out[key] = (x, out.clone())
                if not torch.equal(out, reference_out[key][1]):
                    counts["mismatches"] += 1
                counts["user_forwards"] += 1
            counts["changes"] += 1
            if counts["changes"] % check_every == 0:
                res = ws.wait(60)
                with _threads(ws.runner_threads):
                    ref = iwm.run(model, ws.inputs, ws.edits, rollout_steps=ws.rollout_steps)
                counts["checks"] += 1
                if not (
                    torch.equal(res.output, ref.output) and torch.equal(res.rollout, ref.rollout)
                ):
                    counts["mismatches"] += 1
            if rng.random() < 0.3:
                time.sleep(rng.uniform(0, 0.02))
        except Exception as e:  # counted: a soak must not raise
            counts["errors"] += 1
            errors.append(f"{type(e).__name__}: {e}"[:300])
        now = time.monotonic()
        if now >= next_mem:
            gc.collect()
            memory.append((now - t0, rss_mb()))
            next_mem = now + max(1.0, seconds / 60)
    ws.wait(60)
    for v in views:
        v.close()
    ws.close()
    gc.collect()
    memory.append((time.monotonic() - t0, rss_mb()))
    after_warmup = [m for t, m in memory if t >= warmup] or [memory[-1][1]]
    base = after_warmup[0]
    growth = (memory[-1][1] - base) / base
    report = {
        "seconds": round(time.monotonic() - t0, 1),
        **counts,
        "runs": ws.stats["runs"],
        "requests": ws.stats["requests"],
        "dropped": ws.stats["dropped"],
        "rss_mb_start": round(memory[0][1], 1),
        "rss_mb_after_warmup": round(base, 1),
        "rss_mb_end": round(memory[-1][1], 1),
        "rss_growth": round(growth, 4),
        "hooks_left": hooks_left(model.module) + hooks_left(model.engine_module),
        "errors_seen": errors[:5],
    }
    report["met"] = {
        "memory flat within 5%": abs(growth) <= 0.05,
        "no hooks left": report["hooks_left"] == 0,
        "results equal a fresh synchronous run": counts["mismatches"] == 0 and counts["checks"] > 0,
        "no errors": counts["errors"] == 0,
    }
    return report


class _threads:
    def __init__(self, n: int) -> None:
        self.n = n

    def __enter__(self) -> None:
        self.before = torch.get_num_threads()
        torch.set_num_threads(self.n)

    def __exit__(self, *exc: object) -> None:
        torch.set_num_threads(self.before)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=600.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(2)
    report = soak(args.seconds, args.seed)
    print(json.dumps({k: v for k, v in report.items() if k != "met"}, indent=2))
    for k, ok in report["met"].items():
        print(f"{k}: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
