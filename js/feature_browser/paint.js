// Painting FeatureBrowser: the header, the feature list, the picked feature's panel (name
// and scores, the dial row, the top rows), and its three charts on canvases: the held-out
// histogram, the trace over one sequence beside a true variable (its own axis on the
// right), the live trace over the Workspace's inputs (edited over unedited).

import { fillSelect, generationText } from "../shared/controls.js";
import { fitCanvas, showError } from "../shared/dom.js";
import { formatValue } from "../shared/format.js";
import { EDIT_COLOR, themeOf } from "../shared/theme.js";
import { COLUMNS, HIST_H, TRACE_H } from "./view.js";
import {
  CHART_MARGIN,
  dialText,
  extent,
  featureRows,
  formatPercent,
  histogramBars,
  labelStride,
  linear,
  madeEntry,
  niceTicks,
  plotBox,
  tickText,
  tokenText,
  topTruthHead,
} from "./state.js";

/** @typedef {import("./view.js").View} View */
/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("../shared/theme.js").Theme} Theme */
/** @typedef {import("./state.js").Box} Box */

/**
 * The charts' colours, readable on the theme's background.
 * @param {Theme} theme
 * @returns {{feature: string, truth: string, edited: string, baseline: string, grid: string, marker: string}}
 */
export function chartColors(theme) {
  return theme.dark
    ? { feature: "#6cb4f0", truth: "#7ed67e", edited: EDIT_COLOR, baseline: "#9a9a9a", grid: "rgba(255, 255, 255, 0.13)", marker: "#f5b26b" }
    : { feature: "#1f77b4", truth: "#2a9d2a", edited: EDIT_COLOR, baseline: "#8c8c8c", grid: "rgba(0, 0, 0, 0.09)", marker: "#c25a00" };
}

/**
 * The header: title, what the FeatureSet is, badges.
 * @param {View} view
 * @param {Pick<Model, "get">} model
 */
export function paintHeader(view, model) {
  const info = model.get("info") || {};
  view.title.textContent = model.get("title") || "";
  const parts = [
    `${info.k ?? "?"} features`,
    `${info.rows ?? "?"} rows (${info.held_rows ?? "?"} held out)`,
    info.unexplained !== null && info.unexplained !== undefined ? `unexplained ${formatPercent(info.unexplained)}` : "",
    info.mcc !== null && info.mcc !== undefined ? `MCC ${formatValue(info.mcc)}` : "",
  ].filter(Boolean);
  view.summary.textContent = parts.join(" · ");
  view.summary.title = "MCC: mean |correlation| of the best one-to-one matching of features to true variables, on held-out sequences";
  const ws = !!(model.get("targets") || {}).workspace;
  view.status.classList.toggle("iwm-idle", model.get("status") !== "running");
  view.genBadge.hidden = !ws;
  view.genBadge.textContent = generationText(model);
}

/**
 * The feature list and the sort select.
 * @param {View} view
 * @param {Pick<Model, "get">} model
 * @returns {number[]} the order drawn
 */
export function paintList(view, model) {
  const by = String(model.get("sort_by") || "variance");
  const hasTruth = !!(model.get("info") || {}).has_truth;
  view.sort.value = by;
  for (const opt of view.sort.options) opt.disabled = opt.value === "match" && !hasTruth;
  for (const th of view.heads) {
    const col = COLUMNS.find((c) => c.key === th.dataset.key);
    th.hidden = !hasTruth && (th.dataset.key === "best" || th.dataset.key === "corr");
    th.classList.toggle("iwm-sorted", !!col && col.sort === by && (col.key !== "best" || by !== "match"));
    th.textContent = col ? col.text + (col.sort === by && col.key !== "best" ? (by === "sparsity" ? " ▴" : " ▾") : "") : th.textContent;
  }
  const picked = Number(model.get("feature")) || 0;
  const order = model.get("order") || [];
  const rows = featureRows(model.get("features") || [], order, picked);
  view.rows.replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement("tr");
      tr.dataset.index = String(r.index);
      tr.setAttribute("role", "option");
      tr.setAttribute("aria-selected", String(r.picked));
      if (r.picked) tr.classList.add("iwm-picked");
      tr.title = r.title;
      const cells = [r.name, r.variance, r.density, r.best, r.corr];
      COLUMNS.forEach((c, k) => {
        if (!hasTruth && (c.key === "best" || c.key === "corr")) return;
        const td = document.createElement("td");
        if (c.num) td.className = "iwm-num";
        if (c.key === "best") td.className = "iwm-best";
        if (c.key === "variance") {
          const bar = document.createElement("span");
          bar.className = "iwm-bar";
          bar.style.width = `${Math.round(r.varianceShare * 30)}px`;
          td.append(bar);
        }
        td.append(cells[k]);
        tr.append(td);
      });
      return tr;
    }),
  );
  return rows.map((r) => r.index);
}

