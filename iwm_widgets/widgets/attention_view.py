"""AttentionView: an attention pattern (heads × query × key) of a Workspace's run, live."""

from __future__ import annotations

from typing import Any

import torch
import traitlets

from ..errors import SiteError
from ..tracing import Model, Site
from ..transport import to_buffer
from ..workspace import Workspace
from ._base import WorkspaceWidget, esm

__all__ = ["AttentionView", "attention_pattern", "attention_sites"]

_HEAD_ATTRS = ("num_heads", "n_head", "n_heads", "num_attention_heads")


def _positions(inputs: Any) -> int | None:
    return int(inputs.shape[1]) if isinstance(inputs, torch.Tensor) and inputs.ndim >= 2 else None


def _is_pattern_shape(shape: tuple[int, ...] | None, positions: int | None) -> bool:
    """``[batch, heads, queries, keys]`` with queries = keys (= the input's positions)."""
    return (
        shape is not None
        and len(shape) == 4
        and shape[-1] == shape[-2]
        and (positions is None or shape[-1] == positions)
    )


def _gpt2_attention(model: Model, path: str) -> torch.nn.Module | None:
    """The module at ``path`` when it is a GPT-2 self-attention (``c_attn`` → q, k, v).

    Hugging Face's GPT-2 computes its attention probabilities inside a function, not in a
    module, so no site holds them; the view recomputes them from the traced ``c_attn``
    output exactly as the model does (``softmax(q·kᵀ·scaling + causal mask)``).
    """
    try:
        mod = model.module.get_submodule(path) if path else None
    except AttributeError:
        return None
    if mod is None or not hasattr(mod, "c_attn") or getattr(mod, "is_cross_attention", False):
        return None
    if not any(isinstance(getattr(mod, a, None), int) for a in _HEAD_ATTRS):
        return None
    return mod


def _n_heads(mod: torch.nn.Module) -> int:
    return int(next(getattr(mod, a) for a in _HEAD_ATTRS if isinstance(getattr(mod, a, None), int)))


def attention_sites(model: Model, inputs: Any) -> list[str]:
    """Sites an :class:`AttentionView` can show for ``inputs``, in forward order.

    Those whose output is ``[batch, heads, positions, positions]`` (e.g. the zoo's
    ``blocks.i.attn.pattern``), and Hugging Face GPT-2 attention modules
    (``transformer.h.i.attn``), whose pattern is recomputed from their ``c_attn`` output.
    """
    shapes = model.inspect(inputs)
    positions = _positions(inputs)
    out = []
    for path in model.sites:
        if _is_pattern_shape(shapes.get(Site(path)), positions):
            out.append(path)
        elif _gpt2_attention(model, path) is not None and Site(path + ".c_attn") in shapes:
            out.append(path)
    return out


def _describe(model: Model, inputs: Any, site: str) -> tuple[int, str]:
    """``(heads, site read)`` for an attention site; a clear SiteError otherwise."""
    model.check_site(site)
    s = Site.parse(site)
    shapes = model.inspect(inputs)
    positions = _positions(inputs)
    if s.io == "output" and _gpt2_attention(model, s.path) is not None:
        return _n_heads(_gpt2_attention(model, s.path)), s.path + ".c_attn"  # type: ignore[arg-type]
    shape = shapes.get(s)
    if _is_pattern_shape(shape, positions):
        return int(shape[1]), str(s)  # type: ignore[index]
    why = "it gave no tensor output" if shape is None else f"its output has shape {list(shape)}"
    others = attention_sites(model, inputs)
    hint = (
        f"; attention sites of {model.name}: {', '.join(others[:6])}"
        + (", …" if len(others) > 6 else "")
        if others
        else f"; {model.name} has no attention site (a module whose output is the pattern)"
    )
    raise SiteError(
        f"{site!r} is not an attention pattern: {why}, not [batch, heads, queries, keys] "
        f"with queries = keys = {positions if positions is not None else 'positions'}{hint}"
    )


