"""Train the bouncing-ball world model and write its weights and model card.

Usage::

    python -m iwm_widgets.zoo.train_bouncing_ball [--steps N] [--out-dir DIR]

Deterministic: fixed seeds, ``torch.use_deterministic_algorithms(True)``, a fixed
number of CPU threads, and a fresh batch from ``simulate(seed=TRAIN_SEED_BASE + step)``
at every step. The same torch build on the same kind of CPU gives the same bytes; the
card records the weight file's sha256, which :meth:`ZooSpec.load_module` checks.

Loss: mean squared error of every next-position prediction in sequences of
``max_len`` steps (so every prefix length is trained), divided by ``out_scale²``
(i.e. in units of the head's output).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time
from pathlib import Path
from typing import Any

import torch

from ._base import WEIGHTS_DIR, sha256_file
from .bouncing_ball import CARD_SEED_BASE, TRAIN_SEED_BASE, BallWorldModel, BouncingBallSpec
from .card import DEFINITIONS, measure_card

__all__ = ["main", "train"]

DEFAULTS = {
    "seed": 0,
    "steps": 2000,
    "batch_size": 128,
    "lr": 2e-3,
    "weight_decay": 0.01,
    "betas": (0.9, 0.98),
    "warmup_steps": 100,
    "grad_clip": 1.0,
    "threads": 2,
}


def _lr_at(step: int, cfg: dict[str, Any]) -> float:
    """Linear warmup, then cosine decay to 0."""
    if step < cfg["warmup_steps"]:
        return cfg["lr"] * (step + 1) / cfg["warmup_steps"]
    frac = (step - cfg["warmup_steps"]) / max(1, cfg["steps"] - cfg["warmup_steps"])
    return cfg["lr"] * 0.5 * (1.0 + math.cos(math.pi * frac))


def train(cfg: dict[str, Any], log_every: int = 100) -> tuple[BallWorldModel, dict[str, Any]]:
    """Train a model with ``cfg`` (see ``DEFAULTS``); return it and training stats."""
    torch.set_num_threads(cfg["threads"])
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(cfg["seed"])
    spec = BouncingBallSpec()
    model = spec.build_module()
    model.train()
    scale = model.out_scale
    opt = torch.optim.AdamW(
        model.parameters(), lr=cfg["lr"], betas=cfg["betas"], weight_decay=cfg["weight_decay"]
    )
    losses: list[float] = []
    t0, c0 = time.perf_counter(), time.process_time()
    for step in range(cfg["steps"]):
        for g in opt.param_groups:
            g["lr"] = _lr_at(step, cfg)
        x = spec.sample_batch(cfg["batch_size"], TRAIN_SEED_BASE + step, length=model.max_len)
        pred = model(x)
        loss = (((pred[:, :-1] - x[:, 1:]) / scale) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["grad_clip"])
        opt.step()
        losses.append(loss.item())
        if log_every and (step % log_every == 0 or step == cfg["steps"] - 1):
            print(f"step {step:5d}  loss {losses[-1]:.5f}  {time.perf_counter() - t0:6.1f}s")
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    model.eval()
    tail = losses[-100:]
    final = sum(tail) / len(tail)
    stats = {
        "time_s": round(elapsed, 1),
        "cpu_time_s": round(cpu, 1),
        "time_note": f"wall clock and process CPU time of the training loop, "
        f"{cfg['threads']} threads, on a CPU possibly shared with other jobs",
        "final_loss": final,
        "final_loss_note": (
            "mean of the last 100 steps' loss (MSE / out_scale², per coordinate, over "
            "all steps including step 0, whose velocity cannot be known)"
        ),
        "final_mse_per_coordinate": final * scale**2,
    }
    return model, stats


def write_weights(model: torch.nn.Module, path: Path) -> str:
    """Save float32 weights as safetensors; return the file's sha256."""
    from safetensors.torch import save_file

    state = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path), metadata={"format": "pt", "model": "bouncing-ball"})
    return sha256_file(path)


