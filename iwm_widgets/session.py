"""Sessions: a Workspace saved as JSON + safetensors and loaded back, with no pickle.

``ws.save("session")`` writes a directory::

    session/
      session.json          format, version, the model (name, kind, weights checksum),
                            rollout steps, edits, the selection, the attached widgets'
                            settings; every tensor as a reference
                            {"$tensor": key, "dtype": "float32", "shape": [...]}
      tensors.safetensors   the tensors by key: inputs, ground truth, edit vectors,
                            Variables' read/write directions, a map's direction, ...

``iwm.Workspace.load("session", model)`` checks the file strictly (format, version, keys,
every tensor's dtype and shape against its reference), refuses a model whose weights
checksum differs from the recorded one, then rebuilds the Workspace, its edits, its
widgets and its selection. Nothing is unpickled: the JSON is parsed by ``json`` and the
tensors by ``safetensors`` (no ``torch.load``). A round trip is bit-exact: the loaded
Workspace's results equal the saved one's.

Widgets take part through two methods: ``settings()`` (the user-facing settings as
plain values, tensors and Variables) and a classmethod ``from_settings(ws, settings)``
that re-creates the widget on a Workspace. :data:`WIDGETS` names the widget types a
session may re-create; no other class is ever looked up from a file.
"""

from __future__ import annotations

import json
import os
import warnings
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from .errors import IWMError, SessionError, SessionModelError
from .tracing import Edit, Model, Site, Variable, load

if TYPE_CHECKING:
    from .workspace import Workspace

__all__ = [
    "FORMAT",
    "VERSION",
    "WIDGETS",
    "Session",
    "attached_widgets",
    "expect_keys",
    "load_session",
    "restored_widgets",
    "save_session",
]

FORMAT = "iwm-session"
VERSION = 1
JSON_NAME = "session.json"
TENSORS_NAME = "tensors.safetensors"
TOP_KEYS = (
    "format",
    "version",
    "library",
    "model",
    "inputs",
    "truth",
    "rollout_steps",
    "edits",
    "selection",
    "widgets",
    "skipped",
)
MODEL_KEYS = ("name", "kind", "weights_checksum")
DTYPES: dict[str, torch.dtype] = {
    "float64": torch.float64,
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "int64": torch.int64,
    "int32": torch.int32,
    "int16": torch.int16,
    "int8": torch.int8,
    "uint8": torch.uint8,
    "bool": torch.bool,
}
_DTYPE_NAMES = {v: k for k, v in DTYPES.items()}
_VARIABLE_KEYS = ("name", "site", "read", "bias", "write", "components", "score", "model")


def _builtin_widgets() -> dict[str, type]:
    from .widgets import ActivationMap, CausalGraph, SteeringDials  # the views sit above

    return {c.__name__: c for c in (ActivationMap, CausalGraph, SteeringDials)}


#: Widget types a session may re-create, by the name stored in ``session.json``. Add a
#: class of your own (with ``settings()`` and ``from_settings(ws, settings)``) to have
#: it saved and restored; a file can never name any other class.
WIDGETS: dict[str, type] = {}


def _widget_types() -> dict[str, type]:
    if not WIDGETS:
        WIDGETS.update(_builtin_widgets())
    return WIDGETS


