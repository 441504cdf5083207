"""Edits: interventions on a model's internal values, as pure data.

An :class:`Edit` says *what* to change (``set``, ``add``, ``scale``, ``ablate``,
``clamp``: the ops of the one table in :mod:`~iwm_widgets.tracing.ops`), *where* (a
:class:`~iwm_widgets.tracing.sites.Site`) and *when* (a position scope). It carries no
hooks and no references to a model: it is JSON-serialisable (:meth:`Edit.to_dict`), can
be printed as the equivalent nnsight code (:meth:`Edit.to_code`), and is compiled into a
trace in exactly one place (:func:`apply_edit`, called by
:func:`iwm_widgets.tracing.run.run`).
"""

from __future__ import annotations

import math
import operator
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import torch

from ..errors import EditError, SiteError
from ._display_hook import Displayable
from .ops import get_op
from .sites import Site, as_site

__all__ = ["Edit", "apply_edit", "edits_to_code"]


#: Integers up to this magnitude are exactly representable in float32.
_EXACT_INT = 2**24


def _tensor(x: Any, name: str) -> torch.Tensor:
    """A float32 CPU tensor from a number, list, array or tensor (a copy).

    Conversion rules (the model computes in float32, so the edit does too):

    * float32 is kept; float16 / bfloat16 are widened exactly;
    * float64 (numpy's default, Python floats) is rounded to the nearest float32,
      as ``tensor.float()`` does; values beyond float32's range are refused;
    * integer and bool vectors are converted when every value is exact in float32
      (``|v| <= 2**24``), refused otherwise;
    * NaN and inf are refused, and so are complex numbers, strings and objects.
    """
    if isinstance(x, torch.Tensor):
        t = x.detach()
    else:
        try:
            a = np.asarray(x)
            if a.dtype.kind not in "biufc":
                raise TypeError(f"got {a.dtype} values")
            t = torch.as_tensor(a)
        except (TypeError, ValueError, RuntimeError) as e:
            raise EditError(f"{name} must be a number or a vector of numbers: {e}") from None
    if t.is_complex():
        raise EditError(f"{name} is complex ({t.dtype}); edits take real numbers")
    try:
        t = t.to("cpu")
    except (NotImplementedError, RuntimeError) as e:  # meta tensors hold no values
        raise EditError(f"{name} has no values on device {t.device}: {e}") from None
    if t.is_floating_point():
        if not torch.isfinite(t).all():
            raise EditError(f"{name} contains NaN or inf; edits need finite values")
        out = t.to(torch.float32)
        if not torch.isfinite(out).all():
            raise EditError(
                f"{name} has values beyond float32's range (|v| > 3.4e38); the model "
                "computes in float32"
            )
    else:
        if t.dtype != torch.bool and bool((t.abs() > _EXACT_INT).any()):
            raise EditError(
                f"{name} is an integer tensor with values beyond ±2**24 that float32 "
                "cannot hold exactly; pass floats if rounding is fine"
            )
        out = t.to(torch.float32)
    # contiguous: the same memory layout as a tensor built from to_code()'s literals,
    # so the printed code reproduces results bit for bit
    return out.contiguous().clone()


def _checked(t: Any, name: str) -> torch.Tensor | None:
    """``t`` as a finite float32 CPU tensor (kept when it already is one), or None."""
    if t is None:
        return None
    if (
        isinstance(t, torch.Tensor)
        and t.dtype == torch.float32
        and t.device.type == "cpu"
        and not t.requires_grad
        and t.is_contiguous()
    ):
        if not torch.isfinite(t).all():
            raise EditError(f"{name} contains NaN or inf; edits need finite values")
        return t
    return _tensor(t, name)


def _index_tuple(x: Any, name: str) -> tuple[int, ...]:
    """Integers (Python, numpy or integer tensors; not floats) as a tuple."""
    if isinstance(x, torch.Tensor):
        x = x.reshape(-1).tolist() if not x.is_floating_point() else x
    try:
        items = [x] if _is_index(x) else list(x)
        return tuple(operator.index(p) for p in items)
    except TypeError:
        raise EditError(f"{name} must be integers, got {x!r}") from None


