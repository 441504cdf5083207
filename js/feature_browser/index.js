// FeatureBrowser: the features iwm.discover found, sortable; for the picked one where it
// fires most, its held-out histogram, its trace over one sequence beside a true variable,
// its live trace over the Workspace's inputs, and "make a dial" (the view of
// iwm_widgets/widgets/feature_browser.py).
//
// Python computes everything shown (the list's order, the top rows, the series as binary
// payloads; state.js decodes them) and paint.js draws it. A click on a feature sets
// `feature`, a column head or the select `sort_by`, the particle select `particle`, the
// sequence field `sequence`, the "beside" select `compare`; a click on a top row sends
// {type: "pick_row", rank} and the button {type: "make_dial"}. The traits are listed in
// traits.js. The root element carries data-render-count, data-generation, data-feature,
// data-order, data-sort, data-trace-points, data-live-generation, data-live-edits,
// data-made and data-theme for tests.

import { numberInput } from "../shared/controls.js";
import { ownKeys } from "../shared/dom.js";
import { onChanges, setTrait } from "../shared/model.js";
import { onThemeChange } from "../shared/theme.js";
import { drawScheduler } from "../shared/timing.js";
import { chartColors, paintChart, paintDetail, paintError, paintHeader, paintHistogram, paintLegend, paintList, themeOf } from "./paint.js";
import { barAt, hoverLines, nearestStep, readHistogram, readLive, readTrace, stepPick, tokenText, truthStyle } from "./state.js";
import { DATA, REDRAW } from "./traits.js";
import { createView } from "./view.js";


