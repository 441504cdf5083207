"""Make nnsight route a module call only to a trace running in the *calling* thread.

nnsight 0.8 installs a controller as each wrapped module's ``forward``; on every call
it asks the module's ``State.active()`` for a trace that is interleaving on it and
hands the call to that trace -- whichever thread opened it. A user's plain
``model.module(x)`` on the notebook thread while a Workspace traces on its runner
thread was therefore handed to the runner's trace (greenlet "parent cannot be on a
different thread" on the user's side, ``OutOfOrderError`` on the runner's). The
same held for two traces on two wrappers of one module.

:func:`install` records the thread that enters an ``Interleaver`` and makes
``State.active()`` return only a trace entered by the calling thread; calls from
any other thread take the module's plain forward, unedited. nnsight's workers are
greenlets on the thread that runs the model, so a trace sees every call of its own
thread as before. Nothing else changes: one thread, one trace, same behaviour.

Checked against the installed nnsight at import (``install`` raises ImportError if
the internals it relies on moved); ``tests/test_threads.py`` exercises it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import torch

__all__ = ["install", "one_torch_thread"]

_FLAG = "_iwm_thread_aware"


def install() -> None:
    """Patch nnsight once per process (idempotent)."""
    from nnsight.intervention.interleaver import Interleaver
    from nnsight.intervention.source import State

    if getattr(State, _FLAG, False):
        return
    if not (hasattr(State, "active") and "routes" in getattr(State, "__slots__", ())):
        raise ImportError("iwm_widgets needs nnsight 0.8's State.routes / State.active")
    enter = Interleaver.__enter__

    def __enter__(self: Any) -> Any:
        self._iwm_thread = threading.get_ident()
        return enter(self)

    def active(self: Any) -> tuple[Any, Any, tuple[Any, ...]]:
        me = threading.get_ident()
        for ref, path, locations in self.routes:
            interleaver = ref()
            if (
                interleaver is not None
                and interleaver.interleaving
                and interleaver.busy
                and getattr(interleaver, "_iwm_thread", me) == me
            ):
                return interleaver, path, locations
        return None, None, ()

    __enter__.__doc__ = enter.__doc__
    active.__doc__ = (State.active.__doc__ or "") + "\n\n(iwm_widgets: this thread's traces only.)"
    Interleaver.__enter__ = __enter__  # type: ignore[method-assign]
    State.active = active  # type: ignore[method-assign]
    setattr(State, _FLAG, True)


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run the block on one torch thread, then restore the caller's count.

    For fits of small matrices (an SAE's batches, a city's probes): on a loaded 2-core
    machine one thread was 3-4x faster than two (``discovery._fit_sae``: 6.6 vs 27 ms a
    step; the CognitiveMap's probe and maps: 1.0-1.5 s against 3-5 s).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