/**
 * The picked feature's head line, the dial row and the top rows.
 * @param {View} view
 * @param {Pick<Model, "get">} model
 */
export function paintDetail(view, model) {
  const picked = Number(model.get("feature")) || 0;
  const f = (model.get("features") || []).find((/** @type {any} */ x) => Number(x.index) === picked) || {};
  const info = model.get("info") || {};
  view.featureName.textContent = f.name ? `${f.name}` : `feature ${picked}`;
  const stats = [`explains ${formatPercent(f.variance)} of the variance`, `density ${formatValue(f.density)}`];
  if (f.best) stats.push(`best match ${f.best} (|corr| ${formatValue(f.corr)}${f.auroc !== null && f.auroc !== undefined ? `, AUROC ${formatValue(f.auroc)}` : ""})`);
  view.featureStats.textContent = stats.join(" · ");

  // dial row
  const n = Number(model.get("n_particles")) || 0;
  const particle = n ? Number(model.get("particle")) || 0 : null;
  view.particleLabel.hidden = !n;
  if (view.particle.options.length !== n) fillSelect(view.particle, Array.from({ length: n }, (_, i) => ({ value: String(i), label: String(i) })));
  if (n) view.particle.value = String(particle);
  const name = `${f.name ?? `feature ${picked}`}${particle !== null ? `_p${particle}` : ""}`;
  const done = madeEntry(model.get("made") || [], picked, particle);
  const t = dialText(model.get("targets") || {}, name, done);
  view.makeDial.textContent = t.button;
  view.makeDial.disabled = t.disabled;
  view.note.textContent = t.note;
  const made = model.get("made") || [];
  view.made.textContent = made.length
    ? `made: ${made.map((/** @type {any} */ m) => m.name + (m.into && m.into.length ? ` → ${m.into.join(", ")}` : "")).join(" · ")}`
    : "";
  view.made.hidden = !made.length;

  // the top rows
  const top = model.get("top") || [];
  const lm = info.kind === "lm";
  const compare = String(model.get("compare") || "");
  const heads = ["#", "sequence", lm ? "token" : "step"];
  if (n) heads.push("particle");
  heads.push("value");
  const truthHead = topTruthHead(top, compare);
  if (compare && !lm) heads.push(truthHead);
  if (lm) heads.push("context");
  view.topHead.replaceChildren(
    ...heads.map((t, k) => {
      const th = document.createElement("th");
      th.textContent = t;
      if (t === "value" || t === truthHead || k === 0) th.className = "iwm-num";
      return th;
    }),
  );
  const seq = Number(model.get("sequence"));
  const step = Number(model.get("step"));
  view.topRows.replaceChildren(
    ...top.map((/** @type {any} */ r) => {
      const tr = document.createElement("tr");
      tr.dataset.rank = String(r.rank);
      const marked = r.sequence === seq && r.step === step && (!n || r.particle === particle);
      if (marked) tr.classList.add("iwm-marked");
      tr.title = `click: trace sequence ${r.sequence}${n ? `, particle ${r.particle}` : ""} (step ${r.step} marked)`;
      /** @param {string | Node} v @param {string} [cls] */
      const cell = (v, cls = "") => {
        const td = document.createElement("td");
        if (cls) td.className = cls;
        td.append(v);
        tr.append(td);
        return td;
      };
      cell(String(r.rank + 1), "iwm-num");
      const s = cell(String(r.sequence));
      if (!r.held_out) {
        const fit = document.createElement("span");
        fit.className = "iwm-fit";
        fit.textContent = " (fit)";
        fit.title = "a sequence the features were fitted on";
        s.append(fit);
      }
      cell(lm ? tokenText(r.token ?? "") : String(r.step), lm ? "iwm-context" : "");
      if (n) cell(String(r.particle ?? ""));
      cell(formatValue(r.value), "iwm-num");
      if (compare && !lm) cell(formatValue(r.truth), "iwm-num");
      if (lm) {
        const ctx = document.createElement("span");
        ctx.className = "iwm-context";
        const before = document.createElement("span");
        before.className = "iwm-around";
        before.textContent = r.before ?? "";
        const mark = document.createElement("mark");
        mark.textContent = r.token ?? "";
        const after = document.createElement("span");
        after.className = "iwm-around";
        after.textContent = r.after ?? "";
        ctx.append(before, mark, after);
        cell(ctx, "iwm-context-cell");
      }
      return tr;
    }),
  );
  view.topCaption.replaceChildren();
  const b = document.createElement("b");
  b.textContent = "top-activating rows";
  view.topCaption.append(b, " over all sequences; click one to trace it");

  // the trace's controls
  const nSeq = Number(info.n_sequences) || 0;
  view.sequence.max = String(Math.max(0, nSeq - 1));
  if (document.activeElement !== view.sequence) view.sequence.value = String(seq);
  const held = seq >= (Number(info.n_fit) || 0);
  view.heldTag.textContent = held ? "held-out sequence" : "fitted on this sequence";
  view.heldTag.classList.toggle("iwm-held", held);
  view.heldTag.title = held ? "the features were fitted without this sequence" : "one of the sequences the features were fitted on";
  const names = model.get("truth_names") || [];
  const opts = [{ value: "", label: "nothing" }, ...names.map((/** @type {string} */ s) => ({ value: s, label: s }))];
  if (view.compare.options.length !== opts.length || [...view.compare.options].some((o, i) => o.value !== opts[i].value)) fillSelect(view.compare, opts);
  view.compare.value = compare;
  view.compareLabel.hidden = !names.length;
}

