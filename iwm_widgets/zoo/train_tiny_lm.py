"""Train the zoo's tiny language model and write its Hugging Face directory and card.

Usage::

    python -m iwm_widgets.zoo.train_tiny_lm [--steps N] [--out-dir DIR]

A GPT-2 (``GPT2LMHeadModel``, 4 layers, ``n_embd`` 64) with the word-level tokenizer of
:func:`iwm_widgets.zoo.tiny_lm.build_tokenizer`, trained on documents of one or two
sentences from :func:`iwm_widgets.zoo.tiny_lm.sample_document` (each document starts at
position 0 and ends with ``<eos>``; padding is not trained on). Deterministic: fixed
seeds, ``torch.use_deterministic_algorithms(True)``, a fixed number of CPU threads.

The card (``card.json``) records what was measured on the trained model:

fact accuracy
    Greedy next token after ``"The {landmark} is in the city of"`` equals the city, for
    every landmark; ``held_out`` are the landmarks whose canonical sentence was never
    trained on (they were seen in the other fact templates only).
direction / taxi accuracy
    Greedy next token after the wall / push / taxi prompts equals the ground truth;
    ``held_out``: the (object, kind) and (vehicle, heading) combinations never trained on.
logit lens
    ``lm_head(ln_f(h_i))`` at the last prompt position, ``h_i`` the output of
    ``transformer.h.{i}``. ``first_top_layer``: the first layer whose lens top token is
    the city; ``emergence_layer``: the first layer from which it stays the top token up
    to the last layer (``null`` when the last layer is wrong).
steering
    Difference of means (right-answer minus left-answer prompts of
    :func:`~iwm_widgets.zoo.tiny_lm.steering_prompts`) of ``transformer.h.{i}`` at the
    last position, added ``delta`` times at the last position of a prompt; the same
    vector as ``iwm.Edit.add(iwm.contrastive_variable(...), [delta], positions=[-1])``.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from ._base import sha256_file
from .tiny_lm import (
    DIRECTIONS,
    FACTS,
    LANDMARKS,
    NEUTRAL_PROMPT,
    Example,
    build_tokenizer,
    direction_examples,
    fact_examples,
    sample_document,
    steering_prompts,
    taxi_examples,
    tiny_lm_dir,
)

__all__ = ["build_model", "main", "measure", "train"]

DEFAULTS: dict[str, Any] = {
    "seed": 0,
    "steps": 2500,
    "batch_size": 64,
    "lr": 3e-3,
    "weight_decay": 0.01,
    "betas": (0.9, 0.98),
    "warmup_steps": 100,
    "grad_clip": 1.0,
    "threads": 1,
}

ARCH: dict[str, Any] = {"n_layer": 4, "n_embd": 64, "n_head": 4, "n_positions": 32}

STEER_DELTAS = (0.0, 0.5, 1.0, 2.0)


def build_model(tok: Any, seed: int = 0) -> Any:
    """A freshly initialised GPT-2 of the card's architecture for ``tok``."""
    from transformers import GPT2Config, GPT2LMHeadModel

    cfg = GPT2Config(
        **ARCH,
        vocab_size=len(tok),
        bos_token_id=tok.eos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.eos_token_id,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        attn_implementation="eager",
    )  # type: ignore[call-arg]
    torch.manual_seed(seed)
    return GPT2LMHeadModel(cfg)


def _lr_at(step: int, cfg: dict[str, Any]) -> float:
    if step < cfg["warmup_steps"]:
        return float(cfg["lr"] * (step + 1) / cfg["warmup_steps"])
    frac = (step - cfg["warmup_steps"]) / max(1, cfg["steps"] - cfg["warmup_steps"])
    return float(cfg["lr"] * 0.5 * (1.0 + math.cos(math.pi * frac)))