def attention_pattern(model: Model, site: str, result: Any, batch: int = 0) -> torch.Tensor:
    """The attention probabilities ``[heads, queries, keys]`` at ``site`` in ``result``."""
    s = Site.parse(site)
    mod = _gpt2_attention(model, s.path) if s.io == "output" else None
    if mod is None:
        p = result[str(s)][batch].float()
        if p.ndim != 3 or p.shape[-1] != p.shape[-2]:
            raise SiteError(f"{site!r} gave shape {list(p.shape)}, not [heads, queries, keys]")
        return p
    qkv = result[s.path + ".c_attn"][batch].float()  # [T, 3 d]
    h = _n_heads(mod)
    t, three_d = qkv.shape
    d = three_d // 3
    q, k, _ = qkv.view(t, 3, h, d // h).permute(1, 2, 0, 3)  # [H, T, d/h] each
    scaling = getattr(mod, "scaling", None)
    if scaling is None:
        scaling = (d // h) ** -0.5 if getattr(mod, "scale_attn_weights", True) else 1.0
        if getattr(mod, "scale_attn_by_inverse_layer_idx", False):
            scaling /= float(getattr(mod, "layer_idx", 0) or 0) + 1.0
    scores = (q @ k.transpose(-1, -2)) * float(scaling)
    masked = torch.ones(t, t, dtype=torch.bool).triu(1)
    mask = getattr(result.inputs, "attention_mask", None)
    if mask is not None:  # padding: no query looks at a pad
        masked = masked | (mask[batch].to(torch.bool) == 0).reshape(1, t)
    return scores.masked_fill(masked, float("-inf")).softmax(dim=-1).nan_to_num(0.0)


class AttentionView(WorkspaceWidget):
    """An attention pattern: for each head, how much each query position attends to each
    key position (rows sum to 1), re-drawn after every run of the Workspace.

    All heads side by side (``head=-1``) or one head large; hover a cell for the head,
    the query and key tokens and the weight; click a cell to select its query position
    (``ws.selection``), so the other views mark the same position.

    Parameters
    ----------
    ws
        The :class:`~iwm_widgets.workspace.Workspace` to follow.
    site
        An attention site (:func:`attention_sites`): a module whose output is
        ``[batch, heads, positions, positions]`` such as ``"blocks.0.attn.pattern"``, or
        a GPT-2 attention module such as ``"transformer.h.0.attn"``. Default: the first.
    head
        The head shown, or ``-1`` (default) for every head.
    title
        Shown above the view (default: the model's name and the site).
    """

    _esm = esm("attention_view")

    site = traitlets.Unicode("", help="The attention site shown.").tag(sync=True)
    sites = traitlets.List(
        traitlets.Unicode(), help="Attention sites offered (the same model's other layers)."
    ).tag(sync=True)
    head = traitlets.Int(-1, help="Head shown, or -1 for every head.").tag(sync=True)
    n_heads = traitlets.Int(0, help="Number of heads at the site.").tag(sync=True)
    values = traitlets.Dict(
        help="{buffer, dtype, shape=[heads, queries, keys]}: the attention weights, binary."
    ).tag(sync=True)
    tokens = traitlets.List(
        traitlets.Unicode(), help="Labels of the positions (tokens or time steps)."
    ).tag(sync=True)
    selection = traitlets.Dict(
        help="{} , {query} (a position selected elsewhere) or {head, query, key} (a cell)."
    ).tag(sync=True)
    title = traitlets.Unicode("", help="Title shown above the view.").tag(sync=True)

    def __init__(
        self, ws: Workspace, site: str | None = None, *, head: int = -1, title: str | None = None
    ) -> None:
        if not isinstance(ws, Workspace):
            raise TypeError(f"expected a Workspace, got {type(ws).__name__}")
        offered = attention_sites(ws.model, ws.inputs)
        if site is None:
            if not offered:
                raise SiteError(
                    f"{ws.model.name} has no attention site (a module whose output is "
                    "[batch, heads, positions, positions]); give site="
                )
            site = offered[0]
        if not isinstance(site, str):
            raise TypeError(f"site must be a str, got {type(site).__name__}")
        n_heads, read = _describe(ws.model, ws.inputs, site)
        self._check_head(head, n_heads, site)
        self._read = read
        self._title_given = title
        super().__init__(ws)
        with self.hold_sync():
            self.sites = offered if site in offered else [site, *offered]
            self.n_heads = n_heads
            self.site = site
            self.head = int(head)
            self.title = title if title is not None else f"{ws.model.name}: attention at {site}"
        self.observe(self._on_site, names=["site"])
        self.observe(self._on_click, names=["selection"])
        self._update_reads()
        self._on_selection(ws.selection)
        self._start()

    # ---- configuration -------------------------------------------------
    @staticmethod
    def _check_head(head: Any, n_heads: int, site: str) -> int:
        if isinstance(head, bool) or not isinstance(head, int):
            raise TypeError(f"head must be an int, got {type(head).__name__}")
        if not -1 <= head < n_heads:
            raise ValueError(
                f"head {head} is out of range: {site} has {n_heads} heads "
                f"(0 to {n_heads - 1}); -1 shows every head"
            )
        return head

    @traitlets.validate("head")
    def _validate_head(self, proposal: dict[str, Any]) -> int:
        try:
            return self._check_head(proposal["value"], self.n_heads or 1, self.site)
        except (TypeError, ValueError) as e:
            raise traitlets.TraitError(str(e)) from e

    @traitlets.validate("site")
    def _validate_site(self, proposal: dict[str, Any]) -> str:
        try:
            self._pending = _describe(self.ws.model, self.ws.inputs, proposal["value"])
        except Exception as e:
            raise traitlets.TraitError(str(e)) from e
        return str(proposal["value"])

    def _on_site(self, change: dict[str, Any]) -> None:
        n_heads, self._read = self._pending
        with self.hold_sync():
            self.n_heads = n_heads
            if self.head >= n_heads:
                self.head = -1
            if self._title_given is None:
                self.title = f"{self.ws.model.name}: attention at {change['new']}"
            self.selection = {}
        self._update_reads()
        if self.ws.result is not None and self._has_reads(self.ws.result):
            self._draw(self.ws.result)
        else:
            self.ws.request_run()

    def _sites(self) -> list[str]:
        return [getattr(self, "_read", "")] if getattr(self, "_read", "") else []

    # ---- drawing --------------------------------------------------------
    def pattern(self, result: Any = None) -> torch.Tensor:
        """The weights drawn: ``[heads, queries, keys]`` of batch row 0 of ``result``
        (default: the Workspace's newest result)."""
        result = result if result is not None else self.ws.result
        if result is None:
            raise RuntimeError("no result yet: the Workspace has not run")
        return attention_pattern(self.ws.model, self.site, result)

    def _redraw(self, result: Any) -> None:
        p = self.pattern(result)
        if p.shape[0] != self.n_heads:
            raise SiteError(f"{self.site} gave {p.shape[0]} heads, expected {self.n_heads}")
        self.values = to_buffer(p, "float32")
        self.tokens = self.ws.columns()

    # ---- selection ------------------------------------------------------
    _from_ws = False  # the selection is being set from ws.selection (do not send it back)

    def _on_click(self, change: dict[str, Any]) -> None:
        sel = change["new"] or {}
        if self._from_ws:
            return
        if not sel:
            self.ws.selection = {}
            return
        if "head" not in sel or "key" not in sel:
            return  # only a query marked: nothing was clicked here
        new: dict[str, Any] = {"site": self.site, "position": int(sel["query"])}
        layer = next(
            (
                i
                for i, lay in enumerate(self.ws.model.layers)
                if self.site == lay or self.site.startswith(lay + ".")
            ),
            None,
        )
        if layer is not None:
            new["layer"] = layer
        new.update(head=int(sel["head"]), key=int(sel["key"]))
        self.ws.selection = new

    def _on_selection(self, selection: dict[str, Any]) -> None:
        if "position" not in selection:
            new: dict[str, Any] = {}
        elif selection.get("site") == self.site and "head" in selection and "key" in selection:
            new = {
                "head": int(selection["head"]),
                "query": int(selection["position"]),
                "key": int(selection["key"]),
            }
        else:  # a position selected in another view: mark it as a query
            new = {"query": int(selection["position"])}
        if new != self.selection:
            self._from_ws = True
            try:
                self.selection = new
            finally:
                self._from_ws = False
