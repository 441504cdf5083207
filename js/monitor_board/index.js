// MonitorBoard: white-box monitors' alarms over inputs and steps, against the simulator's
// ground truth, with their scores beside the output-only baselines' and a threshold slider
// per monitor (the view of iwm_widgets/widgets/monitor_board.py).
//
// Python computes everything shown (the strips as uint8 codes, state.js decodes them; the
// scores at each threshold) and paint.js draws it. A slider sends {type: "threshold",
// monitor, value} (throttled while dragging; Python re-scores with report.at, no model
// run), "reset thresholds" {type: "reset"}; a click on the inputs strip {type: "open",
// input}, on the steps strip {type: "open", input, step}; the checkbox sets
// `show_baselines`. The traits are listed in traits.js. The root element carries
// data-render-count, data-input, data-step, data-opened, data-thresholds, data-rows,
// data-alarms (alarms of each row, comma-separated) and data-theme for tests.

import { ownKeys } from "../shared/dom.js";
import { onChanges, setTrait } from "../shared/model.js";
import { onThemeChange, themeOf } from "../shared/theme.js";
import { drawScheduler, throttle } from "../shared/timing.js";
import { paintError, paintHeader, paintLegend, paintStrip, paintTable } from "./paint.js";
import { boardColors, cellAt, countAlarms, hoverLines, parseThreshold, readStrips, sliderThreshold } from "./state.js";
import { DATA, REDRAW } from "./traits.js";
import { createView } from "./view.js";

/** Slider messages are sent at most this often while dragging (ms). */
const SLIDER_MS = 50;

