"""Train a springs world model and write its weights and model card.

Usage::

    python -m iwm_widgets.zoo.train_springs --variant fixed|incontext|meanfield|flawed
        [--steps N | --minutes M] [--out-dir DIR] [--card-only]

Variants (zoo entries in :mod:`iwm_widgets.zoo.springs`): ``incontext`` ("springs":
a new random graph per system, one token per (step, particle)), ``fixed``
("springs-fixed": one fixed graph), ``meanfield`` ("springs-meanfield": random
graphs, one token per step), ``flawed`` ("springs-flawed": the fixed graph under a
wrong law for particle 0).

Deterministic for a given ``--steps``: fixed seeds, ``torch.use_deterministic_algorithms``,
a fixed number of CPU threads, and a fresh batch from the simulator with seed
``TRAIN_SEED_BASE + step`` at every step. ``--minutes`` times the first steps, then
fixes the number of steps (the cosine schedule's length) to fit the budget; the card
records it, so ``--steps`` with that number reproduces the run.

Loss: mean squared error of every next-position prediction from step 1 on (step 0 has
no velocity to know), divided by ``out_scale²`` (units of the head's output).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import math
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ._base import WEIGHTS_DIR, sha256_file
from .springs import (
    CARD_SEED_BASE,
    TRAIN_SEED_BASE,
    VARIANTS,
    SpringsSpec,
    SpringsWorld,
    SpringsWorldModel,
)
from .springs_metrics import DEFINITIONS, graph_report, one_step_errors

__all__ = ["main", "train"]

DEFAULTS: dict[str, Any] = {
    "seed": 0,
    "steps": 3000,
    "batch_size": 32,
    "lr": 1e-3,
    "weight_decay": 0.01,
    "betas": (0.9, 0.98),
    "warmup_steps": 100,
    "grad_clip": 1.0,
    "threads": 2,
    "stiff": 1.0,
    "noise": 0.0,
}
MAX_BYTES = 5 * 1024 * 1024
#: What was tried before the shipped run, measured on these machines (2 cores, 64
#: held-out systems; "AUROC" is the card's model_auroc, moving a particle's input).
TRIED: dict[str, list[str]] = {
    "fixed": [
        "2442 steps, 1 thread (31 min on a shared CPU): AUROC 0.80; calm one-step MSE 6.6e-6 "
        "(0.67x the mean field)",
        "4968 steps, 2 threads (19 min): AUROC 0.95; calm MSE 9.6e-7 (0.10x the mean field)",
        "the per-step input-Jacobian norm instead of moving the particle: AUROC 0.70 (2442 "
        "steps), 0.52 (4968 steps): the models spread a particle's pull over several past "
        "steps with opposite signs, so the per-step norm is flat over pairs",
    ],
    "incontext": [
        "one token per step (the springs-meanfield design), 3000 steps: AUROC ~0.5 "
        "(shared/notes/springs-feasibility.md)",
        "one token per (step, particle), 2501 steps, 1 thread (31 min on a shared CPU): "
        "AUROC 0.63; calm one-step MSE 0.27x the mean field",
        "after the shipped run (lr 1e-3, 6000 steps: AUROC 0.76): lr 2e-3, 5000 steps, 2 "
        "threads: AUROC 0.76, signed 0.78, calm one-step MSE 1.08e-6 (shipped 1.08e-6); the "
        "learning rate is not what limits it",
        "3 particles instead of 4 (--particles 3), 4000 steps, 1 thread (33 min on a "
        "loaded CPU): AUROC 0.55, signed 0.66, calm one-step MSE 7.5e-7 (0.07x the mean "
        "field), while the raw-data correlation baseline rises to 0.95: fewer particles "
        "make the graph easier in the data, not for this model",
        "the 'relative' design (--design relative: each particle's token also carries "
        "every other particle's offset and displacement difference, so Hooke's x_j - x_i "
        "is an input), 5000 steps, 1 thread (56 min on a loaded CPU): AUROC 0.77, signed "
        "0.83, calm one-step MSE 0.11x the mean field: the same as the shipped run; "
        "handing the model the differences is not what limits it either",
        "the run shipped before this one: no curriculum, lr 1e-3, 6000 steps, 2 threads "
        "(38 min on a shared CPU, over the 30-minute budget): AUROC 0.76, signed 0.81, "
        "coupling corr 0.27, calm one-step MSE 1.08e-6",
        "a stiff-springs curriculum alone (--stiff 4: k four times the world's at step 0, "
        "falling linearly to it at half the run), 4991 steps in 26 min: AUROC 0.78, signed "
        "0.84, coupling corr 0.34, calm MSE 1.07e-6 (shipped before the forced runs). On "
        "the card's 256 one-step systems a particle's own past alone predicts its next "
        "position in calm steps better than that model (its last acceleration again: calm "
        "MSE 7.4e-7; its acceleration's linear trend: 1.8e-8), while Hooke's law on the "
        "true graph reaches 1.4e-10: the model stopped at a level its own past already "
        "beats, so the next lever was data where its own past cannot extrapolate",
        "stochastic forcing with the same curriculum (--noise S: every training system's "
        "velocities kicked every frame, std uniform in [0, S] per system; measured on the "
        "noise-free world), 4991 steps each: S=0.001 (23 min): AUROC 0.82, signed 0.88, "
        "coupling corr 0.43, calm MSE 1.18e-6; S=0.002 (21 min): AUROC 0.87, signed 0.90, "
        "corr 0.47, calm MSE 1.47e-6, on 128 fresh systems 0.91 and 0.89 (two seed bases)",
        "the shipped run: S=0.004 (23 min): AUROC 0.88, signed 0.90, coupling corr 0.47, "
        "calm MSE 2.29e-6 (0.11x the mean field: the kicks cost some calm accuracy), on "
        "128 fresh systems 0.92 and 0.90 (two seed bases; the no-forcing run: 0.83 and "
        "0.82). Each step up in S raised the AUROC: the graph shows once a particle's "
        "own past stops predicting its next step",
    ],
    "meanfield": ["4764 steps, 1 thread: AUROC 0.45; one-step MSE 0.38x the mean field's"],
    "flawed": ["1368 steps, 1 thread: AUROC 0.66; particle 0's signed coupling negative"],
}
TIMING_STEPS = 20


def _lr_at(step: int, cfg: dict[str, Any]) -> float:
    """Linear warmup, then cosine decay to 0 at ``cfg["steps"]``."""
    if step < cfg["warmup_steps"]:
        return cfg["lr"] * (step + 1) / cfg["warmup_steps"]
    frac = (step - cfg["warmup_steps"]) / max(1, cfg["steps"] - cfg["warmup_steps"])
    return cfg["lr"] * 0.5 * (1.0 + math.cos(math.pi * min(1.0, frac)))


def _k_at(step: int, cfg: dict[str, Any], k: float) -> float:
    """The curriculum's spring constant: ``stiff × k`` at step 0, falling linearly to ``k``
    at half the run, then ``k`` (``stiff`` 1: no curriculum)."""
    stiff = float(cfg.get("stiff", 1.0))
    frac = max(0.0, 1.0 - step / max(1.0, 0.5 * cfg["steps"]))
    return k * (1.0 + (stiff - 1.0) * frac)


@dataclasses.dataclass(frozen=True)
class _ForcedWorld(SpringsWorld):
    """A springs world whose training batches get random velocity kicks (``--noise``)."""

    noise: float = 0.0

    def simulate(
        self, n: int, length: int, seed: int, noise: float | None = None
    ) -> dict[str, np.ndarray]:
        return super().simulate(n, length, seed, noise=self.noise if noise is None else noise)


def train(
    spec: SpringsSpec, cfg: dict[str, Any], minutes: float | None = None, log_every: int = 50
) -> tuple[SpringsWorldModel, dict[str, Any]]:
    """Train ``spec``'s model with ``cfg`` (``DEFAULTS``); return it and training stats.

    With ``minutes``, ``cfg["steps"]`` is set from the speed of the first
    ``TIMING_STEPS`` steps (the loop also stops at 1.25 × the budget, recorded).
    """
    torch.set_num_threads(cfg["threads"])
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(cfg["seed"])
    model = spec.build_module()
    model.train()
    scale = model.out_scale
    opt = torch.optim.AdamW(
        model.parameters(), lr=cfg["lr"], betas=cfg["betas"], weight_decay=cfg["weight_decay"]
    )
    world = spec.world
    batches = copy.copy(spec)  # the curriculum sets its world's k each step, never spec's
    forced = _ForcedWorld(**dataclasses.asdict(world), noise=float(cfg.get("noise", 0.0)))
    losses: list[float] = []
    t0, c0 = time.perf_counter(), time.process_time()
    stopped_early = False
    step = 0
    while step < cfg["steps"]:
        if minutes is not None and step == TIMING_STEPS:
            per_step = (time.perf_counter() - t0) / TIMING_STEPS
            cfg["steps"] = max(TIMING_STEPS + 1, int(minutes * 60.0 / per_step))
            print(f"{per_step:.3f} s/step: {cfg['steps']} steps fit {minutes} minutes")
        if minutes is not None and time.perf_counter() - t0 > 1.25 * 60.0 * minutes:
            stopped_early = True
            break
        for g in opt.param_groups:
            g["lr"] = _lr_at(step, cfg)
        batches.world = dataclasses.replace(forced, k=_k_at(step, cfg, world.k))
        x = batches.sample_batch(cfg["batch_size"], TRAIN_SEED_BASE + step, length=model.max_len)
        pred = model(x)
        loss = (((pred[:, 1:-1] - x[:, 2:]) / scale) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["grad_clip"])
        opt.step()
        losses.append(loss.item())
        if log_every and (step % log_every == 0 or step == cfg["steps"] - 1):
            print(f"step {step:5d}  loss {losses[-1]:.5f}  {time.perf_counter() - t0:6.1f}s")
        step += 1
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    model.eval()
    tail = losses[-100:]
    final = sum(tail) / len(tail)
    stats = {
        "steps_done": step,
        "stopped_early": stopped_early,
        "steps_per_second": round(step / elapsed, 3),
        "time_s": round(elapsed, 1),
        "cpu_time_s": round(cpu, 1),
        "time_note": f"wall clock and process CPU time of the training loop, "
        f"{cfg['threads']} threads, on a CPU possibly shared with other jobs",
        "final_loss": final,
        "final_loss_note": "mean of the last 100 steps' loss (MSE / out_scale², per "
        "coordinate, steps 1..T-2)",
        "loss_curve": [
            round(sum(losses[i : i + 50]) / len(losses[i : i + 50]), 5)
            for i in range(0, len(losses), 50)
        ],
        "minutes_budget": minutes,
    }
    return model, stats


def write_weights(model: torch.nn.Module, path: Path, name: str) -> str:
    """Save float32 weights as safetensors; return the file's sha256."""
    from safetensors.torch import save_file

    state = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path), metadata={"format": "pt", "model": name})
    if path.stat().st_size > MAX_BYTES:
        raise RuntimeError(f"{path} is {path.stat().st_size} bytes, over the 5 MB limit")
    return sha256_file(path)


