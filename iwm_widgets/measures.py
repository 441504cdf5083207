"""Measurements of a Workspace or a Model: the public ``iwm.causal_effects`` and friends.

The tracing core's measurements take a :class:`~iwm_widgets.tracing.model.Model` and their
inputs and edits explicitly: the core imports no view and knows no Workspace
(``tests/test_architecture.py``). Users hand over either, so each public function here
unpacks its first argument with :func:`unpack` and calls the core with ``model=``,
``inputs=`` and ``edits=``. The docstrings are the core functions'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

import torch

from .tracing import Edit, Model, Result
from .tracing import causal as _causal
from .tracing import patching as _patching
from .tracing.causal import CausalEffects, Node
from .tracing.patching import Metric, PatchingSweep
from .tracing.sites import Site
from .workspace import Workspace

__all__ = [
    "Unpacked",
    "attention_heads",
    "attribution_patching",
    "causal_effects",
    "patching_sweep",
    "unpack",
]


class Unpacked(NamedTuple):
    """What a measurement runs on: see :func:`unpack`."""

    model: Model
    inputs: Any
    edits: list[Edit] | None
    result: Result | None


def unpack(target: Workspace | Model, inputs: Any = None, edits: Any = None) -> Unpacked:
    """The model, inputs, edits and reusable result of a Workspace or a Model.

    The one place where a Workspace argument is taken apart. A Workspace gives its
    model; its inputs and its current edits where the caller gave none; and its current
    result when both are its own (a measurement reuses the sites that result read
    instead of tracing them again). A Model gives itself and what the caller gave.

    A Workspace is recognised with ``isinstance``, not by the attributes it has: the
    core functions take a Model and say so (``TypeError``) when given anything else.

    Parameters
    ----------
    target
        A :class:`~iwm_widgets.workspace.Workspace` or a Model (anything else passes
        through, for the core function to refuse).
    inputs, edits
        What the caller gave (``None``: not given).
    """
    if not isinstance(target, Workspace):
        return Unpacked(target, inputs, None if edits is None else list(edits), None)
    own = inputs is None and edits is None
    return Unpacked(
        target.model,
        target.inputs if inputs is None else inputs,
        list(target.edits if edits is None else edits),
        target.result if own else None,
    )


def causal_effects(
    model: Workspace | Model,
    nodes: Sequence[Any],
    inputs: Any = None,
    *,
    edits: Sequence[Edit] | None = None,
    result: Result | None = None,
    delta: float | Sequence[float] | None = None,
    intervention: str | Mapping[str, str] = "auto",
    value: float | Mapping[str, float] | None = None,
    significant: bool = False,
) -> CausalEffects:
    u = unpack(model, inputs, edits)
    return _causal.causal_effects(
        u.model,
        nodes,
        u.inputs,
        edits=u.edits,
        result=u.result if result is None else result,
        delta=delta,
        intervention=intervention,
        value=value,
        significant=significant,
    )


def patching_sweep(
    model: Workspace | Model,
    clean: Any,
    corrupt: Any,
    metric: Metric,
    *,
    sites: Sequence[str | Site] | None = None,
    positions: Sequence[int] | None = None,
    mode: Literal["denoising", "noising"] = "denoising",
    align: str | None = None,
    max_rows: int = 256,
    attribution: bool = False,
    edits: Sequence[Edit] | None = None,
    reuse_positions: bool = True,
) -> PatchingSweep:
    u = unpack(model, edits=edits)  # clean, corrupt given: no ws inputs
    return _patching.patching_sweep(
        u.model,
        clean,
        corrupt,
        metric,
        sites=sites,
        positions=positions,
        mode=mode,
        align=align,
        max_rows=max_rows,
        attribution=attribution,
        edits=u.edits,
        reuse_positions=reuse_positions,
    )


def attribution_patching(
    model: Workspace | Model,
    clean: Any,
    corrupt: Any,
    metric: Metric,
    *,
    sites: Sequence[str | Site] | None = None,
    positions: Sequence[int] | None = None,
    mode: str = "denoising",
    align: str | None = None,
) -> torch.Tensor:
    return _patching.attribution_patching(
        unpack(model).model,
        clean,
        corrupt,
        metric,
        sites=sites,
        positions=positions,
        mode=mode,
        align=align,
    )


def attention_heads(
    model: Workspace | Model, layers: Sequence[int] | None = None, position: int = -1
) -> list[Node]:
    return _causal.attention_heads(unpack(model).model, layers, position)


# one text for each, where the parameters are used
causal_effects.__doc__ = _causal.causal_effects.__doc__
patching_sweep.__doc__ = _patching.patching_sweep.__doc__
attribution_patching.__doc__ = _patching.attribution_patching.__doc__
attention_heads.__doc__ = _causal.attention_heads.__doc__
