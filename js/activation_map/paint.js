// Drawing ActivationMap: the visible cells into an offscreen image (one pixel per cell, or
// per bin of cells when there are more cells than device pixels: lod.js, with the
// aggregate the legend names), scaled onto the canvas without smoothing; the cell texts
// and the selection on top; the axis labels, the legend and the level-of-detail line.

import { colorIndex, lut, luminance, writeColor } from "../shared/colormap.js";
import { fitCanvas } from "../shared/dom.js";
import { formatValue } from "../shared/format.js";
import { fillTicks, gradientCss } from "../shared/legend.js";
import {
  CELL_TEXT_MIN_H,
  CELL_TEXT_MIN_W,
  cellRect,
  columnLabels,
  fitLabel,
  formatTick,
  LABEL_FONT_PX,
  LABEL_GAP_PX,
  LABEL_LINE_PX,
  plotHeight,
  thinLabels,
  UPRIGHT_MAX_PX,
  widestLabel,
} from "./layout.js";
import { aggregate, aggregateName, binOf } from "./lod.js";
import { count, parseSelection, quantityLabel, visibleWindow } from "./state.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./state.js").State} State */
/** @typedef {import("./view.js").View} View */

/**
 * Draw the legend, the plot and the labels from the state.
 * @param {State} state
 * @param {View} view
 * @param {Model} model
 * @returns {boolean} whether the canvas was drawn (there is a heatmap and room for it)
 */
export function paint(state, view, model) {
  const t0 = performance.now();
  const { matrix } = state;
  const { root, plot, canvas } = view;
  paintLegend(view, model);
  const nRows = matrix ? matrix.nRows : 0;
  const nCols = matrix ? matrix.nCols : 0;
  const height = plotHeight(nRows);
  plot.style.height = `${height}px`;
  view.rowLabels.style.height = `${height}px`;
  view.empty.hidden = !!matrix;
  if (matrix) updateGutter(state, view, model);
  const width = Math.floor(plot.clientWidth);
  state.lastSize = { w: width, h: height };
  let drawn = false;
  if (matrix && width > 0) {
    const dpr = window.devicePixelRatio || 1;
    rebuildImage(state, view, model, Math.max(1, Math.round(width * dpr)), Math.max(1, Math.round(height * dpr)));
    const { ctx, W, H } = fitCanvas(canvas, width, height);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, W, H);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(view.offscreen, 0, 0, W, H);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    paintCellText(state, view, model, ctx, width, height);
    paintSelection(state, model, ctx, width, height);
    layoutRowLabels(state, view, model, height);
    layoutColLabels(state, view, width);
    paintLod(state, view, model, width);
    canvas.setAttribute("aria-label", `${model.get("title") || "activation map"}: ${nRows} layers × ${nCols} positions`);
    state.renderCount++;
    const ds = root.dataset;
    ds.renderCount = String(state.renderCount);
    ds.generation = String(model.get("generation") ?? 0);
    ds.drawMs = (performance.now() - t0).toFixed(2);
    drawn = true;
  } else if (!matrix) {
    canvas.width = 0;
    view.rowLabels.replaceChildren();
    view.colLabels.replaceChildren();
    view.lodRow.hidden = true;
    state.rowLabelsKey = "";
  }
  const sel = matrix ? parseSelection(model.get("selection"), nRows, nCols) : null;
  root.dataset.rows = String(nRows);
  root.dataset.cols = String(nCols);
  root.dataset.selection = sel ? `${sel.row},${sel.col}` : "";
  return drawn;
}

/** @param {View} view */
function labelFont(view) {
  const family = getComputedStyle(view.root).fontFamily || "sans-serif";
  return `${LABEL_FONT_PX}px ${family}`;
}

/**
 * Colour the visible cells into the offscreen canvas (w × h image pixels at most: more
 * cells are aggregated into bins), if they, the window, the aggregate or the size changed.
 * @param {State} state
 * @param {View} view
 * @param {Model} model
 * @param {number} w
 * @param {number} h
 */
