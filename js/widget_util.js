// Helpers shared by the widget views (js/activation_map.js, js/causal_graph.js,
// js/steering_dials.js): number formatting, setting a trait, a throttle and a debounce over
// an injectable clock, and small DOM helpers (elements, selects, the header's status and
// generation badges, the error box).
//
// Not a widget entry (there is no iwm_widgets/widgets/widget_util.py): esbuild bundles it
// into each view that imports it.

/**
 * The slice of anywidget's model that these helpers use.
 * @typedef {object} Model
 * @property {(name: string) => any} get
 * @property {(name: string, value: any) => void} set
 * @property {() => void} save_changes
 */

/**
 * What the throttle and the debounce need of a clock (the real one, or a fake one in
 * tests). The debounce never calls `now`.
 * @typedef {{now: () => number, setTimeout: (f: () => void, ms: number) => any, clearTimeout: (t: any) => void}} Clock
 */

// ---------------------------------------------------------------------------------------
// Pure helpers (no DOM).

/**
 * A value with 4 significant digits ("0.1235", "1235", "1.235e+5", "NaN", "-inf", "–" if
 * missing).
 * @param {any} v
 * @returns {string}
 */
export function formatValue(v) {
  if (v === null || v === undefined || v === "") return "–";
  const x = Number(v);
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toPrecision(4) : x.toExponential(3);
}

/**
 * Set a trait from a control, if it changed (JS -> Python).
 * @param {Model} model
 * @param {string} name
 * @param {any} value
 * @returns {boolean} whether it was sent
 */
export function setTrait(model, name, value) {
  if (model.get(name) === value) return false;
  model.set(name, value);
  model.save_changes();
  return true;
}

/** @returns {Clock} */
export function realClock() {
  return {
    now: () => performance.now(),
    setTimeout: (f, ms) => setTimeout(f, ms),
    clearTimeout: (t) => clearTimeout(t),
  };
}

/**
 * @template {any[]} A
 * @typedef {((...args: A) => void) & {flush: () => boolean, cancel: () => void, pending: () => boolean}} PendingCall
 */

/**
 * What the throttle and the debounce have in common: a call that may wait on a timer,
 * with the newest arguments; `flush()` runs a waiting call now, `cancel()` drops it,
 * `pending()` says whether one waits.
 * @template {any[]} A
 * @param {Clock | Omit<Clock, "now">} clock
 * @param {(args: A) => void} invoke runs the call (the timer is cleared and the arguments taken)
 * @param {(state: {timer: any}, run: () => void) => void} arm on each call, after its arguments are stored: run now, or (re)start the timer
 * @returns {PendingCall<A>}
 */
function pendingCall(clock, invoke, arm) {
  /** @type {{timer: any}} */
  const state = { timer: null };
  /** @type {A | null} */
  let args = null;
  const run = () => {
    if (state.timer !== null) clock.clearTimeout(state.timer);
    state.timer = null;
    const a = /** @type {A} */ (args);
    args = null;
    invoke(a);
  };
  const call = (/** @type {A} */ ...a) => {
    args = a;
    arm(state, run);
  };
  call.flush = () => {
    if (args === null) return false;
    run();
    return true;
  };
  call.cancel = () => {
    if (state.timer !== null) clock.clearTimeout(state.timer);
    state.timer = null;
    args = null;
  };
  call.pending = () => args !== null;
  return call;
}

/**
 * A leading + trailing throttle: the first call runs at once; calls within `wait` ms of
 * the last run are folded into one trailing run at the end of the interval, with the
 * newest arguments. `flush()` runs a pending call now; `cancel()` drops it. A run whose
 * `fn` returns false did nothing (nothing new to send) and does not start an interval.
 * `wait` may be a function, read at each call (e.g. a measured round trip).
 * @template {any[]} A
 * @param {(...args: A) => (void | boolean)} fn
 * @param {number | (() => number)} wait ms
 * @param {Clock} [clock]
 * @returns {PendingCall<A>}
 */
export function throttle(fn, wait, clock = realClock()) {
  let last = -Infinity;
  return pendingCall(
    clock,
    (a) => {
      const now = clock.now();
      if (fn(...a) !== false) last = now;
    },
    (state, run) => {
      const w = typeof wait === "function" ? wait() : wait;
      const left = w - (clock.now() - last);
      if (left <= 0) run();
      else if (state.timer === null) state.timer = clock.setTimeout(run, left);
    },
  );
}

/**
 * A trailing debounce: `fn` runs `wait` ms after the last call, with its arguments;
 * `flush()` runs a pending call now, `cancel()` drops it.
 * @template {any[]} A
 * @param {(...args: A) => void} fn
 * @param {number} wait ms
 * @param {Clock | Omit<Clock, "now">} [clock]
 * @returns {PendingCall<A>}
 */
export function debounce(fn, wait, clock) {
  const c = clock ?? realClock();
  return pendingCall(
    c,
    (a) => fn(...a),
    (state, run) => {
      if (state.timer !== null) c.clearTimeout(state.timer);
      state.timer = c.setTimeout(run, wait);
    },
  );
}

// ---------------------------------------------------------------------------------------
// DOM helpers.

/**
 * A new element, with a class and appended to a parent if given.
 * @param {string} tag
 * @param {string} [className]
 * @param {Element} [parent]
 * @returns {any}
 */
export function h(tag, className, parent) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (parent) parent.appendChild(e);
  return e;
}

/**
 * Replace the options of a select.
 * @param {HTMLSelectElement} select
 * @param {readonly {value: string, label: string}[]} options
 */