# ---------------------------------------------------------------- encoding
class _Writer:
    """Turns values into JSON, moving every tensor to ``tensors`` under a key."""

    def __init__(self) -> None:
        self.tensors: dict[str, torch.Tensor] = {}

    def tensor(self, t: torch.Tensor, key: str) -> dict[str, Any]:
        if key in self.tensors:
            raise SessionError(f"two tensors would be saved under the key {key!r}")
        if t.device.type == "meta":
            raise SessionError(f"{key} is a tensor without data (on the meta device)")
        if t.dtype not in _DTYPE_NAMES:
            raise SessionError(f"{key} has dtype {t.dtype}, which a session cannot hold")
        # a copy of its own: safetensors refuses tensors that share memory
        self.tensors[key] = t.detach().to("cpu").contiguous().clone()
        return {"$tensor": key, "dtype": _DTYPE_NAMES[t.dtype], "shape": list(t.shape)}

    def value(self, x: Any, key: str) -> Any:
        """JSON for ``x``: plain values, lists, str-keyed dicts, tensors, Variables, Sites."""
        if x is None or isinstance(x, (bool, int, float, str)):
            return x
        if isinstance(x, torch.Tensor):
            return self.tensor(x, key)
        if isinstance(x, Variable):
            return {"$variable": self.variable(x, key)}
        if isinstance(x, Site):
            return {"$site": x.to_dict()}
        if isinstance(x, (list, tuple)):
            return [self.value(v, f"{key}/{i}") for i, v in enumerate(x)]
        if isinstance(x, dict):
            out = {}
            for k, v in x.items():
                if not isinstance(k, str):
                    raise SessionError(f"{key} has a key {k!r} that is not a str")
                if k.startswith("$"):
                    raise SessionError(f"{key} has a key {k!r}; keys starting with $ are reserved")
                out[k] = self.value(v, f"{key}/{k}")
            return out
        raise SessionError(
            f"{key} is a {type(x).__name__}, which a session cannot hold (it holds numbers, "
            "strings, lists, dicts, tensors, Sites and Variables)"
        )

    def variable(self, v: Variable, key: str) -> dict[str, Any]:
        return {
            "name": v.name,
            "site": v.site.to_dict(),
            "read": self.tensor(v.read, f"{key}/read"),
            "bias": self.tensor(v.bias, f"{key}/bias"),
            "write": self.tensor(v.write, f"{key}/write"),
            "components": list(v.components),
            "score": self.value(v.score, f"{key}/score"),
            "model": v.model_name,
        }

    def edit(self, e: Edit, key: str) -> dict[str, Any]:
        """``Edit.to_dict()`` with its tensors moved out of the JSON."""
        d = e.to_dict()
        for k in d:
            t = getattr(e, k, None)
            if isinstance(t, torch.Tensor):
                d[k] = self.tensor(t, f"{key}/{k}")
        return d


def _is_ref(x: Any) -> bool:
    return isinstance(x, dict) and "$tensor" in x


def expect_keys(d: Any, keys: Sequence[str], where: str) -> dict[str, Any]:
    """``d`` as a dict with exactly ``keys``, or a SessionError naming what differs."""
    if not isinstance(d, dict):
        raise SessionError(f"{where} must be a JSON object, got {type(d).__name__}")
    missing = [k for k in keys if k not in d]
    extra = sorted(set(d) - set(keys))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing key{'s' * (len(missing) > 1)} {', '.join(map(repr, missing))}")
        if extra:
            parts.append(f"unknown key{'s' * (len(extra) > 1)} {', '.join(map(repr, extra))}")
        raise SessionError(f"{where}: {' and '.join(parts)}")
    return d