def measure(
    model: SpringsWorldModel,
    spec: SpringsSpec,
    n_one_step: int = 256,
    n_graph: int = 64,
    n_tigramite: int = 32,
    seed_base: int = CARD_SEED_BASE,
) -> dict[str, Any]:
    """The card's measured sections on held-out systems (seeds from ``seed_base``)."""
    length = model.max_len
    _, ev = spec.sample_batch(n_one_step, seed_base, length=length, latents=True)
    _, gr = spec.sample_batch(n_graph, seed_base + 1, length=length, latents=True)
    w = spec.world
    one = one_step_errors(model, ev, k=w.k, substeps=w.substeps)
    t0 = time.perf_counter()
    graph = graph_report(model, gr, tigramite_systems=min(n_tigramite, n_graph))
    graph["systems"] = {
        "seed": seed_base + 1,
        "n": n_graph,
        "length": length,
        "how": f"spec.sample_batch({n_graph}, {seed_base + 1}, length={length}, latents=True)",
    }
    graph["time_s"] = round(time.perf_counter() - t0, 1)
    one["systems"] = {"seed": seed_base, "n": n_one_step, "length": length}
    return {"one_step": one, "interaction_graph": graph}


def build_card(
    model: SpringsWorldModel,
    spec: SpringsSpec,
    cfg: dict[str, Any],
    stats: dict[str, Any],
    weights: Path,
    sha: str,
    measured: dict[str, Any],
) -> dict[str, Any]:
    n_params = sum(p.numel() for p in model.parameters())
    return {
        "name": spec.name,
        "kind": spec.kind,
        "variant": spec.variant,
        "description": spec.description,
        "card_version": 1,
        "weights": {
            "file": weights.name,
            "sha256": sha,
            "bytes": weights.stat().st_size,
            "dtype": "float32",
            "format": "safetensors",
        },
        "architecture": {
            "class": "iwm_widgets.zoo.springs.SpringsWorldModel",
            "type": "pre-LayerNorm causal transformer; output x_t + d_t + out_scale * "
            "head(h_t), d_t = x_t - x_{t-1}",
            "config": model.cfg.to_dict(),
            "parameters": n_params,
            "layer_sites": spec.layer_sites,
        },
        "simulator": {
            **spec.world.to_dict(),
            "world": "unit box, elastic walls, zero-rest-length Hooke springs, velocity "
            "Verlet with substeps",
            "train_seeds": f"{TRAIN_SEED_BASE}..{TRAIN_SEED_BASE + stats['steps_done'] - 1}",
            "card_seeds_from": CARD_SEED_BASE,
        },
        "training": {
            **{k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()},
            "optimizer": "AdamW",
            "schedule": "linear warmup, cosine decay to 0",
            "seq_len": model.max_len,
            **stats,
            "torch": torch.__version__,
            "machine": platform.machine(),
        },
        **measured,
        "tried": TRIED.get(spec.variant, []),
        "definitions": {**DEFINITIONS, "more": "iwm_widgets/zoo/springs_metrics.py (docstring)"},
    }


