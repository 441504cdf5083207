// SystemView: the particles of a springs world in their box, the true springs on request,
// and two futures of every particle: the model's rollout (solid) over the simulator's
// (dashed); a dial sets one particle's velocity, the model re-runs, and the
// counterfactuals are drawn bold over the faded futures (the view of
// iwm_widgets/widgets/system_view.py).
//
// Python sends trajectories as binary [steps, N, 2] payloads (state.js decodes them);
// paint.js draws them on one canvas, y up as in the simulator. Hover a point for the
// particle, its position and its velocity; drag the dial (or use the arrow keys on it) to
// send {vx, vy} to Python (throttled to DIAL_MS; at once on release); the particle
// select, the "reveal springs" box and "reset dial" write their traits. The traits are
// listed in traits.js. The root element carries data-render-count, data-generation,
// data-particles (each particle's last input position, canvas CSS px, JSON),
// data-springs, data-series (the futures drawn), data-theme, data-sent (dial values
// sent) and data-hover (the hovered target, JSON) for tests; the dial carries data-cx,
// data-cy, data-radius and data-max.

import { ownKeys } from "../shared/dom.js";
import { onChanges, setTrait } from "../shared/model.js";
import { onThemeChange } from "../shared/theme.js";
import { drawScheduler, throttle } from "../shared/timing.js";
import { paint } from "./paint.js";
import { dialOn, dialValue, nearest, readData, targets, tooltipLines } from "./state.js";
import { DATA, REDRAW } from "./traits.js";
import { createView } from "./view.js";

/** Dial moves reach Python at most this often while dragging (ms). */
export const DIAL_MS = 60;

/**
 * @param {{model: import("../shared/model.js").Model, el: HTMLElement}} ctx
 * @returns {() => void} cleanup
 */
