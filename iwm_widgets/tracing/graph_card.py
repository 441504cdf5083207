"""The causal-graph section of a zoo model card: the recovered graph against the truth.

Definitions
-----------
variables
    Ridge probes (:func:`~iwm_widgets.tracing.probes.probe_sweep`, ``n`` simulated
    sequences from ``probe_seed``) for ``position`` at ``position_layer`` and
    ``velocity`` at ``velocity_layer``, each component a node (``position_x``, ...),
    read and intervened on at the last context step. The default position node is the
    model's input (``embed.input``, the observed position): the output is
    ``x_t + out_scale * head(h_t)``, so the next position takes ``x_t`` through that
    skip, and the residual stream's own position code (R² 1.00 at ``blocks.0``) has
    little effect on it (``internal_position_effect``).
outputs
    ``next x`` and ``next y``: the model's prediction of the next position, standing
    for the simulator's ``position_x`` / ``position_y`` one step later.
effect
    :func:`~iwm_widgets.tracing.causal.causal_effects` with each Variable shifted by
    ``delta`` along its encoding direction: the change of the output per unit change
    of the variable's readout.
score
    An edge ``variable -> output`` is recovered when ``|effect| > threshold``; it is
    true when the simulator's graph (:meth:`true_graph`) has the one-step edge
    ``truth(variable) -> truth(output)``. Precision and recall pool the edges of all
    ``samples`` held-out sequences (seeds from ``eval_seed``); ``per_sample`` gives
    the lowest precision and recall of any one sequence.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .causal import causal_effects, output_node
from .model import Model, load
from .probes import probe_sweep

__all__ = ["DEFINITIONS", "measure_graph_score"]

DEFINITIONS = __doc__.split("Definitions\n-----------\n", 1)[1].strip()


def measure_graph_score(
    model: Model | str = "bouncing-ball",
    *,
    position_layer: str = "embed.input",
    internal_position_layer: str = "blocks.0",
    velocity_layer: str = "blocks.2",
    n: int = 256,
    probe_seed: int = 12345,
    samples: int = 20,
    eval_seed: int = 30_000_000,
    threshold: float = 0.2,
    delta: float = 0.005,
) -> dict[str, Any]:
    """Precision and recall of the recovered variable → next-position graph."""
    m = load(model) if isinstance(model, str) else model
    if m.spec is None or m.kind != "world":
        raise ValueError("the graph score needs a zoo world model with a true graph")
    pos_sweep = probe_sweep(
        m,
        "position",
        sites=[position_layer, internal_position_layer],
        n=n,
        seed=probe_seed,
        progress=False,
    )
    pos = pos_sweep.variable("position", layer=position_layer)
    inner = pos_sweep.variable("position", layer=internal_position_layer)
    vel = probe_sweep(m, "velocity", n=n, seed=probe_seed, progress=False).variable(
        "velocity", layer=velocity_layer
    )
    outs = [
        output_node(lambda o: o[:, -1, 0], "next x", "position_x"),
        output_node(lambda o: o[:, -1, 1], "next y", "position_y"),
    ]
    truth = m.spec.true_graph()
    tp = found = true = 0
    low_p, low_r = 1.0, 1.0
    edges: dict[str, list[float]] = {}
    inner_effect = []
    for k in range(samples):
        x = m.sample(seed=eval_seed + k)
        ce = causal_effects(m, [pos, vel, *outs], x, delta=delta)
        ci = causal_effects(m, [inner, *outs], x, delta=delta)
        inner_effect.append((float(ci.effects[0, 2]) + float(ci.effects[1, 3])) / 2)
        s = ce.score(truth, threshold)
        tp += round(s["precision"] * s["found_edges"])
        found += s["found_edges"]
        true += s["true_edges"]
        low_p, low_r = min(low_p, s["precision"]), min(low_r, s["recall"])
        for a, b, e in ce.edges(0.0):
            if ce.nodes[b].kind == "output":
                edges.setdefault(f"{ce.nodes[a].id} -> {ce.nodes[b].id}", []).append(e)
    return {
        "threshold": threshold,
        "precision": tp / found if found else 1.0,
        "recall": tp / true if true else 1.0,
        "per_sample": {"min_precision": low_p, "min_recall": low_r},
        "true_edges": true,
        "found_edges": found,
        "samples": samples,
        "eval_seeds_from": eval_seed,
        "nodes": {"position": position_layer, "velocity": velocity_layer},
        "mean_effect": {k: round(sum(v) / len(v), 4) for k, v in sorted(edges.items())},
        "internal_position_effect": {
            "layer": internal_position_layer,
            "mean_effect_on_next_position": round(sum(inner_effect) / len(inner_effect), 4),
        },
        "delta": delta,
        "probe": {"n": n, "seed": probe_seed},
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Measure the score and write it into the bouncing-ball card (``causal_graph``)."""
    ap = argparse.ArgumentParser(description="Add the causal-graph score to the model card.")
    ap.add_argument("--card", type=Path, default=None, help="card JSON (default: the zoo's)")
    args = ap.parse_args(argv)
    m = load("bouncing-ball")
    assert m.spec is not None
    path = args.card or Path(m.spec.card_path)
    card = json.loads(path.read_text())
    card["causal_graph"] = {**measure_graph_score(m), "definitions": DEFINITIONS}
    path.write_text(json.dumps(card, indent=2) + "\n")
    print(json.dumps({k: card["causal_graph"][k] for k in ("precision", "recall")}))
    return card["causal_graph"]


if __name__ == "__main__":
    main()
