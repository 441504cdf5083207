// Drawing AttentionView: one query × key panel per head shown, each head's cells drawn
// one pixel each into an offscreen image and scaled up without smoothing (masked cells,
// later keys with weight 0, are left clear); the head titles
// and position labels in the theme's colours; the selection on top; the header's selects
// and the legend.

import { SEQUENTIAL, writeColor } from "../shared/colormap.js";
import { fillSelect, generationText } from "../shared/controls.js";
import { fitCanvas, showError } from "../shared/dom.js";
import { fillTicks, gradientCss } from "../shared/legend.js";
import { themeOf } from "../shared/theme.js";
import { fitLabel, LABEL_FONT_PX, LABEL_MAX_PX, labelIndices, layout, panelOrigin } from "./layout.js";
import { headsShown, parseSelection, tokensError } from "./state.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./state.js").State} State */
/** @typedef {import("./view.js").View} View */

/** What the rows and columns of a panel are, written above it when there is room. */
export const AXES = "query ↓  key →";

/** The weights are probabilities: the colour scale is always [0, 1]. */
export const VMIN = 0;
export const VMAX = 1;

/**
 * The header: title, site select (when there is a choice), head select, badges.
 * @param {State} state
 * @param {View} view
 * @param {Model} model
 */
function paintHeader(state, view, model) {
  view.title.textContent = model.get("title") || "";
  const sites = /** @type {string[]} */ (model.get("sites") || []);
  const siteKey = JSON.stringify(sites);
  if (view.siteSelect.dataset.key !== siteKey) {
    fillSelect(view.siteSelect, sites.map((s) => ({ value: s, label: s })));
    view.siteSelect.dataset.key = siteKey;
  }
  view.siteSelect.value = model.get("site") || "";
  view.siteLabel.hidden = sites.length < 2;
  const n = state.pattern ? state.pattern.heads : Number(model.get("n_heads")) || 0;
  const headKey = String(n);
  if (view.headSelect.dataset.key !== headKey) {
    const options = [{ value: "-1", label: `all ${n} heads` }];
    for (let i = 0; i < n; i++) options.push({ value: String(i), label: `head ${i}` });
    fillSelect(view.headSelect, options);
    view.headSelect.dataset.key = headKey;
  }
  const head = Number(model.get("head") ?? -1);
  view.headSelect.value = head >= -1 && head < n ? String(head) : "-1";
  view.status.hidden = model.get("status") !== "running";
  view.genBadge.textContent = generationText(model);
  view.legendBar.style.background = gradientCss(SEQUENTIAL);
  fillTicks(view.legendTicks, ["0", "0.5", "1"]);
}

/**
 * Draw everything from the state.
 * @param {State} state
 * @param {View} view
 * @param {Model} model
 * @returns {boolean} whether the panels were drawn
 */
