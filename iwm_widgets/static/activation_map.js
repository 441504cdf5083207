// Generated from js/activation_map.js by scripts/build_js.mjs (npm run build). Do not edit.

// js/transport.js
var ITEMSIZE = Object.freeze({ float32: 4, float16: 2, uint8: 1, int32: 4 });
function numel(shape) {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`invalid shape ${JSON.stringify(shape)}`);
    n *= d;
  }
  return n;
}
function bytesOf(buffer) {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  throw new TypeError(`buffer must be a DataView, ArrayBuffer or typed array, got ${Object.prototype.toString.call(buffer)}`);
}
function aligned(bytes, align) {
  if (bytes.byteOffset % align === 0) return [
    /** @type {ArrayBuffer} */
    bytes.buffer,
    bytes.byteOffset
  ];
  return [
    /** @type {ArrayBuffer} */
    bytes.slice().buffer,
    0
  ];
}
function halfToFloat(h2) {
  const sign = h2 & 32768 ? -1 : 1;
  const exp = h2 >> 10 & 31;
  const frac = h2 & 1023;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
var HALF_TABLE = null;
function decode(payload) {
  if (!payload || typeof payload !== "object") throw new TypeError("payload must be {buffer, dtype, shape}");
  const { buffer, dtype } = payload;
  const shape = Array.from(payload.shape ?? [], Number);
  const size = ITEMSIZE[dtype];
  if (!size) throw new Error(`unsupported dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(ITEMSIZE).join(", ")}`);
  const n = numel(shape);
  const bytes = bytesOf(buffer);
  if (bytes.byteLength !== n * size) {
    throw new Error(`buffer has ${bytes.byteLength} bytes, shape ${JSON.stringify(shape)} of ${dtype} needs ${n * size}`);
  }
  if (dtype === "uint8") return { data: bytes, shape };
  const [buf, off] = aligned(bytes, size);
  if (dtype === "float32") return { data: new Float32Array(buf, off, n), shape };
  if (dtype === "int32") return { data: new Int32Array(buf, off, n), shape };
  if (HALF_TABLE === null) {
    HALF_TABLE = new Float32Array(65536);
    for (let h2 = 0; h2 < 65536; h2++) HALF_TABLE[h2] = halfToFloat(h2);
  }
  const halves = new Uint16Array(buf, off, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = HALF_TABLE[halves[i]];
  return { data: out, shape };
}

// js/colormap.js
var NAN_RGBA = Object.freeze([128, 128, 128, 255]);
var N_COLORS = 256;
function table(f) {
  const lut2 = new Uint8ClampedArray(N_COLORS * 4);
  for (let i = 0; i < N_COLORS; i++) {
    const rgb = f(i / (N_COLORS - 1));
    lut2[4 * i] = Math.round(255 * rgb[0]);
    lut2[4 * i + 1] = Math.round(255 * rgb[1]);
    lut2[4 * i + 2] = Math.round(255 * rgb[2]);
    lut2[4 * i + 3] = 255;
  }
  return lut2;
}
var VIRIDIS = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832]
];
function viridis(t) {
  return [0, 1, 2].map((c) => {
    let v = 0;
    for (let k = VIRIDIS.length - 1; k >= 0; k--) v = v * t + VIRIDIS[k][c];
    return Math.min(1, Math.max(0, v));
  });
}
var RDBU_R = [
  "#053061",
  "#2166ac",
  "#4393c3",
  "#92c5de",
  "#d1e5f0",
  "#f7f7f7",
  "#fddbc7",
  "#f4a582",
  "#d6604d",
  "#b2182b",
  "#67001f"
].map((h2) => [1, 3, 5].map((i) => parseInt(h2.slice(i, i + 2), 16) / 255));
function blueWhiteRed(t) {
  const x = t * (RDBU_R.length - 1);
  const i = Math.min(RDBU_R.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((c) => RDBU_R[i][c] * (1 - f) + RDBU_R[i + 1][c] * f);
}
var SEQUENTIAL = table(viridis);
var DIVERGING = table(blueWhiteRed);
function lut(scale) {
  return scale === "diverging" ? DIVERGING : SEQUENTIAL;
}
function colorIndex(v, vmin, vmax) {
  if (Number.isNaN(v)) return -1;
  const span = vmax - vmin;
  if (!(span > 0) || !Number.isFinite(span)) return N_COLORS >> 1;
  const t = (v - vmin) / span;
  if (t <= 0) return 0;
  if (t >= 1) return N_COLORS - 1;
  return Math.round(t * (N_COLORS - 1));
}
function writeColor(rgba, o, v, vmin, vmax, colors) {
  const k = colorIndex(v, vmin, vmax);
  if (k < 0) {
    rgba[o] = NAN_RGBA[0];
    rgba[o + 1] = NAN_RGBA[1];
    rgba[o + 2] = NAN_RGBA[2];
    rgba[o + 3] = NAN_RGBA[3];
    return;
  }
  rgba[o] = colors[4 * k];
  rgba[o + 1] = colors[4 * k + 1];
  rgba[o + 2] = colors[4 * k + 2];
  rgba[o + 3] = colors[4 * k + 3];
}
function cssColor(colors, k) {
  return `rgb(${colors[4 * k]}, ${colors[4 * k + 1]}, ${colors[4 * k + 2]})`;
}
function luminance(colors, k) {
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(colors[4 * k]) + 0.7152 * lin(colors[4 * k + 1]) + 0.0722 * lin(colors[4 * k + 2]);
}

// js/widget_util.js
function formatValue(v) {
  if (v === null || v === void 0 || v === "") return "–";
  const x = Number(v);
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toPrecision(4) : x.toExponential(3);
}
function h(tag, className, parent) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (parent) parent.appendChild(e);
  return e;
}
function fillSelect(select, options) {
  select.replaceChildren(
    ...options.map((o) => {
      const opt = document.createElement("option");
      opt.value = o.value;
      opt.textContent = o.label;
      return opt;
    })
  );
}
function statusBadge(parent, className = "iwm-status") {
  const status = h("span", className, parent);
  status.textContent = "running…";
  return status;
}
function generationBadge(parent) {
  return h("span", "iwm-generation", parent);
}
function generationText(model) {
  return `generation ${model.get("generation") ?? 0}`;
}
function errorBox(parent) {
  const box = h("div", "iwm-error", parent);
  box.setAttribute("role", "alert");
  box.hidden = true;
  return box;
}
function showError(root, box, messages) {
  const msg = messages.filter(Boolean).join("\n");
  box.textContent = msg;
  box.hidden = !msg;
  root.classList.toggle("iwm-stale", !!msg);
  return msg;
}