/**
 * Paint the error box from the model's error and a local one.
 * @param {View} view
 * @param {Pick<Model, "get">} model
 * @param {string} local
 */
export function paintError(view, model, local) {
  showError(view.root, view.errors, [model.get("error") || "", local]);
}

/**
 * The held-out histogram; returns its bars (for hover).
 * @param {View} view
 * @param {import("./state.js").Histogram | null} hist
 * @param {Theme} theme
 * @param {number[]} marks values to mark (the top rows' values)
 * @returns {{bars: ReturnType<typeof histogramBars>, box: Box} | null}
 */
export function paintHistogram(view, hist, theme, marks) {
  const width = Math.floor(view.histChart.clientWidth);
  view.histCaption.replaceChildren();
  const b = document.createElement("b");
  b.textContent = "values";
  view.histCaption.append(b, hist ? ` on ${hist.heldOut ? "held-out" : "all"} rows (n = ${hist.n}, mean ${formatValue(hist.mean)}, sd ${formatValue(hist.std)}${hist.zero ? `, ${formatPercent(hist.zero)} zero` : ""})` : "");
  if (!hist || width <= 0) return null;
  const { ctx } = fitCanvas(view.hist, width, HIST_H);
  const c = chartColors(theme);
  ctx.clearRect(0, 0, width, HIST_H);
  const box = plotBox(width, HIST_H, false);
  box.left = 36;
  box.width = Math.max(10, width - 36 - 10);
  const bars = histogramBars(hist, box);
  ctx.fillStyle = c.feature;
  for (const bar of bars) if (bar.h > 0) ctx.fillRect(bar.x + 0.5, bar.y, Math.max(1, bar.w - 1), bar.h);
  // the top rows' values
  const x = linear(hist.edges[0], hist.edges[hist.edges.length - 1], box.left, box.left + box.width);
  ctx.strokeStyle = c.marker;
  ctx.lineWidth = 1.5;
  for (const v of marks) {
    if (!Number.isFinite(v)) continue;
    const px = Math.max(box.left, Math.min(box.left + box.width, x(v)));
    ctx.beginPath();
    ctx.moveTo(px, box.top + box.height);
    ctx.lineTo(px, box.top + box.height - 8);
    ctx.stroke();
  }
  axes(ctx, theme, box, [hist.edges[0], hist.edges[hist.edges.length - 1]], null, null, [], undefined, false);
  let top = 0;
  for (const v of hist.counts) top = Math.max(top, v);
  ctx.fillStyle = theme.muted;
  ctx.font = "11px sans-serif";
  ctx.textAlign = "right";
  ctx.textBaseline = "top";
  ctx.fillText(String(top), box.left - 4, box.top);
  ctx.textBaseline = "bottom";
  ctx.fillText("0", box.left - 4, box.top + box.height);
  view.hist.setAttribute("aria-label", `histogram of the feature's values: ${bars.length} bins`);
  return { bars, box };
}

