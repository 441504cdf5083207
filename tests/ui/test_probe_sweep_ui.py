"""The probe-sweep chart in a real browser: notebooks/02_probing_velocity.ipynb in JupyterLab,
on the bouncing-ball world model.

The notebook's first code cell shows ``sweep`` (a ProbeSweep), which displays a
:class:`~iwm_widgets.widgets.ProbeChart`: an SVG that Python rendered offline (vl-convert)
from the altair spec. The test checks the SVG drew, finds the point of one layer on the
"probe (held-out)" line through the marks' ARIA labels, hovers it (tooltip) and clicks it
with the real mouse, reads ``sweep.selected`` and ``sweep.variable().site`` back through
the notebook's kernel, and checks that Python re-rendered the chart with that layer's
points highlighted; a second click clears the pick, and a pick made in code shows too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from harness import write_notebook

pytestmark = pytest.mark.ui

NOTEBOOK = "02_probing_velocity.ipynb"
# Used when the course notebook is missing: the same ``sweep``, nothing else.
FALLBACK = "probe_sweep_ui.ipynb"
FALLBACK_CELLS = [
    "import iwm_widgets as iwm\n"
    "model = iwm.load('bouncing-ball')\n"
    "sweep = iwm.probe_sweep(model, 'velocity', n=256, progress=False)\n"
    "sweep",
]
CHART = ".iwm-probe-chart"
SERIES = ("just after a bounce", "probe (held-out)", "shuffled labels")
# Vega's SVG renderer marks every item with ARIA: a point of the line's overlay is
# <path role="graphics-symbol" aria-roledescription="point" aria-label="site: blocks.2; ...">.
POINTS = "path[aria-roledescription='point']"
LINES = "path[aria-roledescription='line mark']"
HIGHLIGHT = "#222"  # the picked layer's outline (iwm_widgets.charts.PICKED_STROKE)

# Every point mark: its ARIA fields and its centre and size on the page.
READ_POINTS = """
(root) => [...root.querySelectorAll("path[aria-roledescription='point']")].map((p) => {
  const r = p.getBoundingClientRect();
  const fields = {};
  for (const part of (p.getAttribute('aria-label') || '').split('; ')) {
    const i = part.indexOf(': ');
    if (i > 0) fields[part.slice(0, i)] = part.slice(i + 2);
  }
  return {fields, x: r.x + r.width / 2, y: r.y + r.height / 2, w: r.width, h: r.height,
          fill: p.getAttribute('fill'), stroke: p.getAttribute('stroke')};
})
"""

# Whether the topmost element under (x, y) is the point with that site and series, i.e.
# a real click there lands on that point and not on a line, a rule or a tooltip.
HIT = """
([root, x, y, site, series]) => {
  const el = document.elementFromPoint(x, y);
  if (!el || !root.contains(el)) return 'outside the chart: ' + (el && el.outerHTML.slice(0, 120));
  const label = el.getAttribute('aria-label') || '';
  const ok = el.getAttribute('aria-roledescription') === 'point'
    && label.includes('site: ' + site + ';') && label.includes('series: ' + series + ';');
  return ok ? 'ok' : el.outerHTML.slice(0, 200);
}
"""


@pytest.fixture(scope="module")
def lab(module_page: Any, notebooks: Any, jupyter_server: Any) -> Iterator[Any]:
    """The probing notebook, opened in JupyterLab and run once for this module."""
    path = NOTEBOOK
    if not (jupyter_server.root / NOTEBOOK).exists():
        path = FALLBACK
        write_notebook(jupyter_server.root / FALLBACK, FALLBACK_CELLS)
    nb = notebooks(module_page, path).run_all()
    yield nb
    nb.shutdown()


def read_points(chart: Any) -> list[dict[str, Any]]:
    return chart.evaluate(READ_POINTS)


def point(chart: Any, site: str, series: str = "probe (held-out)") -> dict[str, Any]:
    """The one point mark of ``site`` on the ``series`` line."""
    found = [
        p
        for p in read_points(chart)
        if p["fields"].get("site") == site and p["fields"].get("series") == series
    ]
    assert len(found) == 1, (site, series, found)
    return found[0]


def click_point(lab: Any, chart: Any, site: str, series: str = "probe (held-out)") -> None:
    """Click the centre of a point mark with the real mouse, after checking it is on top."""
    page = lab.page
    page.mouse.move(0, 0)  # no tooltip left over from the last hover
    chart.scroll_into_view_if_needed()
    p = point(chart, site, series)
    hit = page.evaluate(HIT, [chart.element_handle(), p["x"], p["y"], site, series])
    assert hit == "ok", f"the point of {site} / {series} is covered by: {hit}"
    page.mouse.click(p["x"], p["y"])


def highlighted(chart: Any) -> set[tuple[str, str]]:
    """(site, series) of the points Python drew highlighted (dark outline, larger)."""
    return {
        (p["fields"]["site"], p["fields"]["series"])
        for p in read_points(chart)
        if p["stroke"] == HIGHLIGHT
    }


def wait_drawn(lab: Any, chart: Any, site: str) -> None:
    """Wait until the SVG on the page is Python's render of the pick ``site`` ('' for none)."""
    lab.page.wait_for_function(
        "([root, site]) => root.dataset.drawn === site",
        arg=[chart.element_handle(), site],
        timeout=30_000,
    )


