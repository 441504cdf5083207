// SteeringDials' editor: one control per dial (a circular dial for a 2-D variable, a
// slider for a 1-D one), each with its value and an "off" button. The faint marker shows
// the variable's unedited value. A move shows at once and goes to Python through the
// state's value sender (throttled); the end of a gesture always sends its final value.

import { button } from "../shared/controls.js";
import { h, svgEl } from "../shared/dom.js";
import {
  formatNumber,
  handleAt,
  isPolar,
  keyedPolar,
  normalizeDial,
  polarAt,
  readoutText,
  startValue,
  unitWords,
  valueText,
  vectorToPolar,
} from "./values.js";

/** @typedef {import("../shared/model.js").Model} Model */
/** @typedef {import("./values.js").Dial} Dial */
/** @typedef {import("./values.js").Polar} Polar */
/** @typedef {import("./values.js").Value} Value */
/** @typedef {ReturnType<typeof import("./state.js").valueSender>} Sender */

/** The dial's SVG is DIAL_W × DIAL_H px (room for the angle labels); its ring (max_radius)
 * has radius RING_PX around the centre. */
export const DIAL_W = 216;
export const DIAL_H = 184;
export const RING_PX = 70;

/** The event a drag follows: `pointerrawupdate` where the browser has it (Chromium, in a
 * secure context such as localhost or https) is dispatched as the pointer moves, while
 * `pointermove` waits for the next animation frame (8 ms on average measured here, of a
 * 33 ms budget); `pointermove` is the fallback, and is ignored in a drag that has had a
 * raw update. */
export const RAW_MOVE = "pointerrawupdate";

/**
 * The DOM of one control and how to update it.
 * @typedef {object} Control
 * @property {Dial} dial
 * @property {HTMLElement} el
 * @property {(v: Value | undefined) => void} update
 * @property {() => void} dispose
 */

/**
 * What a control needs to edit: the view's state (which dial is dragged), the sender, and
 * `edit` (show a dial's new value at once; send it, throttled) and `commit` (the end of a
 * gesture: the final value always reaches Python).
 * @typedef {{state: import("./state.js").State, sender: Sender, edit: (id: string, v: Value) => void, commit: () => void}} Editing
 */

/**
 * The controls of the `dials` trait, rebuilt when it changes.
 * @param {HTMLElement} dialsBox where the controls go
 * @param {import("./state.js").State} state
 * @param {Pick<Model, "get">} model
 * @param {Sender} sender
 * @returns {{update: () => void, dispose: () => void}}
 */
export function createEditor(dialsBox, state, model, sender) {
  /** @type {Control[]} */
  let controls = [];
  let dialsKey = "";
  /** @type {Editing} */
  const ctx = {
    state,
    sender,
    edit(id, v) {
      sender.edit(id, v);
      for (const c of controls) if (c.dial.id === id) c.update(v);
    },
    commit() {
      sender.commit();
      state.dragging = null;
    },
  };

  function build() {
    const raw = model.get("dials") || [];
    const key = JSON.stringify(raw);
    if (key === dialsKey) return;
    dialsKey = key;
    for (const c of controls) c.dispose();
    controls = raw.map((/** @type {any} */ d) => {
      const dial = normalizeDial(d);
      return dial.kind === "circular" ? circularControl(dial, ctx) : sliderControl(dial, ctx);
    });
    dialsBox.replaceChildren(...controls.map((c) => c.el));
    if (!controls.length) h("div", "iwm-readout", dialsBox).textContent = "no dials";
  }

  return {
    /** Rebuild the controls if `dials` changed, and show the current values. */
    update() {
      build();
      const values = sender.values;
      for (const c of controls) c.update(values[c.dial.id]);
    },
    dispose() {
      for (const c of controls) c.dispose();
    },
  };
}

/**
 * The head line of a control: label, value, an "off" button.
 * @param {Dial} dial
 * @param {HTMLElement} box
 * @param {Editing} ctx
 */
