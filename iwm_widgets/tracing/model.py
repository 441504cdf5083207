"""Loading models: zoo names, plain torch modules and local Hugging Face directories.

:func:`load` returns a :class:`Model`: the plain ``torch.nn.Module`` (``.module``), its
nnsight wrapper (``.nnsight``), its sites in forward order, its layer order, and, for
world models, the simulator behind it (``sample``, ``rollout``, ``true_graph``).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nnsight
import torch

from ..errors import InputError, UnknownModelError
from .sites import Site, as_site, check_site

__all__ = ["Model", "load", "weights_checksum"]


def weights_checksum(module: torch.nn.Module) -> str:
    """sha256 over every parameter and buffer (name, dtype, shape, bytes)."""
    h = hashlib.sha256()
    for name, t in list(module.named_parameters()) + list(module.named_buffers()):
        h.update(name.encode())
        h.update(str(t.dtype).encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(t.detach().to("cpu").contiguous().view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def _layer_paths(module: torch.nn.Module) -> list[str]:
    """The residual-stream layers: the children of the longest ``nn.ModuleList``."""
    best: tuple[int, str] = (0, "")
    for name, sub in module.named_modules():
        if isinstance(sub, torch.nn.ModuleList) and len(sub) > best[0]:
            best = (len(sub), name)
    if not best[0]:
        return [n for n, _ in module.named_children()]
    prefix = best[1] + "." if best[1] else ""
    return [f"{prefix}{i}" for i in range(best[0])]


@dataclass(frozen=True)
class ModuleCall:
    """How a module ran in one plain forward (see :meth:`Model.calls`).

    ``start`` / ``end``: ticks of one clock shared by every module's call start and end
    (its first call); ``count``: how many times it was called; ``batch_major``: its
    output is a tensor, or a tuple of tensors (or ``None``) led by one, all with the
    input's batch size as their first axis.
    """

    start: int
    end: int
    count: int
    batch_major: bool


def _batch_major(out: Any, batch: int | None) -> bool:
    def ok(t: Any) -> bool:
        return isinstance(t, torch.Tensor) and t.ndim >= 1 and t.shape[0] == batch

    if isinstance(out, tuple):
        return bool(out) and ok(out[0]) and all(v is None or ok(v) for v in out)
    return ok(out)


class Model:
    """A model ready for tracing.

    Attributes
    ----------
    name : str
        Zoo name, directory or class name.
    kind : str
        ``"world"`` (a zoo world model with a simulator), ``"lm"`` (a language model
        with a tokenizer) or ``"module"`` (any other torch module).
    module : torch.nn.Module
        The plain torch module underneath; edits never change its weights.
    nnsight : nnsight.NNsight
        The nnsight wrapper; ``model.nnsight.trace(...)`` works as in nnsight.
    layers : list[str]
        Sites of the residual stream, bottom to top (rows of an ActivationMap).
    spec : ZooSpec or None
        The zoo entry (simulator, card) for zoo models.
    tokenizer : object or None
        The tokenizer of a language model.
    lock : threading.RLock
        Held while a trace runs: nnsight is not safe under concurrent traces.
    remote : Remote or None
        Where the model runs when it is remote (``load(..., remote=...)``): its traces
        go to that NDIF server; ``module`` then holds meta tensors (shapes, no weights).
    """

    def __init__(
        self,
        module: torch.nn.Module,
        *,
        name: str | None = None,
        kind: str = "module",
        wrapper: Any = None,
        layers: Sequence[str] | None = None,
        spec: Any = None,
        tokenizer: Any = None,
    ) -> None:
        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"expected a torch.nn.Module, got {type(module).__name__}")
        self.module = module
        self.name = name or type(module).__name__
        self.kind = kind
        self.spec = spec
        self.tokenizer = tokenizer
        self.nnsight = wrapper if wrapper is not None else nnsight.NNsight(module)
        self.lock = threading.RLock()
        self.remote: Any = None  # a tracing.remote.Remote for models served by NDIF
        self._all_paths = [n for n, _ in module.named_modules() if n]
        self._forward_order: list[str] | None = None
        self._shapes: dict[tuple[Any, ...], dict[Site, tuple[int, ...]]] = {}
        self._calls: dict[tuple[Any, ...], dict[str, ModuleCall]] = {}
        self.layers = list(layers) if layers is not None else _layer_paths(module)
        for p in self.layers:
            check_site(Site(p), self._all_paths)

    # ---- sites ---------------------------------------------------------
    @property
    def sites(self) -> list[str]:
        """Every module path, in forward order once a forward has been seen."""
        return list(self._forward_order or self._all_paths)

    def check_site(self, site: Site | str) -> Site:
        """Return ``site`` as a :class:`Site`, or raise ``SiteNotFoundError``."""
        s = as_site(site)
        if s.path != "":
            check_site(s, self._all_paths)
        return s

    def order_key(self, site: Site) -> tuple[int, int]:
        """Sort key putting sites in the order a forward pass reaches them."""
        order = self._forward_order or self._all_paths
        try:
            i = order.index(site.path)
        except ValueError:
            i = len(order) if site.path == "" else len(order) - 1
        # a module's input is reached before its output; the whole model's output last
        return (i, 0 if site.io == "input" else 1)

    def inspect(self, inputs: Any) -> dict[Site, tuple[int, ...]]:
        """Shapes of every site's input and output for ``inputs`` (one plain forward).

        Also records the forward order of modules and how each was called
        (:meth:`calls`). Cached per input shape.
        """
        key = self._shape_key(inputs)
        if key in self._shapes:
            return self._shapes[key]
        order: list[str] = []
        shapes: dict[Site, tuple[int, ...]] = {}
        names = {id(m): n for n, m in self.module.named_modules() if n}
        batch = inputs.shape[0] if isinstance(inputs, torch.Tensor) and inputs.ndim else None
        clock = [0]
        start: dict[str, int] = {}
        count: dict[str, int] = {}
        calls: dict[str, ModuleCall] = {}

        def pre(mod: torch.nn.Module, args: Any) -> None:
            n = names.get(id(mod))
            if n is not None:
                count[n] = count.get(n, 0) + 1
                start.setdefault(n, clock[0])
                clock[0] += 1

        def first_tensor(x: Any) -> torch.Tensor | None:
            if isinstance(x, torch.Tensor):
                return x
            if isinstance(x, (tuple, list)) and x and isinstance(x[0], torch.Tensor):
                return x[0]
            return None

        def hook(mod: torch.nn.Module, args: Any, out: Any) -> None:
            n = names.get(id(mod))
            if n is None or n in shapes_seen:
                return
            calls[n] = ModuleCall(start[n], clock[0], 0, _batch_major(out, batch))
            clock[0] += 1
            shapes_seen.add(n)
            order.append(n)
            o = first_tensor(out)
            if o is not None:
                shapes[Site(n)] = tuple(o.shape)
            i = first_tensor(args)
            if i is not None:
                shapes[Site(n, "input")] = tuple(i.shape)

        shapes_seen: set[str] = set()
        handles = [m.register_forward_hook(hook) for m in self.module.modules()]
        handles += [m.register_forward_pre_hook(pre) for m in self.module.modules()]
        try:
            with self.lock, torch.no_grad():
                self.forward(inputs)
        except Exception as e:
            shape = list(inputs.shape) if isinstance(inputs, torch.Tensor) else type(inputs)
            raise InputError(
                f"the model cannot run on these inputs ({shape}): {type(e).__name__}: {e}"
            ) from e
        finally:
            for h in handles:
                h.remove()
        self._forward_order = order + [p for p in self._all_paths if p not in order]
        self._shapes[key] = shapes
        self._calls[key] = {
            n: ModuleCall(c.start, c.end, count[n], c.batch_major) for n, c in calls.items()
        }
        return shapes

    def calls(self, inputs: Any) -> dict[str, ModuleCall]:
        """How every module that ran was called in a plain forward on ``inputs``."""
        self.inspect(inputs)
        return self._calls[self._shape_key(inputs)]

    def shape(self, site: Site | str) -> tuple[int, ...]:
        """Shape of the value at ``site`` in the last inspected forward (``[B, T, d]``)."""
        s = self.check_site(site)
        if not self._shapes:
            raise RuntimeError("no forward seen yet; run the model once (or call inspect)")
        shapes = next(reversed(self._shapes.values()))
        if s not in shapes:
            raise KeyError(f"{s} produced no tensor in the last forward")
        return shapes[s]

    def _shape_key(self, inputs: Any) -> tuple[Any, ...]:
        if isinstance(inputs, torch.Tensor):
            return ("t", tuple(inputs.shape), str(inputs.dtype))
        return ("x", repr(inputs)[:200])

    # ---- running -------------------------------------------------------
    def prepare(self, inputs: Any) -> Any:
        """Validate ``inputs`` and put them in the form the model's forward takes."""
        if self.kind == "world":
            return (
                self.spec.check_input(inputs)
                if hasattr(self.spec, "check_input")
                else _check_world_input(inputs, self.spec)
            )
        if self.kind == "lm":
            if isinstance(inputs, str) or (
                isinstance(inputs, list) and inputs and all(isinstance(s, str) for s in inputs)
            ):
                return self.tokenizer(inputs, return_tensors="pt")["input_ids"]
            if isinstance(inputs, torch.Tensor) and not inputs.is_floating_point():
                return inputs if inputs.ndim == 2 else inputs.reshape(1, -1)
            raise InputError(
                "a language model takes text (a str or a list of str) or token ids "
                f"(an integer tensor), got {type(inputs).__name__}"
            )
        if not isinstance(inputs, torch.Tensor):
            raise InputError(f"inputs must be a torch.Tensor, got {type(inputs).__name__}")
        return inputs

    def forward(self, inputs: Any) -> Any:
        """A plain torch forward (no nnsight) on prepared inputs.

        A remote model's module lives on the ``meta`` device: the forward runs on meta
        tensors, which is enough for shapes and the forward order.
        """
        if self.remote is not None and isinstance(inputs, torch.Tensor):
            inputs = inputs.to("meta")
        return self.module(inputs)

    def labels(self, inputs: Any) -> list[str]:
        """Column labels for prepared ``inputs``: time steps or tokens."""
        if self.kind == "lm" and isinstance(inputs, torch.Tensor):
            return [self.tokenizer.decode([int(t)]) for t in inputs[0]]
        if isinstance(inputs, torch.Tensor) and inputs.ndim >= 2:
            return [f"t{i}" for i in range(inputs.shape[1])]
        return ["0"]

    # ---- language models -----------------------------------------------
    def logit_lens(self, h: torch.Tensor) -> torch.Tensor:
        """Logits of the final norm + unembedding applied to a hidden state ``h``."""
        if self.kind != "lm":
            raise AttributeError("the logit lens needs a language model")
        if self.remote is not None:
            raise AttributeError(
                "a remote model's weights stay on the server: read the logit lens inside "
                "the trace (run(..., summaries=[Summary.lens(site)]))"
            )
        head = self.module.get_output_embeddings()  # type: ignore[operator]
        norm = None
        for name, sub in self.module.named_modules():
            if name.split(".")[-1] in ("ln_f", "norm", "final_layernorm", "final_layer_norm"):
                norm = sub
        with torch.no_grad():
            return head(norm(h) if norm is not None else h)

    # ---- world models --------------------------------------------------
    def sample(self, seed: int = 0, latents: bool = False, **kw: Any) -> Any:
        """An input from the world model's simulator (``latents=True``: with ground truth)."""
        self._need_world("sample")
        return self.spec.sample(seed=seed, latents=latents, **kw)

    def rollout(self, x: torch.Tensor, steps: int) -> torch.Tensor:
        """Predict ``steps`` future steps autoregressively (plain torch, no edits)."""
        self._need_world("rollout")
        with torch.no_grad():
            return self.module.rollout(self.prepare(x), steps)  # type: ignore[operator]

    @property
    def true_graph(self) -> Any:
        """The simulator's causal graph (a ``networkx.DiGraph``)."""
        self._need_world("true_graph")
        return self.spec.true_graph()

    @property
    def card(self) -> dict[str, Any]:
        """The model card of a zoo model."""
        if self.spec is None:
            raise AttributeError("only zoo models have a model card")
        return self.spec.card

    @property
    def default_rollout_steps(self) -> int:
        return int(getattr(self.spec, "default_rollout_steps", 0)) if self.kind == "world" else 0

    def _need_world(self, what: str) -> None:
        if self.kind != "world":
            raise AttributeError(f"{what} is only available for world models from the zoo")

    def weights_checksum(self) -> str:
        """sha256 of all parameters and buffers (to check nothing changed them)."""
        return weights_checksum(self.module)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from ..display import mimebundle  # text/plain + a text/html table for static viewers

        return mimebundle(self)

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.module.parameters())
        return (
            f"<iwm Model {self.name!r} kind={self.kind} params={n:,} "
            f"layers={len(self.layers)} sites={len(self._all_paths)}>"
        )


