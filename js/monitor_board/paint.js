// Painting MonitorBoard: the header, the two strips on canvases (monitors × inputs, and
// the picked input's steps), each with its labels, the truth row under them and an axis,
// the legend's swatches, and the table of scores with a threshold slider per monitor
// (built once per set of rows; later only its texts and values change, so that a slider
// being dragged stays the same element).

import { fitCanvas, showError } from "../shared/dom.js";
import { EDIT_COLOR } from "../shared/theme.js";
import { axisStride, boardColors, CODE, codeAt, EVENT, inputCounts, rowTop, sliderValue, STRIP, stripLayout, summaryCells, summaryText, thresholdText } from "./state.js";

/** @typedef {import("./view.js").View} View */
/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./state.js").Strips} Strips */
/** @typedef {import("./state.js").Layout} Layout */

/**
 * @param {View} view
 * @param {Pick<Model, "get">} model
 */
export function paintHeader(view, model) {
  view.title.textContent = model.get("title") || "";
  view.summary.textContent = summaryText(model.get("info") || {});
}

/**
 * @param {View} view
 * @param {Pick<Model, "get">} model
 * @param {string} local errors of this view (a payload it cannot draw)
 */
export function paintError(view, model, local) {
  return showError(view.root, view.errors, [model.get("error") || "", local]);
}

/**
 * The legend's swatches in the theme's colours.
 * @param {View} view
 * @param {ReturnType<typeof boardColors>} colors
 */
export function paintLegend(view, colors) {
  for (const sw of /** @type {NodeListOf<HTMLElement>} */ (view.legend.querySelectorAll(".iwm-swatch"))) {
    const key = /** @type {keyof typeof colors} */ (sw.dataset.key);
    if (key === "miss") {
      sw.style.background = "transparent";
      sw.style.boxShadow = `inset 0 0 0 2px ${colors.miss}`;
    } else if (key === "onset") {
      sw.style.background = colors.event;
      sw.style.boxShadow = `inset -4px 0 0 ${colors.onset}`;
    } else {
      sw.style.background = colors[key];
    }
  }
}

/**
 * Text cut to `max` px with an ellipsis.
 * @param {CanvasRenderingContext2D} ctx
 * @param {string} text
 * @param {number} max
 */
function fit(ctx, text, max) {
  if (ctx.measureText(text).width <= max) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= max) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

/**
 * One strip: monitors × inputs (`which` "inputs": each cell sums an input's steps, its
 * upper half the hits, its lower half the false alarms) or the picked input × its steps.
 * @param {HTMLCanvasElement} canvas
 * @param {number} avail CSS px of width available
 * @param {Strips} st
 * @param {any[]} rows the `rows` trait
 * @param {"inputs" | "steps"} which
 * @param {{input: number, step: number, opened: number, event: string}} pick
 * @param {import("../shared/theme.js").Theme} theme
 * @returns {Layout}
 */