export function paint(state, view, model) {
  const t0 = performance.now();
  const { root, plot, canvas } = view;
  paintHeader(state, view, model);
  const p = state.pattern;
  const tokens = /** @type {string[]} */ (model.get("tokens") || []);
  const shown = p ? headsShown(p, model.get("head")) : { heads: [], error: "" };
  showError(root, view.errors, [model.get("error") || "", state.localError, shown.error, p ? tokensError(p, tokens) : ""]);
  view.empty.hidden = !!p;
  const ds = root.dataset;
  ds.site = model.get("site") || "";
  if (!p) {
    canvas.width = 0;
    canvas.height = 0;
    plot.style.height = "";
    state.layout = null;
    ds.heads = "0";
    ds.positions = "0";
    ds.selection = "";
    return false;
  }
  const width = Math.floor(plot.clientWidth);
  state.lastWidth = width;
  if (width <= 0) return false;
  const labels = Array.from({ length: p.positions }, (_, i) => (tokens.length === p.positions ? tokens[i] : String(i)));
  const family = getComputedStyle(root).fontFamily || "sans-serif";
  const font = `${LABEL_FONT_PX}px ${family}`;
  view.measure.font = font;
  const measure = (/** @type {string} */ s) => view.measure.measureText(s).width;
  const cut = labels.map((s) => fitLabel(s, LABEL_MAX_PX, measure));
  const labelPx = Math.max(8, ...cut.map(measure));
  const L = layout({ width, heads: shown.heads, positions: p.positions, labelPx });
  state.layout = L;
  plot.style.height = `${L.height}px`;
  const { ctx } = fitCanvas(canvas, L.width, L.height);
  ctx.clearRect(0, 0, L.width, L.height);
  const theme = themeOf(root);
  const T = p.positions;
  const off = view.offscreen;
  off.width = T;
  off.height = T;
  const octx = /** @type {CanvasRenderingContext2D} */ (off.getContext("2d"));
  const img = octx.createImageData(T, T);
  const step = labelIndices(T, L.cell);
  ctx.font = font;
  L.heads.forEach((head, k) => {
    const base = head * T * T;
    for (let i = 0; i < T * T; i++) {
      const w = p.data[base + i];
      // a later key with weight 0 is masked, not "attended 0": left clear, the page shows
      if (w === 0 && i % T > Math.floor(i / T)) img.data.fill(0, 4 * i, 4 * i + 4);
      else writeColor(img.data, 4 * i, w, VMIN, VMAX, SEQUENTIAL);
    }
    octx.putImageData(img, 0, 0);
    const o = panelOrigin(L, k);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, o.x, o.y, L.panel, L.panel);
    ctx.strokeStyle = theme.muted;
    ctx.lineWidth = 1;
    ctx.strokeRect(o.x - 0.5, o.y - 0.5, L.panel + 1, L.panel + 1);
    // the head's title, the query labels on the left, the key labels below (vertical)
    ctx.fillStyle = theme.fg;
    ctx.textAlign = "left";
    ctx.textBaseline = "bottom";
    ctx.fillText(`head ${head}`, o.x, o.y - 3);
    if (ctx.measureText(`head ${head}${AXES}`).width + 8 < L.panel) {
      ctx.fillStyle = theme.muted;
      ctx.textAlign = "right";
      ctx.fillText(AXES, o.x + L.panel, o.y - 3);
    }
    ctx.fillStyle = theme.muted;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const q of step) ctx.fillText(cut[q], o.x - 4, o.y + (q + 0.5) * L.cell);
    for (const key of step) {
      ctx.save();
      ctx.translate(o.x + (key + 0.5) * L.cell, o.y + L.panel + 4);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(cut[key], 0, 0);
      ctx.restore();
    }
  });
  const sel = parseSelection(model.get("selection"), p);
  if (sel) paintSelection(ctx, L, sel);
  canvas.setAttribute(
    "aria-label",
    `attention weights at ${model.get("site") || "?"}: ${L.heads.length === 1 ? `head ${L.heads[0]}` : `${L.heads.length} heads`}, ${T} queries × ${T} keys`,
  );
  state.renderCount++;
  ds.renderCount = String(state.renderCount);
  ds.generation = String(model.get("generation") ?? 0);
  ds.heads = String(L.heads.length);
  ds.positions = String(T);
  ds.selection = sel ? [sel.head, sel.query, sel.key].filter((x) => x !== null).join(",") : "";
  ds.layout = JSON.stringify({ cols: L.cols, cell: L.cell, panel: L.panel, gutter: L.gutter, below: L.below });
  ds.drawMs = (performance.now() - t0).toFixed(2);
  return true;
}

/**
 * The selected query row in every panel (a thin frame), and the clicked cell (a heavier
 * one) in its head's panel: black under white, readable on every colour and theme.
 * @param {CanvasRenderingContext2D} ctx
 * @param {import("./layout.js").Layout} L
 * @param {{query: number, head: number | null, key: number | null}} sel
 */
function paintSelection(ctx, L, sel) {
  const frame = (/** @type {number} */ x, /** @type {number} */ y, /** @type {number} */ w, /** @type {number} */ hh, /** @type {number} */ lw) => {
    ctx.lineWidth = lw + 1.5;
    ctx.strokeStyle = "#000";
    ctx.strokeRect(x, y, w, hh);
    ctx.lineWidth = lw;
    ctx.strokeStyle = "#fff";
    ctx.strokeRect(x, y, w, hh);
  };
  const rowH = Math.max(L.cell, 4);
  L.heads.forEach((head, k) => {
    const o = panelOrigin(L, k);
    const y = o.y + sel.query * L.cell + L.cell / 2 - rowH / 2;
    frame(o.x + 0.5, y + 0.5, L.panel - 1, rowH - 1, 1);
    if (sel.head === head && sel.key !== null) {
      const w = Math.max(L.cell, 8);
      frame(o.x + sel.key * L.cell + L.cell / 2 - w / 2 + 1, o.y + sel.query * L.cell + L.cell / 2 - w / 2 + 1, w - 2, w - 2, 2);
    }
  });
}
