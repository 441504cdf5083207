"""Small altair charts (probe curves), rendered offline.

Altair's default renderers load Vega from a CDN, and its offline ``JupyterChart`` saves
~0.9 MB of Vega into every notebook that shows one. Here the altair spec stays the single
source of a chart's look; Python renders it to SVG with vl-convert (no network, no
browser), and :class:`~iwm_widgets.widgets.ProbeChart` shows that SVG and sends a click on
a point back to Python.
"""

from __future__ import annotations

from typing import Any

__all__ = ["chart_svg", "probe_chart"]

#: Size (area, px²) of a point, and of the picked layer's points.
POINT_SIZE = 80
PICKED_SIZE = 220
PICKED_STROKE = "#222"


def _alt() -> Any:
    try:
        import altair as alt
    except ImportError as e:  # pragma: no cover - altair is a dependency
        raise ImportError("charts need altair: pip install altair") from e
    return alt


def _label(**fields: Any) -> str:
    """The ARIA description of a mark: ``"site: blocks.1; series: ...; score: 0.953"``."""
    return "; ".join(f"{k}: {f'{v:.3f}' if isinstance(v, float) else v}" for k, v in fields.items())


def probe_chart(sweep: Any) -> Any:
    """Score by layer with the shuffled control and input-only baselines.

    The points of ``sweep.selected`` (the picked layer) are drawn larger with a dark
    outline. Every point and rule carries an ARIA description (``"site: blocks.1; series:
    probe (held-out); score: 0.953"``): the widget shows it as the tooltip and reads the
    clicked site from it.

    Returns
    -------
    altair.LayerChart
    """
    alt = _alt()
    metric = "R²" if sweep.kind == "regression" else "accuracy"
    rows: list[dict[str, Any]] = []

    def row(site: str, layer: int, series: str, score: float) -> None:
        label = _label(site=site, series=series, score=float(score))
        rows.append(
            {"site": site, "layer": layer, "series": series, "score": score, "label": label}
        )

    for i, s in enumerate(sweep.sites):
        sc = sweep.scores[s]
        row(s, i, "probe (held-out)", sc["score"])
        row(s, i, "shuffled labels", sc["control"])
        if "score_after_bounce" in sc:
            row(s, i, "just after a bounce", sc["score_after_bounce"])
    # one dashed rule per kind of baseline: the best input-only probe, and chance
    inputs = {k: v for k, v in sweep.baselines.items() if k.startswith("input")}
    base_rows: list[dict[str, Any]] = []
    if inputs:
        k = max(inputs, key=inputs.__getitem__)
        base_rows.append({"baseline": k.replace("_", " ") + " positions", "score": inputs[k]})
    if "chance" in sweep.baselines:
        base_rows.append({"baseline": "chance", "score": sweep.baselines["chance"]})
    for r in base_rows:
        r["label"] = _label(baseline=r["baseline"], score=float(r["score"]))
    x = alt.X("site:N", sort=list(sweep.sites), title="layer (site)")
    y = alt.Y(
        "score:Q",
        title=f"{metric} on held-out sequences",
        scale=alt.Scale(domain=[min(-0.1, min(r["score"] for r in rows)), 1.0]),
    )
    colour = alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"))
    tooltip = ["site:N", "series:N", alt.Tooltip("score:Q", format=".3f")]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=x, y=y, color=colour, tooltip=tooltip, description="label:N"
    )
    lines = base.mark_line()
    picked = alt.datum.site == (sweep.selected or "")
    points = base.mark_point(filled=True).encode(
        # the picked layer's points grow and get a dark outline
        size=alt.condition(picked, alt.value(PICKED_SIZE), alt.value(POINT_SIZE)),
        stroke=alt.condition(picked, alt.value(PICKED_STROKE), alt.value(None)),
        strokeWidth=alt.value(2),
    )
    layers = [lines, points]
    if base_rows:
        rules = (
            alt.Chart(alt.Data(values=base_rows))
            .mark_rule(strokeDash=[4, 4])
            .encode(
                y="score:Q",
                color=alt.value("#888"),
                tooltip=["baseline:N", alt.Tooltip("score:Q", format=".3f")],
                description="label:N",
            )
        )
        labels = rules.mark_text(align="left", dx=4, dy=-6, color="#666").encode(
            text="baseline:N", x=alt.value(0)
        )
        layers += [rules, labels]
    subtitle = (
        f"picked: {sweep.selected} (click it again to clear)"
        if sweep.selected
        else "click a point to pick its layer"
    )
    return alt.layer(*layers).properties(
        width=360,
        height=220,
        title=alt.TitleParams(f"probe for {sweep.target!r} by layer", subtitle=subtitle),
    )


def chart_svg(chart: Any) -> str:
    """An altair chart (or a Vega-Lite spec dict) as SVG text, rendered offline."""
    try:
        import vl_convert
    except ImportError as e:  # pragma: no cover - a core dependency
        raise ImportError("rendering charts needs vl-convert: pip install vl-convert-python") from e
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    return str(vl_convert.vegalite_to_svg(spec))