class _Reader:
    """Resolves tensor references against the loaded tensors, checking dtype and shape."""

    def __init__(self, tensors: dict[str, torch.Tensor], source: str) -> None:
        self.tensors = tensors
        self.source = source
        self.used: set[str] = set()

    def tensor(self, ref: Any, where: str) -> torch.Tensor:
        ref = expect_keys(ref, ("$tensor", "dtype", "shape"), f"tensor reference at {where}")
        key, dtype, shape = ref["$tensor"], ref["dtype"], ref["shape"]
        if not isinstance(key, str):
            raise SessionError(f"tensor reference at {where}: the key must be a str")
        if dtype not in DTYPES:
            raise SessionError(f"tensor {key!r}: unknown dtype {dtype!r} (known: {list(DTYPES)})")
        if not isinstance(shape, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
        ):
            raise SessionError(f"tensor {key!r}: shape must be a list of sizes, got {shape!r}")
        if key not in self.tensors:
            raise SessionError(f"tensor {key!r} ({where}) is missing from {self.source}")
        t = self.tensors[key]
        if t.dtype != DTYPES[dtype]:
            raise SessionError(
                f"tensor {key!r} in {self.source} has dtype {_DTYPE_NAMES.get(t.dtype, t.dtype)}"
                f", but {JSON_NAME} records {dtype}"
            )
        if list(t.shape) != shape:
            raise SessionError(
                f"tensor {key!r} in {self.source} has shape {list(t.shape)}, but "
                f"{JSON_NAME} records {shape}"
            )
        self.used.add(key)
        return t

    def value(self, x: Any, where: str) -> Any:
        if isinstance(x, list):
            return [self.value(v, f"{where}/{i}") for i, v in enumerate(x)]
        if not isinstance(x, dict):
            return x
        if "$tensor" in x:
            return self.tensor(x, where)
        if "$variable" in x:
            expect_keys(x, ("$variable",), f"Variable at {where}")
            return self.variable(x["$variable"], where)
        if "$site" in x:
            expect_keys(x, ("$site",), f"Site at {where}")
            return _site(x["$site"], where)
        reserved = [k for k in x if k.startswith("$")]
        if reserved:
            raise SessionError(f"{where}: unknown reference {reserved[0]!r}")
        return {k: self.value(v, f"{where}/{k}") for k, v in x.items()}

    def variable(self, d: Any, where: str) -> Variable:
        d = expect_keys(d, _VARIABLE_KEYS, f"Variable at {where}")
        read = self.tensor(d["read"], f"{where}/read")
        bias = self.tensor(d["bias"], f"{where}/bias")
        write = self.tensor(d["write"], f"{where}/write")
        if read.ndim != 2 or write.shape != read.shape or bias.shape != (read.shape[0],):
            raise SessionError(
                f"Variable {d['name']!r} at {where}: read {list(read.shape)} and write "
                f"{list(write.shape)} must both be [k, d] and bias {list(bias.shape)} [k]"
            )
        try:
            return Variable(
                d["name"],
                _site(d["site"], f"{where}/site"),
                read,
                bias,
                write,
                list(d["components"]),
                dict(self.value(d["score"], f"{where}/score")),
                d["model"],
            )
        except (TypeError, ValueError) as e:
            raise SessionError(f"Variable at {where}: {e}") from None

    def unused(self) -> list[str]:
        return sorted(set(self.tensors) - self.used)


def _site(d: Any, where: str) -> Site:
    try:
        return Site.from_dict(expect_keys(d, ("path", "io"), f"site at {where}"))
    except SessionError:
        raise
    except (TypeError, ValueError, KeyError) as e:
        raise SessionError(f"site at {where}: {e}") from None


# ---------------------------------------------------------------- widgets
def attached_widgets(ws: Workspace) -> list[Any]:
    """The widgets observing ``ws``, in the order they were attached."""
    out: list[Any] = []
    seen: set[int] = set()
    for cb in list(ws._observers):  # a widget observes through a bound method
        owner = getattr(cb, "__self__", None)
        if owner is None or getattr(owner, "ws", None) is not ws or id(owner) in seen:
            continue
        seen.add(id(owner))
        out.append(owner)
    return out


_RESTORED: weakref.WeakKeyDictionary[Any, list[weakref.ref[Any]]] = weakref.WeakKeyDictionary()


def restored_widgets(ws: Workspace) -> list[Any]:
    """The widgets :meth:`Workspace.load` re-created for ``ws`` (still alive), in saved order.

    Display them to see the session as it was saved::

        ws = iwm.Workspace.load("session", model)
        dials, amap = restored_widgets(ws)
    """
    return [w for w in (r() for r in _RESTORED.get(ws, [])) if w is not None]


# ---------------------------------------------------------------- saving
def _library_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("iwm_widgets")
    except PackageNotFoundError:
        return "0.0.0"


def _no_remote(model: Model, what: str) -> None:
    if model.remote is not None:
        raise SessionError(
            f"cannot {what} a session of a remote model: its weights stay on the server, so "
            "there is no checksum to tie the session to them"
        )


def _widget_type(widget: Any, known: dict[str, type]) -> str | None:
    """The registry name of ``widget``'s class, or None.

    anywidget gives each instance a class of its own, a copy of the widget's class with
    the same name and module; a subclass of your own is not its parent's type.
    """
    by_class = {c: n for n, c in known.items()}
    mro = type(widget).__mro__
    for i, c in enumerate(mro):
        if c in by_class:
            copies = all(
                (k.__module__, k.__qualname__) == (c.__module__, c.__qualname__) for k in mro[:i]
            )
            return by_class[c] if copies and hasattr(c, "from_settings") else None
    return None