def _is_index(x: Any) -> bool:
    try:
        operator.index(x)
    except TypeError:
        return False
    return True


def _is_variable(x: Any) -> bool:
    """A Variable (duck-typed: tracing.probes imports this module)."""
    return hasattr(x, "read") and hasattr(x, "write") and hasattr(x, "directions")


def _new_id() -> str:
    return uuid.uuid4().hex[:8]


@dataclass(frozen=True, eq=False)
class Edit(Displayable):
    """One intervention on one site. Build it with the class methods.

    Every vector (``value``, ``direction``, ``write``, ``bias``) is stored as a float32
    CPU tensor, as the model computes: float64 is rounded to float32, integer and bool
    vectors are converted when exact (``|v| <= 2**24``); NaN, inf, values beyond
    float32's range, complex numbers and inexact integers raise :class:`EditError`, and
    so does a ``clamp`` with an all-zero direction.

    Attributes
    ----------
    op
        ``"set"``, ``"add"``, ``"scale"``, ``"ablate"`` or ``"clamp"``: a name in the
        table of ops (:mod:`iwm_widgets.tracing.ops`), which says how the edit is
        checked, applied, printed as code and described.
    site
        Where the edit applies.
    value
        ``set``: the new value (scalar or vector over the hidden dimension);
        ``add``: the vector added (times ``scale``); ``scale``: the factor;
        ``ablate``: the mean vector for ``mode="mean"`` (``None``: the mean over
        positions of the current run); ``clamp``: the target readout, shape ``[k]``.
    scale
        Multiplier of ``value`` for ``add``.
    mode
        ``"zero"`` or ``"mean"`` for ``ablate``.
    direction
        ``clamp`` only: read directions ``W``, shape ``[k, d]``; readout = ``W h + bias``.
    write
        ``clamp`` only: write directions ``A`` as rows, shape ``[k, d]``; the edit moves
        ``h`` along them by exactly what makes the readout equal ``value``:
        ``h += Aᵀ (W Aᵀ)⁻¹ (value − W h − bias)``. ``None`` uses ``W`` itself (the
        readout's pseudo-inverse direction).
    bias
        ``clamp`` only: readout bias, shape ``[k]``.
    positions
        The positions (time steps / tokens) edited; ``None`` means every position.
        Negative positions count from the end of the sequence *at each step*, so
        ``(-1,)`` edits the newest step of a rollout at every step.
    start
        Edit every position from ``start`` on, rollout steps included (exclusive with
        ``positions``).
    rows
        Only these batch rows (``None``: every row). Batched sweeps give each row its
        own intervention in one trace.
    features
        ``(lo, hi)``: only the features ``lo:hi`` of the last axis (``None``: all). An
        attention head is such a slice of its output projection's input; vectors of
        ``set``/``add``/``ablate`` then have ``hi - lo`` entries.
    label
        Free text shown in widgets.
    id
        Unique id, used to remove the edit from a Workspace.
    """

    op: str
    site: Site
    value: torch.Tensor | None = None
    scale_: float = 1.0
    mode: Literal["zero", "mean"] = "zero"
    direction: torch.Tensor | None = None
    write: torch.Tensor | None = None
    bias: torch.Tensor | None = None
    positions: tuple[int, ...] | None = None
    start: int | None = None
    rows: tuple[int, ...] | None = None
    features: tuple[int, int] | None = None
    label: str = ""
    id: str = field(default_factory=_new_id)

    # ---- construction -------------------------------------------------
    def __post_init__(self) -> None:
        op = get_op(self.op)  # EditError for an unknown op
        try:
            object.__setattr__(self, "site", as_site(self.site))
        except (TypeError, ValueError) as e:
            raise EditError(f"bad site for an edit: {e}") from None
        for name in ("value", "direction", "write", "bias"):  # direct construction too
            object.__setattr__(self, name, _checked(getattr(self, name), name))
        if self.positions is not None and self.start is not None:
            raise EditError("give either positions= or start=, not both")
        if self.positions is not None:
            pos = _index_tuple(self.positions, "positions")
            if not pos:
                raise EditError("positions is empty; use None for every position")
            object.__setattr__(self, "positions", pos)
        if self.rows is not None:
            object.__setattr__(self, "rows", _index_tuple(self.rows, "rows"))
        if self.features is not None:
            feats = _index_tuple(self.features, "features")
            if len(feats) != 2:
                raise EditError(
                    f"features must be a (lo, hi) pair of integers, got {self.features!r}"
                )
            lo, hi = feats
            if not 0 <= lo < hi:
                raise EditError(f"features=({lo}, {hi}) is empty or negative; need 0 <= lo < hi")
            object.__setattr__(self, "features", (lo, hi))
        if self.start is not None:
            if not _is_index(self.start):
                raise EditError(f"start must be an integer, got {self.start!r}")
            object.__setattr__(self, "start", operator.index(self.start))
        try:
            scale = float(self.scale_)
        except (TypeError, ValueError):
            raise EditError(f"scale must be a number, got {self.scale_!r}") from None
        if not math.isfinite(scale):
            raise EditError("scale must be finite")
        object.__setattr__(self, "scale_", scale)
        if self.mode not in ("zero", "mean"):
            raise EditError(f"ablate mode must be 'zero' or 'mean', got {self.mode!r}")
        op.check(self)

    @classmethod
    def set(
        cls,
        site: Site | str,
        value: Any,
        *,
        positions: Any = None,
        start: int | None = None,
        label: str = "",
    ) -> Edit:
        """Replace the value at ``site`` by ``value`` (scalar or vector)."""
        return cls(
            "set",
            as_site(site),
            _tensor(value, "value"),
            positions=positions,
            start=start,
            label=label,
        )

    @classmethod
    def add(
        cls,
        site: Any,
        vector: Any,
        scale: float = 1.0,
        *,
        positions: Any = None,
        start: int | None = None,
        label: str = "",
        direction: str = "encoding",
    ) -> Edit:
        """Add ``scale * vector`` to the value at ``site`` (steering).

        With a :class:`~iwm_widgets.tracing.probes.Variable` instead of a site,
        ``vector`` is a change in the variable's own units (``[k]``): the edit moves
        along its write directions (``direction="encoding"``, or ``"probe"`` for the
        probe's pseudo-inverse) by exactly what shifts the readout by that much.
        """
        if _is_variable(site):
            var = site
            delta = _tensor(vector, "delta").reshape(-1)
            if delta.numel() != var.k:
                raise EditError(f"{var.name} has {var.k} components, got {delta.numel()} values")
            A = var.directions(direction).double()
            try:
                coeff = torch.linalg.solve(var.read.double() @ A.T, delta.double())
            except RuntimeError:  # torch.linalg.LinAlgError: a singular W·Aᵀ
                raise EditError(
                    f"{var.name}'s {direction} directions do not move its readout "
                    "(W·Aᵀ is singular); refit the Variable or use the other direction="
                ) from None
            return cls(
                "add",
                var.site,
                _tensor(coeff @ A, "vector"),
                scale_=scale,
                positions=positions,
                start=start,
                label=label or f"shift {var.name} by {delta.tolist()}",
            )
        return cls(
            "add",
            as_site(site),
            _tensor(vector, "vector"),
            scale_=scale,
            positions=positions,
            start=start,
            label=label,
        )

    @classmethod
    def scale(
        cls,
        site: Site | str,
        factor: float,
        *,
        positions: Any = None,
        start: int | None = None,
        label: str = "",
    ) -> Edit:
        """Multiply the value at ``site`` by ``factor``."""
        return cls(
            "scale",
            as_site(site),
            _tensor(factor, "factor").reshape(()),
            positions=positions,
            start=start,
            label=label,
        )

    @classmethod
    def ablate(
        cls,
        site: Site | str,
        mode: Literal["zero", "mean"] = "zero",
        *,
        mean: Any = None,
        positions: Any = None,
        start: int | None = None,
        label: str = "",
    ) -> Edit:
        """Zero the value at ``site``, or replace it by a mean (``mode="mean"``).

        With ``mode="mean"`` and no ``mean`` vector, the mean over all positions of the
        current run is used.
        """
        value = None if mean is None else _tensor(mean, "mean")
        return cls(
            "ablate", as_site(site), value, mode=mode, positions=positions, start=start, label=label
        )

    @classmethod
    def clamp(
        cls,
        site: Any,
        value: Any,
        direction: Any = "encoding",
        *,
        bias: Any = 0.0,
        write: Any = None,
        positions: Any = None,
        start: int | None = None,
        label: str = "",
    ) -> Edit:
        """Set a readout to ``value``, moving along write directions.

        ``Edit.clamp(variable, value)`` sets a
        :class:`~iwm_widgets.tracing.probes.Variable` (``value``: ``[k]``), moving
        along its encoding directions; ``direction="probe"`` moves along the probe's
        own read directions (its pseudo-inverse) instead.

        ``Edit.clamp(site, value, direction=W, bias=b, write=A)`` sets the raw readout
        ``W h + b`` (``W``: ``[k, d]`` or ``[d]``), moving along ``A`` (default ``W``) by
        exactly what makes it equal ``value``: ``h += Aᵀ (W Aᵀ)⁻¹ (value − W h − b)``.
        """
        if _is_variable(site):
            var = site
            if not isinstance(direction, str):
                raise EditError("with a Variable, direction is 'encoding' or 'probe'")
            target = _tensor(value, "value")
            target = target if target.ndim == 2 else target.reshape(-1)
            return cls(
                "clamp",
                var.site,
                target,
                direction=var.read.clone(),
                write=var.directions(direction).clone(),
                bias=var.bias.clone(),
                positions=positions,
                start=start,
                label=label or f"{var.name} = {target.tolist() if target.ndim == 1 else 'per row'}",
            )
        if isinstance(direction, str):
            raise EditError("clamp at a site needs direction= as a vector or [k, d] matrix")
        return cls(
            "clamp",
            as_site(site),
            _tensor(value, "value").reshape(-1),
            direction=_tensor(direction, "direction"),
            write=None if write is None else _tensor(write, "write"),
            bias=_tensor(bias, "bias").reshape(-1),
            positions=positions,
            start=start,
            label=label,
        )

    def with_(self, **changes: Any) -> Edit:
        """A copy with some fields changed (keeps the id unless one is given)."""
        return replace(self, **changes)

    # ---- shape checks against a site's known shape -----------------------
    def check_shape(self, shape: Sequence[int], length: int | None = None) -> None:
        """Raise :class:`EditError` if this edit cannot apply to a value of ``shape``.

        ``length`` is the sequence length of the current input, used to check positions.
        Also checks the values again (tensors can be changed in place after the edit was
        made): finite, and for ``clamp`` an invertible ``W·Aᵀ``; and that each vector
        broadcasts to the slice of the value it writes.
        """
        shape = tuple(shape)
        d = shape[-1] if shape else 1
        has_pos_axis = len(shape) >= 3
        where = f"site {str(self.site)!r} (value shape {list(shape)})"
        # tensors are mutable: check their values again right before they are used
        for name in ("value", "direction", "write", "bias"):
            t = getattr(self, name)
            if t is not None and not bool(torch.isfinite(t).all()):
                raise EditError(f"{name} contains NaN or inf; edits need finite values")
        op = get_op(self.op)
        op.check(self)
        if self.features is not None:
            lo, hi = self.features
            if hi > d:
                raise EditError(f"features=({lo}, {hi}) is outside the {d} features of {where}")
            d = hi - lo
            where += f" features {lo}:{hi}"
        if (self.positions is not None or self.start is not None) and not has_pos_axis:
            raise EditError(f"{where} has no position axis; drop positions=/start=")
        if self.positions is not None and length is not None:
            bad = [p for p in self.positions if not -length <= p < length]
            if bad:
                raise EditError(
                    f"positions {bad} are outside the input (length {length}) at {where}"
                )
        if self.start is not None and length is not None and not 0 <= self.start < length:
            raise EditError(f"start={self.start} is outside the input (length {length})")
        vec = op.written(self)
        if vec is not None and vec.ndim >= 1 and vec.shape[-1] not in (1, d):
            raise EditError(
                f"{self.op} vector has length {vec.shape[-1]} but {where} has {d} features"
            )
        op.check_width(self, d, where)
        if self.rows is not None and shape:
            bad = [r for r in self.rows if not -shape[0] <= r < shape[0]]
            if bad:
                raise EditError(f"rows {bad} are outside the batch of {shape[0]} at {where}")
        # the slice the edit writes, from the same index apply_edit uses (no memory: meta)
        n_pos = shape[1] if has_pos_axis else None
        try:
            sel = tuple(
                torch.empty(shape, device="meta")[_index(self, len(shape), 0, n_pos, n_pos)].shape
            )
        except (IndexError, RuntimeError, ValueError) as e:
            raise EditError(f"{self.op} edit does not index {where}: {e}") from None
        if vec is not None and not _broadcasts(tuple(vec.shape), sel):
            raise EditError(
                f"{self.op} value of shape {list(vec.shape)} does not broadcast to the "
                f"{list(sel)} values it edits at {where}; give a vector of {d} features"
            )
        if op.per_row(self) and sel:
            assert self.value is not None
            rows = self.value.shape[0]
            if rows not in (1, sel[0]):
                raise EditError(
                    f"{self.op} has {rows} per-row targets but edits {sel[0]} batch rows at {where}"
                )

    # ---- serialisation ------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (tensors as nested lists)."""

        def lst(t: torch.Tensor | None) -> Any:
            return None if t is None else t.tolist()

        return {
            "op": self.op,
            "site": self.site.to_dict(),
            "value": lst(self.value),
            "scale": self.scale_,
            "mode": self.mode,
            "direction": lst(self.direction),
            "write": lst(self.write),
            "bias": lst(self.bias),
            "positions": None if self.positions is None else list(self.positions),
            "start": self.start,
            "rows": None if self.rows is None else list(self.rows),
            "features": None if self.features is None else list(self.features),
            "label": self.label,
            "id": self.id,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Edit:
        """Inverse of :meth:`to_dict`.

        Strict, since the dict may come from a file or a browser: a missing ``op`` or
        ``site``, an unknown key (a typo such as ``"position"`` would otherwise edit every
        position) or a value of the wrong type raises :class:`EditError`.
        """
        if not isinstance(d, Mapping):
            raise EditError(f"an edit dict is a mapping, got {type(d).__name__}")
        extra = set(d) - _DICT_KEYS
        if extra:
            raise EditError(
                f"unknown edit keys {sorted(map(str, extra))}; expected {sorted(_DICT_KEYS)}"
            )
        missing = {"op", "site"} - set(d)
        if missing:
            raise EditError(f"an edit dict needs {sorted(missing)}")

        def t(x: Any, name: str) -> torch.Tensor | None:
            return None if x is None else _tensor(x, name)

        def ints(x: Any, name: str) -> tuple[int, ...] | None:
            if x is None:
                return None
            if not isinstance(x, (list, tuple)) or not all(_is_int(i) for i in x):
                raise EditError(f"{name} must be a list of integers or null, got {x!r}")
            return tuple(int(i) for i in x)

        def text(x: Any, name: str) -> str:
            if not isinstance(x, str):
                raise EditError(f"{name} must be a string, got {x!r}")
            return x

        op = text(d["op"], "op")
        try:
            site = Site.from_dict(d["site"]) if isinstance(d["site"], Mapping) else d["site"]
            site = as_site(site)
        except (SiteError, TypeError) as e:
            raise EditError(f"bad edit site: {e}") from None
        scale = d.get("scale", 1.0)
        if not isinstance(scale, (int, float)) or isinstance(scale, bool):
            raise EditError(f"scale must be a number, got {scale!r}")
        start = d.get("start")
        if start is not None and not _is_int(start):
            raise EditError(f"start must be an integer or null, got {start!r}")
        features = ints(d.get("features"), "features")
        if features is not None and len(features) != 2:
            raise EditError(f"features must be a [lo, hi] pair, got {list(features)}")
        edit_id = d.get("id")
        if edit_id is not None and not isinstance(edit_id, str):
            raise EditError(f"id must be a string or null, got {edit_id!r}")
        return cls(
            op,  # type: ignore[arg-type]  # checked in __post_init__
            site,
            t(d.get("value"), "value"),
            scale_=float(scale),
            mode=text(d.get("mode", "zero"), "mode"),  # type: ignore[arg-type]
            direction=t(d.get("direction"), "direction"),
            write=t(d.get("write"), "write"),
            bias=t(d.get("bias"), "bias"),
            positions=ints(d.get("positions"), "positions"),
            start=None if start is None else int(start),
            rows=ints(d.get("rows"), "rows"),
            features=features,  # type: ignore[arg-type]
            label=text(d.get("label", ""), "label"),
            id=edit_id or _new_id(),
        )

    def describe(self) -> str:
        """One line for humans: ``add 5×vec @ blocks.1 [t≥3]``."""
        scope = (
            ""
            if self.positions is None and self.start is None
            else f" [t={list(self.positions)}]"
            if self.positions is not None
            else f" [t≥{self.start}]"
        )
        try:
            what = get_op(self.op).what(self)
        except EditError:  # an op removed from the table since: its name still reads
            what = self.op
        feats = "" if self.features is None else f"[{self.features[0]}:{self.features[1]}]"
        return f"{what} @ {self.site}{feats}{scope}"

    def __repr__(self) -> str:
        return f"Edit({self.describe()}, id={self.id!r})"

    def to_code(
        self, model_var: str = "model", inputs_var: str = "inputs", call_kwargs: Sequence[str] = ()
    ) -> str:
        """Runnable nnsight code with the same effect as this edit alone.

        ``call_kwargs``: the forward's keyword arguments besides the inputs (padded
        text: ``("attention_mask",)``; see :func:`edits_to_code`).
        """
        return edits_to_code(
            [self], model_var=model_var, inputs_var=inputs_var, call_kwargs=call_kwargs
        )


def _broadcasts(small: tuple[int, ...], big: tuple[int, ...]) -> bool:
    """Whether a tensor of shape ``small`` broadcasts to ``big`` (in-place ops)."""
    try:
        return tuple(torch.broadcast_shapes(small, big)) == big
    except RuntimeError:
        return False


#: the keys of Edit.to_dict (Edit.from_dict accepts no others)
_DICT_KEYS = frozenset(
    "op site value scale mode direction write bias positions start rows features label id".split()
)


def _is_int(x: Any) -> bool:
    """An integer, and not a bool (JSON's true/false are no positions): for from_dict."""
    return isinstance(x, int) and not isinstance(x, bool)


# ---------------------------------------------------------------------------
# Applying edits: the only place where an Edit touches a tensor.
# ---------------------------------------------------------------------------
def _index(
    edit: Edit, ndim: int, offset: int = 0, total: int | None = None, length: int | None = None
) -> tuple[Any, ...]:
    """Index into a value of ``ndim`` dims: batch first, positions second.

    ``offset`` is the absolute position of the value's first column and ``total`` the
    length of the whole sequence so far (they differ from 0 and ``length`` when a
    language model generates with a key/value cache: each step sees one new token).
    """
    pos: Any
    if ndim <= 2:  # [batch, features]: no position axis
        pos = None
    elif edit.start is not None:
        pos = slice(max(edit.start - offset, 0), None)
    elif edit.positions is not None and not offset:
        pos = list(edit.positions)
    elif edit.positions is not None:
        assert total is not None and length is not None
        local = [(p if p >= 0 else p + total) - offset for p in edit.positions]
        pos = [q for q in local if 0 <= q < (length or 0)]
    else:
        pos = slice(None)
    feats: tuple[Any, ...] = () if edit.features is None else (Ellipsis, slice(*edit.features))
    if edit.rows is None:
        if pos is None or pos == slice(None):
            return feats or (Ellipsis,)
        return (slice(None), pos, *feats)
    rows = torch.tensor(edit.rows)
    if pos is None:
        return (rows, *feats)
    assert length is not None
    cols = torch.arange(length)[pos] if isinstance(pos, slice) else torch.tensor(pos)
    cols = cols % length  # negative positions count from the end
    return (rows[:, None], cols[None, :], *feats)


def apply_edit(edit: Edit, h: torch.Tensor, offset: int = 0, total: int | None = None) -> None:
    """Apply ``edit`` to the tensor ``h`` in place (batch × positions × features): its
    op's ``apply`` (:mod:`~iwm_widgets.tracing.ops`) at the index of its scope.

    ``offset`` / ``total``: see :func:`_index` (generation with a key/value cache).
    """
    op = get_op(edit.op)
    op.apply(edit, h, _index(edit, h.ndim, offset, total, h.shape[1] if h.ndim > 2 else None))


# ---------------------------------------------------------------------------
# Code generation: edits printed as the nnsight code a user would write.
# ---------------------------------------------------------------------------
def _index_code(edit: Edit, cached: bool = False) -> str:
    ix = _scope_code(edit, cached)
    if edit.features is None:
        return ix
    lo, hi = edit.features
    return f"[..., {lo}:{hi}]" if ix == "[:]" else f"{ix[:-1]}, ..., {lo}:{hi}]"


def _scope_code(edit: Edit, cached: bool = False) -> str:
    if edit.rows is not None:  # per-row interventions (sweeps): explicit row × column grid
        if edit.start is not None:
            cols = f"torch.arange({edit.start}, h.shape[1])"
        elif edit.positions is not None:
            cols = f"(torch.tensor({list(edit.positions)!r}) % h.shape[1])"
        else:
            cols = "torch.arange(h.shape[1])"
        return f"[torch.tensor({list(edit.rows)!r})[:, None], {cols}[None, :]]"
    if cached:  # generation with a key/value cache: positions are absolute
        if edit.start is not None:
            return f"[:, max({edit.start} - offset, 0):]"
        if edit.positions is not None:
            return (
                f"[:, [q for q in ((p if p >= 0 else p + T + step) - offset for p in "
                f"{list(edit.positions)!r}) if 0 <= q < h.shape[1]]]"
            )
        return "[:]"
    if edit.start is not None:
        return f"[:, {edit.start}:]"
    if edit.positions is not None:
        return f"[:, {list(edit.positions)!r}]"
    return "[:]"


def _edit_lines(edit: Edit, var: str, cached: bool = False) -> list[str]:
    return get_op(edit.op).code(edit, var, _index_code(edit, cached))


def _comment(text: str) -> str:
    """``text`` safe inside a ``#`` comment: a module name holding a line break (torch
    allows one) must not end the comment and put code on the next line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


#: what the generated code's header says of each keyword argument it may expect
_KWARG_DOCS = {
    "attention_mask": "1 for a token, 0 for padding, [batch, positions]",
    "position_ids": "each row's positions counted from its first token (left padding)",
}


def edits_to_code(
    edits: Sequence[Edit],
    *,
    model_var: str = "model",
    inputs_var: str = "inputs",
    site_order: Sequence[str] | Callable[[Site], Any] | None = None,
    rollout_steps: int = 0,
    generate: bool = False,
    call_kwargs: Sequence[str] = (),
) -> str:
    """nnsight code that applies ``edits`` in one trace and saves the output.

    ``model_var`` names an nnsight-wrapped model (``iwm_model.nnsight`` or any
    ``nnsight.NNsight``), ``inputs_var`` its inputs. With ``rollout_steps`` the code
    traces the model's ``rollout`` method and applies the edits at every step; with
    ``generate=True`` (language models) it generates that many tokens greedily, the
    edits applied at every step (positions are absolute across the key/value cache).

    ``call_kwargs`` names the keyword arguments the forward takes besides the inputs
    (the keys of :meth:`Model.call_args <iwm_widgets.tracing.model.Model.call_args>`:
    ``attention_mask``, ``position_ids`` for a padded batch of texts); the code passes
    each from a variable of that name, and its header says so (a world model's
    ``rollout`` takes none).
    :meth:`Model.code_variables <iwm_widgets.tracing.model.Model.code_variables>`
    gives the values of ``inputs_var`` and of these variables.
    """
    groups: dict[Site, list[Edit]] = {}
    for e in edits:
        groups.setdefault(e.site, []).append(e)
    if callable(site_order):  # Model.order_key: when each input and output is reached
        ordered = sorted(groups, key=site_order)
    else:
        order = {p: i for i, p in enumerate(site_order or [])}

        def key(s: Site) -> tuple[int, bool]:
            if s.path == "" and s.io == "input":
                return (-1, False)  # the whole model's input comes first, its output last
            return (order.get(s.path, len(order)), s.io != "input")

        ordered = sorted(groups, key=key)
    cached = generate and rollout_steps > 0
    body: list[str] = ["offset = 0 if step == 0 else T + step - 1"] if cached else []
    for site in ordered:
        body.append(f"h = {site.envoy_code(model_var)}")
        # a tuple (or a Hugging Face ModelOutput) leads with the value
        body.append("h = h if isinstance(h, torch.Tensor) else h[0]")
        for e in groups[site]:
            body.append(f"# {_comment(e.describe())}")
            body.extend(_edit_lines(e, "h", cached))
    kwargs = [] if rollout_steps and not cached else list(dict.fromkeys(call_kwargs))
    lines = [
        f"# {_comment(model_var)}: an nnsight-wrapped model (iwm_model.nnsight)",
        f"# {_comment(inputs_var)}: its prepared inputs (iwm_model.prepare(x))",
    ]
    for k in kwargs:
        lines.append(f"# {k}: {_KWARG_DOCS.get(k, 'a keyword argument of the forward')}")
    if kwargs:
        lines.append("# (iwm_model.code_variables(x), ws.code_variables(): all of these by name)")
    lines += ["import torch", ""]
    args = inputs_var
    if any(s.io == "input" for s in groups):
        # an edit at a module's input writes in place: at the first module that tensor
        # is the caller's own, so the trace edits a copy and leaves theirs unchanged
        lines.append(
            f"# an input edit writes in place: trace a copy, {_comment(inputs_var)} stays as it is"
        )
        args = f"{inputs_var}.clone()"
    args += "".join(f", {k}={k}" for k in kwargs)
    if cached:
        lines.append(f"T = {inputs_var}.shape[-1]  # prompt length in tokens")
        lines.append(
            f"with {model_var}.generate({args}, max_new_tokens={rollout_steps}, "
            "do_sample=False, eos_token_id=None) as tracer:  # all steps, also past <eos>"
        )
        lines.append(f"    for step in tracer.iter[:{rollout_steps}]:")
        lines.extend("        " + ln for ln in body)
        lines.append("    rollout = tracer.result.save()")
    elif rollout_steps:
        lines.append(
            f"with {model_var}.trace({args}, {rollout_steps}, fn={model_var}.rollout) as tracer:"
        )
        lines.append(f"    for step in tracer.iter[:{rollout_steps}]:")
        lines.extend("        " + ln for ln in body or ["pass"])
        lines.append("    rollout = tracer.result.save()")
    else:
        lines.append(f"with {model_var}.trace({args}):")
        lines.extend("    " + ln for ln in body)
        lines.append(f"    output = {model_var}.output.save()")
    return "\n".join(lines) + "\n"