function head(dial, box, ctx) {
  const row = h("div", "iwm-dial-head", box);
  const name = h("span", "iwm-dial-label", row);
  name.textContent = dial.label;
  const value = h("span", "iwm-value", row);
  value.setAttribute("aria-live", "off");
  const off = button(row, "iwm-off-button", "off", `turn ${dial.label} off (no edit)`);
  const onOff = () => {
    ctx.edit(dial.id, null);
    ctx.commit();
  };
  off.addEventListener("click", onOff);
  return { value, off, dispose: () => off.removeEventListener("click", onOff) };
}

/**
 * A circular dial: drag the handle (angle and radius), or turn it with the arrow keys.
 * @param {Dial} dial
 * @param {Editing} ctx
 * @returns {Control}
 */
function circularControl(dial, ctx) {
  const { state, sender, edit, commit } = ctx;
  const box = h("div", "iwm-dial iwm-circular");
  box.dataset.id = dial.id;
  box.dataset.kind = "circular";
  const top = head(dial, box, ctx);
  const maxR = /** @type {number} */ (dial.max_radius);
  const svg = svgEl("svg", {
    class: "iwm-dial-svg", width: DIAL_W, height: DIAL_H,
    viewBox: `${-DIAL_W / 2} ${-DIAL_H / 2} ${DIAL_W} ${DIAL_H}`, tabindex: 0, role: "slider",
    "aria-label": `${dial.label}: angle and radius`,
    "aria-keyshortcuts": "ArrowLeft ArrowRight ArrowUp ArrowDown Delete",
  }, box); // prettier-ignore
  svgEl("title", {}, svg).textContent =
    `drag to set direction and size${dial.unit ? ` (the radius r in ${unitWords(dial.unit)})` : ""}; ←/→ turn, ↑/↓ resize, Delete turns off`;
  svgEl("circle", { class: "iwm-disc", r: RING_PX }, svg);
  svgEl("circle", { class: "iwm-grid", r: RING_PX / 2, "stroke-dasharray": "2 3" }, svg);
  svgEl("line", { class: "iwm-grid", x1: -RING_PX, y1: 0, x2: RING_PX, y2: 0 }, svg);
  svgEl("line", { class: "iwm-grid", x1: 0, y1: -RING_PX, x2: 0, y2: RING_PX }, svg);
  for (let a = 0; a < 360; a += 30) {
    const r = (a * Math.PI) / 180;
    const [c, sn] = [Math.cos(r), -Math.sin(r)];
    svgEl("line", { class: "iwm-ring", x1: c * RING_PX, y1: sn * RING_PX, x2: c * (RING_PX + 5), y2: sn * (RING_PX + 5) }, svg);
  }
  svgEl("circle", { class: "iwm-ring", r: RING_PX }, svg);
  for (const [a, x, y, anchor] of /** @type {[number, number, number, string][]} */ ([
    [0, RING_PX + 8, 4, "start"],
    [90, 0, -RING_PX - 9, "middle"],
    [180, -RING_PX - 8, 4, "end"],
    [270, 0, RING_PX + 17, "middle"],
  ])) {
    const t = svgEl("text", { class: "iwm-tick-label", x, y, "text-anchor": anchor }, svg);
    t.textContent = `${a}°`;
  }
  const readoutLine = svgEl("line", { class: "iwm-readout-line", x1: 0, y1: 0 }, svg);
  const readoutMark = svgEl("path", { class: "iwm-readout-mark" }, svg);
  const hint = svgEl("text", { class: "iwm-hint", x: 0, y: RING_PX / 2 + 14, "text-anchor": "middle" }, svg);
  hint.textContent = "drag to steer";
  const arm = svgEl("line", { class: "iwm-arm", x1: 0, y1: 0 }, svg);
  const handle = svgEl("circle", { class: "iwm-handle", r: 7 }, svg);
  svgEl("circle", { class: "iwm-centre", r: 2.5 }, svg);
  const readoutLine2 = h("div", "iwm-readout", box);
  readoutLine2.textContent = `${readoutText(dial)}${readoutText(dial) ? " · " : ""}max r ${formatNumber(maxR, dial.step)}${dial.unit ? ` ${dial.unit}` : ""}`;
  if (dial.unit) readoutLine2.title = `r is in ${unitWords(dial.unit)}`;

  const ro = Array.isArray(dial.readout) ? vectorToPolar(dial.readout) : null;
  if (ro) {
    const [x, y] = handleAt(ro, RING_PX, maxR);
    readoutLine.setAttribute("x2", String(x));
    readoutLine.setAttribute("y2", String(y));
    readoutMark.setAttribute("d", `M${x} ${y - 6}L${x + 6} ${y}L${x} ${y + 6}L${x - 6} ${y}Z`);
  } else {
    readoutLine.style.display = "none";
    readoutMark.style.display = "none";
  }

  /** @param {Value | undefined} v */
  function update(v) {
    const on = isPolar(v);
    box.classList.toggle("iwm-off", !on);
    top.value.textContent = valueText(dial, v);
    top.off.hidden = !on;
    arm.style.display = handle.style.display = on ? "" : "none";
    hint.style.display = on ? "none" : "";
    box.dataset.value = on ? JSON.stringify(v) : "null";
    if (on) {
      const [x, y] = handleAt(/** @type {Polar} */ (v), RING_PX, maxR);
      arm.setAttribute("x2", String(x));
      arm.setAttribute("y2", String(y));
      handle.setAttribute("cx", String(x));
      handle.setAttribute("cy", String(y));
    }
    svg.setAttribute("aria-valuetext", valueText(dial, v));
  }

  /** @type {DOMRect | null} the dial's box, read once per drag (and again after a scroll):
   * reading it at every move would force a layout after the previous move's changes */
  let dragRect = null;
  const onScroll = () => {
    dragRect = null;
  };
  /** @param {PointerEvent} e */
  function valueAt(e) {
    const rect = dragRect ?? svg.getBoundingClientRect();
    if (state.dragging === dial.id) dragRect = rect;
    const ring = (RING_PX * rect.width) / DIAL_W;
    const dx = e.clientX - (rect.left + rect.width / 2);
    const dy = e.clientY - (rect.top + rect.height / 2);
    return polarAt(dx, dy, ring, maxR, dial.step);
  }
  let raw = false; // this drag has had a pointerrawupdate: its pointermoves are late copies
  /** @param {PointerEvent} e */
  function onDown(e) {
    if (e.button !== 0) return;
    e.preventDefault();
    // Focus for the arrow keys; the focus ring is for keyboard users only.
    svg.classList.remove("iwm-keyboard");
    byPointer = true;
    svg.focus({ preventScroll: true });
    byPointer = false;
    svg.setPointerCapture(e.pointerId);
    state.dragging = dial.id;
    raw = false;
    dragRect = null;
    window.addEventListener("scroll", onScroll, { capture: true, passive: true });
    sender.begin();
    edit(dial.id, valueAt(e));
  }
  /** @param {PointerEvent} e */
  function onMove(e) {
    if (state.dragging !== dial.id) return;
    if (e.type === RAW_MOVE) raw = true;
    else if (raw) return;
    edit(dial.id, valueAt(e));
  }
  /** @param {PointerEvent} e */
  function onUp(e) {
    if (state.dragging !== dial.id) return;
    if (e.type === "pointerup") edit(dial.id, valueAt(e));
    if (svg.hasPointerCapture(e.pointerId)) svg.releasePointerCapture(e.pointerId);
    dragRect = null;
    window.removeEventListener("scroll", onScroll, { capture: true });
    commit();
  }
  let byPointer = false;
  function onFocus() {
    if (!byPointer) svg.classList.add("iwm-keyboard"); // tabbed to
  }
  /** @param {KeyboardEvent} e */
  function onKey(e) {
    svg.classList.add("iwm-keyboard");
    const v = keyedPolar(dial, sender.values[dial.id], e.key, e.shiftKey);
    if (v === undefined) return;
    e.preventDefault(); // no page scroll
    e.stopPropagation(); // the dial's key, not the notebook's (see ownKeys in js/shared/dom.js)
    edit(dial.id, v);
  }
  function onKeyUp() {
    if (state.dragging === null) commit();
  }
  svg.addEventListener("pointerdown", onDown);
  svg.addEventListener("pointermove", onMove);
  svg.addEventListener(RAW_MOVE, onMove);
  svg.addEventListener("pointerup", onUp);
  svg.addEventListener("pointercancel", onUp);
  svg.addEventListener("keydown", onKey);
  svg.addEventListener("keyup", onKeyUp);
  svg.addEventListener("blur", onKeyUp);
  svg.addEventListener("focus", onFocus);
  return {
    dial,
    el: box,
    update,
    dispose() {
      top.dispose();
      svg.removeEventListener("pointerdown", onDown);
      svg.removeEventListener("pointermove", onMove);
      svg.removeEventListener(RAW_MOVE, onMove);
      window.removeEventListener("scroll", onScroll, { capture: true });
      svg.removeEventListener("pointerup", onUp);
      svg.removeEventListener("pointercancel", onUp);
      svg.removeEventListener("keydown", onKey);
      svg.removeEventListener("keyup", onKeyUp);
      svg.removeEventListener("blur", onKeyUp);
      svg.removeEventListener("focus", onFocus);
    },
  };
}

