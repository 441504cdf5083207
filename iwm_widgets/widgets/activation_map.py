"""ActivationMap: a layer × position heatmap of a model's internals, live."""

from __future__ import annotations

import re
from typing import Any

import anywidget
import numpy as np
import torch
import traitlets

from ..transport import to_buffer
from ..workspace import Workspace
from ._base import WorkspaceWidget, esm, model_title

__all__ = [
    "AGGREGATES",
    "QUANTITIES",
    "ActivationMap",
    "DimensionError",
    "Heatmap",
    "HeatmapTraits",
    "encode_values",
]

QUANTITIES = {
    "norm": "activation norm ‖h‖",
    "dim": "one hidden dimension h[d]",
    "direction": "projection on a direction h·v",
    "delta": "change from the unedited run ‖h − h₀‖",
    "lens_prob": "logit lens: top-token probability",
}
DIVERGING = {"dim", "direction"}
AGGREGATES = ("mean", "max", "min")
"""What one pixel column shows when a map has more positions than pixels."""

#: Maps of more cells than this travel as float16 (half the bytes; 3 significant digits,
#: as many as the colours and the tooltip show), smaller ones as exact float32.
FLOAT32_MAX_CELLS = 1 << 16
#: The largest finite float16: a map with a larger value travels as float32.
FLOAT16_MAX = 65504.0
#: Column labels up to this many travel as a JSON list; more as a pattern ("t0" … "tN")
#: or fetched by the front end in chunks, only those it draws (js/activation_map/texts.js).
INLINE_COLUMNS = 2048
#: Per-cell texts up to this many travel as a JSON list; more are fetched in chunks.
INLINE_CELL_TEXT = 1 << 14
#: The most texts one chunk of a reply holds, and the most chunks one reply answers.
MAX_CHUNK, MAX_CHUNKS = 4096, 64
_NUMBERED = re.compile(r"(.*?)(0|[1-9][0-9]*)")


def encode_values(m: torch.Tensor) -> dict[str, Any]:
    """The heatmap's ``values`` payload: float32 for a small map (exact), float16 for a map
    of more than :data:`FLOAT32_MAX_CELLS` cells (half the bytes) unless a finite value is
    beyond float16's range (then float32: never ``inf`` for a value that is not)."""
    if m.numel() > FLOAT32_MAX_CELLS:
        r = _finite_range(m)
        if r is None or max(-r[0], r[1]) <= FLOAT16_MAX:
            return to_buffer(m, "float16")
    return to_buffer(m, "float32")


def _pattern(labels: list[str]) -> dict[str, Any] | None:
    """``{n, prefix, start}`` when label i is ``prefix + str(start + i)`` (e.g. "t0" … "t99")."""
    hit = _NUMBERED.fullmatch(labels[0]) if labels else None
    if hit is None:
        return None
    prefix, start = hit.group(1), int(hit.group(2))
    if any(s != f"{prefix}{start + i}" for i, s in enumerate(labels)):
        return None
    return {"n": len(labels), "prefix": prefix, "start": start}


def _text_to_json(name: str, inline: int) -> Any:
    """How the texts trait ``name`` travels: a list up to ``inline`` entries; more as a
    pattern (column labels only) or ``{n, lazy, key}``, fetched on demand (``_on_text_msg``)."""

    def to_json(value: list[str], widget: Any) -> Any:
        texts = list(value)
        if len(texts) <= inline:
            return texts
        if name == "columns" and (pattern := _pattern(texts)) is not None:
            return pattern
        return {"n": len(texts), "lazy": True, "key": widget._text_keys.get(name, 0)}

    return to_json


def _text_from_json(name: str) -> Any:
    """The texts trait ``name`` from the front end: a list as it is; the compact forms
    (never sent back) decoded, or the texts Python holds."""

    def from_json(value: Any, widget: Any) -> list[str]:
        if isinstance(value, dict):
            if "prefix" in value:
                n, prefix, start = int(value["n"]), str(value["prefix"]), int(value["start"])
                return [f"{prefix}{start + i}" for i in range(n)]
            return list(getattr(widget, name, []))
        return [str(v) for v in value or []]

    return from_json