def test_click_a_layer_in_the_chart_picks_it_in_python(lab: Any, screenshot: Any) -> None:
    page = lab.page
    sites = lab.eval_json("sweep.sites")
    assert "blocks.2" in sites and "blocks.1" in sites, sites
    assert lab.eval_json("sweep.selected") is None

    # Python's SVG is on the page: one line per series and a point per (layer, series),
    # not an error box nor an empty widget.
    chart = page.locator(CHART).first
    chart.wait_for()
    chart.scroll_into_view_if_needed()
    page.wait_for_function(
        "([root, n]) => root.querySelectorAll(\"path[aria-roledescription='point']\").length === n",
        arg=[chart.element_handle(), len(sites) * len(SERIES)],
        timeout=60_000,
    )
    assert chart.get_attribute("data-points") == str(len(sites) * len(SERIES))
    assert chart.locator(".iwm-error").is_hidden()
    assert chart.locator("svg.marks").count() == 1
    assert chart.locator(LINES).count() == len(SERIES)
    points = read_points(chart)
    assert {(p["fields"]["site"], p["fields"]["series"]) for p in points} == {
        (s, k) for s in sites for k in SERIES
    }
    # Big enough to see and to click (a `size` encoding once shrank them to 1.4 px).
    assert all(p["w"] >= 6 and p["h"] >= 6 for p in points), [(p["w"], p["h"]) for p in points]
    assert all(p["fill"] and p["fill"] != "none" for p in points)
    assert highlighted(chart) == set()
    # Layers left to right in order; on each line, the higher score is higher up.
    probe = [point(chart, s) for s in sites]
    assert [p["x"] for p in probe] == sorted(p["x"] for p in probe)
    scores = lab.eval_json("[sweep.scores[s]['score'] for s in sweep.sites]")
    for i in range(len(sites) - 1):
        (a, sa), (b, sb) = (probe[i], scores[i]), (probe[i + 1], scores[i + 1])
        if abs(sa - sb) > 0.05:
            assert (a["y"] > b["y"]) == (sa < sb), (sa, sb, a["y"], b["y"])
    assert chart.locator("[aria-roledescription='axis']").count() == 2

    # Hovering a point shows its tooltip.
    p2 = point(chart, "blocks.2")
    page.mouse.move(p2["x"], p2["y"])
    tip = chart.locator(".iwm-tooltip")
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert "site: blocks.2" in text and "series: probe (held-out)" in text, text
    assert f"score: {scores[sites.index('blocks.2')]:.3f}" in text, text
    screenshot(chart, "tooltip")

    # Click the layer blocks.2 on the held-out probe's line: Python picks it and redraws
    # the chart with the layer's points highlighted.
    click_point(lab, chart, "blocks.2")
    assert lab.wait_for_python("sweep.selected", "blocks.2") == "blocks.2"
    assert lab.eval_json("str(sweep.variable().site)") == "blocks.2"
    assert lab.eval_json("sweep.variable().score['score'] == sweep.scores['blocks.2']['score']")
    wait_drawn(lab, chart, "blocks.2")
    assert highlighted(chart) == {("blocks.2", k) for k in SERIES}
    assert point(chart, "blocks.2")["w"] > point(chart, "blocks.1")["w"] + 2
    assert "picked: blocks.2" in chart.inner_text()
    page.mouse.move(0, 0)
    screenshot(chart, "blocks.2")

    # Another layer: the pick and the highlight follow the click.
    click_point(lab, chart, "blocks.1")
    assert lab.wait_for_python("sweep.selected", "blocks.1") == "blocks.1"
    assert lab.eval_json("str(sweep.variable().site)") == "blocks.1"
    wait_drawn(lab, chart, "blocks.1")
    assert highlighted(chart) == {("blocks.1", k) for k in SERIES}
    page.mouse.move(0, 0)
    screenshot(chart, "blocks.1")
    # An explicit layer still wins over the pick.
    assert lab.eval_json("str(sweep.variable(layer='blocks.3').site)") == "blocks.3"

    # Clicking the picked point again clears the pick.
    click_point(lab, chart, "blocks.1")
    assert lab.wait_for_python("sweep.selected", None) is None
    wait_drawn(lab, chart, "")
    assert highlighted(chart) == set()

    # A pick made in code shows on the page.
    lab.execute("sweep.selected = 'blocks.3'")
    wait_drawn(lab, chart, "blocks.3")
    assert chart.get_attribute("data-selected") == "blocks.3"
    assert highlighted(chart) == {("blocks.3", k) for k in SERIES}
    screenshot(chart, "blocks.3-from-python")
    lab.execute("sweep.selected = None")
    wait_drawn(lab, chart, "")
    page.mouse.move(0, 0)
    page.iwm_errors.check()
