// Drawing ActivationMap: the cells into an offscreen image (one pixel per cell, or per bin
// of cells when there are more cells than device pixels), scaled onto the canvas without
// smoothing; the cell texts and the selection on top; the axis labels and the legend.

import { colorIndex, lut, luminance, writeColor } from "../shared/colormap.js";
import { fitCanvas } from "../shared/dom.js";
import { fillTicks, gradientCss } from "../shared/legend.js";
import {
  binMatrix,
  CELL_TEXT_MIN_H,
  CELL_TEXT_MIN_W,
  cellRect,
  columnLabels,
  fitLabel,
  formatTick,
  LABEL_FONT_PX,
  LABEL_LINE_PX,
  plotHeight,
  thinLabels,
  UPRIGHT_MAX_PX,
  widestLabel,
} from "./layout.js";
import { parseSelection, quantityLabel } from "./state.js";

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
    layoutColLabels(state, view, model, width);
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
 * Colour the cells into the offscreen canvas (w × h image pixels at most), if they or the
 * size changed.
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
  const outCols = Math.min(nCols, w);
  const outRows = Math.min(nRows, h);
  const key = `${outRows}x${outCols}`;
  if (!state.imageDirty && key === state.imageKey) return;
  const data = outCols === nCols && outRows === nRows ? matrix.data : binMatrix(matrix.data, nRows, nCols, outRows, outCols);
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
 * The column labels that fit without overlapping (measured lazily: thousands of columns
 * need not all be measured): flat, or upright and cut when that shows more of them
 * (layout.js: columnLabels). Every label's tooltip is its full text.
 * @param {State} state
 * @param {View} view
 * @param {Model} model
 * @param {number} width
 */
function layoutColLabels(state, view, model, width) {
  if (!state.matrix) return;
  const { nCols } = state.matrix;
  const { measure } = view;
  const cols = /** @type {string[]} */ (model.get("columns") || []);
  const label = (/** @type {number} */ i) => cols[i] ?? String(i);
  measure.font = labelFont(view);
  if (!state.colWidths) {
    state.colWidths = new Map();
    state.colMax = widestLabel(Array.from({ length: nCols }, (_, i) => label(i)), (s) => measure.measureText(s).width);
  }
  const widths = state.colWidths;
  const sizeOf = (/** @type {number} */ i) => {
    let w = widths.get(i);
    if (w === undefined) widths.set(i, (w = Math.ceil(measure.measureText(label(i)).width)));
    return w;
  };
  const { upright, shown } = columnLabels(nCols, width / nCols, sizeOf, width, state.colMax);
  let longest = 0;
  view.colLabels.replaceChildren(
    ...shown.map(({ index, start }) => {
      const s = document.createElement("span");
      const full = label(index);
      s.title = full;
      if (upright) {
        s.className = "iwm-upright";
        s.textContent = fitLabel(full, UPRIGHT_MAX_PX, (t) => measure.measureText(t).width);
        longest = Math.max(longest, Math.ceil(measure.measureText(s.textContent).width));
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
 * Cell texts inside cells that are big enough to hold them.
 * @param {State} state
 * @param {View} view
 * @param {Model} model
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} width
 * @param {number} height
 */
function paintCellText(state, view, model, ctx, width, height) {
  if (!state.matrix) return;
  const text = model.get("cell_text") || [];
  const { nRows, nCols, data } = state.matrix;
  if (text.length !== nRows * nCols) return;
  const cw = width / nCols;
  const ch = height / nRows;
  if (cw < CELL_TEXT_MIN_W || ch < CELL_TEXT_MIN_H) return;
  const vmin = Number(model.get("vmin"));
  const vmax = Number(model.get("vmax"));
  const colors = lut(model.get("scale"));
  const fontPx = Math.min(12, Math.floor(ch * 0.7));
  ctx.font = `${fontPx}px ${getComputedStyle(view.root).fontFamily || "sans-serif"}`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (let r = 0; r < nRows; r++) {
    for (let c = 0; c < nCols; c++) {
      let s = text[r * nCols + c];
      if (!s) continue;
      while (s.length > 1 && ctx.measureText(s).width > cw - 4) s = s.slice(0, -1);
      if (ctx.measureText(s).width > cw - 2) continue;
      const k = colorIndex(data[r * nCols + c], vmin, vmax);
      ctx.fillStyle = k < 0 || luminance(colors, k) > 0.35 ? "#000" : "#fff";
      const rect = cellRect(r, c, width, height, nRows, nCols);
      ctx.fillText(s, rect.x + rect.w / 2, rect.y + rect.h / 2);
    }
  }
}

/**
 * A black-and-white frame around the selected cell (at least 8 px, so tiny cells stay
 * findable).
 * @param {State} state
 * @param {Model} model
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} width
 * @param {number} height
 */
function paintSelection(state, model, ctx, width, height) {
  const { matrix } = state;
  if (!matrix) return;
  const sel = parseSelection(model.get("selection"), matrix.nRows, matrix.nCols);
  if (!sel) return;
  let { x, y, w, h: hh } = cellRect(sel.row, sel.col, width, height, matrix.nRows, matrix.nCols);
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
