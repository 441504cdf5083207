"""Remote round trip of one dial move on a real NDIF server on loopback, vs a local run.

Starts the local NDIF stack (scripts/ndif/install.sh must have run), deploys a tiny
GPT-2-shaped LM, and prints:
- remote round trip for one dial move (one clamp edit, the dial's readout and the
  next-token output) ÷ the same run locally;
- bytes that come back ÷ the full activations of the traced sites (every layer's
  states + the logits), for an ActivationMap (norm) + a dial, and ÷ the summaries'
  own bytes (what is left is the response's envelope), and the bytes sent.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import torch
from timing import timeit

import iwm_widgets as iwm
from iwm_widgets.tracing.run import Summary
from iwm_widgets.zoo.gpt2_local import make_gpt2_dir

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts" / "ndif"))
from stack import LocalNDIF


def main() -> None:
    d = make_gpt2_dir(Path(tempfile.mkdtemp()) / "tiny-gpt2", n_layer=3, n_embd=32)
    stack = LocalNDIF()
    try:
        stack.start(timeout=180)
        stack.deploy(d, timeout=240)
        print(
            f"stack start {stack.timings['start_s']:.1f} s, "
            f"deploy {stack.timings['deploy_s']:.1f} s"
        )
        rm, lm = iwm.load(d, remote=stack.url), iwm.load(d)
        x = lm.prepare("The Eiffel Tower is in the city of")
        var = iwm.contrastive_variable(
            lm, ["The Colosseum is in Rome ."], ["The ball ."], "transformer.h.1"
        )
        sums = [Summary.readout(var.site, var.read, var.name)] + [
            Summary.norm(s) for s in lm.layers
        ]
        values = iter(torch.linspace(-3, 3, 1000).tolist())

        def move(m: iwm.Model) -> iwm.Result:
            e = iwm.Edit.clamp(var, torch.tensor([next(values)]), start=0)
            return iwm.run(m, x, [e], [], summaries=sums)

        local = timeit(lambda: move(lm), 30)
        remote = timeit(lambda: move(rm), 30)
        print(f"local run   p50 {local[0]:.1f} ms  p95 {local[1]:.1f} ms")
        print(f"remote run  p50 {remote[0]:.1f} ms  p95 {remote[1]:.1f} ms")
        print(f"round trip ÷ local (p50): {remote[0] / local[0]:.1f}×")
        r = move(rm)
        full = iwm.run(lm, x, [], lm.layers)
        full_bytes = sum(t.numel() * 4 for t in full.activations.values()) + full.output.numel() * 4
        got = r.meta["bytes_received"]
        own = sum(t.numel() * t.element_size() for t in r.summaries.values()) + (
            r.output.numel() * r.output.element_size()
        )
        print(f"bytes back {got} ÷ full activations {full_bytes} = {got / full_bytes:.3f}")
        print(
            f"bytes back {got} ÷ the summaries' and the output's own bytes {own} = "
            f"{got / own:.1f}× (the rest is the response's fixed envelope: "
            f"{got - own} bytes)"
        )
        print(f"bytes sent (the request) {r.meta['bytes_sent']}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
