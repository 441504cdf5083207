"""Loading models: zoo names, plain torch modules and local Hugging Face directories.

:func:`load` returns a :class:`Model`: the plain ``torch.nn.Module`` (``.module``), its
nnsight wrapper (``.nnsight``), its sites in forward order, its layer order, and, for
world models, the simulator behind it (``sample``, ``rollout``, ``true_graph``).
"""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nnsight
import torch

from ..errors import InputError, UnknownModelError
from . import _threads
from ._display_hook import Displayable
from .sites import Site, as_site, check_site
from .text import TokenIds, encode_mapping, encode_text, token_labels

_threads.install()

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


class Model(Displayable):
    """A model ready for tracing.

    Attributes
    ----------
    name : str
        Zoo name, directory or class name.
    kind : str
        ``"world"`` (a zoo world model with a simulator), ``"lm"`` (a language model
        with a tokenizer) or ``"module"`` (any other torch module, such as an encoder
        loaded from a Hugging Face directory with its tokenizer).
    module : torch.nn.Module
        The plain torch module underneath; edits never change its weights.
    nnsight : nnsight.NNsight
        The nnsight wrapper; ``model.nnsight.trace(...)`` works as in nnsight.
    layers : list[str]
        Sites of the residual stream, bottom to top (rows of an ActivationMap).
    spec : ZooSpec or None
        The zoo entry (simulator, card) for zoo models.
    tokenizer : object or None
        The tokenizer of a Hugging Face model (a causal LM or an encoder). A model
        with one takes text: see :meth:`prepare`.
    lock : threading.RLock
        Held by every run the library makes (on :attr:`engine`), so two Workspaces,
        a sweep and a background re-run never trace at the same time.
    engine : nnsight.NNsight
        A second nnsight wrapper of the same ``module`` (no copy of anything): the
        one every trace of the library runs on, under :attr:`lock`.

    Notes
    -----
    **The user's code and the library's runs.** ``module`` and ``nnsight`` are the
    user's; the library traces through its own wrapper ``engine`` from Workspace
    runner threads. nnsight as shipped hands a module call to whichever trace is
    interleaving on the module in *any* thread, so a user's plain forward during a
    background run landed in that run. :mod:`iwm_widgets.tracing._threads` makes
    nnsight route a call only to a trace of the calling thread: the user's forwards
    and traces (any thread) see no Workspace edit, and a Workspace run sees no user
    call. Why not a lock alone: the user's forward never asks for it. Why not a copy
    of the module for the runner: attributes set on the user's module later, or
    objects a module holds that cannot be copied, would diverge between the two.
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
        engine_wrapper: Any = None,
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
        #: how to wrap ``module`` for the library's traces (``engine``)
        self._engine_wrapper = engine_wrapper or nnsight.NNsight
        self._engine: Any = None
        self.remote: Any = None  # a tracing.remote.Remote for models served by NDIF
        self._all_paths = [n for n, _ in module.named_modules() if n]
        self._forward_order: list[str] | None = None
        self._shapes: dict[tuple[Any, ...], dict[Site, tuple[int, ...]]] = {}
        self._calls: dict[tuple[Any, ...], dict[str, ModuleCall]] = {}
        self.layers = list(layers) if layers is not None else _layer_paths(module)
        for p in self.layers:
            check_site(Site(p), self._all_paths)

    # ---- the library's wrapper ---------------------------------------
    @property
    def engine(self) -> Any:
        """The nnsight wrapper the library traces (see the class notes)."""
        if self.remote is not None:  # nothing runs locally: the server has its own copy
            return self.nnsight
        if self._engine is None:
            with self.lock:
                if self._engine is None:
                    with warnings.catch_warnings():  # the user's wrapper said it already
                        warnings.filterwarnings("ignore", "Module .* has a submodule named")
                        self._engine = self._engine_wrapper(self.module)
        return self._engine

    @property
    def engine_module(self) -> torch.nn.Module:
        """The plain module under :attr:`engine` (``module`` itself)."""
        return self.module

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
        """Sort key putting sites in the order a forward pass reaches them.

        From the last inspected forward (:meth:`calls`): a module's input when its call
        starts, its output when the call ends, on one clock, so a container's input
        comes before its children and its output after them. Sites of modules that did
        not run follow, in module order; the whole model's input is first, its output last.
        """
        if site.path == "":
            return (-1, 0) if site.io == "input" else (1 << 62, 0)
        calls = next(reversed(self._calls.values())) if self._calls else {}
        c = calls.get(site.path)
        if c is not None:
            return (c.start if site.io == "input" else c.end, 0)
        order = self._forward_order or self._all_paths
        try:
            i = order.index(site.path)
        except ValueError:
            i = len(order) - 1
        return (1 << 40, 2 * i + (0 if site.io == "input" else 1))

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
        module = self.engine_module
        names = {id(m): n for n, m in module.named_modules() if n}
        batch = inputs.shape[0] if isinstance(inputs, torch.Tensor) and inputs.ndim else None
        clock = [0]
        start: dict[str, int] = {}
        count: dict[str, int] = {}
        calls: dict[str, ModuleCall] = {}

        me = threading.get_ident()  # the user's own forwards in other threads don't count

        def pre(mod: torch.nn.Module, args: Any) -> None:
            if threading.get_ident() != me:
                return
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
            if threading.get_ident() != me:
                return
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
        handles: list[Any] = []
        try:
            with self.lock, torch.no_grad():
                handles += [m.register_forward_hook(hook) for m in module.modules()]
                handles += [m.register_forward_pre_hook(pre) for m in module.modules()]
                root_out = self._plain_forward(module, inputs)
        except Exception as e:
            shape = list(inputs.shape) if isinstance(inputs, torch.Tensor) else type(inputs)
            raise InputError(
                f"the model cannot run on these inputs ({shape}): {type(e).__name__}: {e}"
            ) from e
        finally:
            for h in handles:
                h.remove()
        # the whole model (Site("")): its output (a ModelOutput's first field, as a trace
        # reads it) and its input, so that edits there are checked like any other
        o = root_out if isinstance(root_out, torch.Tensor) else first_tensor(root_out)
        if o is None and hasattr(root_out, "to_tuple"):
            o = first_tensor(root_out.to_tuple())
        if o is not None:
            shapes[Site("")] = tuple(o.shape)
        if isinstance(inputs, torch.Tensor):
            shapes[Site("", "input")] = tuple(inputs.shape)
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
    @property
    def context(self) -> tuple[int, str] | None:
        """The most positions the model takes, and where that limit comes from.

        From a Hugging Face config (``n_positions``, ``max_position_embeddings``...),
        lowered to the tokenizer's ``model_max_length`` when that is smaller; ``None``
        when the model states no limit.
        """
        cfg = getattr(self.module, "config", None)
        found: tuple[int, str] | None = None
        for attr in ("n_positions", "max_position_embeddings", "n_ctx", "max_sequence_length"):
            v = getattr(cfg, attr, None)
            if isinstance(v, int) and not isinstance(v, bool) and v > 0:
                found = (v, f"config.{attr}")
                break
        t = getattr(self.tokenizer, "model_max_length", None)
        if isinstance(t, int) and 0 < t < 1_000_000 and (found is None or t < found[0]):
            found = (t, "tokenizer.model_max_length")
        return found

    def prepare(self, inputs: Any) -> Any:
        """Validate ``inputs`` and put them in the form the model's forward takes.

        A model with a tokenizer (a causal LM or an encoder) takes text: a str or a
        list of str, tokenized and padded into :class:`~iwm_widgets.tracing.text.TokenIds`
        (token ids ``[B, T]`` carrying their ``attention_mask``); also token ids (an
        integer tensor) or a tokenizer's output (a dict with ``input_ids``).
        """
        if self.kind == "world":
            return (
                self.spec.check_input(inputs)
                if hasattr(self.spec, "check_input")
                else _check_world_input(inputs, self.spec)
            )
        if self.tokenizer is not None:
            return self._prepare_tokens(inputs)
        if isinstance(inputs, str) or (
            isinstance(inputs, list) and inputs and all(isinstance(s, str) for s in inputs)
        ):
            raise InputError(
                f"{self.name} has no tokenizer, so it cannot take text: give a torch.Tensor, "
                "or load a Hugging Face directory saved with its tokenizer"
            )
        if not isinstance(inputs, torch.Tensor):
            raise InputError(f"inputs must be a torch.Tensor, got {type(inputs).__name__}")
        if inputs.is_floating_point() and inputs.device.type != "meta":
            if not torch.isfinite(inputs).all():
                raise InputError(
                    f"inputs (shape {list(inputs.shape)}) contain NaN or inf; every value "
                    "must be finite"
                )
        return inputs

    def _prepare_tokens(self, inputs: Any) -> torch.Tensor:
        what = "a language model" if self.kind == "lm" else "a model with a tokenizer"
        if isinstance(inputs, str) or (
            isinstance(inputs, (list, tuple))
            and (not inputs or any(isinstance(s, str) for s in inputs))
        ):
            return encode_text(self.tokenizer, inputs, self.context)
        if isinstance(inputs, Mapping):
            x: torch.Tensor = encode_mapping(inputs)
        elif isinstance(inputs, torch.Tensor) and not inputs.is_floating_point():
            x = inputs if inputs.ndim == 2 else inputs.reshape(1, -1)
        else:
            raise InputError(
                f"{what} takes text (a str or a list of str), token ids (an integer "
                f"tensor) or a tokenizer's output, got {type(inputs).__name__}"
                + (f" of dtype {inputs.dtype}" if isinstance(inputs, torch.Tensor) else "")
            )
        if x.shape[-1] == 0:
            raise InputError("the token ids are empty: give at least one token")
        ctx = self.context
        if ctx is not None and x.shape[-1] > ctx[0]:
            raise InputError(
                f"the inputs are {x.shape[-1]} tokens long, but the model's context is "
                f"{ctx[0]} positions ({ctx[1]}): shorten them, or split them into pieces of "
                f"at most {ctx[0]} tokens"
            )
        return x

    def call_args(
        self, inputs: Any, generate: bool = False
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """``(args, kwargs)`` of a forward (or trace) on prepared ``inputs``.

        Padded :class:`~iwm_widgets.tracing.text.TokenIds` give the plain ids and their
        ``attention_mask``; a left-padded batch of a causal LM also gets
        ``position_ids`` counted from each row's first token (not for ``generate``,
        which derives them from the mask itself), so every row computes what it would
        alone. Anything else is passed as it is.
        """
        if not isinstance(inputs, TokenIds):
            return (inputs,), {}
        ids, mask = inputs.ids, inputs.attention_mask
        if not inputs.padded:
            return (ids,), {}
        kw: dict[str, Any] = {"attention_mask": mask}
        if not generate and self.kind == "lm" and bool((mask[:, 0] == 0).any()):
            kw["position_ids"] = (mask.long().cumsum(-1) - 1).clamp(min=0)
        return (ids,), kw

    def code_variables(
        self, inputs: Any, inputs_var: str = "inputs", generate: bool = False
    ) -> dict[str, Any]:
        """The variables the code of :func:`~iwm_widgets.tracing.edits.edits_to_code`
        expects for ``inputs`` (prepared here unless already): ``inputs_var`` bound to
        what a forward takes positionally, and each keyword argument of
        :meth:`call_args` (``attention_mask``, ``position_ids``) under its own name.

        ``runpy.run_path(script, init_globals={"model": m.nnsight,
        **m.code_variables(x)})`` runs such code on ``x``.
        """
        args, kw = self.call_args(self.prepare(inputs), generate=generate)
        return {inputs_var: args[0], **kw}

    def forward(self, inputs: Any) -> Any:
        """A plain torch forward (no nnsight) on prepared inputs.

        A remote model's module lives on the ``meta`` device: the forward runs on meta
        tensors, which is enough for shapes and the forward order.
        """
        return self._plain_forward(self.module, inputs)

    def _plain_forward(self, module: torch.nn.Module, inputs: Any) -> Any:
        args, kw = self.call_args(inputs)
        if self.remote is not None:
            args = tuple(a.to("meta") if isinstance(a, torch.Tensor) else a for a in args)
            kw = {k: v.to("meta") for k, v in kw.items()}
        return module(*args, **kw)

    def labels(self, inputs: Any, row: int = 0) -> list[str]:
        """Column labels for prepared ``inputs``: time steps, or the tokens of batch row
        ``row`` (padding positions: ``"<pad>"``)."""
        if self.tokenizer is not None and isinstance(inputs, torch.Tensor) and inputs.ndim == 2:
            mask = inputs.attention_mask[row] if isinstance(inputs, TokenIds) else None
            return token_labels(self.tokenizer, inputs[row], mask)
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
        module = self.engine_module  # views call this from the runner thread
        head = module.get_output_embeddings()  # type: ignore[operator]
        norm = None
        for name, sub in module.named_modules():
            if name.split(".")[-1] in ("ln_f", "norm", "final_layernorm", "final_layer_norm"):
                norm = sub
        with self.lock, torch.no_grad():
            return head(norm(h) if norm is not None else h)

    # ---- world models --------------------------------------------------
    def sample(self, seed: int = 0, latents: bool = False, **kw: Any) -> Any:
        """An input from the world model's simulator (``latents=True``: with ground truth)."""
        self._need_world("sample")
        return self.spec.sample(seed=seed, latents=latents, **kw)

    def rollout(self, x: torch.Tensor, steps: int, cache: bool | None = None) -> torch.Tensor:
        """Predict ``steps`` future steps autoregressively (plain torch, no edits).

        ``cache``: the model's key/value-cached rollout, as :func:`~iwm_widgets.run`
        (``None``: :data:`~iwm_widgets.tracing.run.CACHED_ROLLOUT`), so that the plain
        and the traced rollout are the same computation."""
        self._need_world("rollout")
        import importlib

        flag = importlib.import_module(".run", __package__).CACHED_ROLLOUT  # (not run())
        use = flag if cache is None else bool(cache)
        use = use and bool(getattr(self.module, "rollout_cache", False))
        with torch.no_grad():
            if use:
                return self.module.rollout(self.prepare(x), steps, cache=True)  # type: ignore[operator]
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
    def events(self) -> list[str]:
        """Names of the ground-truth events a monitor can be scored against
        (:mod:`iwm_widgets.zoo.events`): ``["wall-contact"]`` for bouncing-ball,
        ``["close-approach", "wall-contact"]`` for the springs worlds,
        ``["wrong-answer"]`` for tiny-lm; ``[]`` for other models."""
        from ..zoo.events import events_for

        return list(events_for(self.name))

    @property
    def default_rollout_steps(self) -> int:
        return int(getattr(self.spec, "default_rollout_steps", 0)) if self.kind == "world" else 0

    def _need_world(self, what: str) -> None:
        if self.kind != "world":
            raise AttributeError(f"{what} is only available for world models from the zoo")

    def weights_checksum(self) -> str:
        """sha256 of all parameters and buffers (to check nothing changed them)."""
        return weights_checksum(self.module)

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.module.parameters())
        return (
            f"<iwm Model {self.name!r} kind={self.kind} params={n:,} "
            f"layers={len(self.layers)} sites={len(self._all_paths)}>"
        )