export function paintStrip(canvas, avail, st, rows, which, pick, theme) {
  const cols = which === "inputs" ? st.n : st.S;
  const L = stripLayout(avail, st.rows, cols, which === "inputs" ? 14 : STRIP.maxCell);
  const { ctx } = fitCanvas(canvas, L.width, L.height);
  const c = boardColors(theme);
  ctx.clearRect(0, 0, L.width, L.height);
  ctx.font = "12px var(--jp-ui-font-family, system-ui, sans-serif)";
  ctx.textBaseline = "middle";
  const font = getComputedStyle(canvas).fontFamily || "system-ui, sans-serif";
  ctx.font = `12px ${font}`;
  const cw = L.cell;
  const gap = cw >= 6 ? 1 : 0;
  // labels
  for (let r = 0; r <= st.rows; r++) {
    const top = rowTop(L, r);
    const hgt = r === st.rows ? L.eventH : L.rowH;
    const base = r < st.rows && rows[r]?.kind === "baseline";
    ctx.fillStyle = base ? c.baselineLabel : theme.fg;
    ctx.font = `${base ? "italic " : r === st.rows ? "600 " : ""}12px ${font}`;
    const text = r === st.rows ? `truth: ${pick.event}` : `${base ? "  " : ""}${rows[r]?.name ?? `row ${r}`}`;
    ctx.fillText(fit(ctx, text, L.label - 10), 2, top + hgt / 2 + 0.5);
  }
  // cells
  for (let col = 0; col < cols; col++) {
    const x = L.label + col * cw;
    for (let r = 0; r < st.rows; r++) {
      const top = rowTop(L, r);
      ctx.fillStyle = c.empty;
      ctx.fillRect(x, top, cw - gap, L.rowH);
      if (which === "inputs") {
        const k = inputCounts(st, r, col);
        if (k.hits) {
          ctx.globalAlpha = 0.45 + 0.55 * Math.min(1, k.hits / Math.max(1, k.labelled));
          ctx.fillStyle = c.hit;
          ctx.fillRect(x, top, cw - gap, L.rowH / 2);
        } else if (k.misses) {
          ctx.globalAlpha = 1;
          ctx.strokeStyle = c.miss;
          ctx.lineWidth = 1.5;
          ctx.strokeRect(x + 0.75, top + 0.75, Math.max(0.5, cw - gap - 1.5), L.rowH / 2 - 1.5);
        }
        if (k.falses) {
          ctx.globalAlpha = 0.45 + 0.55 * Math.min(1, k.falses / Math.max(1, k.scored - k.labelled));
          ctx.fillStyle = c.falseAlarm;
          ctx.fillRect(x, top + L.rowH / 2, cw - gap, L.rowH / 2);
        }
        ctx.globalAlpha = 1;
      } else {
        const code = codeAt(st, r, pick.input, col);
        if (code === CODE.HIT || code === CODE.FALSE) {
          ctx.fillStyle = code === CODE.HIT ? c.hit : c.falseAlarm;
          ctx.fillRect(x, top, cw - gap, L.rowH);
        } else if (code === CODE.MISS) {
          ctx.strokeStyle = c.miss;
          ctx.lineWidth = 2;
          ctx.strokeRect(x + 1, top + 1, Math.max(0.5, cw - gap - 2), L.rowH - 2);
        } else if (code === CODE.PAD) {
          ctx.clearRect(x, top, cw, L.rowH);
          ctx.fillStyle = c.pad;
          ctx.fillRect(x, top, cw - gap, L.rowH);
        }
      }
    }
    // the truth row
    const et = L.eventTop;
    ctx.fillStyle = c.empty;
    ctx.fillRect(x, et, cw - gap, L.eventH);
    if (which === "inputs") {
      const k = inputCounts(st, 0, col);
      if (k.labelled) {
        ctx.globalAlpha = 0.35 + 0.65 * Math.min(1, k.labelled / Math.max(1, k.scored) / 0.5);
        ctx.fillStyle = c.event;
        ctx.fillRect(x, et, cw - gap, L.eventH);
        ctx.globalAlpha = 1;
      }
    } else {
      const e = st.events[pick.input * st.S + col];
      if (e & EVENT.LABEL) {
        ctx.fillStyle = c.event;
        ctx.fillRect(x, et, cw - gap, L.eventH);
      }
      if (e & EVENT.ONSET_NEXT) {
        ctx.fillStyle = c.onset;
        const w = Math.max(2, Math.min(5, cw / 3));
        ctx.fillRect(x + cw - gap - w, et, w, L.eventH);
      }
    }
  }
  // the picked column
  const pickedCol = which === "inputs" ? pick.input : st.steps ? Array.from(st.steps).indexOf(pick.step) : -1;
  if (pickedCol >= 0 && pickedCol < cols) {
    const x = L.label + pickedCol * cw;
    ctx.strokeStyle = which === "inputs" && pick.opened === pick.input ? EDIT_COLOR : c.pick;
    ctx.lineWidth = 2;
    ctx.strokeRect(x - 1, L.top - 1, cw - gap + 2, L.eventTop + L.eventH - L.top + 2);
  }
  // axis
  ctx.fillStyle = theme.muted;
  ctx.font = `11px ${font}`;
  ctx.textBaseline = "top";
  const stride = axisStride(cols, cw);
  const y = L.eventTop + L.eventH + 3;
  ctx.textAlign = "center";
  for (let col = 0; col < cols; col += stride) {
    const label = which === "inputs" ? String(col) : String(st.steps[col]);
    const x = L.label + col * cw + (cw - gap) / 2;
    ctx.fillText(label, Math.max(L.label + 6, x), y);
  }
  ctx.textAlign = "left";
  ctx.fillText(which === "inputs" ? "input" : st.labels.length ? "position" : "step", 2, y);
  return L;
}

