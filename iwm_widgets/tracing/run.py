"""The one function that turns edits and reads into one nnsight trace."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from ..errors import EditError, InputError, IWMError, RunError
from .edits import Edit, apply_edit
from .model import Model
from .sites import Site, as_site

__all__ = ["Result", "run"]


@dataclass
class Result(Mapping[str, torch.Tensor]):
    """What one run produced.

    ``result["blocks.2"]`` is the value read at that site (``[batch, positions, d]``),
    after the edits at that site were applied. Keys are site strings as
    :class:`~iwm_widgets.tracing.sites.Site` prints them (``"blocks.2"``,
    ``"blocks.2.input"``).

    Attributes
    ----------
    activations : dict[str, torch.Tensor]
        Values read, by site.
    output : torch.Tensor
        The model's output on the inputs (world models: next-step predictions for
        every context step; language models: logits).
    rollout : torch.Tensor or None
        World models: the predicted future ``[batch, steps, 2]`` under the edits.
    edits : tuple[Edit, ...]
        The edits that produced this result.
    generation : int
        Increases with every run of a Workspace; widgets draw only the newest.
    inputs : Any
        The prepared inputs.
    elapsed_ms : float
        Wall time of the trace.
    """

    activations: dict[str, torch.Tensor]
    output: torch.Tensor
    rollout: torch.Tensor | None = None
    edits: tuple[Edit, ...] = ()
    generation: int = 0
    inputs: Any = None
    elapsed_ms: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str | Site) -> torch.Tensor:
        k = str(as_site(key))
        try:
            return self.activations[k]
        except KeyError:
            raise KeyError(
                f"{k!r} was not read in this run; read sites: {list(self.activations)}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.activations)

    def __len__(self) -> int:
        return len(self.activations)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from ..display import mimebundle  # text/plain + a text/html table for static viewers

        return mimebundle(self)

    def __repr__(self) -> str:
        shapes = {k: list(v.shape) for k, v in self.activations.items()}
        return (
            f"<Result gen={self.generation} edits={len(self.edits)} "
            f"sites={shapes} output={list(self.output.shape)}"
            f"{'' if self.rollout is None else f' rollout={list(self.rollout.shape)}'}>"
        )


def output_tensor(out: Any) -> torch.Tensor:
    """The model output as a tensor (a Hugging Face ``ModelOutput``: its logits)."""
    if isinstance(out, torch.Tensor):
        return out
    logits = getattr(out, "logits", None)
    return logits if logits is not None else out[0]


def _value(x: Any) -> torch.Tensor:
    return x[0] if isinstance(x, tuple) else x


def _plan(
    model: Model, edits: Sequence[Edit], reads: Iterable[Site | str]
) -> list[tuple[Site, list[Edit], bool]]:
    """Sites touched, in forward order: (site, its edits, whether to save it)."""
    read_set = {model.check_site(s) for s in reads}
    by_site: dict[Site, list[Edit]] = {}
    for e in edits:
        model.check_site(e.site)
        by_site.setdefault(e.site, []).append(e)
    sites = sorted(read_set | set(by_site), key=model.order_key)
    return [(s, by_site.get(s, []), s in read_set) for s in sites]


def site_value(nn: Any, site: Site) -> torch.Tensor:
    """Inside a trace: the live tensor at ``site`` (a tuple output's first element)."""
    env = nn.get(site.path)
    return _value(env.input if site.io == "input" else env.output)


def _visit(
    nn: Any,
    plan: list[tuple[Site, list[Edit], bool]],
    step: int,
    saves: dict[str, Any],
    offset: int = 0,
    total: int | None = None,
) -> None:
    """Inside a trace: apply each site's edits, then save it on the first step."""
    for site, site_edits, keep in plan:
        if step > 0 and not site_edits:
            continue  # rollout steps only need the edits; reads come from the first step
        h = site_value(nn, site)
        for e in site_edits:
            apply_edit(e, h, offset, total)
        if keep and step == 0:
            saves[str(site)] = h.detach().clone().save()  # type: ignore[attr-defined]


def run(
    model: Model,
    inputs: Any,
    edits: Sequence[Edit] = (),
    reads: Iterable[Site | str] = (),
    *,
    rollout_steps: int = 0,
    generation: int = 0,
    prepared: bool = False,
) -> Result:
    """Run ``model`` on ``inputs`` in ONE nnsight trace, applying ``edits``.

    Parameters
    ----------
    model
        From :func:`iwm_widgets.load`.
    inputs
        What the model takes (a tensor, text for language models).
    edits
        Applied in order within each site; sites in forward order.
    reads
        Sites whose (edited) values are returned in ``Result``.
    rollout_steps
        World models: also roll the model out this many steps, with the edits
        applied at every step (one trace over the model's ``rollout``).
    generation
        Stamped on the result.

    Raises
    ------
    SiteNotFoundError, EditError, InputError
        Before anything runs.
    RunError
        If the trace fails; hooks are removed and weights untouched.
    """
    x = inputs if prepared else model.prepare(inputs)
    shapes = model.inspect(x)
    plan = _plan(model, edits, reads)
    length = x.shape[1] if isinstance(x, torch.Tensor) and x.ndim >= 2 else None
    for site, site_edits, _ in plan:
        shape = shapes.get(site)
        for e in site_edits:
            if shape is not None:
                e.check_shape(shape, length)
    if rollout_steps and model.kind not in ("world", "lm"):
        raise EditError(
            "rollout_steps needs a world model (rollout) or a language model (greedy generation)"
        )
    max_len = getattr(model.module, "max_len", None)
    if rollout_steps and max_len and length is not None and length + rollout_steps > max_len:
        raise InputError(
            f"{length} context steps + {rollout_steps} rollout steps exceed the model's "
            f"context of {max_len}; shorten the input or the rollout"
        )

    nn = model.nnsight
    saves: dict[str, Any] = {}
    t0 = time.perf_counter()
    with model.lock, torch.no_grad():
        try:
            if rollout_steps and model.kind == "lm":  # greedy generation, edits every step
                T = int(x.shape[-1])
                pad = getattr(model.tokenizer, "pad_token_id", None)
                with nn.generate(
                    x, max_new_tokens=rollout_steps, do_sample=False, pad_token_id=pad
                ) as tracer:
                    for step in tracer.iter[:rollout_steps]:
                        off = 0 if step == 0 else T + step - 1
                        _visit(nn, plan, step, saves, off, T + step)
                        if step == 0:
                            output = nn.output.save()
                    generated = tracer.result.save()
                rollout = generated[:, T:]
            elif rollout_steps:
                rollout_fn = model.module.rollout
                with nn.trace(x, rollout_steps, fn=rollout_fn) as tracer:
                    for step in tracer.iter[:rollout_steps]:
                        _visit(nn, plan, step, saves)
                        if step == 0:
                            output = nn.output.save()
                    rollout = tracer.result.save()
            else:
                with nn.trace(x):
                    _visit(nn, plan, 0, saves)
                    output = nn.output.save()
                rollout = None
        except IWMError:
            raise
        except Exception as e:  # nnsight/torch errors: clear message, model untouched
            raise RunError(f"the traced run failed: {type(e).__name__}: {e}") from e
    elapsed = (time.perf_counter() - t0) * 1e3
    return Result(
        activations={k: _value(v) for k, v in saves.items()},
        output=output_tensor(output),
        rollout=rollout,
        edits=tuple(edits),
        generation=generation,
        inputs=x,
        elapsed_ms=elapsed,
    )
