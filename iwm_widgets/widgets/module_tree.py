"""ModuleTree: a model's module hierarchy, with shapes and parameter counts; click a
site to open it below the tree: in an ActivationMap, or attention weights in an
AttentionView."""

from __future__ import annotations

from typing import Any

import anywidget
import ipywidgets
import torch
import traitlets

from ..tracing import Model, Site, load
from ..workspace import Workspace
from ._base import _message, esm, model_title
from .activation_map import ActivationMap
from .attention_view import AttentionView, _is_pattern_shape

__all__ = ["DEFAULT_TEXT", "ModuleTree", "last_shapes", "module_records"]

#: Input of a language model when none is given (shapes and the ActivationMap use it).
DEFAULT_TEXT = "The quick brown fox jumps over the lazy dog."


def last_shapes(model: Model) -> dict[Site, tuple[int, ...]]:
    """Output shapes of every module in the model's last inspected forward ({} if none)."""
    out: dict[Site, tuple[int, ...]] = {}
    for path in model.sites:
        try:
            out[Site(path)] = model.shape(path)
        except (KeyError, RuntimeError):  # no tensor there, or no forward seen yet
            continue
    return out


def module_records(
    model: Model, shapes: dict[Site, tuple[int, ...]] | None = None, positions: int | None = None
) -> list[dict[str, Any]]:
    """One record per module (depth-first, definition order; the root is left out).

    Each record: ``path``, ``name`` (last part), ``type`` (class name), ``depth``,
    ``parent`` (index of the parent record, -1 at the top), ``params`` (parameters in the
    module and below), ``shape`` (output shape in ``shapes``, or None), ``layer`` (a row of
    ``model.layers``), ``attention`` (its output is attention weights ``[batch, heads,
    positions, positions]``, so an AttentionView can show it) and ``open`` (an
    ActivationMap can show its output ``[batch, positions, features]``, or ``attention``).
    """
    shapes = shapes or {}
    layers = set(model.layers)
    index: dict[str, int] = {}
    records: list[dict[str, Any]] = []
    own: list[int] = []
    for path, mod in model.module.named_modules():
        if not path:
            continue
        parent_path = path.rsplit(".", 1)[0] if "." in path else ""
        shape = shapes.get(Site(path))
        index[path] = len(records)
        attention = _is_pattern_shape(shape, positions)
        records.append(
            {
                "path": path,
                "name": path.rsplit(".", 1)[-1],
                "type": type(mod).__name__,
                "depth": path.count("."),
                "parent": index.get(parent_path, -1),
                "params": 0,
                "shape": list(shape) if shape is not None else None,
                "layer": path in layers,
                "attention": attention,
                "open": attention
                or (
                    shape is not None
                    and len(shape) == 3
                    and (positions is None or shape[1] == positions)
                ),
            }
        )
        own.append(sum(p.numel() for p in mod.parameters(recurse=False)))
    # totals bottom-up: children come after their parent in depth-first order
    total = list(own)
    for i in range(len(records) - 1, -1, -1):
        p = records[i]["parent"]
        if p >= 0:
            total[p] += total[i]
    for r, n in zip(records, total, strict=True):
        r["params"] = int(n)
    return records


def _layer_pattern(path: str, layers: list[str]) -> tuple[int, str] | None:
    """``(layer index, suffix)`` when ``path`` lies inside one of ``layers``."""
    for i, layer in enumerate(layers):
        if path == layer or path.startswith(layer + "."):
            return i, path[len(layer) :]
    return None