// js/activation_map.js
var ROW_PX = 24;
var MIN_HEIGHT = 160;
var MAX_HEIGHT = 480;
var CELL_TEXT_MIN_W = 28;
var CELL_TEXT_MIN_H = 14;
var LABEL_FONT_PX = 11;
var LABEL_LINE_PX = 14;
var LABEL_GAP_PX = 6;
function plotHeight(nRows) {
  return Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, nRows * ROW_PX));
}
function cellAt(x, y, width, height, nRows, nCols) {
  if (!(width > 0 && height > 0 && nRows > 0 && nCols > 0)) return null;
  if (x < 0 || y < 0 || x >= width || y >= height) return null;
  const col = Math.min(nCols - 1, Math.floor(x * nCols / width));
  const fromTop = Math.min(nRows - 1, Math.floor(y * nRows / height));
  return { row: nRows - 1 - fromTop, col };
}
function cellRect(row, col, width, height, nRows, nCols) {
  const w = width / nCols;
  const h2 = height / nRows;
  return { x: col * w, y: (nRows - 1 - row) * h2, w, h: h2 };
}
function niceStep(minStep) {
  if (!(minStep > 1)) return 1;
  let p = 1;
  for (; ; ) {
    for (const m of [1, 2, 5]) if (m * p >= minStep) return m * p;
    p *= 10;
  }
}
function thinLabels(n, cell, size, extent, gap = LABEL_GAP_PX, maxSize) {
  if (!(n > 0 && cell > 0)) return [];
  const sizeOf = typeof size === "function" ? size : (i) => size[i] ?? 0;
  if (maxSize === void 0) {
    maxSize = 0;
    for (let i = 0; i < n; i++) maxSize = Math.max(maxSize, sizeOf(i));
  }
  const step = niceStep((maxSize + gap) / cell);
  const out = [];
  let end = -Infinity;
  for (let i = 0; i < n; i += step) {
    const w = sizeOf(i);
    const start = Math.max(0, Math.min(extent - w, (i + 0.5) * cell - w / 2));
    if (start < end + gap) continue;
    out.push({ index: i, start });
    end = start + w;
  }
  return out;
}
function widestLabel(labels, measure, sample = 64) {
  if (labels.length <= sample) return labels.reduce((m, s) => Math.max(m, measure(s)), 0);
  let maxLen = 0;
  for (const s of labels) maxLen = Math.max(maxLen, s.length);
  let w = 0;
  const taken = [0, 0];
  for (const s of labels) {
    const k = maxLen - s.length;
    if (k <= 1 && taken[k] < sample) {
      taken[k]++;
      w = Math.max(w, measure(s));
    }
  }
  return Math.ceil(w * 1.15);
}
function binMatrix(data, nRows, nCols, outRows, outCols) {
  const out = new Float32Array(outRows * outCols);
  for (let i = 0; i < outRows; i++) {
    const r0 = Math.floor(i * nRows / outRows);
    const r1 = Math.floor((i + 1) * nRows / outRows);
    for (let j = 0; j < outCols; j++) {
      const c0 = Math.floor(j * nCols / outCols);
      const c1 = Math.floor((j + 1) * nCols / outCols);
      let sum = 0;
      let count = 0;
      for (let r = r0; r < r1; r++) {
        const base = r * nCols;
        for (let c = c0; c < c1; c++) {
          const v = data[base + c];
          if (v === v) {
            sum += v;
            count++;
          }
        }
      }
      out[i * outCols + j] = count ? sum / count : NaN;
    }
  }
  return out;
}
function formatTick(v) {
  if (!Number.isFinite(v)) return formatValue(v);
  if (v === 0 || Math.abs(v) < 1e-12) return "0";
  const a = Math.abs(v);
  const s = a >= 1e-3 && a < 1e5 ? v.toPrecision(3) : v.toExponential(2);
  return s.replace(/(\.\d*?)0+(?=$|e)/, "$1").replace(/\.(?=$|e)/, "");
}
function readMatrix(model) {
  const values = model.get("values");
  if (!values || !values.buffer) return null;
  const { data, shape } = decode(values);
  if (shape.length === 1) return { data, nRows: 1, nCols: shape[0] };
  if (shape.length !== 2) throw new Error(`values must be 2-D [rows, cols], got shape ${JSON.stringify(shape)}`);
  return { data, nRows: shape[0], nCols: shape[1] };
}
function parseSelection(selection, nRows, nCols) {
  if (!selection || !Number.isInteger(selection.row) || !Number.isInteger(selection.col)) return null;
  const { row, col } = selection;
  return row >= 0 && row < nRows && col >= 0 && col < nCols ? { row, col } : null;
}
function toggleSelection(model, cell) {
  const cur = model.get("selection") || {};
  const same = cur.row === cell.row && cur.col === cell.col;
  const next = same ? {} : { row: cell.row, col: cell.col };
  model.set("selection", next);
  model.save_changes();
  return same ? null : next;
}
function chooseQuantity(model, value) {
  if (model.get("quantity") === value) return;
  model.set("quantity", value);
  model.save_changes();
}
function chooseDim(model, value) {
  const n = model.get("n_dims") || 0;
  let d = Math.trunc(Number(value));
  if (!Number.isFinite(d)) d = model.get("dim") || 0;
  d = Math.max(0, n > 0 ? Math.min(n - 1, d) : d);
  if (model.get("dim") !== d) {
    model.set("dim", d);
    model.save_changes();
  }
  return d;
}
function quantityLabel(quantities, quantity) {
  const q = (quantities || []).find((d) => d.value === quantity);
  return q && q.label || quantity || "";
}
function tooltipLines(model, matrix, cell) {
  const rows = model.get("rows") || [];
  const cols = model.get("columns") || [];
  const text = model.get("cell_text") || [];
  const i = cell.row * matrix.nCols + cell.col;
  const q = model.get("quantity");
  const lines = (
    /** @type {[string, string][]} */
    [
      ["layer", rows[cell.row] ?? String(cell.row)],
      ["position", cols[cell.col] ?? String(cell.col)],
      [q === "dim" ? `h[${model.get("dim")}]` : q || "value", formatValue(matrix.data[i])]
    ]
  );
  if (text.length === matrix.nRows * matrix.nCols) lines.push(["text", JSON.stringify(text[i])]);
  return lines;
}
var CSS = `
.iwm-activation-map {
  position: relative; box-sizing: border-box; width: 100%; padding: 4px 2px;
  font-family: var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); color: var(--jp-ui-font-color1, #222);
}
.iwm-activation-map [hidden] { display: none !important; }
.iwm-activation-map .iwm-header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; margin-bottom: 6px; }
.iwm-activation-map .iwm-title { font-weight: 600; }
.iwm-activation-map label { display: inline-flex; align-items: center; gap: 4px; color: var(--jp-ui-font-color2, #555); }
.iwm-activation-map select, .iwm-activation-map input {
  font: inherit; color: var(--jp-ui-font-color1, #222); background: var(--jp-layout-color1, #fff);
  border: 1px solid var(--jp-border-color1, #bbb); border-radius: 2px; padding: 1px 4px;
}
.iwm-activation-map input[type="number"] { width: 5.5em; }
.iwm-activation-map .iwm-status { color: var(--jp-ui-font-color2, #555); font-style: italic; }
.iwm-activation-map .iwm-generation { color: var(--jp-ui-font-color3, #777); font-size: 0.9em; margin-left: auto; }
.iwm-activation-map .iwm-error {
  margin: 0 0 6px 0; padding: 4px 8px; border-left: 4px solid var(--jp-error-color1, #d32f2f);
  background: rgba(211, 47, 47, 0.12); white-space: pre-wrap; overflow-wrap: anywhere;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px;
}
.iwm-activation-map .iwm-body { display: grid; grid-template-columns: 64px minmax(0, 1fr); transition: opacity 0.15s; }
.iwm-activation-map.iwm-stale .iwm-body, .iwm-activation-map.iwm-stale .iwm-legend { opacity: 0.4; }
.iwm-activation-map .iwm-plot { position: relative; min-width: 0; }
.iwm-activation-map .iwm-canvas { position: absolute; left: 0; top: 0; cursor: crosshair; display: block; }
.iwm-activation-map .iwm-row-labels, .iwm-activation-map .iwm-col-labels { position: relative; }
.iwm-activation-map .iwm-row-labels span, .iwm-activation-map .iwm-col-labels span {
  position: absolute; white-space: nowrap; font-size: ${LABEL_FONT_PX}px; line-height: ${LABEL_LINE_PX}px;
  color: var(--jp-ui-font-color1, #222);
}
.iwm-activation-map .iwm-row-labels span { right: 6px; overflow: hidden; text-overflow: ellipsis; text-align: right; }
.iwm-activation-map .iwm-col-labels { height: ${LABEL_LINE_PX + 4}px; }
.iwm-activation-map .iwm-col-labels span { top: 3px; }
.iwm-activation-map .iwm-empty {
  position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  color: var(--jp-ui-font-color2, #555); border: 1px dashed var(--jp-border-color1, #bbb);
}
.iwm-activation-map .iwm-legend { display: flex; align-items: flex-start; gap: 10px; margin-top: 6px; }
.iwm-activation-map .iwm-legend-label { line-height: 12px; }
.iwm-activation-map .iwm-legend-scale { width: 200px; }
.iwm-activation-map .iwm-legend-bar { height: 12px; border: 1px solid var(--jp-border-color2, #999); box-sizing: border-box; }
.iwm-activation-map .iwm-legend-ticks { position: relative; height: 14px; font-size: ${LABEL_FONT_PX}px; }
.iwm-activation-map .iwm-legend-ticks span { position: absolute; top: 1px; white-space: nowrap; }
.iwm-activation-map .iwm-tooltip {
  position: absolute; z-index: 10; pointer-events: none; padding: 4px 8px; border-radius: 3px;
  background: var(--jp-layout-color0, #fff); color: var(--jp-ui-font-color0, #000);
  border: 1px solid var(--jp-border-color1, #999); box-shadow: 0 2px 6px rgba(0, 0, 0, 0.25);
  font-size: 12px; line-height: 16px; white-space: nowrap;
}
.iwm-activation-map .iwm-tooltip b { font-weight: 600; margin-right: 2px; color: var(--jp-ui-font-color2, #555); }
`;
var EVENTS = [
  "values",
  "rows",
  "columns",
  "cell_text",
  "quantity",
  "quantities",
  "dim",
  "n_dims",
  "scale",
  "vmin",
  "vmax",
  "selection",
  "error",
  "status",
  "generation",
  "title"
];
function render({ model, el }) {
  const root = h("div", "iwm-activation-map", el);
  h("style", "", root).textContent = CSS;
  const header = h("div", "iwm-header", root);
  const title = h("span", "iwm-title", header);
  const qLabel = h("label", "", header);
  qLabel.append("show");
  const select = h("select", "iwm-quantity", qLabel);
  const dimLabel = h("label", "iwm-dim", header);
  dimLabel.append("dim");
  const dimInput = h("input", "", dimLabel);
  dimInput.type = "number";
  dimInput.min = "0";
  dimInput.step = "1";
  const status = statusBadge(header);
  const genBadge = generationBadge(header);
  const errorBox2 = errorBox(root);
  const body = h("div", "iwm-body", root);
  const rowLabels = h("div", "iwm-row-labels", body);
  const plot = h("div", "iwm-plot", body);
  const canvas = h("canvas", "iwm-canvas", plot);
  canvas.setAttribute("role", "img");
  const empty = h("div", "iwm-empty", plot);
  empty.textContent = "no data yet";
  h("div", "", body);
  const colLabels = h("div", "iwm-col-labels", body);
  const legend = h("div", "iwm-legend", root);
  const legendLabel = h("span", "iwm-legend-label", legend);
  const legendScale = h("div", "iwm-legend-scale", legend);
  const legendBar = h("div", "iwm-legend-bar", legendScale);
  const legendTicks = h("div", "iwm-legend-ticks", legendScale);
  const tooltip = h("div", "iwm-tooltip", root);
  tooltip.hidden = true;
  const offscreen = document.createElement("canvas");
  const measure = (
    /** @type {CanvasRenderingContext2D} */
    document.createElement("canvas").getContext("2d")
  );
  let matrix = null;
  let localError = "";
  let valuesDirty = true;
  let imageDirty = true;
  let imageKey = "";
  let scheduled = false;
  let disposed = false;
  let renderCount = 0;
  let colWidths = null;
  let colMax = 0;
  let rowLabelsKey = "";
  let gutter = 64;
  let lastSize = { w: 0, h: 0 };
  function labelFont() {
    const family = getComputedStyle(root).fontFamily || "sans-serif";
    return `${LABEL_FONT_PX}px ${family}`;
  }
  function schedule() {
    if (scheduled || disposed) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      if (!disposed) draw();
    });
  }
  function updateHeader() {
    title.textContent = model.get("title") || "";
    const quantities = model.get("quantities") || [];
    const quantity = model.get("quantity") || "";
    const key = JSON.stringify(quantities);
    if (select.dataset.key !== key) {
      fillSelect(select, quantities.map((q) => ({ value: q.value, label: q.label || q.value })));
      select.dataset.key = key;
    }
    select.value = quantity;
    qLabel.hidden = quantities.length === 0;
    dimLabel.hidden = quantity !== "dim";
    const n = model.get("n_dims") || 0;
    dimInput.max = n > 0 ? String(n - 1) : "";
    if (document.activeElement !== dimInput) dimInput.value = String(model.get("dim") ?? 0);
    status.hidden = model.get("status") !== "running";
    genBadge.textContent = generationText(model);
  }
  function updateError() {
    showError(root, errorBox2, [model.get("error") || "", localError]);
  }
  function rebuildImage(w, h2) {
    if (!matrix) return;
    const { nRows, nCols } = matrix;
    const outCols = Math.min(nCols, w);
    const outRows = Math.min(nRows, h2);
    const key = `${outRows}x${outCols}`;
    if (!imageDirty && key === imageKey) return;
    const data = outCols === nCols && outRows === nRows ? matrix.data : binMatrix(matrix.data, nRows, nCols, outRows, outCols);
    const vmin = Number(model.get("vmin"));
    const vmax = Number(model.get("vmax"));
    const colors = lut(model.get("scale"));
    offscreen.width = outCols;
    offscreen.height = outRows;
    const octx = (
      /** @type {CanvasRenderingContext2D} */
      offscreen.getContext("2d")
    );
    const img = octx.createImageData(outCols, outRows);
    const px = img.data;
    for (let r = 0; r < outRows; r++) {
      const dst = (outRows - 1 - r) * outCols * 4;
      const src = r * outCols;
      for (let c = 0; c < outCols; c++) writeColor(px, dst + 4 * c, data[src + c], vmin, vmax, colors);
    }
    octx.putImageData(img, 0, 0);
    imageDirty = false;
    imageKey = key;
  }
  function layoutRowLabels(height) {
    if (!matrix) return;
    const rows = model.get("rows") || [];
    const { nRows } = matrix;
    const key = `${JSON.stringify(rows)}|${height}|${gutter}`;
    if (key === rowLabelsKey) return;
    rowLabelsKey = key;
    const cell = height / nRows;
    const shown = thinLabels(nRows, cell, new Array(nRows).fill(LABEL_LINE_PX), height, 0);
    rowLabels.replaceChildren(
      ...shown.map(({ index, start }) => {
        const s = document.createElement("span");
        s.textContent = rows[index] ?? String(index);
        s.title = s.textContent;
        s.style.top = `${height - start - LABEL_LINE_PX}px`;
        s.style.maxWidth = `${gutter - 8}px`;
        return s;
      })
    );
  }
  function layoutColLabels(width) {
    if (!matrix) return;
    const { nCols } = matrix;
    const cols = (
      /** @type {string[]} */
      model.get("columns") || []
    );
    const label = (i) => cols[i] ?? String(i);
    measure.font = labelFont();
    if (!colWidths) {
      colWidths = /* @__PURE__ */ new Map();
      colMax = widestLabel(Array.from({ length: nCols }, (_, i) => label(i)), (s) => measure.measureText(s).width);
    }
    const widths = (
      /** @type {Map<number, number>} */
      colWidths
    );
    const sizeOf = (i) => {
      let w = widths.get(i);
      if (w === void 0) widths.set(i, w = Math.ceil(measure.measureText(label(i)).width));
      return w;
    };
    const shown = thinLabels(nCols, width / nCols, sizeOf, width, LABEL_GAP_PX, colMax);
    colLabels.replaceChildren(
      ...shown.map(({ index, start }) => {
        const s = document.createElement("span");
        s.textContent = label(index);
        s.style.left = `${start}px`;
        return s;
      })
    );
  }
  function updateGutter() {
    const rows = model.get("rows") || [];
    measure.font = labelFont();
    let w = 0;
    for (const r of rows) w = Math.max(w, measure.measureText(r).width);
    gutter = Math.max(28, Math.min(180, Math.ceil(w) + 12));
    body.style.gridTemplateColumns = `${gutter}px minmax(0, 1fr)`;
  }
  function updateLegend() {
    const colors = lut(model.get("scale"));
    const stops = [];
    for (let i = 0; i <= 16; i++) {
      const k = Math.round(i / 16 * (N_COLORS - 1));
      stops.push(`${cssColor(colors, k)} ${(100 * i / 16).toFixed(2)}%`);
    }
    legendBar.style.background = `linear-gradient(to right, ${stops.join(", ")})`;
    const vmin = Number(model.get("vmin"));
    const vmax = Number(model.get("vmax"));
    const ticks = [
      [formatTick(vmin), "0%", "translateX(0)"],
      [formatTick((vmin + vmax) / 2), "50%", "translateX(-50%)"],
      [formatTick(vmax), "100%", "translateX(-100%)"]
    ];
    legendTicks.replaceChildren(
      ...ticks.map(([text, left, transform]) => {
        const s = document.createElement("span");
        s.textContent = text;
        s.style.left = left;
        s.style.transform = transform;
        return s;
      })
    );
    let label = quantityLabel(model.get("quantities"), model.get("quantity"));
    if (model.get("quantity") === "dim") label += ` (d = ${model.get("dim")})`;
    legendLabel.textContent = label;
  }
  function drawCellText(ctx, width, height) {
    if (!matrix) return;
    const text = model.get("cell_text") || [];
    const { nRows, nCols, data } = matrix;
    if (text.length !== nRows * nCols) return;
    const cw = width / nCols;
    const ch = height / nRows;
    if (cw < CELL_TEXT_MIN_W || ch < CELL_TEXT_MIN_H) return;
    const vmin = Number(model.get("vmin"));
    const vmax = Number(model.get("vmax"));
    const colors = lut(model.get("scale"));
    const fontPx = Math.min(12, Math.floor(ch * 0.7));
    ctx.font = `${fontPx}px ${getComputedStyle(root).fontFamily || "sans-serif"}`;
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
  function drawSelection(ctx, width, height) {
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
  function draw() {
    const t0 = performance.now();
    if (valuesDirty) {
      valuesDirty = false;
      imageDirty = true;
      try {
        matrix = readMatrix(model);
        localError = "";
        colWidths = null;
        rowLabelsKey = "";
      } catch (e) {
        localError = `cannot draw values: ${/** @type {Error} */
        e.message}`;
      }
    }
    updateHeader();
    updateError();
    updateLegend();
    const nRows = matrix ? matrix.nRows : 0;
    const nCols = matrix ? matrix.nCols : 0;
    const height = plotHeight(nRows);
    plot.style.height = `${height}px`;
    rowLabels.style.height = `${height}px`;
    empty.hidden = !!matrix;
    if (matrix) updateGutter();
    const width = Math.floor(plot.clientWidth);
    lastSize = { w: width, h: height };
    if (matrix && width > 0) {
      const dpr = window.devicePixelRatio || 1;
      const W = Math.max(1, Math.round(width * dpr));
      const H = Math.max(1, Math.round(height * dpr));
      rebuildImage(W, H);
      if (canvas.width !== W) canvas.width = W;
      if (canvas.height !== H) canvas.height = H;
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
      const ctx = (
        /** @type {CanvasRenderingContext2D} */
        canvas.getContext("2d")
      );
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, W, H);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(offscreen, 0, 0, W, H);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      drawCellText(ctx, width, height);
      drawSelection(ctx, width, height);
      layoutRowLabels(height);
      layoutColLabels(width);
      canvas.setAttribute("aria-label", `${model.get("title") || "activation map"}: ${nRows} layers × ${nCols} positions`);
      if (lastMove && !tooltip.hidden) onMove(lastMove);
      renderCount++;
      const ds = root.dataset;
      ds.renderCount = String(renderCount);
      ds.generation = String(model.get("generation") ?? 0);
      ds.drawMs = (performance.now() - t0).toFixed(2);
    } else if (!matrix) {
      canvas.width = 0;
      rowLabels.replaceChildren();
      colLabels.replaceChildren();
      rowLabelsKey = "";
    }
    const sel = matrix ? parseSelection(model.get("selection"), nRows, nCols) : null;
    root.dataset.rows = String(nRows);
    root.dataset.cols = String(nCols);
    root.dataset.selection = sel ? `${sel.row},${sel.col}` : "";
  }
  const IMAGE_TRAITS = /* @__PURE__ */ new Set(["values", "vmin", "vmax", "scale"]);
  const handlers = EVENTS.map((name) => [
    `change:${name}`,
    () => {
      if (name === "values") valuesDirty = true;
      if (IMAGE_TRAITS.has(name)) imageDirty = true;
      if (name === "columns") colWidths = null;
      if (name === "error" || name === "status") {
        updateHeader();
        updateError();
      }
      schedule();
    }
  ]);
  for (const [event, cb] of handlers) model.on(event, cb);
  function eventCell(e) {
    if (!matrix) return null;
    const rect = canvas.getBoundingClientRect();
    return cellAt(e.clientX - rect.left, e.clientY - rect.top, rect.width, rect.height, matrix.nRows, matrix.nCols);
  }
  let lastMove = null;
  function onMove(e) {
    lastMove = e;
    const cell = matrix && eventCell(e);
    if (!matrix || !cell) {
      tooltip.hidden = true;
      return;
    }
    tooltip.replaceChildren(
      ...tooltipLines(model, matrix, cell).map(([key, text]) => {
        const line = document.createElement("div");
        const b = document.createElement("b");
        b.textContent = key;
        line.append(b, " ", text);
        return line;
      })
    );
    tooltip.hidden = false;
    const box = root.getBoundingClientRect();
    const tw = tooltip.offsetWidth;
    const th = tooltip.offsetHeight;
    let x = e.clientX - box.left + 14;
    let y = e.clientY - box.top + 14;
    if (x + tw > box.width) x = Math.max(0, e.clientX - box.left - tw - 14);
    if (y + th > box.height) y = Math.max(0, e.clientY - box.top - th - 14);
    tooltip.style.left = `${x}px`;
    tooltip.style.top = `${y}px`;
    tooltip.dataset.row = String(cell.row);
    tooltip.dataset.col = String(cell.col);
  }
  function onLeave() {
    lastMove = null;
    tooltip.hidden = true;
  }
  function onClick(e) {
    const cell = eventCell(e);
    if (cell) toggleSelection(model, cell);
  }
  function onSelect() {
    chooseQuantity(model, select.value);
  }
  let dimTimer;
  function commitDim() {
    clearTimeout(dimTimer);
    if (dimInput.value === "") return;
    dimInput.value = String(chooseDim(model, Number(dimInput.value)));
  }
  function onDimInput() {
    clearTimeout(dimTimer);
    dimTimer = setTimeout(commitDim, 400);
  }
  function onKeydown(e) {
    e.stopPropagation();
    if (e.target === dimInput && e.key === "Enter") commitDim();
  }
  canvas.addEventListener("mousemove", onMove);
  canvas.addEventListener("mouseleave", onLeave);
  canvas.addEventListener("click", onClick);
  select.addEventListener("change", onSelect);
  dimInput.addEventListener("change", commitDim);
  dimInput.addEventListener("input", onDimInput);
  header.addEventListener("keydown", onKeydown);
  const ro = new ResizeObserver(() => {
    const w = Math.floor(plot.clientWidth);
    if (w !== lastSize.w) schedule();
  });
  ro.observe(plot);
  draw();
  return () => {
    disposed = true;
    ro.disconnect();
    for (const [event, cb] of handlers) model.off(event, cb);
    canvas.removeEventListener("mousemove", onMove);
    canvas.removeEventListener("mouseleave", onLeave);
    canvas.removeEventListener("click", onClick);
    select.removeEventListener("change", onSelect);
    dimInput.removeEventListener("change", commitDim);
    dimInput.removeEventListener("input", onDimInput);
    header.removeEventListener("keydown", onKeydown);
    clearTimeout(dimTimer);
    offscreen.width = offscreen.height = 0;
    canvas.width = canvas.height = 0;
    root.remove();
  };
}
function initialize() {
}
var activation_map_default = { initialize, render };
export {
  CELL_TEXT_MIN_H,
  CELL_TEXT_MIN_W,
  MAX_HEIGHT,
  MIN_HEIGHT,
  ROW_PX,
  binMatrix,
  cellAt,
  cellRect,
  chooseDim,
  chooseQuantity,
  activation_map_default as default,
  formatTick,
  formatValue,
  niceStep,
  parseSelection,
  plotHeight,
  quantityLabel,
  readMatrix,
  thinLabels,
  toggleSelection,
  tooltipLines,
  widestLabel
};