function rebuildImage(state, view, model, w, h) {
  const { matrix } = state;
  if (!matrix) return;
  const { nRows, nCols } = matrix;
  const { c0, c1 } = visibleWindow(state);
  const outCols = Math.min(c1 - c0, w);
  const outRows = Math.min(nRows, h);
  const mode = aggregateName(model.get("aggregate"));
  const key = `${outRows}x${outCols}|${c0}:${c1}|${mode}`;
  if (!state.imageDirty && key === state.imageKey) return;
  const full = outCols === nCols && outRows === nRows;
  const data = full ? matrix.data : aggregate(matrix.data, nRows, nCols, c0, c1, outRows, outCols, mode);
  state.lod = { outRows, outCols, c0, c1, mode, data };
  const vmin = Number(model.get("vmin"));
  const vmax = Number(model.get("vmax"));
  const colors = lut(model.get("scale"));
  const { offscreen } = view;
  offscreen.width = outCols;
  offscreen.height = outRows;
  const octx = /** @type {CanvasRenderingContext2D} */ (offscreen.getContext("2d"));
  const img = octx.createImageData(outCols, outRows);
  const px = img.data;
  for (let r = 0; r < outRows; r++) {
    const dst = (outRows - 1 - r) * outCols * 4; // row 0 at the bottom
    const src = r * outCols;
    for (let c = 0; c < outCols; c++) writeColor(px, dst + 4 * c, data[src + c], vmin, vmax, colors);
  }
  octx.putImageData(img, 0, 0);
  state.imageDirty = false;
  state.imageKey = key;
}

/**
 * The row labels that fit, bottom first, cut to the gutter.
 * @param {State} state
 * @param {View} view
 * @param {Model} model
 * @param {number} height
 */
function layoutRowLabels(state, view, model, height) {
  if (!state.matrix) return;
  const rows = model.get("rows") || [];
  const { nRows } = state.matrix;
  const key = `${JSON.stringify(rows)}|${height}|${state.gutter}`;
  if (key === state.rowLabelsKey) return;
  state.rowLabelsKey = key;
  const cell = height / nRows;
  const shown = thinLabels(nRows, cell, new Array(nRows).fill(LABEL_LINE_PX), height, 0);
  view.rowLabels.replaceChildren(
    ...shown.map(({ index, start }) => {
      const s = document.createElement("span");
      s.textContent = rows[index] ?? String(index);
      s.title = s.textContent;
      s.style.top = `${height - start - LABEL_LINE_PX}px`; // start counts from the bottom
      s.style.maxWidth = `${state.gutter - 8}px`;
      return s;
    }),
  );
}

/**
 * The column labels of the visible window that fit without overlapping (measured lazily:
 * thousands of columns need not all be measured): flat, or upright and cut when that shows
 * more of them (layout.js: columnLabels). Every label's tooltip is its full text. Labels
 * fetched on demand (texts.js) show their position while they are not known, and while
 * the window is aggregated (a pixel column is many tokens: its number says more).
 * @param {State} state
 * @param {View} view
 * @param {number} width
 */
function layoutColLabels(state, view, width) {
  if (!state.matrix || !state.lod) return;
  const { c0, c1 } = visibleWindow(state);
  const n = c1 - c0;
  const { measure } = view;
  const texts = state.columns;
  const aggregated = state.lod.outCols < n;
  const byNumber = texts.kind === "lazy" && aggregated;
  if (texts.kind === "lazy" && !aggregated) texts.want(c0, c1); // the labels of every visible column
  const label = (/** @type {number} */ i) => {
    if (byNumber || texts.n === 0) return String(i);
    return texts.get(i) ?? String(i);
  };
  measure.font = labelFont(view);
  const width_ = (/** @type {string} */ s) => measure.measureText(s).width;
  const maxKey = `${texts.kind}|${texts.n}|${byNumber}|${c0}:${c1}`;
  if (!state.colWidths) state.colWidths = new Map();
  if (state.colMaxKey !== maxKey) {
    state.colMaxKey = maxKey;
    if (texts.kind === "list" && !byNumber) {
      state.colMax = widestLabel(Array.from({ length: state.matrix.nCols }, (_, i) => label(i)), width_);
    } else if (texts.kind === "pattern" && !byNumber) {
      state.colMax = Math.ceil(width_(`${texts.get(c1 - 1) ?? ""}`.replace(/\d/g, "8")) * 1.05);
    } else if (byNumber) {
      state.colMax = Math.ceil(width_(String(c1 - 1).replace(/\d/g, "8")) * 1.05);
    } else {
      let w = width_("88888");
      for (let i = c0; i < c1; i++) {
        const t = texts.get(i);
        if (t !== undefined) w = Math.max(w, width_(t));
      }
      state.colMax = Math.ceil(w);
    }
  }
  const widths = state.colWidths;
  const sizeOf = (/** @type {number} */ i) => {
    const k = c0 + i;
    let w = widths.get(k);
    if (w === undefined) widths.set(k, (w = Math.ceil(width_(label(k)))));
    return w;
  };
  // numbered labels ("t2000", "2000") read best flat: only tokens turn upright
  const numbered = byNumber || texts.kind === "pattern";
  const { upright, shown } = numbered
    ? { upright: false, shown: thinLabels(n, width / n, sizeOf, width, LABEL_GAP_PX, state.colMax, c0) }
    : columnLabels(n, width / n, sizeOf, width, state.colMax, c0);
  let longest = 0;
  view.colLabels.replaceChildren(
    ...shown.map(({ index, start }) => {
      const s = document.createElement("span");
      const full = label(c0 + index);
      s.title = full;
      if (upright) {
        s.className = "iwm-upright";
        s.textContent = fitLabel(full, UPRIGHT_MAX_PX, width_);
        longest = Math.max(longest, Math.ceil(width_(s.textContent)));
      } else {
        s.textContent = full;
      }
      s.style.left = `${start}px`;
      return s;
    }),
  );
  view.colLabels.classList.toggle("iwm-upright", upright);
  view.colLabels.style.height = upright ? `${longest + 8}px` : "";
  view.root.dataset.colLabels = upright ? "upright" : "flat";
}

