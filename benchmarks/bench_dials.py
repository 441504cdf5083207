"""Dial benchmark: a dial scan in one batched trace vs one trace per value.

Prints p50/p95 for scanning N values of the bouncing-ball velocity dial (each value a
rollout under a clamp edit), done as one batched trace (``iwm.dial_scan``) and as N
separate traced runs, and the ratio; plus one Workspace re-run (a single dial move)
÷ the raw torch rollout.

Run: python benchmarks/bench_dials.py
"""

from __future__ import annotations

import torch
from timing import timeit

import iwm_widgets as iwm


def main() -> None:
    torch.set_num_threads(2)
    model = iwm.load("bouncing-ball")
    vel = iwm.probe_sweep(model, "velocity", n=256, progress=False).variable("velocity")
    x = model.sample(seed=0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; p50 / p95 in ms")
    for n_values, steps in ((9, 3), (36, 3), (9, 16)):
        angles = torch.linspace(0, 360, n_values + 1)[:-1]
        rad = torch.deg2rad(angles)
        targets = 0.04 * torch.stack([rad.cos(), rad.sin()], 1)
        start = x.shape[1] - 1

        def batched(targets: torch.Tensor = targets, steps: int = steps) -> object:
            return iwm.dial_scan(model, x, vel, targets, steps=steps)

        def separate(
            targets: torch.Tensor = targets, steps: int = steps, start: int = start
        ) -> object:
            return [
                iwm.run(model, x, [iwm.Edit.clamp(vel, t, start=start)], rollout_steps=steps)
                for t in targets
            ]

        a, b = timeit(batched, 15), timeit(separate, 5)
        same = torch.allclose(
            batched()[0], torch.stack([r.rollout[0] for r in separate()]), atol=1e-5
        )
        print(
            f"dial scan {n_values:>3} values × {steps:>2} steps: one batched trace "
            f"{a[0]:7.1f} / {a[1]:7.1f}   {n_values} traces {b[0]:7.1f} / {b[1]:7.1f}   "
            f"→ {b[0] / a[0]:5.1f}× faster (same results: {same})"
        )

    ws = iwm.Workspace(model, x, background=False)
    e = iwm.Edit.clamp(vel, [0.03, 0.0], start=x.shape[1] - 1)
    ws.add_edit(e)
    move = timeit(lambda: ws.replace_edit(e.id, e), 30)
    with torch.no_grad():
        raw = timeit(lambda: model.module.rollout(x, ws.rollout_steps), 30)
    print(
        f"one dial move (Workspace re-run, {ws.rollout_steps}-step rollout): "
        f"{move[0]:.1f} / {move[1]:.1f}; raw torch rollout {raw[0]:.1f} / {raw[1]:.1f} "
        f"→ {move[0] / raw[0]:.2f}×"
    )


if __name__ == "__main__":
    main()
