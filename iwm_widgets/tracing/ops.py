"""The one table of edit ops.

An :class:`~iwm_widgets.tracing.edits.Edit` names its op by a string (``"set"``,
``"add"``, ``"scale"``, ``"ablate"``, ``"clamp"``); everything that depends on which op
it is lives in that op's :class:`Op` entry here: how an edit of it is checked, applied to
a tensor inside a trace, printed as nnsight code and described in words, and how the
CausalGraph's node editor offers it (:class:`Editor`). :class:`Edit`,
:func:`~iwm_widgets.tracing.edits.apply_edit`,
:func:`~iwm_widgets.tracing.edits.edits_to_code`, patching, causal effects and the
CausalGraph (which sends :func:`editor_specs` to its front end as the ``ops`` trait) all
read this table and branch on no op name.

Adding an op is one :func:`register` call (and its tests)::

    register(Op(
        "negate",
        apply=lambda e, h, idx: h.__setitem__(idx, -h[idx]),
        code=lambda e, var, ix: [f"{var}{ix} = -{var}{ix}"],
    ))
    Edit("negate", "blocks.1")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch

from ..errors import EditError

if TYPE_CHECKING:
    from .causal import Node
    from .edits import Edit

__all__ = [
    "Editor",
    "Op",
    "editor_ops",
    "editor_specs",
    "find_op",
    "get_op",
    "op_names",
    "register",
    "unregister",
]


def _nothing(*args: Any) -> None:
    return None


def _never(edit: Edit) -> bool:
    return False


@dataclass(frozen=True)
class Editor:
    """How the CausalGraph's node editor offers an op (the front end builds its menu,
    number field and wording from :meth:`spec`).

    Attributes
    ----------
    build
        ``build(Edit, node, value, current, label) -> Edit``: the edit of a graph node,
        made with the :class:`~iwm_widgets.tracing.edits.Edit` class passed in (this
        module imports no other part of the core: ``edits`` imports it, one way).
        ``value`` is the number typed (``None`` without a field); ``current`` the node's
        current value per input (``[n]``; ``None`` before the first run).
    kinds
        The node kinds that offer the op, each with the op's place in that kind's menu
        (lower first; the first is the editor's default).
    label
        Menu text (default: the op's name).
    field
        What the number means (``"value"``, ``"factor"``); ``""``: the op takes none.
    default
        The number the field starts from: a number, or ``"value"`` for the node's
        current value (``None``: empty).
    text
        The edit in words, with ``{op}``, ``{node}`` and ``{value}`` filled in.
    """

    build: Callable[[type[Edit], Node, float | None, torch.Tensor | None, str], Edit]
    kinds: Mapping[str, float]
    label: str = ""
    field: str = ""
    default: float | str | None = None
    text: str = "{op} {node}"


@dataclass(frozen=True)
class Op:
    """One edit op: every part of the package that depends on the op reads it here.

    Attributes
    ----------
    name
        What ``Edit.op`` holds.
    apply
        ``apply(edit, h, idx)``: edit ``h`` in place at ``h[idx]`` (the index of the
        edit's scope: batch rows, positions, features), inside a trace.
    code
        ``code(edit, var, ix) -> lines``: the nnsight code doing what ``apply`` does, on
        the variable ``var`` at the index written ``ix`` (e.g. ``"[:, 3:]"``).
    describe
        ``describe(edit) -> str``: what it does in a few words (``"scale ×2"``); the
        site and scope are added by :meth:`Edit.describe`. Default: the op's name.
    check
        ``check(edit)``: raise :class:`~iwm_widgets.errors.EditError` for an edit that
        is not well formed; it may normalise the edit's fields (``object.__setattr__``).
        Runs when the edit is made and again before each run (tensors are mutable).
    written
        ``written(edit) -> tensor | None``: the vector written over the site's features,
        checked against the site's width and broadcast to the slice it edits.
    check_width
        ``check_width(edit, d, where)``: further checks against the ``d`` features the
        edit sees at a site (``where`` names the site for messages).
    per_row
        ``per_row(edit)``: the value holds one row per batch row (a sweep in one trace);
        its rows repeat when the batch is repeated, and must match the rows edited.
    batch_dependence
        ``batch_dependence(edit) -> (reason, fix) | None``: the edit reads statistics of
        the run's own batch (patching, which fills the batch with patched rows, refuses
        it, saying the reason and the fix).
    editor
        How the CausalGraph's node editor offers the op (``None``: not offered).
    """

    name: str
    apply: Callable[[Edit, torch.Tensor, tuple[Any, ...]], None]
    code: Callable[[Edit, str, str], list[str]]
    describe: Callable[[Edit], str] | None = None
    check: Callable[[Edit], None] = _nothing
    written: Callable[[Edit], torch.Tensor | None] = _nothing
    check_width: Callable[[Edit, int, str], None] = _nothing
    per_row: Callable[[Edit], bool] = _never
    batch_dependence: Callable[[Edit], tuple[str, str] | None] = _nothing
    editor: Editor | None = field(default=None)

    def what(self, edit: Edit) -> str:
        """What the edit does, in a few words."""
        return self.describe(edit) if self.describe is not None else self.name


#: the table, in registration order (the built-in ops first)
_OPS: dict[str, Op] = {}


def register(op: Op, *, replace: bool = False) -> Op:
    """Add ``op`` to the table (``replace=True``: over an op of the same name)."""
    if not isinstance(op, Op):
        raise TypeError(f"register takes an Op, got {type(op).__name__}")
    if not op.name or not isinstance(op.name, str):
        raise ValueError(f"an op needs a name, got {op.name!r}")
    if op.name in _OPS and not replace:
        raise ValueError(f"an op named {op.name!r} exists; pass replace=True to replace it")
    _OPS[op.name] = op
    return op


def unregister(name: str) -> Op:
    """Remove the op ``name`` from the table (edits of it can no longer be made)."""
    try:
        return _OPS.pop(name)
    except KeyError:
        raise KeyError(f"no edit op {name!r}") from None


def op_names() -> tuple[str, ...]:
    """The ops' names, in the table's order."""
    return tuple(_OPS)


def get_op(name: str) -> Op:
    """The op ``name``; :class:`~iwm_widgets.errors.EditError` for an unknown one."""
    op = find_op(name)
    if op is None:
        raise EditError(f"unknown edit op {name!r}; expected one of {op_names()}")
    return op


def find_op(name: str) -> Op | None:
    """The op ``name``, or None."""
    return _OPS.get(name) if isinstance(name, str) else None


def editor_ops(kind: str) -> list[str]:
    """The ops the node editor offers for a node of ``kind``, in its menu's order."""
    offered = [op for op in _OPS.values() if op.editor is not None and kind in op.editor.kinds]
    return [op.name for op in sorted(offered, key=lambda op: op.editor.kinds[kind])]  # type: ignore[union-attr]


def editor_specs() -> list[dict[str, Any]]:
    """The ops the node editor offers, as the CausalGraph's ``ops`` trait sends them:
    ``{name, label, field, default, text, kinds}`` each (``kinds``: the node kinds that
    offer it)."""
    return [
        {
            "name": op.name,
            "label": op.editor.label or op.name,
            "field": op.editor.field,
            "default": op.editor.default,
            "text": op.editor.text,
            "kinds": list(op.editor.kinds),
        }
        for op in _OPS.values()
        if op.editor is not None
    ]


# ---------------------------------------------------------------------------
# Helpers the built-in ops share
# ---------------------------------------------------------------------------
def lit(t: torch.Tensor) -> str:
    """A Python literal that reproduces a float32 tensor exactly."""
    if t.ndim == 0:
        return repr(float(t))
    return f"torch.tensor({t.tolist()!r})"


def _value(edit: Edit) -> torch.Tensor:
    assert edit.value is not None
    return edit.value


def _needs_value(edit: Edit) -> None:
    if edit.value is None:
        raise EditError(f"{edit.op} needs a value")


def _at_node(edit: Edit, node: Node) -> Edit:
    """A site node's edit, on the node's features (an attention head's slice)."""
    return edit.with_(features=node.features)


# ---- set ------------------------------------------------------------------
# The node editor's "set": a site or head node's features set to the value (a set edit),
# a variable node's readout set to it (a clamp edit, the one way to set a Variable).
def _set_apply(edit: Edit, h: torch.Tensor, idx: tuple[Any, ...]) -> None:
    h[idx] = _value(edit).to(h.dtype)


def _set_node(
    Edit: type[Edit], node: Node, value: float | None, current: torch.Tensor | None, label: str
) -> Edit:
    pos = [node.position]
    if node.kind == "variable":
        assert node.variable is not None
        return Edit.clamp(node.variable, [float(value)], positions=pos, label=label)  # type: ignore[arg-type]
    assert node.site is not None
    return _at_node(Edit.set(node.site, float(value), positions=pos, label=label), node)  # type: ignore[arg-type]


SET = Op(
    "set",
    apply=_set_apply,
    code=lambda e, var, ix: [f"{var}{ix} = {lit(_value(e))}"],
    check=_needs_value,
    written=lambda e: e.value,
    editor=Editor(
        _set_node,
        {"variable": 0, "site": 2, "head": 2},
        field="value",
        default="value",
        text="{op} {node} to {value}",
    ),
)


# ---- add ------------------------------------------------------------------
def _add_apply(edit: Edit, h: torch.Tensor, idx: tuple[Any, ...]) -> None:
    h[idx] += edit.scale_ * _value(edit).to(h.dtype)


ADD = Op(
    "add",
    apply=_add_apply,
    code=lambda e, var, ix: [f"{var}{ix} += {e.scale_!r} * {lit(_value(e))}"],
    describe=lambda e: f"add {e.scale_:g}×vector",
    check=_needs_value,
    written=lambda e: e.value,
)


# ---- scale ----------------------------------------------------------------
def _scale_check(edit: Edit) -> None:
    _needs_value(edit)
    v = _value(edit)
    if v.numel() != 1:
        raise EditError(f"scale takes one factor, got {v.numel()} values")
    object.__setattr__(edit, "value", v.reshape(()))  # one factor, as Edit.scale makes


def _scale_apply(edit: Edit, h: torch.Tensor, idx: tuple[Any, ...]) -> None:
    h[idx] *= float(_value(edit))


def _scale_node(
    Edit: type[Edit], node: Node, value: float | None, current: torch.Tensor | None, label: str
) -> Edit:
    pos = [node.position]
    if node.kind == "variable":
        assert node.variable is not None
        if current is not None and current.numel() > 1:  # each input its own target
            per = current * float(value)  # type: ignore[arg-type]
            return Edit.clamp(node.variable, per[:, None], positions=pos, label=label)
        cur = float(current.reshape(-1)[0]) if current is not None else 0.0
        return Edit.clamp(node.variable, [cur * float(value)], positions=pos, label=label)  # type: ignore[arg-type]
    assert node.site is not None
    return _at_node(Edit.scale(node.site, float(value), positions=pos, label=label), node)  # type: ignore[arg-type]


SCALE = Op(
    "scale",
    apply=_scale_apply,
    code=lambda e, var, ix: [f"{var}{ix} *= {float(_value(e))!r}"],
    describe=lambda e: f"scale ×{float(_value(e)):g}",
    check=_scale_check,
    editor=Editor(
        _scale_node,
        {"variable": 2, "site": 1, "head": 1},
        field="factor",
        default=2,
        text="{op} {node} by {value}",
    ),
)


# ---- ablate ---------------------------------------------------------------
def _ablate_apply(edit: Edit, h: torch.Tensor, idx: tuple[Any, ...]) -> None:
    if edit.mode == "zero":
        h[idx] = 0
        return
    mean = edit.value
    if mean is None:  # mean over batch and positions of the current run
        mean = h.reshape(-1, h.shape[-1]).mean(0)
        if edit.features is not None:
            mean = mean[slice(*edit.features)]
    h[idx] = mean.to(h.dtype)


def _ablate_code(edit: Edit, var: str, ix: str) -> list[str]:
    if edit.mode == "zero":
        return [f"{var}{ix} = 0"]
    if edit.value is None:
        feats = "" if edit.features is None else f"[{edit.features[0]}:{edit.features[1]}]"
        return [f"{var}{ix} = {var}.reshape(-1, {var}.shape[-1]).mean(0){feats}"]
    return [f"{var}{ix} = {lit(edit.value)}"]


def _ablate_batch(edit: Edit) -> tuple[str, str] | None:
    if edit.mode == "mean" and edit.value is None:
        return (
            f"mean ablation at {edit.site} without a value averages over the batch",
            "pass the mean as value= (e.g. from ws.result)",
        )
    return None


def _ablate_node(
    Edit: type[Edit], node: Node, value: float | None, current: torch.Tensor | None, label: str
) -> Edit:
    pos = [node.position]
    if node.kind == "variable":
        assert node.variable is not None
        return Edit.clamp(node.variable, [0.0], positions=pos, label=label)
    assert node.site is not None
    return _at_node(Edit.ablate(node.site, positions=pos, label=label), node)


ABLATE = Op(
    "ablate",
    apply=_ablate_apply,
    code=_ablate_code,
    describe=lambda e: f"{e.mode}-ablate",
    written=lambda e: e.value,
    batch_dependence=_ablate_batch,
    editor=Editor(_ablate_node, {"variable": 3, "site": 0, "head": 0}),
)


# ---- clamp ----------------------------------------------------------------
def _clamp_check(edit: Edit) -> None:
    W, v = edit.direction, edit.value
    if W is None or v is None:
        raise EditError("clamp needs a direction and a target value")
    if W.ndim == 1:
        W = W[None]
        object.__setattr__(edit, "direction", W)
    if W.ndim != 2 or 0 in W.shape:
        raise EditError(f"clamp direction must have shape [k, d], got {list(W.shape)}")
    k = W.shape[0]
    if v.ndim > 2:
        raise EditError(f"clamp targets must be [k] or [batch, k], got {list(v.shape)}")
    if v.ndim == 2 and v.shape[1] == k:
        pass  # one target per batch row: [B, k] (a dial scan in one trace)
    else:
        v = v.reshape(-1)
        if v.numel() == 1 and k > 1:
            raise EditError(f"clamp over {k} directions needs {k} target values")
        if v.numel() != k:
            raise EditError(f"clamp has {k} directions but {v.numel()} target values")
    object.__setattr__(edit, "value", v)
    A = edit.write if edit.write is not None else W
    if A.ndim == 1 and k == 1:
        A = A[None]
    if A.shape != W.shape:
        raise EditError(
            f"write directions {list(A.shape)} must match read directions {list(W.shape)}"
        )
    object.__setattr__(edit, "write", None if edit.write is None else A)
    b = edit.bias if edit.bias is not None else torch.zeros(k)
    if b.numel() == 1 and k > 1:
        b = b.reshape(1).expand(k).clone()
    if b.numel() != k:
        raise EditError(f"clamp bias needs {k} values, got {b.numel()}")
    object.__setattr__(edit, "bias", b.reshape(k))
    for what, M in (("read direction", W), ("write direction", A)):
        zero = [i for i in range(k) if not bool(M[i].abs().max() > 0)]
        if zero:
            raise EditError(
                f"clamp {what} {zero[0]} is all zeros (shape {list(M.shape)}): a zero "
                "direction cannot read or move anything; give a nonzero direction"
            )
    gram = W.double() @ A.double().T
    # the edit solves W·Aᵀ in float32 (the model's dtype): it must be invertible there
    gram32 = W @ A.T
    if (
        torch.linalg.matrix_rank(gram) < k
        or not torch.isfinite(gram32).all()
        or torch.linalg.matrix_rank(gram32) < k
    ):
        raise EditError(
            "clamp cannot reach the target: the write directions do not move the "
            "readout (W·Aᵀ is singular, or too small or large for float32); use "
            "directions of ordinary size that are not orthogonal to the read ones"
        )


def _clamp_apply(edit: Edit, h: torch.Tensor, idx: tuple[Any, ...]) -> None:
    W = edit.direction.to(h.dtype)  # type: ignore[union-attr]
    A = (edit.write if edit.write is not None else edit.direction).to(h.dtype)  # type: ignore[union-attr]
    b = edit.bias.to(h.dtype)  # type: ignore[union-attr]
    target = _value(edit).to(h.dtype)
    sel = h[idx]
    if target.ndim == 2 and sel.ndim == 3:  # per-row targets [B, k] over positions
        target = target[:, None, :]
    readout = sel @ W.T + b  # [..., k]
    coeff = torch.linalg.solve(W @ A.T, (target - readout).unsqueeze(-1)).squeeze(-1)
    h[idx] = sel + coeff @ A


def _clamp_code(edit: Edit, var: str, ix: str) -> list[str]:
    assert edit.direction is not None and edit.bias is not None and edit.value is not None
    A = edit.write if edit.write is not None else edit.direction
    return [
        f"W = {lit(edit.direction)}  # read directions [k, d]",
        f"A = {lit(A)}  # write directions [k, d]",
        f"sel = {var}{ix}",
        f"readout = sel @ W.T + {lit(edit.bias)}",
        f"target = {lit(edit.value)}"
        + ("[:, None, :]  # one target per batch row" if edit.value.ndim == 2 else ""),
        "coeff = torch.linalg.solve(W @ A.T, (target - readout).unsqueeze(-1)).squeeze(-1)",
        f"{var}{ix} = sel + coeff @ A",
    ]


def _clamp_describe(edit: Edit) -> str:
    v = _value(edit)
    return (
        f"clamp readout to {len(v)} per-row targets"
        if v.ndim == 2
        else f"clamp readout to {[round(x, 4) for x in v.tolist()]}"
    )


def _clamp_width(edit: Edit, d: int, where: str) -> None:
    assert edit.direction is not None
    if edit.direction.shape[-1] != d:
        raise EditError(
            f"clamp direction has length {edit.direction.shape[-1]} but {where} has {d} features"
        )


CLAMP = Op(
    "clamp",
    apply=_clamp_apply,
    code=_clamp_code,
    describe=_clamp_describe,
    check=_clamp_check,
    check_width=_clamp_width,
    per_row=lambda e: e.value is not None and e.value.ndim == 2,
    # Not offered by the node editor: "set" of a variable node already is this clamp (its
    # readout moved to exactly the value, along its write directions); a second menu
    # entry made the same edit. (Clamp here is no min/max bound.)
)


for _op in (SET, ADD, SCALE, ABLATE, CLAMP):
    register(_op)