def _batch(tok: Any, rng: random.Random, n: int, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    eos = tok.eos_token_id
    ids = torch.full((n, length), eos, dtype=torch.long)
    labels = torch.full((n, length), -100, dtype=torch.long)
    for i in range(n):
        row = tok(sample_document(rng, max_words=length - 1))["input_ids"] + [eos]
        ids[i, : len(row)] = torch.tensor(row)
        labels[i, : len(row)] = torch.tensor(row)
    return ids, labels


def train(cfg: dict[str, Any], log_every: int = 250) -> tuple[Any, Any, dict[str, Any]]:
    """Train with ``cfg`` (see ``DEFAULTS``); return the model, tokenizer and stats."""
    torch.set_num_threads(cfg["threads"])
    torch.use_deterministic_algorithms(True)
    tok = build_tokenizer()
    model = build_model(tok, cfg["seed"])
    model.train()
    rng = random.Random(cfg["seed"])
    opt = torch.optim.AdamW(
        model.parameters(), lr=cfg["lr"], betas=cfg["betas"], weight_decay=cfg["weight_decay"]
    )
    losses: list[float] = []
    t0, c0 = time.perf_counter(), time.process_time()
    for step in range(cfg["steps"]):
        for g in opt.param_groups:
            g["lr"] = _lr_at(step, cfg)
        ids, labels = _batch(tok, rng, cfg["batch_size"], ARCH["n_positions"])
        loss = model(input_ids=ids, labels=labels).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["grad_clip"])
        opt.step()
        losses.append(loss.item())
        if log_every and (step % log_every == 0 or step == cfg["steps"] - 1):
            print(f"step {step:5d}  loss {losses[-1]:.4f}  {time.perf_counter() - t0:6.1f}s")
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    model.eval()
    tail = losses[-100:]
    stats = {
        "time_s": round(elapsed, 1),
        "cpu_time_s": round(cpu, 1),
        "time_note": f"wall clock and process CPU time of the training loop, "
        f"{cfg['threads']} threads, on a CPU possibly shared with other jobs",
        "final_loss": sum(tail) / len(tail),
        "final_loss_note": "mean of the last 100 steps' cross-entropy (nats per token, "
        "over every non-padding token including the undetermined ones)",
    }
    return model, tok, stats


# ---------------------------------------------------------------- measuring
@torch.no_grad()
def _last_logits_and_layers(model: Any, tok: Any, prompt: str) -> tuple[torch.Tensor, list]:
    """Final next-token logits and each block's output at the last position."""
    ids = tok(prompt, return_tensors="pt")["input_ids"]
    store: list[torch.Tensor] = []

    def hook(_m: Any, _a: Any, out: Any) -> None:
        store.append((out[0] if isinstance(out, tuple) else out)[0, -1].detach().clone())

    handles = [b.register_forward_hook(hook) for b in model.transformer.h]
    try:
        logits = model(input_ids=ids).logits[0, -1]
    finally:
        for h in handles:
            h.remove()
    return logits, store


@torch.no_grad()
def lens_logits(model: Any, h: torch.Tensor) -> torch.Tensor:
    """The logit lens: ``lm_head(ln_f(h))``."""
    return model.lm_head(model.transformer.ln_f(h))


def _accuracy(model: Any, tok: Any, examples: Sequence[Example]) -> dict[str, Any]:
    def acc(rows: list[Example]) -> dict[str, Any]:
        wrong = []
        for e in rows:
            logits, _ = _last_logits_and_layers(model, tok, e.prompt)
            got = tok.convert_ids_to_tokens(int(logits.argmax()))
            if got != e.answer:
                wrong.append({"prompt": e.prompt, "answer": e.answer, "got": got})
        n = len(rows)
        return {"accuracy": (n - len(wrong)) / n if n else None, "n": n, "wrong": wrong}

    return {
        "trained": acc([e for e in examples if not e.held_out]),
        "held_out": acc([e for e in examples if e.held_out]),
    }