export function fillSelect(select, options) {
  select.replaceChildren(
    ...options.map((o) => {
      const opt = document.createElement("option");
      opt.value = o.value;
      opt.textContent = o.label;
      return opt;
    }),
  );
}

/**
 * The header's "running…" badge.
 * @param {Element} parent
 * @param {string} [className] e.g. "iwm-status iwm-idle" to start hidden by class
 * @returns {HTMLSpanElement}
 */
export function statusBadge(parent, className = "iwm-status") {
  const status = h("span", className, parent);
  status.textContent = "running…";
  return status;
}

/**
 * The header's generation badge; `generationText` is what it says.
 * @param {Element} parent
 * @returns {HTMLSpanElement}
 */
export function generationBadge(parent) {
  return h("span", "iwm-generation", parent);
}

/**
 * @param {Model} model
 * @returns {string} "generation N"
 */
export function generationText(model) {
  return `generation ${model.get("generation") ?? 0}`;
}

/**
 * The error box under the header (hidden until `showError` has something to say).
 * @param {Element} parent
 * @returns {HTMLDivElement}
 */
export function errorBox(parent) {
  const box = h("div", "iwm-error", parent);
  box.setAttribute("role", "alert");
  box.hidden = true;
  return box;
}

/**
 * Show the non-empty messages in the error box, one a line, and dim the widget
 * (class iwm-stale on its root) while there are any; hide the box when there are none.
 * @param {Element} root
 * @param {HTMLElement} box
 * @param {string[]} messages
 * @returns {string} what the box says
 */
export function showError(root, box, messages) {
  const msg = messages.filter(Boolean).join("\n");
  box.textContent = msg;
  box.hidden = !msg;
  root.classList.toggle("iwm-stale", !!msg);
  return msg;
}

// ---------------------------------------------------------------------------------------
// Runs in flight (remote models): spinner with elapsed time, NDIF's job status, cancel,
// retry. Traits read: status, run_started (ms since the epoch), remote (host or ""),
// remote_status, error. Messages sent: {type: "cancel"}, {type: "retry"}.

/**
 * "running 1.2 s · QUEUED: Moved to position 1 in Queue." for a run in flight, else "".
 * @param {{get: (name: string) => any}} model
 * @param {number} now ms since the epoch
 * @returns {string}
 */
export function runText(model, now) {
  if (model.get("status") !== "running") return "";
  const started = Number(model.get("run_started")) || 0;
  const secs = started > 0 ? Math.max(0, (now - started) / 1000) : 0;
  const where = model.get("remote") ? " on NDIF" : "";
  const queue = model.get("remote_status") || "";
  return `running${where} ${secs.toFixed(1)} s${queue ? ` · ${queue}` : ""}`;
}

/**
 * A run panel: spinner + elapsed time + NDIF's status, a cancel button while running and
 * a retry button after an error. Updates itself (a 100 ms timer while running).
 * @param {Element} parent
 * @param {Model & {on: Function, off: Function, send: Function}} model
 * @returns {{el: HTMLElement, update: () => void, dispose: () => void}}
 */
export function runPanel(parent, model) {
  const el = h("span", "iwm-run", parent);
  const spinner = h("span", "iwm-spinner", el);
  spinner.textContent = "◌";
  const text = h("span", "iwm-run-text", el);
  const cancel = h("button", "iwm-cancel", el);
  cancel.type = "button";
  cancel.textContent = "cancel";
  cancel.title = "abandon the run in flight";
  const retry = h("button", "iwm-retry", el);
  retry.type = "button";
  retry.textContent = "retry";
  retry.title = "run the newest state again";
  /** @type {any} */
  let timer = null;
  const update = () => {
    const running = model.get("status") === "running";
    const remote = !!model.get("remote");
    el.hidden = !running && !(remote && model.get("error"));
    spinner.hidden = !running;
    cancel.hidden = !running || !remote;
    retry.hidden = running || !model.get("error");
    text.textContent = runText(model, Date.now());
    el.dataset.remoteStatus = model.get("remote_status") || "";
    if (running && timer === null) timer = setInterval(update, 100);
    if (!running && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
  const onCancel = () => model.send({ type: "cancel" });
  const onRetry = () => model.send({ type: "retry" });
  cancel.addEventListener("click", onCancel);
  retry.addEventListener("click", onRetry);
  const names = ["status", "run_started", "remote_status", "error", "remote"];
  for (const n of names) model.on(`change:${n}`, update);
  update();
  return {
    el,
    update,
    dispose() {
      for (const n of names) model.off(`change:${n}`, update);
      cancel.removeEventListener("click", onCancel);
      retry.removeEventListener("click", onRetry);
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}

/** CSS of the run panel (include it in a view's style). */
export const RUN_CSS = `
.iwm-run { display: inline-flex; gap: 6px; align-items: center; color: var(--iwm-muted, #666); }
.iwm-run[hidden], .iwm-run [hidden] { display: none; }
.iwm-spinner { display: inline-block; animation: iwm-spin 1s linear infinite; }
@keyframes iwm-spin { to { transform: rotate(360deg); } }
.iwm-run button { font-size: 0.85em; padding: 0 6px; }
`;

/**
 * Draw once after all trait changes of one message: they arrive in the same task, so the
 * draw waits for a microtask. Call the returned function on every change.
 * @param {() => void} draw
 * @param {() => boolean} gone true once the view is disposed (then nothing draws)
 * @returns {() => void}
 */
export function drawScheduler(draw, gone) {
  let scheduled = false;
  return () => {
    if (scheduled || gone()) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      if (!gone()) draw();
    });
  };
}