def save_session(ws: Workspace, path: str | os.PathLike[str], *, widgets: bool = True) -> Path:
    """Write ``ws`` to the directory ``path`` (see the module docstring for the format).

    Saved: the inputs, the ground truth (``ws.truth``), ``rollout_steps``, the edits (with
    their ids, in order), the selection, and the settings of every attached widget that
    has them (``widgets=False``: none). A widget that cannot be saved is left out with a
    warning and named under ``"skipped"``. Existing ``session.json`` /
    ``tensors.safetensors`` in ``path`` are replaced; other files are left alone.

    Returns
    -------
    pathlib.Path
        The directory.
    """
    from safetensors.torch import save_file

    _no_remote(ws.model, "save")
    w = _Writer()
    inputs, edits = ws.inputs, ws.edits
    entries: list[dict[str, Any]] = []
    skipped: list[str] = []
    if widgets:
        known = _widget_types()
        for widget in attached_widgets(ws):
            name = _widget_type(widget, known)
            if name is None:
                skipped.append(f"{type(widget).__name__}: not a widget type sessions restore")
                continue
            i = len(entries)
            try:
                settings = w.value(widget.settings(), f"widgets/{i}")
            except IWMError as e:
                w.tensors = {
                    k: v for k, v in w.tensors.items() if not k.startswith(f"widgets/{i}/")
                }
                skipped.append(f"{name}: {e}")
                continue
            entries.append({"type": name, "settings": settings})
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "library": _library_version(),
        "model": {
            "name": ws.model.name,
            "kind": ws.model.kind,
            "weights_checksum": ws.model.weights_checksum(),
        },
        "inputs": w.value(inputs, "inputs"),
        "truth": w.value(ws.truth, "truth"),
        "rollout_steps": int(ws.rollout_steps),
        "edits": [w.edit(e, f"edits/{i}") for i, e in enumerate(edits)],
        "selection": w.value(ws.selection, "selection"),
        "widgets": entries,
        "skipped": skipped,
    }
    text = json.dumps(meta, indent=1)
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise SessionError(f"{out} exists and is not a directory; a session is a directory")
    out.mkdir(parents=True, exist_ok=True)
    tmp_t, tmp_j = out / (TENSORS_NAME + ".tmp"), out / (JSON_NAME + ".tmp")
    save_file(w.tensors, str(tmp_t), metadata={"format": FORMAT, "version": str(VERSION)})
    tmp_j.write_text(text, encoding="utf-8")
    os.replace(tmp_t, out / TENSORS_NAME)
    os.replace(tmp_j, out / JSON_NAME)
    if skipped:
        warnings.warn(
            f"session {out}: left out {len(skipped)} widget(s): " + "; ".join(skipped),
            UserWarning,
            stacklevel=3,
        )
    return out


# ---------------------------------------------------------------- loading
@dataclass
class Session:
    """A loaded session: the rebuilt Workspace and the widgets re-created on it.

    Attributes
    ----------
    workspace : Workspace
    widgets : list
        The re-created widgets, in the order they were attached when saved.
    path : pathlib.Path
    model : dict
        The model the session was saved for: ``name``, ``kind``, ``weights_checksum``.
    skipped : list[str]
        Widgets that were left out when saving, and why.
    """

    workspace: Workspace
    widgets: list[Any] = field(default_factory=list)
    path: Path = Path()
    model: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


@dataclass
class _Decoded:
    meta: dict[str, Any]
    inputs: Any
    truth: Any
    rollout_steps: int
    edits: list[Edit]
    selection: dict[str, Any]
    widgets: list[tuple[type, dict[str, Any]]]