class DimensionError(traitlets.TraitError, ValueError):
    """A hidden dimension outside the rows' width (``ActivationMap.dim``); the map keeps
    the dimension it showed."""


class HeatmapTraits(traitlets.HasTraits):
    """The synced state of the heatmap front end (``js/activation_map/``)."""

    values = traitlets.Dict(help="{buffer, dtype, shape=[rows, cols]}: the heatmap, binary.").tag(
        sync=True
    )
    rows = traitlets.List(traitlets.Unicode(), help="Row labels (site paths), bottom first.").tag(
        sync=True
    )
    columns: traitlets.List[str] = traitlets.List(
        help="Column labels (steps or tokens). More than 2048 travel as a pattern "
        "(``t0`` … ``tN``) or are fetched by the front end, only those it shows.",
    ).tag(
        sync=True,
        to_json=_text_to_json("columns", INLINE_COLUMNS),
        from_json=_text_from_json("columns"),
    )
    cell_text: traitlets.List[str] = traitlets.List(
        help="Per-cell text, rows × cols row-major, or empty. More than 16384 are fetched "
        "by the front end, only those it shows.",
    ).tag(
        sync=True,
        to_json=_text_to_json("cell_text", INLINE_CELL_TEXT),
        from_json=_text_from_json("cell_text"),
    )
    quantity = traitlets.Unicode("norm", help="The quantity drawn.").tag(sync=True)
    quantities = traitlets.List(traitlets.Dict(), help="Quantities offered: {value, label}.").tag(
        sync=True
    )
    dim = traitlets.Int(0, help="Hidden dimension for quantity 'dim'.").tag(sync=True)
    n_dims = traitlets.Int(0, help="Hidden size of the rows.").tag(sync=True)
    scale = traitlets.Unicode("sequential", help="'sequential' or 'diverging'.").tag(sync=True)
    vmin = traitlets.Float(0.0, help="Colour scale minimum.").tag(sync=True)
    vmax = traitlets.Float(1.0, help="Colour scale maximum.").tag(sync=True)
    selection = traitlets.Dict(help="{} or {row, col}: the selected cell.").tag(sync=True)
    title = traitlets.Unicode("", help="Title shown above the map.").tag(sync=True)
    notes = traitlets.List(
        traitlets.Dict(),
        help="What a value beyond a bound means, added to the tooltip of such a cell: "
        "{above: x, text} or {below: x, text}.",
    ).tag(sync=True)
    aggregate = traitlets.Unicode(
        "mean",
        help="What one pixel column shows when the positions outnumber the pixels: the "
        "'mean', 'max' or 'min' of the positions it covers (the legend says which).",
    ).tag(sync=True)

    @traitlets.validate("aggregate")
    def _check_aggregate(self, proposal: dict[str, Any]) -> str:
        a = proposal["value"]
        if a not in AGGREGATES:
            raise traitlets.TraitError(f"aggregate must be one of {list(AGGREGATES)}, got {a!r}")
        return str(a)

    @traitlets.validate("columns", "cell_text")
    def _new_texts(self, proposal: dict[str, Any]) -> list[str]:
        # strings only, checked here in one pass (a Unicode element trait takes ~4 µs a
        # label); a new key when they change: the front end drops replies for old texts
        name, value = proposal["trait"].name, proposal["value"]
        bad = next((i for i, s in enumerate(value) if type(s) is not str), None)
        if bad is not None:
            raise traitlets.TraitError(
                f"{name} must be a list of strings, got {type(value[bad]).__name__} at {bad}"
            )
        if value != getattr(self, name):
            self._text_keys[name] = self._text_keys.get(name, 0) + 1
        return list(value)

    @property
    def _text_keys(self) -> dict[str, int]:
        """A counter per texts trait, raised whenever it changes (the lazy form's ``key``)."""
        return self.__dict__.setdefault("_text_keys", {})

    def _on_text_msg(self, widget: Any, content: Any, buffers: Any) -> None:
        """Answer the front end's request for chunks of ``columns`` or ``cell_text``
        (``{type: "text", what, key, size, chunks}``, js/activation_map/texts.js)."""
        if not isinstance(content, dict) or content.get("type") != "text":
            return
        what = content.get("what")
        if what not in ("columns", "cell_text"):
            return
        try:
            size = max(1, min(MAX_CHUNK, int(content.get("size", 256))))
            ids = [int(c) for c in list(content.get("chunks") or [])[:MAX_CHUNKS]]
        except (TypeError, ValueError):
            return  # not a request of ours
        texts: list[str] = getattr(self, what)
        chunks = [[c, texts[c * size : (c + 1) * size]] for c in ids if 0 <= c * size < len(texts)]
        reply = {"type": "text", "what": what, "key": self._text_keys.get(what, 0)}
        self.send({**reply, "size": size, "chunks": chunks})  # type: ignore[attr-defined]


