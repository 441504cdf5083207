"""Shared plumbing of the workspace-bound widgets."""

from __future__ import annotations

import pathlib
from typing import Any

import anywidget
import traitlets

from ..workspace import Workspace

STATIC = pathlib.Path(__file__).resolve().parent.parent / "static"


def esm(name: str) -> pathlib.Path:
    """Path of the bundled ES module of widget ``name`` (built from ``js/<name>.js``)."""
    return STATIC / f"{name}.js"


#: File endings dropped from a model's file name in a title (``gpt2.pt`` -> ``gpt2``).
WEIGHT_SUFFIXES = (".pt", ".pth", ".bin", ".safetensors", ".ckpt", ".onnx")


def model_title(model: Any) -> str:
    """A model's name as a widget title shows it: never a long local path.

    A zoo name (``"tiny-lm"``) or a Hugging Face id (``"openai-community/gpt2"``) is shown
    as it is; a model loaded from a local directory or file (its ``name`` is the path, e.g.
    ``/home/me/models/my-gpt2`` or ``./gpt2.pt``) shows the directory's name or the file's
    stem (``my-gpt2``, ``gpt2``), and the zoo's own directories their zoo name. The full
    path stays in ``model.name``.
    """
    name = str(getattr(model, "name", "") or "")
    if not name:
        return type(getattr(model, "module", model)).__name__
    if getattr(model, "remote", None) is not None:
        return name  # an id (or a directory) on the NDIF server, not a local path
    p = pathlib.Path(name).expanduser()
    local = p.is_absolute() or name.startswith((".", "~")) or "\\" in name or _exists(p)
    if not local:
        return name
    zoo_name = _zoo_dir_name(p)
    if zoo_name:
        return zoo_name
    base = pathlib.PureWindowsPath(name) if "\\" in name else p
    if base.suffix.lower() in WEIGHT_SUFFIXES:
        return base.stem or name
    return base.name or _resolved_name(p) or name


def _resolved_name(p: pathlib.Path) -> str:
    try:
        return p.resolve().name  # "." or ".." name the directory they stand for
    except OSError:
        return ""


def _zoo_dir_name(p: pathlib.Path) -> str:
    """The zoo name of one of the zoo's shipped directories (``weights/tiny_lm`` ->
    ``"tiny-lm"``), else ``""``; by path only (no checksums are read)."""
    from ..zoo import ZOO_DIRS

    weights = STATIC.parent / "zoo" / "weights"
    try:
        inside = p.resolve().parent == weights.resolve()
    except OSError:
        return ""
    name = p.name.replace("_", "-")
    return name if inside and name in ZOO_DIRS else ""


def _exists(p: pathlib.Path) -> bool:
    try:
        return p.exists()
    except OSError:  # a name too long or odd for a path
        return False


class WorkspaceWidget(anywidget.AnyWidget):
    """An anywidget bound to a :class:`~iwm_widgets.workspace.Workspace`.

    Subclasses implement :meth:`_redraw` (called with the newest result) and list the
    sites they read in :meth:`_sites`.
    """

    error = traitlets.Unicode("", help="Message of the last failed run ('' when fine).").tag(
        sync=True
    )
    status = traitlets.Unicode("idle", help="'idle' or 'running'.").tag(sync=True)
    generation = traitlets.Int(0, help="Generation of the result drawn.").tag(sync=True)
    remote = traitlets.Unicode(
        "", help="NDIF host of a remote model ('' for a local one). Never holds a key."
    ).tag(sync=True)
    remote_status = traitlets.Unicode(
        "", help="NDIF's job status of the run in flight (e.g. 'QUEUED: ...'), or ''."
    ).tag(sync=True)
    run_started = traitlets.Float(
        0.0, help="When the run in flight started (ms since the epoch; 0 when idle)."
    ).tag(sync=True)
    round_trip_ms = traitlets.Float(
        0.0, help="Remote models: median measured round trip of a run (ms; 0 before one)."
    ).tag(sync=True)

    def __init__(self, ws: Workspace, **kwargs: Any) -> None:
        if not isinstance(ws, Workspace):
            raise TypeError(f"expected a Workspace, got {type(ws).__name__}")
        super().__init__(**kwargs)
        self.ws = ws
        ws.add_reads(self, self._sites(), self._summaries())
        for key, fn in self._measurements().items():
            ws.add_measure(self, key, fn)
        self._observer = ws.observe(self._on_ws)
        if ws.model.remote is not None:
            self.remote = ws.model.remote.host
        self.on_msg(self._on_run_msg)

    def _sites(self) -> list[str]:
        return []

    def _summaries(self) -> list[Any]:
        """:class:`~iwm_widgets.tracing.run.Summary` objects this view draws from."""
        return []

    def _measurements(self) -> dict[str, Any]:
        """Measurements this view draws, run by the Workspace after each run
        (:meth:`~iwm_widgets.workspace.Workspace.add_measure`): ``{key: fn(result)}``."""
        return {}

    def _update_reads(self) -> None:
        """Re-declare the reads (after the view changed what it shows)."""
        self.ws.add_reads(self, self._sites(), self._summaries())

    def _has_reads(self, result: Any) -> bool:
        keys = set(result.summaries)
        return (
            all(str(s) in result.activations for s in self.ws.reads)
            and all(s.key in keys or s.key + ".p" in keys for s in self.ws.summaries)
            and all(k in result.measures for k in self.ws.measure_keys)
        )

    def _start(self) -> None:
        """Draw the current result, or run once if there is none yet.

        A remote model's run goes to the background runner: the kernel is not blocked.
        """
        if self.ws.result is not None and self._has_reads(self.ws.result):
            self._draw(self.ws.result)
        elif self.ws.model.remote is not None and self.ws.background:
            self.ws.request_run()
        else:
            try:
                self.ws.run()
            except Exception as e:  # shown in the widget; the notebook keeps going
                self.error = _message(e)

    def _on_run_msg(self, widget: Any, content: dict[str, Any], buffers: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "cancel":
            self.ws.cancel()
        elif kind == "retry":
            self.error = ""
            self.ws.retry()

    def _on_ws(self, event: str, ws: Workspace) -> None:
        if event == "result" and ws.result is not None:
            self._draw(ws.result)
        elif event == "error" and ws.error is not None:
            self.error = _message(ws.error)
        elif event == "status":
            with self.hold_sync():
                self.status = ws.status
                self.remote_status = ws.remote_status
                self.run_started = ws.run_started * 1e3
                rt = ws.model.remote.round_trip_ms if ws.model.remote is not None else None
                self.round_trip_ms = float(rt or 0.0)
        elif event == "selection":
            self._on_selection(ws.selection)

    def _draw(self, result: Any) -> None:
        if result.generation < self.generation:
            return  # never draw a result older than the one shown
        with self.hold_sync():
            try:
                self._redraw(result)
            except Exception as e:  # shown in the widget; the last drawing stays
                self.error = _message(e)
                return
            self.error = ""
            self.generation = result.generation

    def _redraw(self, result: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _on_selection(self, selection: dict[str, Any]) -> None:
        pass

    def close(self) -> None:
        ws = getattr(self, "ws", None)  # absent when __init__ failed early
        if ws is not None:
            ws.unobserve(self._observer)
            ws.remove_reads(self)
        super().close()


def _message(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"