/**
 * @typedef {object} ChartSeries
 * @property {string} label
 * @property {Float32Array | null} values
 * @property {string} color
 * @property {number} width
 * @property {number[]} dash
 * @property {"left" | "right"} axis
 * @property {boolean} [flip] the right axis runs downwards (an anti-correlated variable)
 */

/**
 * A line chart over steps: series on a left axis (the feature) and a right one (a true
 * variable, its own scale); `marker` marks one step. Non-finite values break the line
 * (a true variable known only at some steps is drawn as dots there).
 * @param {HTMLCanvasElement} canvas
 * @param {number} width
 * @param {Theme} theme
 * @param {{steps: Float32Array, series: ChartSeries[], labels: string[], marker: number}} o
 * @returns {{box: Box, x: (v: number) => number, steps: Float32Array}}
 */
export function paintChart(canvas, width, theme, o) {
  const rotate = o.labels.length > 0;
  const right = o.series.some((s) => s.axis === "right" && s.values);
  const box = plotBox(width, TRACE_H, right, rotate ? 44 : CHART_MARGIN.bottom);
  const { ctx } = fitCanvas(canvas, width, TRACE_H);
  ctx.clearRect(0, 0, width, TRACE_H);
  const n = o.steps.length;
  const x0 = n ? o.steps[0] : 0;
  const x1 = n > 1 ? o.steps[n - 1] : x0 + 1;
  const x = linear(x0, x1, box.left, box.left + box.width);
  const yl = extent(o.series.filter((s) => s.axis === "left").map((s) => s.values)) ?? [0, 1];
  const yr = extent(o.series.filter((s) => s.axis === "right").map((s) => s.values));
  const sl = linear(yl[0], yl[1], box.top + box.height, box.top);
  const flip = o.series.some((s) => s.axis === "right" && s.values && s.flip);
  const sr = yr ? (flip ? linear(yr[0], yr[1], box.top, box.top + box.height) : linear(yr[0], yr[1], box.top + box.height, box.top)) : null;
  axes(ctx, theme, box, [x0, x1], yl, right ? yr : null, o.labels, o.steps, true, flip);
  // the marked step
  if (o.marker >= 0 && n) {
    const i = Array.prototype.indexOf.call(o.steps, o.marker);
    if (i >= 0) {
      ctx.strokeStyle = chartColors(theme).marker;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(x(o.steps[i]), box.top);
      ctx.lineTo(x(o.steps[i]), box.top + box.height);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.left - 4, box.top - 4, box.width + 8, box.height + 8);
  ctx.clip();
  for (const s of o.series) {
    if (!s.values) continue;
    const y = s.axis === "right" && sr ? sr : sl;
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = s.width;
    ctx.setLineDash(s.dash);
    ctx.lineJoin = "round";
    ctx.beginPath();
    let on = false;
    let lonely = [];
    for (let i = 0; i < n; i++) {
      const v = s.values[i];
      if (!Number.isFinite(v)) {
        on = false;
        continue;
      }
      const prev = i > 0 && Number.isFinite(s.values[i - 1]);
      const next = i + 1 < n && Number.isFinite(s.values[i + 1]);
      if (!prev && !next) lonely.push(i);
      if (on) ctx.lineTo(x(o.steps[i]), y(v));
      else ctx.moveTo(x(o.steps[i]), y(v));
      on = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
    for (const i of lonely) {
      ctx.beginPath();
      ctx.arc(x(o.steps[i]), y(s.values[i]), 3.5, 0, 2 * Math.PI);
      ctx.fill();
    }
    lonely = [];
  }
  ctx.restore();
  return { box, x, steps: o.steps };
}

/**
 * Axes: grid lines and tick labels (left axis in the feature's colour's neutral text,
 * right axis for a true variable), x ticks as steps or (rotated) token labels.
 * @param {CanvasRenderingContext2D} ctx
 * @param {Theme} theme
 * @param {Box} box
 * @param {[number, number]} xr
 * @param {[number, number] | null} yl
 * @param {[number, number] | null} yr
 * @param {string[]} labels
 * @param {Float32Array} [steps]
 * @param {boolean} [whole] x ticks at whole numbers only (steps)
 * @param {boolean} [flip] the right axis runs downwards
 */
function axes(ctx, theme, box, xr, yl, yr, labels, steps, whole = true, flip = false) {
  const c = chartColors(theme);
  ctx.save();
  ctx.font = "11px sans-serif";
  ctx.lineWidth = 1;
  ctx.strokeStyle = c.grid;
  ctx.fillStyle = theme.muted;
  const bottom = box.top + box.height;
  if (yl) {
    const sy = linear(yl[0], yl[1], bottom, box.top);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of niceTicks(yl[0], yl[1], 4)) {
      const py = Math.round(sy(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(box.left, py);
      ctx.lineTo(box.left + box.width, py);
      ctx.stroke();
      ctx.fillText(tickText(t), box.left - 5, py);
    }
  }
  if (yr) {
    const sy = flip ? linear(yr[0], yr[1], box.top, bottom) : linear(yr[0], yr[1], bottom, box.top);
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    ctx.fillStyle = c.truth;
    for (const t of niceTicks(yr[0], yr[1], 4)) ctx.fillText(tickText(t), box.left + box.width + 5, sy(t));
    ctx.fillStyle = theme.muted;
  }
  ctx.strokeStyle = theme.muted;
  ctx.beginPath();
  ctx.moveTo(box.left, box.top);
  ctx.lineTo(box.left, bottom + 0.5);
  ctx.lineTo(box.left + box.width, bottom + 0.5);
  ctx.stroke();
  const sx = linear(xr[0], xr[1] === xr[0] ? xr[0] + 1 : xr[1], box.left, box.left + box.width);
  if (labels.length && steps) {
    const stride = labelStride(labels.length, box.width, 16);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (let i = 0; i < labels.length; i += stride) {
      ctx.save();
      ctx.translate(sx(steps[i]), bottom + 6);
      ctx.rotate(-Math.PI / 4);
      ctx.fillText(tokenText(labels[i], 8), 0, 0);
      ctx.restore();
    }
  } else {
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of niceTicks(xr[0], xr[1], Math.max(2, Math.floor(box.width / 70)))) {
      if (whole && !Number.isInteger(t)) continue;
      ctx.fillText(tickText(t), sx(t), bottom + 4);
    }
  }
  ctx.restore();
}

/**
 * A legend: a swatch per series present.
 * @param {HTMLElement} el
 * @param {ChartSeries[]} series
 */
export function paintLegend(el, series) {
  el.replaceChildren(
    ...series
      .filter((s) => s.values)
      .map((s) => {
        const item = document.createElement("span");
        const sw = document.createElement("i");
        sw.className = `iwm-swatch${s.dash.length ? " iwm-dashed" : ""}`;
        sw.style.borderTopColor = s.color;
        sw.style.borderTopWidth = `${Math.max(2, s.width)}px`;
        const defined = extent([s.values]) !== null;
        if (!defined) sw.style.opacity = "0.35";
        item.append(sw, s.label + (!defined ? ": not defined on these steps" : s.axis === "right" ? ", right axis" : ""));
        return item;
      }),
  );
}

export { themeOf };