def require_model(model: Any, what: str) -> Model:
    """``model`` itself if it is a :class:`Model`, else a ``TypeError`` that says what to do.

    The core's measurements take a Model, and their inputs and edits, explicitly: they
    know no Workspace. ``iwm.<what>`` also takes a Workspace and unpacks it, in one place
    (:func:`iwm_widgets.measures.unpack`).
    """
    if isinstance(model, Model):
        return model
    raise TypeError(
        f"iwm_widgets.tracing.{what} takes a Model (from iwm.load), got "
        f"{type(model).__name__}; iwm.{what} also takes a Workspace"
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
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise InputError(
            f"{spec.name} needs at least one sequence with at least one context step, got "
            f"positions of shape {list(x.shape)}; give [batch >= 1, steps >= 1, 2] "
            "(model.sample(seed) gives one)"
        )
    max_len = getattr(getattr(spec, "config", None), "max_len", None)
    if isinstance(max_len, int) and x.shape[1] > max_len:
        raise InputError(
            f"{spec.name} takes at most {max_len} context steps, got {x.shape[1]}; "
            f"pass x[:, -{max_len}:] (the last {max_len} steps)"
        )
    if x.is_complex() or not x.is_floating_point():
        raise InputError(f"{spec.name} takes float positions, got dtype {x.dtype}")
    if not torch.isfinite(x).all():
        raise InputError(f"{spec.name} inputs contain NaN or inf; positions must be finite")
    x = x.float()  # float64 / float16 are converted (rounded to float32, the model's dtype)
    if not torch.isfinite(x).all():
        raise InputError(f"{spec.name} inputs are too large for float32 (|x| > 3.4e38)")
    return x


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

    def wrap(module: torch.nn.Module) -> Any:
        if task:
            return nnsight.TransformersModel(module, tokenizer=tok, task=task)
        return nnsight.TransformersModel(module, tokenizer=tok)

    m = Model(
        hf,
        name=str(path),
        kind="lm" if task is None else "module",
        wrapper=wrap(hf),
        tokenizer=tok,
        engine_wrapper=wrap,
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

        parts = load_remote(x, remote, **kwargs)
        m = Model(
            parts.wrapper._module,
            name=parts.name,
            kind="lm",
            wrapper=parts.wrapper,
            tokenizer=parts.tokenizer,
        )
        m.remote = parts.target
        return m
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
