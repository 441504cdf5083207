"""``%load_ext iwm_widgets``: the ``%iwm`` magic and interactive displays.

::

    %load_ext iwm_widgets
    %iwm load bouncing-ball            # binds `model`, prints one line
    %iwm load ./my-gpt2 as lm          # a local Hugging Face directory, bound to `lm`
    %iwm show                          # ModuleTree of `model`: click a site to map it
    %iwm show sweep                    # iwm.show(sweep): whatever fits the object
    %iwm save session                  # ws.save("session"): JSON + safetensors, no pickle
    %iwm load-session session          # ws = Workspace.load("session", model), widgets shown

With the extension loaded, displaying a Model, Result, Variable, Edit, sweep or
CausalEffects at the end of a cell shows its widget (``iwm.show``); without it they
show static text/HTML summaries. ``%unload_ext iwm_widgets`` undoes both.
"""

from __future__ import annotations

import shlex
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class

from . import display as _display
from .errors import IWMError

__all__ = ["IWMMagics", "load_ipython_extension", "unload_ipython_extension"]

USAGE = """\
%iwm load NAME [as VAR]   load a zoo model (e.g. bouncing-ball) or a local directory
                          into VAR (default: model)
%iwm show [EXPR]          show EXPR (default: model) with iwm.show: Model -> ModuleTree,
                          Workspace -> ActivationMap, sweeps -> their charts, ...
%iwm save PATH [WS]       save the Workspace WS (default: ws) to the directory PATH:
                          inputs, edits, Variables, selection and widgets' settings
                          (JSON + safetensors, no pickle)
%iwm load-session PATH [MODEL] [as VAR]
                          restore a saved session for MODEL (default: `model` if
                          defined, else the model named in the session) into VAR
                          (default: ws) and show its widgets; other weights are refused
%iwm help                 this text"""


@magics_class
class IWMMagics(Magics):
    """The ``%iwm`` line magic."""

    @line_magic
    def iwm(self, line: str) -> None:
        """Load and show models: ``%iwm load NAME [as VAR]``, ``%iwm show [EXPR]``."""
        try:
            words = shlex.split(line)
        except ValueError as e:
            raise UsageError(f"%iwm: {e}\n{USAGE}") from None
        if not words or words[0] in ("help", "-h", "--help"):
            print(USAGE)
            return
        cmd, args = words[0], words[1:]
        if cmd == "load":
            self._load(args)
        elif cmd == "show":
            self._show(line.split(None, 1)[1] if len(words) > 1 else "model")
        elif cmd == "save":
            self._save(args)
        elif cmd == "load-session":
            self._load_session(args)
        else:
            raise UsageError(f"%iwm: unknown command {cmd!r}\n{USAGE}")

    def _load(self, args: list[str]) -> None:
        var = "model"
        if len(args) == 3 and args[1] == "as":
            var = args[2]
        elif len(args) != 1:
            raise UsageError(f"%iwm load takes NAME [as VAR]\n{USAGE}")
        if not var.isidentifier():
            raise UsageError(f"%iwm load: {var!r} is not a valid variable name")
        from .tracing import load

        try:
            model = load(args[0])
        except IWMError as e:
            raise UsageError(f"%iwm load: {e}") from None
        self.shell.user_ns[var] = model  # type: ignore[union-attr]
        print(f"{var} = {one_line(model)}")

    def _show(self, expr: str) -> None:
        from IPython.display import display

        try:
            obj = self.shell.ev(expr)  # type: ignore[union-attr]
        except NameError as e:
            hint = " (load one with %iwm load NAME)" if expr == "model" else ""
            raise UsageError(f"%iwm show: {e}{hint}") from None
        try:
            widget = _display.show(obj)
        except TypeError as e:
            raise UsageError(f"%iwm show: {e}") from None
        display(widget)

    def _eval(self, expr: str, what: str, hint: str = "") -> Any:
        try:
            return self.shell.ev(expr)  # type: ignore[union-attr]
        except NameError as e:
            raise UsageError(f"{what}: {e}{hint}") from None

    def _save(self, args: list[str]) -> None:
        if len(args) not in (1, 2):
            raise UsageError(f"%iwm save takes PATH [WS]\n{USAGE}")
        from .workspace import Workspace

        expr = args[1] if len(args) == 2 else "ws"
        hint = " (make one with ws = iwm.Workspace(model, inputs))" if len(args) == 1 else ""
        ws = self._eval(expr, "%iwm save", hint)
        if not isinstance(ws, Workspace):
            raise UsageError(f"%iwm save: {expr} is a {type(ws).__name__}, not a Workspace")
        try:
            path = ws.save(args[0])
        except IWMError as e:
            raise UsageError(f"%iwm save: {e}") from None
        import json

        from .session import JSON_NAME

        saved = json.loads((path / JSON_NAME).read_text(encoding="utf-8"))
        kinds = ", ".join(w["type"] for w in saved["widgets"]) or "none"
        print(f"saved {expr} to {path}/: {len(saved['edits'])} edits, widgets: {kinds}")

    def _load_session(self, args: list[str]) -> None:
        var = "ws"
        if len(args) >= 3 and args[-2] == "as":
            var, args = args[-1], args[:-2]
        if len(args) not in (1, 2):
            raise UsageError(f"%iwm load-session takes PATH [MODEL] [as VAR]\n{USAGE}")
        if not var.isidentifier():
            raise UsageError(f"%iwm load-session: {var!r} is not a valid variable name")
        from .tracing import Model

        model: Any = None
        if len(args) == 2:
            model = self._eval(args[1], "%iwm load-session")
        else:
            found = self.shell.user_ns.get("model")  # type: ignore[union-attr]
            model = found if isinstance(found, Model) else None
        from IPython.display import display

        from .session import load_session

        try:
            session = load_session(args[0], model)
        except (IWMError, TypeError) as e:
            raise UsageError(f"%iwm load-session: {e}") from None
        ws = session.workspace
        self.shell.user_ns[var] = ws  # type: ignore[union-attr]
        kinds = ", ".join(type(w).__name__ for w in session.widgets) or "none"
        print(f"{var} = {ws!r} from {session.path}/ (widgets: {kinds})")
        for w in session.widgets:
            display(w)