/**
 * A slider, with a tick at the unedited value.
 * @param {Dial} dial
 * @param {Editing} ctx
 * @returns {Control}
 */
function sliderControl(dial, ctx) {
  const { state, sender, edit, commit } = ctx;
  const box = h("div", "iwm-dial iwm-slider-dial");
  box.dataset.id = dial.id;
  box.dataset.kind = "slider";
  const top = head(dial, box, ctx);
  const wrap = h("div", "iwm-slider", box);
  const range = /** @type {HTMLInputElement} */ (h("input", "iwm-range", wrap));
  range.type = "range";
  range.min = String(dial.min);
  range.max = String(dial.max);
  range.step = dial.step > 0 ? String(dial.step) : "any";
  range.setAttribute("aria-label", dial.label);
  const r = Number(dial.readout);
  if (dial.readout !== null && dial.readout !== undefined && Number.isFinite(r)) {
    const tick = h("span", "iwm-slider-tick", wrap);
    const frac = Math.min(1, Math.max(0, (r - dial.min) / (dial.max - dial.min)));
    // The thumb's centre runs from 8 px to width - 8 px in Chromium and Firefox.
    tick.style.left = `calc(8px + ${frac} * (100% - 16px))`;
    tick.title = readoutText(dial);
  }
  const ends = h("div", "iwm-range-ends", box);
  h("span", "", ends).textContent = formatNumber(dial.min, dial.step);
  h("span", "iwm-readout", ends).textContent = readoutText(dial);
  h("span", "", ends).textContent = formatNumber(dial.max, dial.step);

  /** @param {Value | undefined} v */
  function update(v) {
    const on = v !== null && v !== undefined && Number.isFinite(Number(v));
    box.classList.toggle("iwm-off", !on);
    top.value.textContent = valueText(dial, v);
    top.off.hidden = !on;
    box.dataset.value = on ? String(v) : "null";
    const shown = on ? Number(v) : /** @type {number} */ (startValue(dial));
    if (document.activeElement !== range || state.dragging !== dial.id) range.value = String(shown);
    range.setAttribute("aria-valuetext", valueText(dial, v));
  }
  function onInput() {
    state.dragging = dial.id;
    sender.begin();
    edit(dial.id, Number(range.value));
  }
  function onChange() {
    edit(dial.id, Number(range.value));
    commit();
  }
  range.addEventListener("input", onInput);
  range.addEventListener("change", onChange);
  return {
    dial,
    el: box,
    update,
    dispose() {
      top.dispose();
      range.removeEventListener("input", onInput);
      range.removeEventListener("change", onChange);
    },
  };
}
