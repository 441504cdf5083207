"""Patching against a peer: iwm's sweep vs TransformerLens 4.3 on the same model and work.

The same local GPT-2-shaped model (built from a config, random weights, no hub) is
loaded twice: by ``iwm.load(dir)`` and by TransformerLens's
``TransformerBridge.boot_transformers(dir, hf_model=...)`` (the same weights, loaded
from the same directory). Both patch the residual stream before every block
(``resid_pre``: the input of ``transformer.h.{l}``) at every position from the clean
run into the corrupt one and score each row with the same logit difference;
TransformerLens's sweep is ``transformer_lens.patching.get_act_patch_resid_pre`` (one
hooked forward per pair).

Prints both times, the ratio (target: ours ≤ 0.1× TransformerLens's time), the largest
difference of the results (they must be equal to float rounding), and how much of the
full forwards our sweep ran (``PatchingSweep.computed``) next to the minimum a patch at
(layer, position) can change.

TransformerLens is a peer, not a dependency: ``pip install transformer-lens==4.3.0``
(the ``peers`` extra). Run: python benchmarks/bench_patching_tl.py [--layers 6]
[--width 256] [--tokens 32] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import torch
from transformers import AutoModelForCausalLM

import iwm_widgets as iwm
from iwm_widgets.tracing.sites import Site
from iwm_widgets.zoo.gpt2_local import make_gpt2_dir


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--vocab", type=int, default=8192)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2, help="timed runs of each (best kept)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.environ.setdefault("TQDM_DISABLE", "1")  # TransformerLens's progress bar
    try:
        from transformer_lens import patching
        from transformer_lens.model_bridge import TransformerBridge
    except ImportError:
        raise SystemExit(
            "TransformerLens is not installed: pip install transformer-lens==4.3.0"
        ) from None

    with tempfile.TemporaryDirectory() as tmp:
        d = make_gpt2_dir(
            f"{tmp}/gpt2",
            n_layer=args.layers,
            n_embd=args.width,
            n_head=max(1, args.width // 32),
            n_positions=max(128, args.tokens),
            vocab_size=args.vocab,
        )
        lm = iwm.load(d)
        # its own copy of the same weights: the bridge rewires the module it wraps
        hf = AutoModelForCausalLM.from_pretrained(d)
        tl = TransformerBridge.boot_transformers(str(d), hf_model=hf, device="cpu")
        g = torch.Generator().manual_seed(0)
        T = args.tokens
        clean = torch.randint(0, args.vocab, (1, T), generator=g)
        corrupt = clean.clone()
        corrupt[0, T // 4 : T // 2] = torch.randint(0, args.vocab, (T // 2 - T // 4,), generator=g)
        a, b = 5, 7

        def metric(out: torch.Tensor) -> torch.Tensor:  # one scalar per row, both tools
            return out[:, -1, a] - out[:, -1, b]

        sites = [Site(f"transformer.h.{i}", "input") for i in range(args.layers)]
        n_params = sum(p.numel() for p in lm.module.parameters())
        print(
            f"GPT-2-shaped {n_params / 1e6:.1f}M params, {args.layers} layers × {T} positions "
            f"= {args.layers * T} patched runs (resid_pre), torch {torch.__version__}, "
            f"{torch.get_num_threads()} threads"
        )

        def ours() -> torch.Tensor:
            return iwm.patching_sweep(lm, clean, corrupt, metric, sites=sites).values

        def theirs() -> torch.Tensor:
            with torch.no_grad():
                _, cache = tl.run_with_cache(clean)
                # its metric returns one scalar per forward (batch 1): the same difference
                return patching.get_act_patch_resid_pre(
                    tl, corrupt, cache, lambda out: metric(out)[0]
                )

        ours(), theirs()  # warm-up (and the first trace's set-up)
        t_ours, t_tl = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            mine = ours()
            t_ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            peer = theirs()
            t_tl.append(time.perf_counter() - t0)
        sweep = iwm.patching_sweep(lm, clean, corrupt, metric, sites=sites)
        diff = float((mine - peer.to(mine.dtype)).abs().max())
        scale = float(peer.abs().max())
        # the minimum: a patch before block l at position p can change blocks l.. at p..
        L = args.layers
        least = sum((L - i) * (T - p) for i in range(L) for p in range(T)) / (L * T * L * T)
        ratio = min(t_ours) / min(t_tl)
        print(f"  iwm.patching_sweep: {min(t_ours):.2f} s ({sweep.traces} traces, {sweep.suffix})")
        print(f"  TransformerLens get_act_patch_resid_pre: {min(t_tl):.2f} s")
        print(f"  largest difference: {diff:.2e} (values up to {scale:.3g})")
        print(
            f"  computed {sweep.computed:.3f} of the full forwards of every row; the minimum "
            f"a patch can change: {least:.3f}"
        )
        print(f"ours ÷ TransformerLens: {ratio:.3f}× (target ≤ 0.1×): {verdict(ratio <= 0.1)}")
        print(f"results equal (≤ 1e-4 × scale): {verdict(diff <= 1e-4 * max(1.0, scale))}")


if __name__ == "__main__":
    main()