def build_card(
    model: BallWorldModel, cfg: dict[str, Any], stats: dict[str, Any], weights: Path, sha: str
) -> dict[str, Any]:
    spec = BouncingBallSpec()
    n_params = sum(p.numel() for p in model.parameters())
    measured = measure_card(model, spec, CARD_SEED_BASE)
    probes = measured["probes"]["velocity"]
    best = probes["best_layer"]
    if probes["layers"][best]["r2"] < 0.9:
        raise RuntimeError(f"best probe R² {probes['layers'][best]['r2']:.3f} < 0.9")
    return {
        "name": spec.name,
        "kind": spec.kind,
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
            "class": "iwm_widgets.zoo.bouncing_ball.BallWorldModel",
            "type": "pre-LayerNorm causal transformer; output x_t + out_scale * head(h_t)",
            "config": model.cfg.to_dict(),
            "parameters": n_params,
            "layer_sites": spec.layer_sites,
        },
        "simulator": {
            "world": "unit box, elastic walls, no gravity",
            "speed_range": [0.02, 0.06],
            "start_range": [0.05, 0.95],
            "train_seeds": f"{TRAIN_SEED_BASE}..{TRAIN_SEED_BASE + cfg['steps'] - 1}",
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
        "one_step": measured["one_step"],
        "rollout": measured["rollout"],
        "probes": measured["probes"],
        "eval_seeds": measured["eval_seeds"],
        "definitions": {**DEFINITIONS, "more": "iwm_widgets/zoo/card.py (docstring)"},
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=DEFAULTS["steps"])
    ap.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    ap.add_argument("--threads", type=int, default=DEFAULTS["threads"])
    ap.add_argument("--out-dir", type=Path, default=WEIGHTS_DIR)
    ap.add_argument(
        "--card-only",
        action="store_true",
        help="do not train: load the weights in --out-dir (checking their sha256) and "
        "re-measure the card, keeping its training section",
    )
    args = ap.parse_args(argv)
    cfg = {**DEFAULTS, "steps": args.steps, "seed": args.seed, "threads": args.threads}
    args.out_dir.mkdir(parents=True, exist_ok=True)
    spec = BouncingBallSpec()
    weights = args.out_dir / spec.weights_file
    if args.card_only:
        spec = BouncingBallSpec(weights_path=weights, card_path=args.out_dir / spec.card_file)
        torch.set_num_threads(args.threads)
        model = spec.load_module()
        old = spec.card["training"]
        cfg = {k: old[k] for k in DEFAULTS}
        stats = {k: v for k, v in old.items() if k not in DEFAULTS}
        sha = spec.check_weights()
    else:
        model, stats = train(cfg)
        sha = write_weights(model, weights)
    card = build_card(model, cfg, stats, weights, sha)  # type: ignore[arg-type]
    card_path = args.out_dir / spec.card_file
    if args.card_only and card_path.exists():  # same weights: the graph score still holds
        old_card = json.loads(card_path.read_text())
        if "causal_graph" in old_card:
            card["causal_graph"] = old_card["causal_graph"]
    else:
        print("new weights: run `python -m iwm_widgets.tracing.graph_card` for the graph score")
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    one = card["one_step"]
    print(
        json.dumps({"one_step_mse": one["mse"], "best": card["probes"]["velocity"]["best_layer"]})
    )
    for site, r in card["probes"]["velocity"]["layers"].items():
        print(
            f"{site:10s} r2 {r['r2']:.3f} after {r['r2_after_bounce']:.3f} "
            f"shuffled {r['r2_shuffled']:.3f}"
        )
    for k, r in card["probes"]["velocity"]["input_only"].items():
        print(f"{k:10s} r2 {r['r2']:.3f} after {r['r2_after_bounce']:.3f}")
    print(f"wrote {weights} ({weights.stat().st_size} bytes, sha256 {sha})")
    return card


if __name__ == "__main__":
    main()