def logit_lens_table(model: Any, tok: Any, examples: Sequence[Example]) -> dict[str, Any]:
    """Per prompt: the lens top token, the answer's rank and probability at every layer."""
    n_layer = len(model.transformer.h)
    rows: dict[str, dict[str, Any]] = {}
    for e in examples:
        _, hs = _last_logits_and_layers(model, tok, e.prompt)
        target = tok.convert_tokens_to_ids(e.answer)
        tops, probs, ranks = [], [], []
        for h in hs:
            lg = lens_logits(model, h)
            tops.append(tok.convert_ids_to_tokens(int(lg.argmax())))
            probs.append(round(float(lg.softmax(-1)[target]), 4))
            ranks.append(int((lg > lg[target]).sum()))
        first = next((i for i, t in enumerate(tops) if t == e.answer), None)
        emerge = None
        for i in range(n_layer - 1, -1, -1):
            if tops[i] != e.answer:
                break
            emerge = i
        rows[e.prompt.split(" is in the city of")[0].removeprefix("The ")] = {
            "answer": e.answer,
            "lens_top": tops,
            "answer_prob": probs,
            "answer_rank": ranks,
            "first_top_layer": first,
            "emergence_layer": emerge,
        }
    hist = {str(i): 0 for i in range(n_layer)}
    hist["never"] = 0
    for r in rows.values():
        hist["never" if r["emergence_layer"] is None else str(r["emergence_layer"])] += 1
    mean_prob = [
        round(sum(r["answer_prob"][i] for r in rows.values()) / len(rows), 4)
        for i in range(n_layer)
    ]
    top_frac = [
        round(sum(r["lens_top"][i] == r["answer"] for r in rows.values()) / len(rows), 4)
        for i in range(n_layer)
    ]
    return {
        "sites": [f"transformer.h.{i}" for i in range(n_layer)],
        "emergence_histogram": hist,
        "fraction_top_by_layer": top_frac,
        "mean_answer_prob_by_layer": mean_prob,
        "by_landmark": rows,
    }


@torch.no_grad()
def steering_vector(model: Any, tok: Any, layer: int) -> torch.Tensor:
    """Difference of means (right-answer minus left-answer prompts) at ``transformer.h.{layer}``."""
    sp = steering_prompts()

    def mean(prompts: list[str]) -> torch.Tensor:
        return torch.stack(
            [_last_logits_and_layers(model, tok, p)[1][layer] for p in prompts]
        ).mean(0)

    return mean(sp["positive"]) - mean(sp["negative"])


@torch.no_grad()
def steered_probs(
    model: Any, tok: Any, prompt: str, layer: int, vector: torch.Tensor
) -> dict[str, float]:
    """Next-token probabilities of the directions with ``vector`` added at the last position."""

    def hook(_m: Any, _a: Any, out: Any) -> Any:
        h = out[0] if isinstance(out, tuple) else out
        h = h.clone()
        h[:, -1] += vector
        return (h, *out[1:]) if isinstance(out, tuple) else h

    handle = model.transformer.h[layer].register_forward_hook(hook)
    try:
        ids = tok(prompt, return_tensors="pt")["input_ids"]
        p = model(input_ids=ids).logits[0, -1].softmax(-1)
    finally:
        handle.remove()
    return {d: round(float(p[tok.convert_tokens_to_ids(d)]), 4) for d in DIRECTIONS}


def steering_table(model: Any, tok: Any) -> dict[str, Any]:
    prompts = {
        "neutral": NEUTRAL_PROMPT,
        "left_answer": "The ball is at the right wall . The ball moves to the",
    }
    layers: dict[str, Any] = {}
    for layer in range(len(model.transformer.h)):
        v = steering_vector(model, tok, layer)
        layers[f"transformer.h.{layer}"] = {
            "vector_norm": round(float(v.norm()), 3),
            **{
                name: {str(d): steered_probs(model, tok, p, layer, d * v) for d in STEER_DELTAS}
                for name, p in prompts.items()
            },
        }
    return {"prompts": prompts, "deltas": list(STEER_DELTAS), "layers": layers}


def measure(model: Any, tok: Any) -> dict[str, Any]:
    """Everything the card reports (module docstring)."""
    model.eval()
    facts = fact_examples()
    canonical = [e for e in facts if e.kind == "template0"]
    dirs = [e for e in direction_examples() if e.kind != "bare"]
    fact_acc = _accuracy(model, tok, canonical)
    return {
        "fact_accuracy": fact_acc,
        "fact_accuracy_other_templates": _accuracy(
            model, tok, [e for e in facts if e.kind != "template0"]
        ),
        "direction_accuracy": {
            kind: _accuracy(model, tok, [e for e in dirs if e.kind == kind])
            for kind in ("wall", "push")
        },
        "taxi_accuracy": _accuracy(model, tok, taxi_examples()),
        "logit_lens": logit_lens_table(model, tok, canonical),
        "steering": steering_table(model, tok),
    }