/**
 * The row labels' column: as wide as the widest label, in [28, 180] px.
 * @param {State} state
 * @param {View} view
 * @param {Model} model
 */
function updateGutter(state, view, model) {
  const rows = model.get("rows") || [];
  view.measure.font = labelFont(view);
  let w = 0;
  for (const r of rows) w = Math.max(w, view.measure.measureText(r).width);
  state.gutter = Math.max(28, Math.min(180, Math.ceil(w) + 12));
  view.body.style.gridTemplateColumns = `${state.gutter}px minmax(0, 1fr)`;
}

/**
 * The colour bar, its ticks and what it shows.
 * @param {View} view
 * @param {Model} model
 */
function paintLegend(view, model) {
  view.legendBar.style.background = gradientCss(lut(model.get("scale")));
  const vmin = Number(model.get("vmin"));
  const vmax = Number(model.get("vmax"));
  fillTicks(view.legendTicks, [formatTick(vmin), formatTick((vmin + vmax) / 2), formatTick(vmax)]);
  let label = quantityLabel(model.get("quantities"), model.get("quantity"));
  if (model.get("quantity") === "dim") label += ` (d = ${model.get("dim")})`;
  view.legendLabel.textContent = label;
}

/**
 * "a–b" positions per bin when n columns are drawn in `out` bins ("36", or "35–36").
 * @param {number} n
 * @param {number} out
 * @returns {string}
 */
export function perBin(n, out) {
  const lo = Math.floor(n / out);
  const hi = Math.ceil(n / out);
  return lo === hi ? count(lo) : `${count(lo)}–${count(hi)}`;
}

/**
 * The level-of-detail line under the legend, shown when the map is aggregated or zoomed
 * in: how many positions each pixel column aggregates and how (the aggregate's menu), the
 * window shown with its pan and zoom buttons, and the selected cell's exact position and
 * value. The root's data-lod ("max:36", "" at full detail) and data-window ("c0,c1")
 * say the same for tests.
 * @param {State} state
 * @param {View} view
 * @param {Model} model
 * @param {number} width
 */
function paintLod(state, view, model, width) {
  const { matrix, lod } = state;
  if (!matrix || !lod) return;
  const { c0, c1 } = visibleWindow(state);
  const n = c1 - c0;
  const aggregated = lod.outCols < n || lod.outRows < matrix.nRows;
  const zoomed = n < matrix.nCols;
  const ds = view.root.dataset;
  ds.lod = aggregated ? `${lod.mode}:${Math.ceil(n / lod.outCols)}` : "";
  ds.window = `${c0},${c1}`;
  if (aggregated) {
    const label = view.canvas.getAttribute("aria-label") || "";
    view.canvas.setAttribute("aria-label", `${label}; each pixel column: the ${lod.mode} of ${perBin(n, lod.outCols)} positions`);
  }
  view.lodRow.hidden = !aggregated && !zoomed;
  if (view.lodRow.hidden) return;
  const dpr = window.devicePixelRatio || 1;
  const px = Math.round(width * dpr);
  const where = zoomed ? `positions ${count(c0)}–${count(c1 - 1)} (${count(n)} of ${count(matrix.nCols)})` : `${count(n)} positions`;
  view.aggLabel.hidden = !aggregated;
  if (aggregated) {
    view.lodText.textContent = `Aggregated: ${where} on ${count(px)} pixel columns; each shows the`;
    view.lodHint.textContent = `of ${perBin(n, lod.outCols)} positions${lod.outRows < matrix.nRows ? ` (rows: of ${perBin(matrix.nRows, lod.outRows)})` : ""}. Drag across the map to zoom in.`;
  } else {
    view.lodText.textContent = `Full detail: ${where}, one column each.`;
    view.lodHint.textContent = "";
  }
  view.aggSelect.value = lod.mode;
  view.zoomButtons.hidden = !zoomed;
  view.zoomLeft.disabled = c0 <= 0;
  view.zoomRight.disabled = c1 >= matrix.nCols;
  const sel = parseSelection(model.get("selection"), matrix.nRows, matrix.nCols);
  view.selected.hidden = !sel;
  if (sel) {
    const rows = model.get("rows") || [];
    const label = state.columns.n ? state.columns.get(sel.col) : undefined;
    if (label === undefined) state.columns.want(sel.col, sel.col + 1); // lazy: asked for, drawn when it comes
    const named = label !== undefined && label !== String(sel.col) ? ` ${JSON.stringify(label)}` : "";
    const v = matrix.data[sel.row * matrix.nCols + sel.col];
    const away = sel.col < c0 || sel.col >= c1 ? " (not in view)" : "";
    view.selected.textContent = `selected: ${rows[sel.row] ?? sel.row} · position ${count(sel.col)}${named} · ${formatValue(v)}${away}`;
  }
}

