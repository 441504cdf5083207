"""Colours of a springs world's particles, one per particle, shared by the views.

:class:`~iwm_widgets.widgets.system_view.SystemView` draws particle ``i`` and its
trajectories in ``PARTICLE_COLORS[i]``, and a spatial
:class:`~iwm_widgets.widgets.causal_graph.CausalGraph` fills node ``i`` with the same
colour, so a student matches a particle in the box with its node in the graph. The
colours avoid the edit orange and the false-edge red of the views, and read on light
and dark backgrounds.
"""

from __future__ import annotations

__all__ = ["PARTICLE_COLORS", "particle_color"]

#: Tableau-10 hues without orange (the edit colour) and red (false edges).
PARTICLE_COLORS = (
    "#1f77b4",
    "#2ca02c",
    "#9467bd",
    "#17becf",
    "#bcbd22",
    "#e377c2",
    "#8c564b",
    "#7f7f7f",
)


def particle_color(i: int) -> str:
    """The colour of particle ``i`` (the palette repeats after eight particles)."""
    return PARTICLE_COLORS[int(i) % len(PARTICLE_COLORS)]
