"""The one route from the core's data classes to their display.

The data classes (Model, Edit, Result, Variable, Node, CausalEffects, ProbeSweep,
PatchingSweep) carry no display code: :class:`Displayable` gives them a
``_repr_mimebundle_`` that asks :mod:`iwm_widgets.display` for the summary at call time,
looked up by name in ``sys.modules`` (``iwm_widgets/__init__.py`` always imports it), so
``tracing/`` imports no view, not even lazily (tests/test_architecture.py).

Why not let display.py set the method on each class, as it did at first: remote runs
send our classes to NDIF by value (``nnsight.register("iwm_widgets")``), and a method
set from display.py made every Edit in a request drag the whole display module and the
widgets after it; the server could not unpickle that. This method references ``sys``
only.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["Displayable"]

DISPLAY = "iwm_widgets.display"


class Displayable:
    """Mixin: ``_repr_mimebundle_`` from the display registry (text/plain + text/html)."""

    __slots__ = ()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        display = sys.modules.get(DISPLAY)
        if display is None:  # only when tracing is used without the package's __init__
            return {"text/plain": repr(self)}
        return display.mimebundle(self)  # type: ignore[no-any-return]