def _check_world_input(x: Any, spec: Any) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise InputError(
            f"{spec.name} takes a float tensor of positions [batch, steps, 2], got "
            f"{type(x).__name__}; use model.sample(seed) for one"
        )
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[-1] != 2:
        raise InputError(
            f"{spec.name} takes positions of shape [batch, steps, 2], got {list(x.shape)}"
        )
    if not x.is_floating_point():
        raise InputError(f"{spec.name} takes float positions, got dtype {x.dtype}")
    if not torch.isfinite(x).all():
        raise InputError(f"{spec.name} inputs contain NaN or inf")
    return x.float()


def _load_hf_dir(path: Path, **kw: Any) -> Model:
    import transformers

    config = transformers.AutoConfig.from_pretrained(path)
    tok = transformers.AutoTokenizer.from_pretrained(path)
    archs = getattr(config, "architectures", None) or []
    if any(a.endswith("ForCausalLM") or a.endswith("LMHeadModel") for a in archs):
        hf = transformers.AutoModelForCausalLM.from_pretrained(path, **kw)
        task = None
    else:
        hf = transformers.AutoModel.from_pretrained(path, **kw)
        task = "feature-extraction"
    hf.eval()
    wrapper = (
        nnsight.TransformersModel(hf, tokenizer=tok, task=task)
        if task
        else nnsight.TransformersModel(hf, tokenizer=tok)
    )
    m = Model(
        hf, name=str(path), kind="lm" if task is None else "module", wrapper=wrapper, tokenizer=tok
    )
    return m


