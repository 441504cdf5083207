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

    def __init__(self, ws: Workspace, **kwargs: Any) -> None:
        if not isinstance(ws, Workspace):
            raise TypeError(f"expected a Workspace, got {type(ws).__name__}")
        super().__init__(**kwargs)
        self.ws = ws
        ws.add_reads(self, self._sites())
        self._observer = ws.observe(self._on_ws)

    def _sites(self) -> list[str]:
        return []

    def _start(self) -> None:
        """Draw the current result, or run once if there is none yet."""
        if self.ws.result is not None and all(
            str(s) in self.ws.result.activations for s in self.ws.reads
        ):
            self._draw(self.ws.result)
        else:
            try:
                self.ws.run()
            except Exception as e:  # shown in the widget; the notebook keeps going
                self.error = _message(e)

    def _on_ws(self, event: str, ws: Workspace) -> None:
        if event == "result" and ws.result is not None:
            self._draw(ws.result)
        elif event == "error" and ws.error is not None:
            self.error = _message(ws.error)
        elif event == "status":
            self.status = ws.status
        elif event == "selection":
            self._on_selection(ws.selection)

    def _draw(self, result: Any) -> None:
        if result.generation < self.generation:
            return  # never draw a result older than the one shown
        with self.hold_sync():
            self._redraw(result)
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
