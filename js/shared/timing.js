// Time: a throttle and a debounce over an injectable clock (tests pass a fake one), and a
// scheduler that draws once after all trait changes of one message.

/**
 * What the throttle and the debounce need of a clock (the real one, or a fake one in
 * tests). The debounce never calls `now`.
 * @typedef {{now: () => number, setTimeout: (f: () => void, ms: number) => any, clearTimeout: (t: any) => void}} Clock
 */

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