function render({ model, el }) {
  const view = createView(el, model);
  /** @type {{data: import("./state.js").Data | null, localError: string, hover: import("./state.js").Target | null, renderCount: number, dataDirty: boolean, disposed: boolean, box: import("./state.js").Box | null, sent: number, lastMove: MouseEvent | null}} */
  const state = { data: null, localError: "", hover: null, renderCount: 0, dataDirty: true, disposed: false, box: null, sent: 0, lastMove: null };

  function draw() {
    if (state.dataDirty) {
      state.dataDirty = false;
      try {
        state.data = readData(model);
        state.localError = "";
      } catch (e) {
        state.localError = `cannot draw the particles: ${/** @type {Error} */ (e).message}`;
      }
    }
    state.box = paint(state, view, model);
    if (state.lastMove) hover(state.lastMove);
  }
  const schedule = drawScheduler(draw, () => state.disposed);
  const stopListening = onChanges(model, REDRAW, (name) => {
    if (DATA.includes(name) || name === "springs" || name === "colors" || name === "n_particles") state.dataDirty = true;
    schedule();
  });

  // ---- hover
  /** @param {MouseEvent} e */
  function hover(e) {
    state.lastMove = e;
    const r = view.canvas.getBoundingClientRect();
    const t = state.data && state.box ? nearest(targets(state.data, state.box), e.clientX - r.left, e.clientY - r.top) : null;
    const changed = (t && JSON.stringify(t)) !== (state.hover && JSON.stringify(state.hover));
    state.hover = t;
    if (t) {
      view.tooltip.show(e, tooltipLines(t, String(model.get("velocity_source") || "")));
      view.root.dataset.hover = JSON.stringify({ particle: t.particle, series: t.series, step: t.step, x: t.x, y: t.y, vx: t.vx, vy: t.vy });
    } else {
      view.tooltip.hide();
      view.root.dataset.hover = "";
    }
    if (changed) state.box = paint(state, view, model);
  }
  const onLeave = () => {
    state.lastMove = null;
    state.hover = null;
    view.tooltip.hide();
    view.root.dataset.hover = "";
    schedule();
  };
  view.canvas.addEventListener("mousemove", hover);
  view.canvas.addEventListener("mouseleave", onLeave);

  // ---- the dial
  const send = throttle((/** @type {{vx: number, vy: number}} */ v) => {
    const cur = dialOn(model.get("dial"));
    if (cur && cur.vx === v.vx && cur.vy === v.vy) return false;
    model.set("dial", v);
    model.save_changes();
    state.sent++;
    view.root.dataset.sent = String(state.sent);
    schedule();
  }, DIAL_MS);
  /** @param {PointerEvent} e */
  const dialAt = (e) => {
    const r = view.dial.getBoundingClientRect();
    const c = Number(view.dial.dataset.cx);
    const max = Number(model.get("dial_max")) || 0.05;
    return dialValue(e.clientX - r.left - c, e.clientY - r.top - c, Number(view.dial.dataset.radius), max);
  };
  let dragging = false;
  /** @param {PointerEvent} e */
  const onDown = (e) => {
    dragging = true;
    view.dial.setPointerCapture?.(e.pointerId);
    send(dialAt(e));
  };
  /** @param {PointerEvent} e */
  const onMove = (e) => {
    if (dragging) send(dialAt(e));
  };
  /** @param {PointerEvent} e */
  const onUp = (e) => {
    if (!dragging) return;
    dragging = false;
    send(dialAt(e));
    send.flush();
  };
  view.dial.addEventListener("pointerdown", onDown);
  view.dial.addEventListener("pointermove", onMove);
  view.dial.addEventListener("pointerup", onUp);
  view.dial.addEventListener("pointercancel", onUp);
  /** @param {KeyboardEvent} e */
  const onDialKey = (e) => {
    const step = (Number(model.get("dial_max")) || 0.05) / 20;
    const d = state.data;
    const p = Number(model.get("particle")) || 0;
    const now = dialOn(model.get("dial")) ?? { vx: d?.velocity ? d.velocity[2 * p] : 0, vy: d?.velocity ? d.velocity[2 * p + 1] : 0 };
    const moves = /** @type {Record<string, [number, number]>} */ ({ ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] });
    const m = moves[e.key];
    if (m) {
      e.preventDefault();
      send({ vx: Math.round((now.vx + m[0]) * 1e5) / 1e5, vy: Math.round((now.vy + m[1]) * 1e5) / 1e5 });
      send.flush();
    } else if (e.key === "Escape" || e.key === "Delete") {
      setTrait(model, "dial", {});
    }
  };
  view.dial.addEventListener("keydown", onDialKey);

  // ---- header controls
  const onParticle = () => {
    const p = Number(view.particleSelect.value);
    if (Number.isInteger(p)) setTrait(model, "particle", p);
  };
  const onReveal = () => setTrait(model, "show_springs", view.reveal.checked);
  const onReset = () => model.send({ type: "reset" });
  view.particleSelect.addEventListener("change", onParticle);
  view.reveal.addEventListener("change", onReveal);
  view.reset.addEventListener("click", onReset);
  const releaseKeys = ownKeys(view.root);
  const stopTheme = onThemeChange(schedule);
  const ro = new ResizeObserver(() => schedule());
  ro.observe(view.plot);

  view.root.dataset.sent = "0";
  draw();

  return () => {
    state.disposed = true;
    send.cancel();
    view.run.dispose();
    ro.disconnect();
    stopTheme();
    stopListening();
    releaseKeys();
    view.canvas.removeEventListener("mousemove", hover);
    view.canvas.removeEventListener("mouseleave", onLeave);
    view.dial.removeEventListener("pointerdown", onDown);
    view.dial.removeEventListener("pointermove", onMove);
    view.dial.removeEventListener("pointerup", onUp);
    view.dial.removeEventListener("pointercancel", onUp);
    view.dial.removeEventListener("keydown", onDialKey);
    view.particleSelect.removeEventListener("change", onParticle);
    view.reveal.removeEventListener("change", onReveal);
    view.reset.removeEventListener("click", onReset);
    view.canvas.width = view.canvas.height = 0;
    view.root.remove();
  };
}

/** Nothing to set up per model; every view reads the model itself. */
function initialize() {}

export default { initialize, render };
