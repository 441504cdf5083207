"""Small altair charts (probe curves), rendered offline.

Altair's default renderers load Vega from a CDN; here charts are shown through
``alt.JupyterChart`` with its offline bundle, so they draw with no network and their
selections come back to Python.
"""

from __future__ import annotations

from typing import Any

__all__ = ["probe_chart", "probe_widget"]


def _alt() -> Any:
    try:
        import altair as alt
    except ImportError as e:  # pragma: no cover - altair is a dependency
        raise ImportError("charts need altair: pip install altair") from e
    return alt


def probe_chart(sweep: Any) -> Any:
    """Score by layer with the shuffled control and input-only baselines."""
    alt = _alt()
    metric = "R²" if sweep.kind == "regression" else "accuracy"
    rows = []
    for i, s in enumerate(sweep.sites):
        sc = sweep.scores[s]
        rows.append({"site": s, "layer": i, "series": "probe (held-out)", "score": sc["score"]})
        rows.append({"site": s, "layer": i, "series": "shuffled labels", "score": sc["control"]})
        if "score_after_bounce" in sc:
            rows.append(
                {
                    "site": s,
                    "layer": i,
                    "series": "just after a bounce",
                    "score": sc["score_after_bounce"],
                }
            )
    # one dashed rule per kind of baseline: the best input-only probe, and chance
    inputs = {k: v for k, v in sweep.baselines.items() if k.startswith("input")}
    base_rows = []
    if inputs:
        k = max(inputs, key=inputs.__getitem__)
        base_rows.append({"baseline": k.replace("_", " ") + " positions", "score": inputs[k]})
    if "chance" in sweep.baselines:
        base_rows.append({"baseline": "chance", "score": sweep.baselines["chance"]})
    # a click on a point (not on a line) picks its layer
    pick = alt.selection_point(
        name="layer_pick",
        fields=["site"],
        on="click[item() && item().mark.marktype === 'symbol']",
        empty=False,
    )
    x = alt.X("site:N", sort=list(sweep.sites), title="layer (site)")
    y = alt.Y(
        "score:Q",
        title=f"{metric} on held-out sequences",
        scale=alt.Scale(domain=[min(-0.1, min(r["score"] for r in rows)), 1.0]),
    )
    colour = alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"))
    tooltip = ["site:N", "series:N", alt.Tooltip("score:Q", format=".3f")]
    base = alt.Chart(alt.Data(values=rows)).encode(x=x, y=y, color=colour, tooltip=tooltip)
    lines = base.mark_line()
    points = (
        base.mark_point(filled=True)
        .encode(
            # the picked layer's points grow and get a dark outline
            size=alt.condition(pick, alt.value(220), alt.value(80)),
            stroke=alt.condition(pick, alt.value("#222"), alt.value(None)),
        )
        .add_params(pick)
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
            )
        )
        labels = rules.mark_text(align="left", dx=4, dy=-6, color="#666").encode(
            text="baseline:N", x=alt.value(0)
        )
        layers += [rules, labels]
    return alt.layer(*layers).properties(
        width=360,
        height=220,
        title=f"probe for {sweep.target!r} by layer (click a layer to pick it)",
    )


def probe_widget(sweep: Any) -> Any:
    """The chart as an offline ``JupyterChart``; a click sets ``sweep.selected``."""
    alt = _alt()
    alt.JupyterChart.enable_offline()
    chart = alt.JupyterChart(probe_chart(sweep))

    def on_pick(change: Any) -> None:
        sel = chart.selections.layer_pick
        value = getattr(sel, "value", None) or []
        sweep.selected = value[0]["site"] if value else None

    chart.selections.observe(on_pick, ["layer_pick"])
    return chart