def load(x: Any, *, remote: bool | str | None = None, **kwargs: Any) -> Model:
    """Load a model for tracing.

    Parameters
    ----------
    x
        A zoo name (``"bouncing-ball"``), a local Hugging Face directory (written by
        ``save_pretrained``, with its tokenizer), or any ``torch.nn.Module``; with
        ``remote``, a Hugging Face id or a directory the NDIF server serves.
    remote
        Run the model on NDIF: ``True`` for NDIF's own server (API key from
        ``NDIF_API_KEY`` or nnsight's config), or the URL of a self-hosted NDIF
        (``"http://host:8001"``). No weights are downloaded; ``timeout=`` (seconds,
        default 120) bounds each remote run.
    **kwargs
        Passed to ``from_pretrained`` for directories; ``layers=`` for modules.

    Returns
    -------
    Model
    """
    if remote is not None and remote is not False:
        if not isinstance(x, (str, os.PathLike)):
            raise TypeError(
                f"remote= needs a model id or a directory the server serves, got {type(x).__name__}"
            )
        from .remote import load_remote

        return load_remote(x, remote, **kwargs)
    if isinstance(x, Model):
        return x
    if isinstance(x, torch.nn.Module):
        x.eval()
        return Model(x, layers=kwargs.pop("layers", None), name=kwargs.pop("name", None))
    if isinstance(x, (str, os.PathLike)):
        from ..zoo import ZOO, ZOO_DIRS, get_spec

        s = str(x)
        if s in ZOO_DIRS:  # a zoo language model: the real from_pretrained(dir) path
            m = _load_hf_dir(ZOO_DIRS[s](), **kwargs)
            m.name = s
            return m
        if s in ZOO:
            spec = get_spec(s)
            module = spec.load_module()
            m = Model(module, name=s, kind=spec.kind, layers=spec.layer_sites, spec=spec)
            m.inspect(spec.sample(seed=0))
            return m
        p = Path(s).expanduser()
        if p.is_dir() and (p / "config.json").exists():
            return _load_hf_dir(p, **kwargs)
        if p.exists():
            raise UnknownModelError(
                f"{s!r} is not a Hugging Face model directory (no config.json in it)"
            )
        raise UnknownModelError(
            f"unknown model {s!r}: not a zoo model and not a local directory. "
            f"Zoo models: {', '.join(sorted([*ZOO, *ZOO_DIRS]))}. Remote hub ids are not "
            "downloaded; save a model with save_pretrained(dir) and load(dir)."
        )
    raise TypeError(
        f"load() takes a zoo name, a directory or a torch.nn.Module, got {type(x).__name__}"
    )