def one_line(model: Any) -> str:
    """``bouncing-ball (world): 203,458 parameters, 5 layers, 50 modules``."""
    n = sum(p.numel() for p in model.module.parameters())
    return (
        f"{model.name} ({model.kind}): {n:,} parameters, {len(model.layers)} layers, "
        f"{len(model.sites)} modules"
    )


# ---------------------------------------------------------------------------------------
# Interactive displays: IPython's mime-bundle formatter, for the registry's auto types.

_shells: list[Any] = []


def _printer(obj: Any, include: Any = None, exclude: Any = None) -> dict[str, Any] | None:
    try:
        widget = _display.show(obj)
    except Exception:  # never break printing: fall back to the static summary
        return _display.mimebundle(obj) if hasattr(obj, "_repr_mimebundle_") else None
    data = _display.widget_bundle(widget)
    if isinstance(widget, _display.StaticView) or not data:
        return _display.mimebundle(obj)
    data.update(_display.mimebundle(obj))  # text/plain and text/html for static viewers
    return data


def _set_formatter(shell: Any, key: type | str, entry: Any) -> None:
    fmt = shell.display_formatter.mimebundle_formatter
    if isinstance(key, str):
        module, name = key.rsplit(".", 1)
        if entry is not None and entry.auto:
            fmt.for_type_by_name(module, name, _printer)
        else:
            fmt.deferred_printers.pop((module, name), None)
            fmt.type_printers = {
                t: f
                for t, f in fmt.type_printers.items()
                if not (f is _printer and f"{t.__module__}.{t.__qualname__}" == key)
            }
        return
    if entry is not None and entry.auto:
        fmt.for_type(key, _printer)
    elif fmt.type_printers.get(key) is _printer:
        fmt.pop(key)


def _on_registry_change(key: type | str, entry: Any) -> None:
    for shell in _shells:
        _set_formatter(shell, key, entry)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext iwm_widgets``: the ``%iwm`` magic, and widgets as displays."""
    ipython.register_magics(IWMMagics)
    for key, entry in list(_display._REGISTRY.items()):
        _set_formatter(ipython, key, entry)
    if ipython not in _shells:
        _shells.append(ipython)
    if _on_registry_change not in _display._listeners:
        _display._listeners.append(_on_registry_change)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext iwm_widgets``: remove the magic and the displays."""
    ipython.magics_manager.magics["line"].pop("iwm", None)
    for key in list(_display._REGISTRY):
        _set_formatter(ipython, key, None)
    if ipython in _shells:
        _shells.remove(ipython)
    if not _shells and _on_registry_change in _display._listeners:
        _display._listeners.remove(_on_registry_change)