/**
 * Cell texts inside cells that are big enough to hold them (texts fetched on demand are
 * asked for, for the visible cells, and drawn when they come).
 * @param {State} state
 * @param {View} view
 * @param {Model} model
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} width
 * @param {number} height
 */
function paintCellText(state, view, model, ctx, width, height) {
  if (!state.matrix) return;
  const text = state.cellText;
  const { nRows, nCols, data } = state.matrix;
  if (text.n === 0 || text.n !== nRows * nCols) return;
  const { c0, c1 } = visibleWindow(state);
  const n = c1 - c0;
  const cw = width / n;
  const ch = height / nRows;
  if (cw < CELL_TEXT_MIN_W || ch < CELL_TEXT_MIN_H) return;
  if (text.kind === "lazy") for (let r = 0; r < nRows; r++) text.want(r * nCols + c0, r * nCols + c1);
  const vmin = Number(model.get("vmin"));
  const vmax = Number(model.get("vmax"));
  const colors = lut(model.get("scale"));
  const fontPx = Math.min(12, Math.floor(ch * 0.7));
  ctx.font = `${fontPx}px ${getComputedStyle(view.root).fontFamily || "sans-serif"}`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (let r = 0; r < nRows; r++) {
    for (let c = c0; c < c1; c++) {
      let s = text.get(r * nCols + c);
      if (!s) continue;
      while (s.length > 1 && ctx.measureText(s).width > cw - 4) s = s.slice(0, -1);
      if (ctx.measureText(s).width > cw - 2) continue;
      const k = colorIndex(data[r * nCols + c], vmin, vmax);
      ctx.fillStyle = k < 0 || luminance(colors, k) > 0.35 ? "#000" : "#fff";
      const rect = cellRect(r, c - c0, width, height, nRows, n);
      ctx.fillText(s, rect.x + rect.w / 2, rect.y + rect.h / 2);
    }
  }
}

/**
 * A black-and-white frame around the selected cell, or around the pixel column (bin)
 * holding it when the map is aggregated (at least 8 px, so tiny cells stay findable).
 * @param {State} state
 * @param {Model} model
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} width
 * @param {number} height
 */
function paintSelection(state, model, ctx, width, height) {
  const { matrix, lod } = state;
  if (!matrix || !lod) return;
  const sel = parseSelection(model.get("selection"), matrix.nRows, matrix.nCols);
  if (!sel || sel.col < lod.c0 || sel.col >= lod.c1) return;
  const j = binOf(sel.col - lod.c0, lod.c1 - lod.c0, lod.outCols);
  const i = binOf(sel.row, matrix.nRows, lod.outRows);
  let { x, y, w, h: hh } = cellRect(i, j, width, height, lod.outRows, lod.outCols);
  if (w < 8) {
    x += w / 2 - 4;
    w = 8;
  }
  if (hh < 8) {
    y += hh / 2 - 4;
    hh = 8;
  }
  ctx.lineWidth = 3;
  ctx.strokeStyle = "#000";
  ctx.strokeRect(x + 1.5, y + 1.5, w - 3, hh - 3);
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = "#fff";
  ctx.strokeRect(x + 1.5, y + 1.5, w - 3, hh - 3);
}