def _finite_range(m: torch.Tensor) -> tuple[float, float] | None:
    """(min, max) of the finite values of ``m``, None when there are none (numpy: on two
    cores it is several times faster than torch for a 48 × 32768 map)."""
    a = m.detach().to("cpu", torch.float32).numpy()
    if a.size and not np.isfinite(a).all():
        a = a[np.isfinite(a)]
    if not a.size:
        return None
    return float(a.min()), float(a.max())


def color_range(m: torch.Tensor, diverging: bool, lower_zero: bool = False) -> tuple[float, float]:
    """Colour limits: symmetric around 0 when diverging, else [min or 0, max]."""
    r = _finite_range(m)
    if diverging:
        lim = max(abs(r[0]), abs(r[1])) if r else 1.0
        return -(lim or 1.0), (lim or 1.0)
    lo = 0.0 if lower_zero or r is None else r[0]
    hi = r[1] if r else 1.0
    return lo, (hi if hi > lo else lo + 1.0)


class Heatmap(anywidget.AnyWidget, HeatmapTraits):
    """A static rows × columns heatmap with the ActivationMap front end.

    Used for results that are not live activations (e.g. a patching sweep).
    """

    _esm = esm("activation_map")

    def __init__(
        self,
        matrix: Any,
        *,
        rows: list[str],
        columns: list[str],
        title: str = "",
        diverging: bool = False,
        label: str = "value",
        notes: list[dict[str, Any]] | None = None,
    ) -> None:
        m = torch.as_tensor(matrix, dtype=torch.float32)
        if m.ndim != 2 or m.shape != (len(rows), len(columns)):
            raise ValueError(
                f"matrix {list(m.shape)} does not match {len(rows)} rows × {len(columns)} columns"
            )
        super().__init__()
        self.on_msg(self._on_text_msg)
        lo, hi = color_range(m, diverging)
        with self.hold_sync():
            self.values = encode_values(m)
            self.rows, self.columns, self.title = list(rows), list(columns), title
            self.quantities = [{"value": "value", "label": label}]
            self.quantity = "value"
            self.scale = "diverging" if diverging else "sequential"
            self.vmin, self.vmax = lo, hi
            self.notes = [dict(n) for n in notes or []]


def _dim_message(d: int, site: str, n: int, kept: int | None = None) -> str:
    msg = f"dim {d} is out of range: {site} has {n} hidden dimensions, so dim is one of 0 … {n - 1}"
    return msg if kept is None else f"{msg}; the map still shows dim {kept}"


def _width(ws: Workspace, site: str) -> int:
    """The hidden size at ``site`` for the Workspace's inputs (0 when not known yet)."""
    try:
        if ws.model.remote is None:
            shape = ws.model.inspect(ws.inputs).get(ws.model.check_site(site))
            if shape is not None:
                return int(shape[-1])
        return int(ws.model.shape(site)[-1])
    except Exception:  # not known before a run (e.g. remote): the first draw sets it
        return 0


