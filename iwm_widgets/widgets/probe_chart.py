"""ProbeChart: a probe sweep's score-by-layer chart; click a point to pick its layer."""

from __future__ import annotations

import time
from typing import Any

import anywidget
import traitlets

from ..charts import chart_svg, probe_chart
from ._base import _message, esm

__all__ = ["ProbeChart"]


class ProbeChart(anywidget.AnyWidget):
    """The chart of a :class:`~iwm_widgets.tracing.probes.ProbeSweep`, drawn as SVG.

    Python renders :func:`~iwm_widgets.charts.probe_chart` to SVG offline (vl-convert), so
    a saved notebook holds tens of KB, not a Vega bundle. The front end shows the SVG, a
    tooltip on hover, and turns a click on a point into :attr:`selected`; clicking the
    picked point again clears it. The pick and ``sweep.selected`` follow each other both
    ways: setting ``sweep.selected = "blocks.2"`` in code redraws every live chart of the
    sweep.

    Parameters
    ----------
    sweep : ProbeSweep
        From :func:`~iwm_widgets.probe_sweep`.
    """

    _esm = esm("probe_chart")

    svg = traitlets.Unicode("", help="The chart as SVG text (rendered by Python).").tag(sync=True)
    sites = traitlets.List(traitlets.Unicode(), help="The probed sites, in layer order.").tag(
        sync=True
    )
    selected = traitlets.Unicode("", help="The picked site ('' for none).").tag(sync=True)
    drawn = traitlets.Unicode(
        "", help="The pick the SVG shows ('' for none); lags `selected` while it renders."
    ).tag(sync=True)
    error = traitlets.Unicode("", help="Why the last pick or render failed ('' when fine).").tag(
        sync=True
    )
    render_ms = traitlets.Float(0.0, help="How long the last SVG render took (ms).").tag(sync=True)

    def __init__(self, sweep: Any) -> None:
        if not hasattr(sweep, "scores") or not hasattr(sweep, "sites"):
            raise TypeError(f"expected a ProbeSweep, got {type(sweep).__name__}")
        super().__init__()
        self.sweep = sweep
        self._following = False  # True while `selected` follows the sweep (not a pick)
        with self.hold_sync():
            self.sites = list(sweep.sites)
            self._show(sweep.selected)
        sweep.observe(self._on_sweep)  # follows picks made in code or in another chart
        self.observe(self._on_pick, names=["selected"])

    @traitlets.validate("selected")
    def _check_selected(self, proposal: dict[str, Any]) -> str:
        site = proposal["value"]
        if site and site not in self.sites:
            raise traitlets.TraitError(f"{site!r} is not a probed site; sites: {self.sites}")
        return str(site)

    def _on_pick(self, change: dict[str, Any]) -> None:
        """A pick in the page (or ``chart.selected = ...``) becomes ``sweep.selected``."""
        if self._following:
            return
        new = change["new"] or None
        if self.sweep.selected != new:
            self.sweep.selected = new  # redraws every live chart of the sweep, this one too
        else:
            self._show(new)

    def _show(self, site: str | None) -> None:
        """Show ``site`` as the pick (called when ``sweep.selected`` is set)."""
        with self.hold_sync():
            if site and site not in self.sites:
                self.error = f"sweep.selected = {site!r} is not a probed site"
                site = None
            else:
                self.error = ""
            self._following = True
            try:
                self.selected = site or ""
            finally:
                self._following = False
            if self.svg and self.drawn == self.selected:
                return
            t0 = time.perf_counter()
            try:
                self.svg = chart_svg(probe_chart(self.sweep))
            except Exception as e:  # shown in the widget; the old chart stays
                self.error = _message(e)
                return
            self.render_ms = (time.perf_counter() - t0) * 1e3
            self.drawn = self.selected

    def _on_sweep(self, event: str, sweep: Any) -> None:
        self._show(sweep.selected)

    def close(self) -> None:
        sweep = getattr(self, "sweep", None)  # absent when __init__ failed early
        if sweep is not None:
            sweep.unobserve(self._on_sweep)
        super().close()