/**
 * @param {{model: import("../shared/model.js").Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const view = createView(el, model);
  /** @type {{hist: import("./state.js").Histogram | null, trace: import("./state.js").Trace | null, live: import("./state.js").Live | null, dirty: Set<string>, localError: string, renderCount: number, disposed: boolean, order: number[], charts: Record<string, any>}} */
  const state = { hist: null, trace: null, live: null, dirty: new Set(DATA), localError: "", renderCount: 0, disposed: false, order: [], charts: {} };

  function decodeDirty() {
    /** @type {string[]} */
    const errors = [];
    for (const name of state.dirty) {
      try {
        if (name === "histogram") state.hist = readHistogram(model.get("histogram"));
        if (name === "trace") state.trace = readTrace(model.get("trace"));
        if (name === "live") state.live = readLive(model.get("live"));
      } catch (e) {
        errors.push(`cannot draw the ${name}: ${/** @type {Error} */ (e).message}`);
      }
    }
    state.dirty.clear();
    state.localError = errors.join("\n");
  }

  function draw() {
    decodeDirty();
    paintHeader(view, model);
    state.order = paintList(view, model);
    paintDetail(view, model);
    paintError(view, model, state.localError);
    const theme = themeOf(view.root);
    const c = chartColors(theme);
    const info = model.get("info") || {};
    const top = model.get("top") || [];
    state.charts.hist = paintHistogram(view, state.hist, theme, top.map((/** @type {any} */ r) => Number(r.value)));
    // the trace over one sequence
    const t = state.trace;
    const tr = model.get("trace") || {};
    const traceSeries = t
      ? [
          { label: `${(model.get("features") || [])[Number(model.get("feature")) || 0]?.name ?? "feature"}`, values: t.values, color: c.feature, width: 2, dash: [], axis: /** @type {const} */ ("left") },
          { ...truthStyle(t.truthName, t.corr, info.kind === "lm" ? "label" : "simulator"), values: t.truth, color: c.truth, width: 1.75, dash: [6, 4], axis: /** @type {const} */ ("right") },
        ]
      : [];
    view.traceTitle.replaceChildren();
    const b = document.createElement("b");
    b.textContent = "over one sequence";
    view.traceTitle.append(b, tr.particle !== null && tr.particle !== undefined ? ` (particle ${tr.particle})` : "");
    const tw = Math.floor(view.traceChart.clientWidth);
    state.charts.trace = t && tw > 0 ? paintChart(view.trace, tw, theme, { steps: t.steps, series: traceSeries, labels: t.labels, marker: Number(model.get("step")) }) : null;
    state.charts.traceSeries = traceSeries;
    paintLegend(view.traceLegend, traceSeries);
    // the live trace
    const l = state.live;
    const hasWs = !!(model.get("targets") || {}).workspace;
    view.liveEmpty.hidden = hasWs;
    view.liveChart.hidden = !hasWs;
    view.liveLegend.hidden = !hasWs;
    view.liveCaption.hidden = !hasWs;
    /** @type {import("./paint.js").ChartSeries[]} */
    let liveSeries = [];
    if (hasWs) {
      const edited = !!l && l.edits > 0;
      liveSeries = l
        ? [
            { label: "unedited run", values: edited ? l.baseline : null, color: c.baseline, width: 1.75, dash: [5, 4], axis: "left" },
            { label: edited ? `with the Workspace's ${l.edits} edit${l.edits > 1 ? "s" : ""}` : "the Workspace's inputs (no edits)", values: l.values, color: edited ? c.edited : c.feature, width: 2.25, dash: [], axis: "left" },
            { ...truthStyle(l.truthName, l.corr, "simulator"), values: l.truth, color: c.truth, width: 1.75, dash: [6, 4], axis: "right" },
          ]
        : [];
      view.liveCaption.replaceChildren();
      const lb = document.createElement("b");
      lb.textContent = "live";
      view.liveCaption.append(lb, l ? ` over the Workspace's inputs (row 0${Number(model.get("n_particles")) ? `, particle ${Number(model.get("particle")) || 0}` : ""}); redrawn after every edit · generation ${l.generation}` : " (waiting for the Workspace's first run)");
      const lw = Math.floor(view.liveChart.clientWidth);
      state.charts.live = l && lw > 0 ? paintChart(view.live, lw, theme, { steps: l.steps, series: liveSeries, labels: l.labels, marker: -1 }) : null;
      paintLegend(view.liveLegend, liveSeries);
    }
    state.charts.liveSeries = liveSeries;
    state.renderCount++;
    const ds = view.root.dataset;
    ds.renderCount = String(state.renderCount);
    ds.generation = String(model.get("generation") ?? 0);
    ds.feature = String(model.get("feature") ?? 0);
    ds.order = state.order.join(",");
    ds.sort = String(model.get("sort_by") || "");
    ds.tracePoints = String(t ? t.steps.length : 0);
    ds.liveGeneration = l ? String(l.generation) : "";
    ds.liveEdits = l ? String(l.edits) : "";
    ds.made = String((model.get("made") || []).length);
    ds.theme = theme.dark ? "dark" : "light";
  }
  const schedule = drawScheduler(draw, () => state.disposed);
  const stopListening = onChanges(model, REDRAW, (name) => {
    if (DATA.includes(name)) state.dirty.add(name);
    schedule();
  });

  // ---- picking
  /** @param {MouseEvent} e */
  const onListClick = (e) => {
    const tr = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest("tr[data-index]"));
    if (tr) setTrait(model, "feature", Number(tr.dataset.index));
    view.list.focus({ preventScroll: true });
  };
  /** @param {MouseEvent} e */
  const onHeadClick = (e) => {
    const th = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest("th[data-sort]"));
    if (th && th.dataset.sort && !(th.dataset.sort === "match" && !(model.get("info") || {}).has_truth)) setTrait(model, "sort_by", th.dataset.sort);
  };
  const onSort = () => setTrait(model, "sort_by", view.sort.value);
  /** @param {KeyboardEvent} e */
  const onKey = (e) => {
    if (e.target !== view.list) return;
    const picked = Number(model.get("feature")) || 0;
    /** @type {Record<string, () => number>} */
    const moves = {
      ArrowDown: () => stepPick(state.order, picked, 1),
      ArrowUp: () => stepPick(state.order, picked, -1),
      Home: () => state.order[0] ?? picked,
      End: () => state.order[state.order.length - 1] ?? picked,
    };
    const move = moves[e.key];
    if (!move) return;
    e.preventDefault();
    const next = move();
    setTrait(model, "feature", next);
    view.rows.querySelector(`tr[data-index="${next}"]`)?.scrollIntoView?.({ block: "nearest" });
  };
  /** @param {MouseEvent} e */
  const onTopClick = (e) => {
    const tr = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest("tr[data-rank]"));
    if (tr) model.send({ type: "pick_row", rank: Number(tr.dataset.rank) });
  };
  const onMake = () => model.send({ type: "make_dial" });
  const onParticle = () => setTrait(model, "particle", Number(view.particle.value));
  const onCompare = () => setTrait(model, "compare", view.compare.value);
  const seqInput = numberInput(view.sequence, (text) => {
    const n = Number((model.get("info") || {}).n_sequences) || 1;
    const s = Math.max(0, Math.min(n - 1, Math.round(Number(text))));
    if (Number.isFinite(s)) setTrait(model, "sequence", s);
    return Number(model.get("sequence"));
  });

  // ---- hover
  /**
   * @param {"trace" | "live"} which
   * @param {MouseEvent} e
   */
  const hoverChart = (which, e) => {
    const chart = state.charts[which];
    const data = which === "trace" ? state.trace : state.live;
    const canvas = which === "trace" ? view.trace : view.live;
    if (!chart || !data) return view.tooltip.hide();
    const r = canvas.getBoundingClientRect();
    const i = nearestStep(chart.steps, chart.x, e.clientX - r.left);
    if (i < 0) return view.tooltip.hide();
    const step = chart.steps[i];
    const where = data.labels.length ? `token ${JSON.stringify(tokenText(data.labels[i], 20))} (position ${step})` : `step ${step}`;
    const series = (which === "trace" ? state.charts.traceSeries : state.charts.liveSeries).filter((/** @type {any} */ s) => s.values);
    view.tooltip.show(e, hoverLines(series, i, where));
  };
  const onTraceMove = (/** @type {MouseEvent} */ e) => hoverChart("trace", e);
  const onLiveMove = (/** @type {MouseEvent} */ e) => hoverChart("live", e);
  const onHistMove = (/** @type {MouseEvent} */ e) => {
    const g = state.charts.hist;
    if (!g) return view.tooltip.hide();
    const r = view.hist.getBoundingClientRect();
    const i = barAt(g.bars, e.clientX - r.left);
    if (i < 0) return view.tooltip.hide();
    const bar = g.bars[i];
    view.tooltip.show(e, [["values", `${bar.lo.toPrecision(3)} … ${bar.hi.toPrecision(3)}`], ["rows", String(bar.count)]]);
  };
  const onLeave = () => view.tooltip.hide();

  view.list.addEventListener("click", onListClick);
  for (const th of view.heads) th.addEventListener("click", onHeadClick);
  view.sort.addEventListener("change", onSort);
  view.topRows.addEventListener("click", onTopClick);
  view.makeDial.addEventListener("click", onMake);
  view.particle.addEventListener("change", onParticle);
  view.compare.addEventListener("change", onCompare);
  view.trace.addEventListener("mousemove", onTraceMove);
  view.live.addEventListener("mousemove", onLiveMove);
  view.hist.addEventListener("mousemove", onHistMove);
  for (const c of [view.trace, view.live, view.hist]) c.addEventListener("mouseleave", onLeave);
  const releaseKeys = ownKeys(view.root, onKey);
  const stopTheme = onThemeChange(schedule);
  let lastWidths = "";
  const ro = new ResizeObserver(() => {
    const w = `${view.detail.clientWidth} ${view.traces.clientWidth}`;
    if (w !== lastWidths) {
      lastWidths = w;
      schedule();
    }
  });
  ro.observe(view.detail);
  ro.observe(view.traces);

  draw();

  return () => {
    state.disposed = true;
    ro.disconnect();
    stopTheme();
    stopListening();
    releaseKeys();
    seqInput.dispose();
    view.run.dispose();
    view.list.removeEventListener("click", onListClick);
    for (const th of view.heads) th.removeEventListener("click", onHeadClick);
    view.sort.removeEventListener("change", onSort);
    view.topRows.removeEventListener("click", onTopClick);
    view.makeDial.removeEventListener("click", onMake);
    view.particle.removeEventListener("change", onParticle);
    view.compare.removeEventListener("change", onCompare);
    view.trace.removeEventListener("mousemove", onTraceMove);
    view.live.removeEventListener("mousemove", onLiveMove);
    view.hist.removeEventListener("mousemove", onHistMove);
    for (const c of [view.trace, view.live, view.hist]) {
      c.removeEventListener("mouseleave", onLeave);
      c.width = c.height = 0;
    }
    view.root.remove();
  };
}

/** Nothing to set up per model; every view reads the model itself. */
function initialize() {}

export default { initialize, render };