/**
 * The table of scores: a row per monitor (its slider, rule and scores) and per baseline.
 * Built again only when the rows change; otherwise texts and values are updated in place
 * (the slider being dragged, `active`, keeps its value).
 * @param {View} view
 * @param {Pick<Model, "get">} model
 * @param {{key: string, rows: any[]}} cache
 * @param {number} active the monitor whose slider is being dragged, or -1
 */
export function paintTable(view, model, cache, active) {
  const summary = model.get("summary") || [];
  const monitors = model.get("monitors") || [];
  const key = summary.map((/** @type {any} */ r) => `${r.kind}:${r.monitor}:${r.name}`).join("|");
  if (key !== cache.key) {
    cache.key = key;
    cache.rows = summary.map((/** @type {any} */ r) => {
      const tr = document.createElement("tr");
      tr.className = r.kind === "monitor" ? "iwm-monitor-row" : "iwm-baseline-row";
      tr.dataset.monitor = String(r.monitor);
      tr.dataset.kind = r.kind;
      const td = (/** @type {string} */ cls) => {
        const d = document.createElement("td");
        if (cls) d.className = cls;
        tr.append(d);
        return d;
      };
      const cell = td("iwm-name");
      const name = document.createElement("div");
      const rule = document.createElement("div");
      rule.className = "iwm-rule";
      cell.append(name, rule);
      const thr = td("");
      /** @type {HTMLInputElement | null} */
      let slider = null;
      /** @type {HTMLInputElement | null} */
      let number = null;
      if (r.kind === "monitor") {
        const box = document.createElement("span");
        box.className = "iwm-threshold";
        slider = document.createElement("input");
        slider.type = "range";
        slider.className = "iwm-slider";
        slider.dataset.monitor = String(r.monitor);
        slider.setAttribute("aria-label", `alarm threshold of ${r.name}`);
        number = document.createElement("input");
        number.type = "number";
        number.className = "iwm-threshold-value";
        number.dataset.monitor = String(r.monitor);
        number.setAttribute("aria-label", `alarm threshold of ${r.name} (type a value)`);
        box.append(slider, number);
        thr.append(box);
      } else {
        thr.title = "an output-only monitor, its threshold set so that it alarms as often as the monitor above";
      }
      const rate = document.createElement("div");
      rate.className = "iwm-rate";
      thr.append(rate);
      const cells = ["precision", "recall", "falseAlarms", "lead", "auroc"].map((k) => [k, td("iwm-num")]);
      return { tr, name, rule, rate, slider, number, cells: Object.fromEntries(cells) };
    });
    view.rows.replaceChildren(...cache.rows.map((x) => x.tr));
  }
  summary.forEach((/** @type {any} */ r, /** @type {number} */ j) => {
    const x = cache.rows[j];
    x.name.textContent = r.name;
    x.rule.textContent = r.rule || "";
    const t = summaryCells(r);
    x.rate.textContent = r.kind === "monitor" ? `alarms at ${t.alarmRate} of steps` : `same alarm rate (${t.alarmRate})`;
    for (const [k, td] of Object.entries(x.cells)) td.textContent = /** @type {any} */ (t)[k];
    const m = monitors[r.monitor];
    if (x.slider && x.number && m) {
      x.slider.min = String(m.lo);
      x.slider.max = String(m.hi);
      x.slider.step = String(m.step || "any");
      if (active !== r.monitor) x.slider.value = String(sliderValue(m, Number(m.threshold)));
      if (active !== r.monitor && document.activeElement !== x.number) x.number.value = thresholdText(Number(m.threshold));
      x.slider.title = `alarm where the score exceeds ${thresholdText(Number(m.threshold))} (scored at ${thresholdText(Number(m.default))})`;
    }
  });
}