class ModuleTree(anywidget.AnyWidget):
    """The module hierarchy of a model as a collapsible tree; click a site to see it.

    Each row shows a module's name, class, output shape (for ``inputs``) and parameter
    count. Clicking a row whose output is ``[batch, positions, features]`` sets
    :attr:`selected`; the tree then opens an :class:`ActivationMap` of that site below
    itself (by default the same module in every layer, so that layers can be compared).
    A row whose output is attention weights ``[batch, heads, positions, positions]``
    (e.g. ``blocks.0.attn.pattern``) opens an :class:`AttentionView` of it instead.

    Parameters
    ----------
    model
        A :class:`~iwm_widgets.tracing.model.Model` (or anything ``iwm.load`` takes).
    inputs
        Inputs for the shapes and the map. Default: ``model.sample(seed=0)`` for world
        models, :data:`DEFAULT_TEXT` for language models, the workspace's inputs when
        ``workspace`` is given; other modules need ``inputs`` to show shapes.
    workspace
        A :class:`~iwm_widgets.workspace.Workspace` to read through (its edits apply).
        Default: one is made on the first click.
    across_layers
        Show the clicked module in every layer (``blocks.*.mlp``) when it lies inside a
        layer; ``False`` shows the clicked site alone.

    Attributes
    ----------
    map : ActivationMap, AttentionView or None
        The view of the selected site.
    view : ipywidgets.VBox
        What is displayed: the tree, then the map.
    """

    _esm = esm("module_tree")

    nodes = traitlets.List(
        traitlets.Dict(), help="Module records (see module_records), depth-first."
    ).tag(sync=True)
    title = traitlets.Unicode("", help="Model name shown in the header.").tag(sync=True)
    summary = traitlets.Unicode("", help="One line under the title: kind, parameters...").tag(
        sync=True
    )
    selected = traitlets.Unicode(
        "", help="Path of the site opened below the tree ('' for none)."
    ).tag(sync=True)
    error = traitlets.Unicode("", help="Why the last selection could not be opened.").tag(sync=True)

    def __init__(
        self,
        model: Model | Any,
        inputs: Any = None,
        *,
        workspace: Workspace | None = None,
        across_layers: bool = True,
    ) -> None:
        if workspace is not None and not isinstance(workspace, Workspace):
            raise TypeError(f"workspace must be a Workspace, got {type(workspace).__name__}")
        m = workspace.model if workspace is not None else load(model)
        if workspace is not None and model is not None and load(model) is not m:
            raise ValueError("workspace= belongs to another model")
        self.model = m
        self.workspace = workspace
        self.across_layers = bool(across_layers)
        self.map: ActivationMap | AttentionView | None = None
        if workspace is not None:
            prepared = workspace.inputs if inputs is None else m.prepare(inputs)
        elif inputs is not None:
            prepared = m.prepare(inputs)
        elif m.kind == "world":
            prepared = m.prepare(m.sample(seed=0))
        elif m.tokenizer is not None:  # a language model or an encoder: it takes text
            prepared = m.prepare(DEFAULT_TEXT)
        else:
            prepared = None
        self._inputs = prepared
        shapes = m.inspect(prepared) if prepared is not None else {}
        positions = (
            int(prepared.shape[1])
            if isinstance(prepared, torch.Tensor) and prepared.ndim >= 2
            else None
        )
        super().__init__()
        records = module_records(m, shapes, positions)
        n_params = sum(p.numel() for p in m.module.parameters())
        where = (
            f"shapes for inputs {list(prepared.shape)}"
            if isinstance(prepared, torch.Tensor)
            else "no inputs: give inputs= for shapes"
        )
        with self.hold_sync():
            self.nodes = records
            self.title = model_title(m)
            self.summary = (
                f"{m.kind} · {n_params:,} parameters · {len(records)} modules · "
                f"{len(m.layers)} layers · {where}"
            )
        self._box = ipywidgets.VBox([])
        self.view = ipywidgets.VBox([self, self._box])
        self._reverting = False
        self.observe(self._on_selected, names=["selected"])

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        # Display the tree with the map's slot under it (anywidget views cannot hold
        # child widgets, so the two live in a VBox).
        return self.view._repr_mimebundle_(**kwargs)

    # ---- selection ------------------------------------------------------
    @traitlets.validate("selected")
    def _check_selected(self, proposal: dict[str, Any]) -> str:
        path = proposal["value"]
        if path == "":
            return path
        rec = next((r for r in self.nodes if r["path"] == path), None)
        if rec is None:
            raise traitlets.TraitError(f"{path!r} is not a module of {self.model.name}")
        if not rec["open"]:
            why = (
                "it gave no tensor output"
                if rec["shape"] is None
                else f"its output has shape {rec['shape']}"
            )
            raise traitlets.TraitError(
                f"{path!r} cannot be shown: {why}, neither [batch, positions, features] "
                "(an ActivationMap) nor attention weights [batch, heads, positions, "
                "positions] (an AttentionView)"
            )
        return path

    def rows_for(self, path: str) -> list[str]:
        """The ActivationMap rows for a selected site (the same module in every layer)."""
        at = _layer_pattern(path, self.model.layers) if self.across_layers else None
        if at is None:
            return [path]
        _, suffix = at
        openable = {r["path"] for r in self.nodes if r["open"] and not r.get("attention")}
        rows = [layer + suffix for layer in self.model.layers if layer + suffix in openable]
        return rows if path in rows else [path]

    def _ensure_workspace(self) -> Workspace:
        if self.workspace is None:
            if self._inputs is None:
                raise ValueError(
                    f"{self.model.name} is not a zoo or language model: give "
                    "ModuleTree(model, inputs) to open sites"
                )
            self.workspace = Workspace(self.model, self._inputs)
        return self.workspace

    def _on_selected(self, change: dict[str, Any]) -> None:
        if self._reverting:
            return
        path = change["new"]
        try:
            if path == "":
                self._close_map()
                self.error = ""
                return
            ws = self._ensure_workspace()
            rec = next(r for r in self.nodes if r["path"] == path)
            new: ActivationMap | AttentionView
            if rec.get("attention"):
                new = AttentionView(ws, path)
            else:
                rows = self.rows_for(path)
                many = f" in every layer ({len(rows)} rows)" if len(rows) > 1 else ""
                new = ActivationMap(ws, sites=rows, title=f"{path}{many}")
        except Exception as e:  # shown in the tree; the old map stays
            self.error = _message(e)
            self._reverting = True
            try:
                self.selected = change["old"]
            finally:
                self._reverting = False
            return
        self._close_map()
        self.map = new
        self._box.children = (new,)
        self.error = ""

    def _close_map(self) -> None:
        # (absent if __init__ failed)
        old: ActivationMap | AttentionView | None = getattr(self, "map", None)
        if old is not None:
            self._box.children = ()
            old.close()
            self.map = None

    def close(self) -> None:
        self._close_map()
        box = getattr(self, "_box", None)
        if box is not None:
            box.close()
            self.view.close()
        super().close()