def _summary(card: dict[str, Any]) -> str:
    fa = card["fact_accuracy"]
    lines = [
        f"facts: trained {fa['trained']['accuracy']:.3f} ({fa['trained']['n']}), "
        f"held-out template {fa['held_out']['accuracy']:.3f} ({fa['held_out']['n']})",
    ]
    for kind, r in card["direction_accuracy"].items():
        lines.append(
            f"direction {kind}: trained {r['trained']['accuracy']:.3f} "
            f"held-out {r['held_out']['accuracy']:.3f}"
        )
    ta = card["taxi_accuracy"]
    lines.append(
        f"taxi: trained {ta['trained']['accuracy']:.3f} held-out {ta['held_out']['accuracy']:.3f}"
    )
    ll = card["logit_lens"]
    lines.append(f"lens emergence {ll['emergence_histogram']}  top {ll['fraction_top_by_layer']}")
    for site, r in card["steering"]["layers"].items():
        n0, n1 = r["neutral"]["0.0"], r["neutral"]["1.0"]
        l1 = r["left_answer"]["1.0"]
        lines.append(
            f"steer {site}: neutral right {n0['right']:.3f}->{n1['right']:.3f} "
            f"left {n0['left']:.3f}->{n1['left']:.3f}; left-answer prompt right "
            f"{r['left_answer']['0.0']['right']:.3f}->{l1['right']:.3f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--steps", type=int, default=DEFAULTS["steps"])
    ap.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    ap.add_argument("--threads", type=int, default=DEFAULTS["threads"])
    ap.add_argument("--out-dir", type=Path, default=tiny_lm_dir())
    args = ap.parse_args(argv)
    cfg = {**DEFAULTS, "steps": args.steps, "seed": args.seed, "threads": args.threads}
    model, tok, stats = train(cfg)
    out: Path = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        if old.is_file():
            old.unlink()
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    files: dict[str, dict[str, Any]] = {
        p.name: {"sha256": sha256_file(p), "bytes": p.stat().st_size}
        for p in sorted(out.iterdir())
        if p.is_file()
    }
    measured = measure(model, tok)
    card = {
        "name": "tiny-lm",
        "kind": "lm",
        "description": "A 4-layer GPT-2 with a word-level tokenizer trained on a synthetic "
        "corpus with known ground truth (landmark -> city facts, directions, taxi turns); "
        "see iwm_widgets/zoo/tiny_lm.py.",
        "card_version": 1,
        "files": files,
        "architecture": {
            "class": "transformers.GPT2LMHeadModel",
            **ARCH,
            "vocab_size": len(tok),
            "parameters": sum(p.numel() for p in model.parameters()),
            "tied_embeddings": True,
            "dropout": 0.0,
            "layer_sites": [f"transformer.h.{i}" for i in range(ARCH["n_layer"])],
        },
        "corpus": {
            "landmarks": len(LANDMARKS),
            "cities": len(set(FACTS.values())),
            "documents": "one or two training sentences, from position 0, then <eos>",
            "ground_truth": "iwm_widgets/zoo/tiny_lm.py",
        },
        "training": {
            **{k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()},
            "optimizer": "AdamW",
            "schedule": "linear warmup, cosine decay to 0",
            "tokens_per_step": cfg["batch_size"] * ARCH["n_positions"],
            **stats,
            "torch": torch.__version__,
            "machine": platform.machine(),
        },
        **measured,
        "definitions": "see the docstring of iwm_widgets/zoo/train_tiny_lm.py",
    }
    (out / "card.json").write_text(json.dumps(card, indent=1) + "\n")
    print(_summary(card))
    total = sum(f["bytes"] for f in files.values())
    print(f"wrote {out} ({total} bytes without the card)")
    return card


if __name__ == "__main__":
    main()