/**
 * @param {{model: import("../shared/model.js").Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const view = createView(el);
  /** @type {{strips: import("./state.js").Strips | null, dirty: Set<string>, localError: string, renderCount: number, disposed: boolean, layouts: Record<string, any>, table: {key: string, rows: any[]}, active: number}} */
  const state = { strips: null, dirty: new Set(DATA), localError: "", renderCount: 0, disposed: false, layouts: {}, table: { key: "", rows: [] }, active: -1 };

  function draw() {
    if (state.dirty.size) {
      try {
        state.strips = readStrips(model.get("strips"));
        state.localError = "";
      } catch (e) {
        state.strips = null;
        state.localError = `cannot draw the strips: ${/** @type {Error} */ (e).message}`;
      }
      state.dirty.clear();
    }
    paintHeader(view, model);
    paintError(view, model, state.localError);
    const theme = themeOf(view.root);
    paintLegend(view, boardColors(theme));
    const info = model.get("info") || {};
    const input = Number(model.get("input")) || 0;
    const opened = Number(model.get("opened"));
    const pick = { input, step: Number(model.get("step")), opened, event: String(info.event || "event") };
    const rows = model.get("rows") || [];
    const st = state.strips;
    view.allTitle.replaceChildren();
    const b = document.createElement("b");
    b.textContent = "every input";
    view.allTitle.append(b, info.workspace ? " · click one to open it in the Workspace" : " · click one to see its steps");
    view.oneTitle.replaceChildren();
    const b2 = document.createElement("b");
    b2.textContent = `input ${input}`;
    const texts = model.get("texts") || [];
    const prompt = texts[input] ? ` ${JSON.stringify(String(texts[input]).slice(0, 60))}` : "";
    view.oneTitle.append(b2, `${prompt}, step by step`);
    view.openedTag.hidden = !(info.workspace && opened === input);
    view.openedTag.textContent = "open in the Workspace";
    if (st) {
      state.layouts.inputs = paintStrip(view.all, Math.floor(view.strips.clientWidth) || 900, st, rows, "inputs", pick, theme);
      state.layouts.steps = paintStrip(view.one, Math.floor(view.strips.clientWidth) || 900, st, rows, "steps", pick, theme);
    }
    view.baselines.checked = !!model.get("show_baselines");
    paintTable(view, model, state.table, state.active);
    state.renderCount++;
    const ds = view.root.dataset;
    ds.renderCount = String(state.renderCount);
    ds.input = String(input);
    ds.step = String(model.get("step") ?? -1);
    ds.opened = String(Number.isFinite(opened) ? opened : -1);
    ds.thresholds = (model.get("thresholds") || []).map(String).join(",");
    ds.rows = String(rows.length);
    ds.alarms = st ? Array.from({ length: st.rows }, (_, r) => countAlarms(st, r)).join(",") : "";
    ds.theme = theme.dark ? "dark" : "light";
  }
  const schedule = drawScheduler(draw, () => state.disposed);
  const stopListening = onChanges(model, REDRAW, (name) => {
    if (DATA.includes(name)) state.dirty.add(name);
    schedule();
  });

  // ---- thresholds
  const sendThreshold = throttle((/** @type {number} */ monitor, /** @type {number} */ value) => {
    model.send({ type: "threshold", monitor, value });
  }, SLIDER_MS);
  /** @param {Event} e */
  const onInput = (e) => {
    const t = /** @type {HTMLInputElement} */ (e.target);
    if (!t.classList.contains("iwm-slider")) return;
    const m = Number(t.dataset.monitor);
    state.active = m;
    const v = sliderThreshold(t.value);
    const row = state.table.rows.find((x) => x.slider === t);
    if (row && row.number) row.number.value = String(v);
    sendThreshold(m, v);
  };
  /** @param {Event} e */
  const onChange = (e) => {
    const t = /** @type {HTMLInputElement} */ (e.target);
    const m = Number(t.dataset.monitor);
    if (t.classList.contains("iwm-slider")) {
      sendThreshold(m, sliderThreshold(t.value));
      sendThreshold.flush();
      state.active = -1;
    } else if (t.classList.contains("iwm-threshold-value")) {
      const v = parseThreshold(t.value);
      // a bad value goes to Python too, which says what is wrong in the error box
      model.send({ type: "threshold", monitor: m, value: v === null ? t.value : v });
    }
  };
  /** @param {KeyboardEvent} e */
  const onKey = (e) => {
    const t = /** @type {HTMLInputElement} */ (e.target);
    if (e.key === "Enter" && t.classList.contains("iwm-threshold-value")) onChange(e);
  };
  const onReset = () => model.send({ type: "reset" });
  const onBaselines = () => setTrait(model, "show_baselines", view.baselines.checked);

  // ---- clicks and hover
  /**
   * @param {"inputs" | "steps"} which
   * @param {MouseEvent} e
   */
  const cellOf = (which, e) => {
    const L = state.layouts[which];
    const canvas = which === "inputs" ? view.all : view.one;
    if (!L || !state.strips) return null;
    const r = canvas.getBoundingClientRect();
    return cellAt(L, e.clientX - r.left, e.clientY - r.top);
  };
  const onAllClick = (/** @type {MouseEvent} */ e) => {
    const c = cellOf("inputs", e);
    if (c) model.send({ type: "open", input: c.col });
  };
  const onOneClick = (/** @type {MouseEvent} */ e) => {
    const c = cellOf("steps", e);
    if (c && state.strips) model.send({ type: "open", input: Number(model.get("input")) || 0, step: state.strips.steps[c.col] });
  };
  /**
   * @param {"inputs" | "steps"} which
   * @param {MouseEvent} e
   */
  const hover = (which, e) => {
    const c = cellOf(which, e);
    if (!c || !state.strips) return view.tooltip.hide();
    view.tooltip.show(e, hoverLines(state.strips, model.get("rows") || [], c, which, Number(model.get("input")) || 0, model.get("info") || {}));
  };
  const onAllMove = (/** @type {MouseEvent} */ e) => hover("inputs", e);
  const onOneMove = (/** @type {MouseEvent} */ e) => hover("steps", e);
  const onLeave = () => view.tooltip.hide();

  view.rows.addEventListener("input", onInput);
  view.rows.addEventListener("change", onChange);
  const releaseKeys = ownKeys(view.root, onKey); // our keys, not the notebook's shortcuts
  view.reset.addEventListener("click", onReset);
  view.baselines.addEventListener("change", onBaselines);
  view.all.addEventListener("click", onAllClick);
  view.one.addEventListener("click", onOneClick);
  view.all.addEventListener("mousemove", onAllMove);
  view.one.addEventListener("mousemove", onOneMove);
  view.all.addEventListener("mouseleave", onLeave);
  view.one.addEventListener("mouseleave", onLeave);
  const stopTheme = onThemeChange(schedule);
  let lastWidth = -1;
  const ro = new ResizeObserver(() => {
    const w = view.strips.clientWidth;
    if (w !== lastWidth) {
      lastWidth = w;
      schedule();
    }
  });
  ro.observe(view.strips);

  draw();

  return () => {
    state.disposed = true;
    sendThreshold.cancel();
    ro.disconnect();
    stopTheme();
    stopListening();
    view.rows.removeEventListener("input", onInput);
    view.rows.removeEventListener("change", onChange);
    releaseKeys();
    view.reset.removeEventListener("click", onReset);
    view.baselines.removeEventListener("change", onBaselines);
    view.all.removeEventListener("click", onAllClick);
    view.one.removeEventListener("click", onOneClick);
    view.all.removeEventListener("mousemove", onAllMove);
    view.one.removeEventListener("mousemove", onOneMove);
    view.all.removeEventListener("mouseleave", onLeave);
    view.one.removeEventListener("mouseleave", onLeave);
    for (const c of [view.all, view.one]) c.width = c.height = 0;
    view.root.remove();
  };
}

/** Nothing to set up per model; every view reads the model itself. */
function initialize() {}

export default { initialize, render };
