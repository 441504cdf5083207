"""Real-size language models: a dial move on a Workspace with a logit-lens ActivationMap.

GPT-2-small shape (``GPT2Config()``: 12 layers, width 768, 50,257 tokens, 124M
parameters, random weights, built locally) at 32 and 128 tokens, and the GPT-2-medium
shape (24 layers, width 1024, 355M) at 32 tokens (``--medium``). For each:

  * the raw torch forward (no nnsight), p50;
  * one dial move: the Workspace re-runs with an ``add`` edit at the middle layer,
    scoped as SteeringDials scopes a language model's dial (from the last position on),
    and the ActivationMap (quantity ``"lens_prob"``, every layer × every position)
    redraws. The lens is computed in the trace only for the cells the edit can change
    (layers the forward reaches at or after the edit's site, positions from its first
    one), the rest taken from the Workspace's baseline (``run(baseline=)``);
  * the same move with the edit on every position (the worst case: the lens of every
    later layer at every position);
  * ``clear_edits()``: how many traces it costs (the unedited result is the baseline).

Target: the dial move ≤ 1.5× one raw forward, at 32 and 128 tokens.

Run: python benchmarks/bench_lens.py [--medium] [--repeats 7] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from typing import Any

import torch

import iwm_widgets as iwm
from iwm_widgets import workspace as ws_module


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def build(tmp: str, n_layer: int, width: int, heads: int) -> Any:
    from iwm_widgets.zoo.gpt2_local import make_gpt2_dir

    d = make_gpt2_dir(
        f"{tmp}/gpt2-{n_layer}",
        n_layer=n_layer,
        n_embd=width,
        n_head=heads,
        n_positions=1024,
        vocab_size=50257,
    )
    return iwm.load(d)


def p50(fn: Any, repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts)


def bench(lm: Any, T: int, repeats: int) -> dict[str, float]:
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 50257, (1, T), generator=g)

    def raw() -> None:
        with torch.no_grad():
            lm.module(x)

    ws = iwm.Workspace(lm, x, background=False)
    amap = iwm.ActivationMap(ws, "lens_prob")
    mid = lm.layers[len(lm.layers) // 2]
    v = torch.randn(lm.module.config.n_embd, generator=g)
    scale = [1.0]

    def move(**scope: Any) -> Any:
        def go() -> None:
            scale[0] = -scale[0] * 1.01
            e = iwm.Edit.add(mid, v, scale=scale[0], label="dial", **scope)
            ws.set_edits([e])
            assert amap.generation == ws.generation and not amap.error, amap.error

        return go

    out: dict[str, float] = {}
    # interleaved so that a machine busy with other work slows both alike
    out["raw"] = p50(raw, repeats)
    out["move"] = p50(move(start=T - 1), repeats)
    out["raw2"] = p50(raw, repeats)
    out["move_all"] = p50(move(), repeats)
    reused = ws.result.meta.get("reused", {}) if ws.result is not None else {}
    out["whole_reused"] = float(reused.get("whole", 0))
    calls = [0]
    real_run = ws_module.run

    def counting(*a: Any, **k: Any) -> Any:
        calls[0] += 1
        return real_run(*a, **k)

    ws_module.run = counting  # type: ignore[assignment]
    try:
        ws.set_edits([iwm.Edit.add(mid, v, scale=2.0, start=T - 1)])
        calls[0] = 0
        ws.clear_edits()
        out["clear_traces"] = calls[0]
        calls[0] = 0
        ws.clear_edits()
        ws.add_edit(iwm.Edit.add(mid, v, scale=1.5, start=T - 1))
        out["clear_add_traces"] = calls[0]
    finally:
        ws_module.run = real_run  # type: ignore[assignment]
    amap.close()
    ws.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--medium", action="store_true", help="also the GPT-2-medium shape")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    shapes = [("GPT-2-small shape (124M)", 12, 768, 12, (32, 128))]
    if args.medium:
        shapes.append(("GPT-2-medium shape (355M)", 24, 1024, 16, (32,)))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; p50 in ms")
    ok_all = True
    with tempfile.TemporaryDirectory() as tmp:
        for name, n_layer, width, heads, lengths in shapes:
            lm = build(tmp, n_layer, width, heads)
            for T in lengths:
                r = bench(lm, T, args.repeats)
                raw = (r["raw"] + r["raw2"]) / 2
                ratio = r["move"] / raw
                ok = ratio <= 1.5
                ok_all &= ok
                print(f"{name}, {T} tokens:")
                print(f"  raw forward                         {raw:8.1f}")
                print(
                    f"  dial move + lens map (from the last position) {r['move']:8.1f}  "
                    f"= {ratio:.2f}× the forward (target ≤ 1.5×): {verdict(ok)}"
                )
                print(
                    f"  the same edit on every position      {r['move_all']:8.1f}  "
                    f"= {r['move_all'] / raw:.2f}× ({int(r['whole_reused'])} lens rows "
                    "reused whole)"
                )
                print(
                    f"  clear_edits(): {int(r['clear_traces'])} trace(s); clear_edits() + "
                    f"add_edit(): {int(r['clear_add_traces'])} trace(s)"
                )
            del lm
    print(f"all dial moves ≤ 1.5× the forward: {verdict(ok_all)}")


if __name__ == "__main__":
    main()