def _read_files(path: Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    from .errors import FileFormatError
    from .safefiles import read_json, read_safetensors

    if not path.is_dir():
        hint = "" if path.exists() else " (no such directory)"
        raise SessionError(f"{path} is not a session directory{hint}")
    jpath, tpath = path / JSON_NAME, path / TENSORS_NAME
    for p in (jpath, tpath):
        if not p.is_file():
            raise SessionError(f"{path} is not a complete session: {p.name} is missing")
    try:  # sizes and headers checked before anything is parsed (safefiles)
        meta = read_json(jpath, "session file")
    except FileFormatError as e:
        raise SessionError(str(e)) from None
    if not isinstance(meta, dict):
        raise SessionError(f"{jpath} must hold a JSON object, got {type(meta).__name__}")
    if meta.get("format") != FORMAT:
        raise SessionError(f"{jpath} is not an iwm session (format {meta.get('format')!r})")
    version = meta.get("version")
    if version != VERSION:
        newer = isinstance(version, int) and version > VERSION
        raise SessionError(
            f"{jpath} has session format version {version!r}; this iwm_widgets reads "
            f"version {VERSION}" + (" (it was written by a newer iwm_widgets)" if newer else "")
        )
    expect_keys(meta, TOP_KEYS, str(jpath))
    try:
        tensors = read_safetensors(tpath, "session tensor file")
    except FileFormatError as e:
        raise SessionError(str(e)) from None
    return meta, tensors


def _decode(meta: dict[str, Any], tensors: dict[str, torch.Tensor], path: Path) -> _Decoded:
    r = _Reader(tensors, f"{path / TENSORS_NAME}")
    model = expect_keys(meta["model"], MODEL_KEYS, "model")
    if not all(isinstance(model[k], str) for k in MODEL_KEYS):
        raise SessionError("model: name, kind and weights_checksum must be strings")
    steps = meta["rollout_steps"]
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise SessionError(f"rollout_steps must be a non-negative integer, got {steps!r}")
    inputs = r.value(meta["inputs"], "inputs")
    truth = r.value(meta["truth"], "truth")
    if truth is not None and not isinstance(truth, dict):
        raise SessionError(f"truth must be null or an object, got {type(truth).__name__}")
    selection = r.value(meta["selection"], "selection")
    if not isinstance(selection, dict):
        raise SessionError(f"selection must be an object, got {type(selection).__name__}")
    if not isinstance(meta["edits"], list):
        raise SessionError("edits must be a list")
    edit_keys = tuple(Edit.set("x", 0.0).to_dict())  # the current Edit format
    edits = []
    for i, d in enumerate(meta["edits"]):
        where = f"edits/{i}"
        d = expect_keys(d, edit_keys, f"edit {i}")
        d = {k: (r.tensor(v, f"{where}/{k}") if _is_ref(v) else v) for k, v in d.items()}
        try:
            edits.append(Edit.from_dict(d))
        except (IWMError, TypeError, ValueError, KeyError) as e:
            raise SessionError(f"edit {i} ({d.get('op')!r} at {d.get('site')}): {e}") from None
    ids = [e.id for e in edits]
    if len(set(ids)) != len(ids):
        raise SessionError(
            f"edits have duplicate ids: {sorted({i for i in ids if ids.count(i) > 1})}"
        )
    if not isinstance(meta["widgets"], list):
        raise SessionError("widgets must be a list")
    known = _widget_types()
    widgets = []
    for i, entry in enumerate(meta["widgets"]):
        entry = expect_keys(entry, ("type", "settings"), f"widget {i}")
        cls = known.get(entry["type"]) if isinstance(entry["type"], str) else None
        if cls is None:
            raise SessionError(
                f"widget {i} has type {entry['type']!r}; sessions restore {sorted(known)}"
            )
        settings = r.value(entry["settings"], f"widgets/{i}")
        if not isinstance(settings, dict):
            raise SessionError(f"widget {i} ({entry['type']}): settings must be an object")
        widgets.append((cls, settings))
    if not isinstance(meta["skipped"], list):
        raise SessionError("skipped must be a list")
    extra = r.unused()
    if extra:
        raise SessionError(
            f"{path / TENSORS_NAME} holds tensors that {JSON_NAME} does not refer to: "
            f"{', '.join(extra[:8])}{', ...' if len(extra) > 8 else ''}"
        )
    return _Decoded(meta, inputs, truth, steps, edits, selection, widgets)


def _check_model(model: Model, saved: dict[str, Any], path: Path, strict: bool) -> None:
    actual = model.weights_checksum()
    problems = []
    if saved["weights_checksum"] != actual:
        problems.append(
            f"it was saved for weights with checksum {saved['weights_checksum']} "
            f"({saved['name']!r}), but this model ({model.name!r}) has checksum {actual}"
        )
    if saved["kind"] != model.kind:
        problems.append(f"it was saved for a {saved['kind']} model, this one is a {model.kind}")
    if not problems:
        return
    msg = f"session {path}: " + "; ".join(problems)
    if strict:
        raise SessionModelError(
            msg + ". Load it with the model it was saved for, or pass strict=False to "
            "load it anyway (its results will not be those that were saved)."
        )
    warnings.warn(msg + " (loaded anyway: strict=False)", UserWarning, stacklevel=4)


def load_session(
    path: str | os.PathLike[str],
    model: Any = None,
    *,
    strict: bool = True,
    background: bool = True,
    widgets: bool = True,
    workspace_type: Callable[..., Workspace] | None = None,
) -> Session:
    """Read a session written by :func:`save_session` and rebuild it.

    Parameters
    ----------
    path
        The session directory.
    model
        The model to load it into (anything :func:`iwm_widgets.load` takes). ``None``
        loads the model by the name recorded in the session (a zoo name or directory).
    strict
        Refuse (:class:`~iwm_widgets.errors.SessionModelError`, naming both checksums) a
        model whose weights checksum or kind differs from the recorded one. ``False``
        loads anyway with a warning; edits that do not fit the model still fail.
    background
        Passed to the new :class:`~iwm_widgets.workspace.Workspace`.
    widgets
        Re-create the saved widgets on the Workspace (``False``: restore only the state).

    Raises
    ------
    SessionError
        The files are missing, malformed or tampered with (a missing or unknown key, a
        tensor whose dtype or shape differs from its record, an unknown version or
        widget type), or the state does not fit the model.
    """
    from .workspace import Workspace

    where = Path(path)
    meta, tensors = _read_files(where)
    dec = _decode(meta, tensors, where)  # every check on the files before anything runs
    saved = meta["model"]
    if model is None:
        try:
            model = load(saved["name"])
        except IWMError as e:
            raise SessionError(
                f"session {where} was saved for model {saved['name']!r}, which cannot be "
                f"loaded here ({e}); load it yourself and pass it: "
                "Workspace.load(path, model)"
            ) from None
    model = load(model)
    _no_remote(model, "load")
    _check_model(model, saved, where, strict)
    make = workspace_type or Workspace
    try:
        ws = make(
            model,
            dec.inputs,
            rollout_steps=dec.rollout_steps,
            background=background,
            truth=dec.truth,
        )
    except (IWMError, TypeError, ValueError) as e:
        raise SessionError(f"session {where}: its inputs do not fit {model.name!r}: {e}") from e
    made: list[Any] = []
    try:
        if dec.edits:
            ws.set_edits(dec.edits)
        if widgets:
            for i, (cls, settings) in enumerate(dec.widgets):
                try:
                    made.append(cls.from_settings(ws, settings))  # type: ignore[attr-defined]
                except Exception as e:
                    raise SessionError(
                        f"session {where}: widget {i} ({cls.__name__}) cannot be restored: "
                        f"{type(e).__name__}: {e}"
                    ) from e
        # widgets that make edits (dials, graph nodes) re-made them under their saved ids;
        # the saved list stays the truth, order included
        if [e.to_dict() for e in ws.edits] != [e.to_dict() for e in dec.edits]:
            ws.set_edits(dec.edits)
        ws.selection = dec.selection
    except Exception as e:
        for widget in made:
            widget.close()
        ws.close()
        if isinstance(e, SessionError) or not isinstance(e, IWMError):
            raise
        raise SessionError(f"session {where}: its edits do not fit {model.name!r}: {e}") from e
    _RESTORED[ws] = [weakref.ref(w) for w in made]
    return Session(ws, made, where, dict(saved), list(dec.meta["skipped"]))