class ActivationMap(WorkspaceWidget, HeatmapTraits):
    """Heatmap of a quantity at every layer (rows) and position (columns).

    Parameters
    ----------
    ws
        The :class:`~iwm_widgets.workspace.Workspace` to follow: the map re-draws
        whenever its result changes, and clicking a cell sets ``ws.selection``.
    quantity
        One of ``"norm"``, ``"dim"``, ``"direction"`` (needs ``direction=``),
        ``"delta"``, and for language models ``"lens_prob"``.
    sites
        Rows, bottom to top (default: ``ws.model.layers``).
    direction
        A vector (hidden size) for the ``"direction"`` quantity, e.g. a probe's weights.
    dim
        The hidden dimension shown by ``"dim"``.

    Notes
    -----
    Long inputs (e.g. 48 layers × 32,768 tokens): the values travel as float16 (more than
    65,536 cells), the labels as a pattern or fetched when shown; with more positions
    than pixels each pixel column shows the ``aggregate`` (mean, max or min) of the
    positions it covers, as the legend says; hovering tells the range and the aggregates,
    a click selects an exact cell (in max or min: the one the pixel shows), and dragging
    across the map zooms in down to one column per position.
    """

    _esm = esm("activation_map")

    def __init__(
        self,
        ws: Workspace,
        quantity: str = "norm",
        *,
        sites: list[str] | None = None,
        direction: Any = None,
        dim: int = 0,
        title: str | None = None,
    ) -> None:
        self._row_sites = list(sites) if sites is not None else list(ws.model.layers)
        if not self._row_sites:
            raise ValueError("ActivationMap needs at least one site")
        for s in self._row_sites:
            ws.model.check_site(s)
        self._direction: torch.Tensor | None = None
        self._bias = 0.0
        offered = ["norm", "dim", "delta"]
        if ws.model.kind == "lm":
            offered.append("lens_prob")
        width = _width(ws, self._row_sites[0])
        if width and not 0 <= int(dim) < width:  # refused before the map joins ws
            raise DimensionError(_dim_message(int(dim), self._row_sites[0], width))
        super().__init__(ws)
        self.on_msg(self._on_text_msg)
        self.quantities = [{"value": q, "label": QUANTITIES[q]} for q in offered]
        self.title = title if title is not None else f"{model_title(ws.model)}: activations"
        if direction is not None:
            self.set_direction(direction, draw=False)
        self.n_dims = width  # known before the first draw: `dim` is checked
        self.dim = int(dim)
        self.quantity = quantity  # validated below
        self.observe(self._on_view_change, names=["quantity", "dim"])
        self.observe(self._on_click, names=["selection"])
        self._update_reads()  # the quantity is known now (remote: what to compute)
        self._start()

    # ---- configuration -------------------------------------------------
    @traitlets.validate("quantity")
    def _check_quantity(self, proposal: dict[str, Any]) -> str:
        q = proposal["value"]
        offered = [d["value"] for d in self.quantities]
        if q not in offered:
            hint = " (give direction= or call set_direction first)" if q == "direction" else ""
            raise traitlets.TraitError(
                f"quantity {q!r} is not offered here; choose one of {offered}{hint}"
            )
        return q

    @traitlets.validate("dim")
    def _check_dim(self, proposal: dict[str, Any]) -> int:
        """Refuse a dimension outside the rows (no clamping, no negative indexing): raise
        :class:`DimensionError` and show the same message in the widget."""
        d = int(proposal["value"])
        n = self.n_dims
        if n and not 0 <= d < n:
            msg = _dim_message(d, self._row_sites[0], n, self.dim)
            self.error = f"DimensionError: {msg}"
            raise DimensionError(msg)
        return d

    def set_direction(
        self, vector: Any, label: str = "direction", draw: bool = True, bias: float | None = None
    ) -> None:
        """Show ``h · vector`` (quantity ``"direction"``): a projection, or with ``bias=``
        a linear readout ``h · vector + bias``; the menu says which (a probe's readout is
        :meth:`show_variable`, bias included, equal to ``Variable.readout``)."""
        v = torch.as_tensor(vector, dtype=torch.float32).reshape(-1)
        if not torch.isfinite(v).all():
            raise ValueError("direction contains NaN or inf")
        width = self.ws.model.shape(self._row_sites[0])[-1]
        if v.numel() != width:
            raise ValueError(f"direction has {v.numel()} values, the rows have {width} features")
        self._direction = v
        self._bias = 0.0 if bias is None else float(bias)
        words = f"projection on {label}" if bias is None else f"readout: {label}"
        self.quantities = [
            *(d for d in self.quantities if d["value"] != "direction"),
            {"value": "direction", "label": words},
        ]
        if draw:
            self.quantity = "direction"
            self._refresh()

    def show_variable(self, variable: Any, component: int | str = 0) -> None:
        """Show a Variable's readout (one component) at every row: ``h · read + bias``.

        The rows should be the Variable's own site, or layers where its probe still
        applies; the map follows every edit (e.g. SteeringDials) of the Workspace.
        """
        one = variable.component(component) if variable.k > 1 else variable
        self.set_direction(one.read[0], f"{one.name} (probe)", bias=float(one.bias[0]))

    def _sites(self) -> list[str]:
        if self._remote_summaries() is not None:
            return []  # a remote run sends back only the summaries drawn
        return self._row_sites

    def _summaries(self) -> list[Any]:
        return self._remote_summaries() or []

    def _remote_summaries(self) -> list[Any] | None:
        """What the current quantity needs, computed inside the trace: everything for a
        remote model (on the server), the logit lens's top token for a local one (so
        that a run with edits computes it only for the cells the edits can change, the
        rest from the Workspace's baseline: ``run(baseline=)``)."""
        from ..tracing.run import Summary

        q, rows = getattr(self, "quantity", "norm"), self._row_sites
        if self.ws.model.remote is None:
            return [Summary.lens(s, 1) for s in rows] if q == "lens_prob" else None
        if q == "norm":
            return [Summary.norm(s) for s in rows]
        if q == "dim":
            return [Summary.dim(s, self.dim) for s in rows]
        if q == "lens_prob":
            return [Summary.lens(s, 1) for s in rows]
        if q == "direction" and self._direction is not None:
            return [Summary.readout(s, self._direction, "map") for s in rows]
        return None  # "delta" needs the states of both runs

    # ---- drawing --------------------------------------------------------
    def _matrix(self, result: Any) -> tuple[torch.Tensor, list[str]]:
        """[rows, cols] values of the current quantity, and per-cell text."""
        q = self.quantity
        text: list[str] = []
        sums = self._remote_summaries()
        if sums is not None:  # remote: the server computed exactly this
            if q == "lens_prob":
                m = torch.stack([result.summaries[s.key + ".p"][0, :, 0] for s in sums])
                idx = torch.stack([result.summaries[s.key + ".i"][0, :, 0] for s in sums])
                tok = self.ws.model.tokenizer
                return m, [tok.decode([int(i)]) for i in idx.reshape(-1)]
            m = torch.stack([result.summaries[s.key][0].reshape(-1) for s in sums])
            return (m + self._bias if q == "direction" else m), text
        hs = [result[s][0].float() for s in self._row_sites]  # batch row 0: [P, d]
        if q == "norm":
            m = torch.stack([h.norm(dim=-1) for h in hs])
        elif q == "dim":
            m = torch.stack([h[..., self.dim] for h in hs])
        elif q == "direction":
            if self._direction is None:
                raise ValueError("no direction set; call set_direction(vector)")
            if self._direction.numel() != hs[0].shape[-1]:
                raise ValueError(
                    f"direction has {self._direction.numel()} values, the rows "
                    f"have {hs[0].shape[-1]} features"
                )
            m = torch.stack([h @ self._direction for h in hs]) + self._bias
        elif q == "delta":
            base = self.ws.baseline
            if base is None:
                m = torch.zeros(len(hs), hs[0].shape[0])
            else:
                m = torch.stack(
                    [
                        (h - base[s][0].float()).norm(dim=-1)
                        for h, s in zip(hs, self._row_sites, strict=True)
                    ]
                )
        elif q == "lens_prob":
            probs = torch.stack([self.ws.model.logit_lens(h).softmax(-1) for h in hs])
            top, idx = probs.max(-1)
            m = top
            tok = self.ws.model.tokenizer
            text = [tok.decode([int(i)]) for i in idx.reshape(-1)]
        else:  # pragma: no cover - guarded by the validator
            raise ValueError(q)
        return m, text

    def _redraw(self, result: Any) -> None:
        m, text = self._matrix(result)
        diverging = self.quantity in DIVERGING
        lo, hi = color_range(
            m, diverging, lower_zero=self.quantity in ("norm", "delta", "lens_prob")
        )
        if self.quantity == "lens_prob":
            hi = 1.0
        scale = "diverging" if diverging else "sequential"
        self.values = encode_values(m)
        self.rows = list(self._row_sites)
        columns = self.ws.columns()
        if columns != self.columns:  # thousands of labels: set (and checked) only when new
            self.columns = columns
        if text != self.cell_text:
            self.cell_text = text
        self.n_dims = int(self.ws.model.shape(self._row_sites[0])[-1])
        self.scale, self.vmin, self.vmax = scale, lo, hi

    def _refresh(self) -> None:
        if self.ws.result is not None and self._has_reads(self.ws.result):
            try:
                with self.hold_sync():
                    self._redraw(self.ws.result)
                    self.error = ""
            except Exception as e:
                self.error = f"{type(e).__name__}: {e}"

    def _on_view_change(self, change: dict[str, Any]) -> None:
        lens = "lens_prob" in (change.get("old"), change.get("new"))
        if self.ws.model.remote is not None or (lens and change.get("name") == "quantity"):
            # the trace computes what is drawn (remote: the server; the lens: in the trace)
            self._update_reads()
            self.ws.request_run()
            return
        self._refresh()

    # ---- selection ------------------------------------------------------
    def _on_click(self, change: dict[str, Any]) -> None:
        sel = change["new"] or {}
        if not sel:
            self.ws.selection = {}
            return
        row, col = int(sel["row"]), int(sel["col"])
        # the site names the layer; "row" is only the map's row (it counts e.g. "embed")
        self.ws.selection = {"site": self._row_sites[row], "row": row, "position": col}

    def _on_selection(self, selection: dict[str, Any]) -> None:
        site = selection.get("site")
        if site in self._row_sites and "position" in selection:
            new = {"row": self._row_sites.index(site), "col": int(selection["position"])}
        else:
            new = {}
        if new != self.selection:
            self.selection = new

    # ---- sessions (iwm_widgets.session) --------------------------------
    def settings(self) -> dict[str, Any]:
        """The map's user-facing settings, as a session saves them."""
        return {
            "quantity": self.quantity,
            "sites": list(self._row_sites),
            "dim": int(self.dim),
            "title": self.title,
            "direction": self._direction,
            "bias": self._bias,
            "quantities": [dict(q) for q in self.quantities],
        }

    @classmethod
    def from_settings(cls, ws: Workspace, settings: dict[str, Any]) -> ActivationMap:
        """The map :meth:`settings` describes, on ``ws``."""
        from ..session import expect_keys

        s = expect_keys(settings, SETTINGS, "ActivationMap settings")
        m = cls(ws, "norm", sites=list(s["sites"]), dim=int(s["dim"]), title=s["title"])
        if s["direction"] is not None:
            m.set_direction(s["direction"], draw=False, bias=float(s["bias"]))
        m.quantities = list(s["quantities"])
        m.quantity = s["quantity"]
        return m


SETTINGS = ("quantity", "sites", "dim", "title", "direction", "bias", "quantities")