def _build_spec(args: argparse.Namespace) -> SpringsSpec:
    cls = VARIANTS[args.variant]
    spec = cls()
    if args.design:  # an experiment: another design under the same variant's world
        spec.config = dataclasses.replace(spec.config, design=args.design)
    if args.particles:  # an experiment: fewer or more particles in the same world
        spec.world = dataclasses.replace(spec.world, n_particles=args.particles)
        spec.config = dataclasses.replace(spec.config, n_particles=args.particles)
    return spec


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--variant", choices=sorted(VARIANTS), required=True)
    ap.add_argument("--steps", type=int, default=DEFAULTS["steps"])
    ap.add_argument("--minutes", type=float, default=None, help="time budget (sets --steps)")
    ap.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    ap.add_argument("--threads", type=int, default=DEFAULTS["threads"])
    ap.add_argument("--batch-size", type=int, default=DEFAULTS["batch_size"])
    ap.add_argument("--lr", type=float, default=DEFAULTS["lr"])
    ap.add_argument("--design", choices=["particles", "relative", "steps"], default=None)
    ap.add_argument("--particles", type=int, default=None, help="experiment: particles (3-5)")
    ap.add_argument(
        "--stiff",
        type=float,
        default=DEFAULTS["stiff"],
        help="curriculum: springs this many times stiffer at step 0, falling to the "
        "world's k at half the run (default 1: none)",
    )
    ap.add_argument(
        "--noise",
        type=float,
        default=DEFAULTS["noise"],
        help="training systems get a random velocity kick every frame, std uniform in "
        "[0, NOISE] per system (0: none), so that no particle's own past predicts it",
    )
    ap.add_argument("--out-dir", type=Path, default=WEIGHTS_DIR)
    ap.add_argument("--card-systems", type=int, default=64, help="systems for the graph AUROC")
    ap.add_argument("--tigramite-systems", type=int, default=32)
    ap.add_argument("--one-step-systems", type=int, default=256)
    ap.add_argument(
        "--card-only",
        action="store_true",
        help="do not train: load the weights in --out-dir (checking their sha256) and "
        "re-measure the card, keeping its training section",
    )
    args = ap.parse_args(argv)
    cfg = {
        **DEFAULTS,
        "steps": args.steps,
        "seed": args.seed,
        "threads": args.threads,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "stiff": args.stiff,
        "noise": args.noise,
    }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    spec = _build_spec(args)
    weights = args.out_dir / spec.weights_file
    card_path = args.out_dir / spec.card_file
    if args.card_only:
        spec.weights_path, spec.card_path = weights, card_path
        torch.set_num_threads(args.threads)
        model = spec.load_module()
        assert isinstance(model, SpringsWorldModel)
        old = spec.card["training"]
        cfg = {k: old.get(k, DEFAULTS[k]) for k in DEFAULTS}
        stats = {k: v for k, v in old.items() if k not in DEFAULTS}
        sha = spec.check_weights()
    else:
        model, stats = train(spec, cfg, minutes=args.minutes)
        sha = write_weights(model, weights, spec.name)
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    measured = measure(
        model,
        spec,
        n_one_step=args.one_step_systems,
        n_graph=args.card_systems,
        n_tigramite=args.tigramite_systems,
    )
    stats["card_time_s"] = round(time.perf_counter() - t0, 1)
    card = build_card(model, spec, cfg, stats, weights, sha, measured)
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    one, g = card["one_step"], card["interaction_graph"]
    print(json.dumps({k: one[k] for k in ("mse", "mse_late", "mse_calm")}, indent=1))
    keys = (
        "model_auroc",
        "model_signed_auroc",
        "model_jacobian_auroc",
        "correlation_auroc",
        "lstsq_auroc",
        "tigramite_auroc",
        "coupling_corr",
    )
    print(json.dumps({k: g.get(k) for k in keys}))
    print(f"wrote {weights} ({weights.stat().st_size} bytes, sha256 {sha}) and {card_path}")
    return card


if __name__ == "__main__":
    main()
