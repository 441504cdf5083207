"""Foundation benchmark: cost of a traced re-run against the raw torch forward.

Prints, measured in one run on this machine:
  * traced re-run (one edit, all-layer reads) ÷ raw torch forward, for bouncing-ball
    (the context forward, and the forward + 16-step rollout a dial move triggers) and
    for a ~10M-parameter GPT-2-shaped model at sequence length 128;
  * Workspace re-run (what a widget triggers) ÷ raw forward;
  * bytes sent to the browser by an ActivationMap update ÷ the raw float32 array.
Targets: ≤ 1.3× and ≤ 1.05×.

Run: python benchmarks/bench_foundation.py [--repeats 50]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable

import torch
from timing import p50_p95

import iwm_widgets as iwm
from iwm_widgets.zoo.gpt2_local import make_gpt2_dir


def interleaved(
    fns: dict[str, Callable[[], object]], repeats: int, rounds: int = 5
) -> dict[str, tuple[float, float]]:
    """Time several functions in alternating rounds so drift hits all equally."""
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for f in fns.values():
        for _ in range(3):
            f()
    for _ in range(rounds):
        for k, f in fns.items():
            for _ in range(max(1, repeats // rounds)):
                t0 = time.perf_counter()
                f()
                samples[k].append((time.perf_counter() - t0) * 1e3)
    return {k: p50_p95(ts) for k, ts in samples.items()}


def row(name: str, t: tuple[float, float], base: tuple[float, float] | None = None) -> None:
    ratio = f"{t[0] / base[0]:6.2f}×" if base else "   base"
    print(f"  {name:<46} p50 {t[0]:8.2f} ms   p95 {t[1]:8.2f} ms   {ratio}")


def bench_model(
    title: str, model: iwm.Model, x: torch.Tensor, edit: iwm.Edit, repeats: int, rollout: int = 0
) -> dict[str, float]:
    module = model.module
    reads = model.layers

    def raw() -> object:
        with torch.no_grad():
            return module(x)

    fns: dict[str, Callable[[], object]] = {
        "raw torch forward": raw,
        "traced run, 1 edit, all-layer reads": lambda: iwm.run(
            model, x, [edit], reads, prepared=True
        ),
    }
    if rollout:
        fns[f"raw torch forward + rollout({rollout})"] = lambda: (raw(), module.rollout(x, rollout))
        fns[f"traced run + rollout({rollout}), 1 edit, reads"] = lambda: iwm.run(
            model, x, [edit], reads, rollout_steps=rollout, prepared=True
        )
    ws = iwm.Workspace(model, x, rollout_steps=rollout, background=False)
    ws.add_edit(edit)
    fns["Workspace re-run (what a dial move costs)"] = lambda: ws.replace_edit(edit.id, edit)
    with torch.no_grad():
        t = interleaved(fns, repeats)
    print(f"\n{title}")
    base = t["raw torch forward"]
    ratios = {}
    for k, v in t.items():
        ref = base
        if "rollout" in k or (rollout and k.startswith("Workspace")):
            ref = t.get(f"raw torch forward + rollout({rollout})", base)
        row(k, v, None if k.startswith("raw torch forward") and v is ref else ref)
        ratios[k] = v[0] / ref[0]
    return ratios


def bytes_sent(ws: iwm.Workspace) -> tuple[int, int, int]:
    """(binary bytes, JSON bytes, raw float32 bytes) of one ActivationMap re-draw."""
    amap = iwm.ActivationMap(ws)
    sent = {"bin": 0, "json": 0}

    def record(msg, buffers=None):  # the comm's view of what goes over the websocket
        sent["json"] += len(json.dumps(msg))
        sent["bin"] += sum(memoryview(b).nbytes for b in buffers or [])

    amap._send = record  # type: ignore[method-assign]
    ws.add_edit(iwm.Edit.scale(ws.model.layers[0], 1.5))
    ws.wait()
    rows, cols = amap.values["shape"]
    amap.close()
    return sent["bin"], sent["json"], rows * cols * 4


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=50)
    args = ap.parse_args()
    torch.set_num_threads(2)
    print(
        f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
        f"{args.repeats} repeats, p50 and p95"
    )

    bb = iwm.load("bouncing-ball")
    x = bb.sample(seed=0)
    d = bb.shape("blocks.2")[-1]
    r_bb = bench_model(
        "bouncing-ball (context 32)",
        bb,
        x,
        iwm.Edit.add("blocks.2", torch.ones(d), 0.5, start=20),
        args.repeats,
        rollout=bb.default_rollout_steps,
    )

    with tempfile.TemporaryDirectory() as tmp:
        lm = iwm.load(
            make_gpt2_dir(
                f"{tmp}/gpt2-10m",
                n_layer=12,
                n_embd=256,
                n_head=8,
                n_positions=256,
                vocab_size=8192,
            )
        )
        n = sum(p.numel() for p in lm.module.parameters())
        ids = torch.randint(0, 8192, (1, 128), generator=torch.Generator().manual_seed(0))
        r_lm = bench_model(
            f"GPT-2-shaped, {n / 1e6:.1f}M params, sequence 128",
            lm,
            ids,
            iwm.Edit.add("transformer.h.6", torch.ones(256), 0.5),
            args.repeats,
        )
        b, j, raw = bytes_sent(iwm.Workspace(lm, ids))
    print("\nActivationMap update, GPT-2-shaped (12 layers × 128 positions)")
    print(
        f"  binary {b} B + JSON {j} B = {b + j} B for a {raw} B float32 array: "
        f"{(b + j) / raw:.3f}× (binary alone {b / raw:.3f}×)"
    )
    b2, j2, raw2 = bytes_sent(iwm.Workspace(bb, x))
    print(
        f"ActivationMap update, bouncing-ball (5 × 32): {b2 + j2} B for {raw2} B: "
        f"{(b2 + j2) / raw2:.2f}× (JSON labels dominate a tiny map)"
    )
    print(
        "\nsummary (p50 ratios): "
        + json.dumps(
            {
                "bouncing_ball_forward": round(r_bb["traced run, 1 edit, all-layer reads"], 3),
                "bouncing_ball_rollout": round(
                    r_bb[f"traced run + rollout({bb.default_rollout_steps}), 1 edit, reads"], 3
                ),
                "gpt2_10m_seq128": round(r_lm["traced run, 1 edit, all-layer reads"], 3),
                "gpt2_workspace_rerun": round(r_lm["Workspace re-run (what a dial move costs)"], 3),
                "bytes_ratio_gpt2": round((b + j) / raw, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
