// node --test tests/js/ : the SteeringDials view's pure helpers, against a fake model and clock.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTrait } from "../../js/shared/model.js";
import { throttle } from "../../js/shared/timing.js";
import widget from "../../js/steering_dials/index.js";
import { THROTTLE_MS, valueSender } from "../../js/steering_dials/state.js";
import {
  clampStep,
  formatAngle,
  formatNumber,
  handleAt,
  isPolar,
  KEY_DEGREES,
  keyedPolar,
  normalizeDial,
  polarAt,
  polarToVector,
  readoutText,
  snap,
  startValue,
  valueText,
  vectorToPolar,
  withValue,
  wrapAngle,
} from "../../js/steering_dials/values.js";

/** The parts of anywidget's model the view uses, recording set(), save_changes() and send(). */
function fakeModel(state) {
  const listeners = new Map();
  const log = [];
  return {
    log,
    state,
    get: (k) => state[k],
    set(k, v) {
      state[k] = v;
      log.push(["set", k, v]);
      for (const cb of listeners.get(`change:${k}`) ?? []) cb();
    },
    on: (e, cb) => listeners.set(e, [...(listeners.get(e) ?? []), cb]),
    off: (e, cb) => listeners.set(e, (listeners.get(e) ?? []).filter((f) => f !== cb)),
    save_changes: () => log.push(["save"]),
    send: (content) => log.push(["send", content]),
    /** A change coming from Python. */
    fromPython(k, v) {
      state[k] = v;
      for (const cb of listeners.get(`change:${k}`) ?? []) cb();
    },
  };
}

/** A clock whose time only moves when told to; timers fire in order. */
function fakeClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map();
  return {
    now: () => now,
    setTimeout(f, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, f });
      return id;
    },
    clearTimeout: (id) => timers.delete(id),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].f();
      }
      now = end;
    },
    get pending() {
      return timers.size;
    },
  };
}

const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

const CIRCULAR = normalizeDial({
  id: "velocity", label: "velocity", kind: "circular", min: -0.08, max: 0.08, step: 0.001,
  readout: [0, -0.04], unit: "/step", max_radius: 0.08,
}); // prettier-ignore
const SLIDER = normalizeDial({ id: "vx", label: "velocity x", kind: "slider", min: -0.1, max: 0.1, step: 0.01, readout: 0.03 });

test("the module is an anywidget: default export {initialize, render}", () => {
  assert.equal(typeof widget.initialize, "function");
  assert.equal(typeof widget.render, "function");
});

test("angles wrap into [0, 360)", () => {
  assert.equal(wrapAngle(0), 0);
  assert.equal(wrapAngle(360), 0);
  assert.equal(wrapAngle(-90), 270);
  assert.equal(wrapAngle(725), 5);
  assert.ok(Object.is(wrapAngle(-0), 0));
});

test("pointer -> angle: 0° right, 90° up (screen y down), counter-clockwise", () => {
  const R = 70;
  const cases = [
    [[50, 0], 0],
    [[0, -50], 90],
    [[-50, 0], 180],
    [[0, 50], 270],
    [[30, -30], 45],
    [[-30, 30], 225],
    [[50, 1e-9], 0], // just below the axis rounds to 0, not 360
  ];
  for (const [[dx, dy], want] of cases) assert.equal(polarAt(dx, dy, R, 0.08).angle, want, `${dx},${dy}`);
});

test("pointer -> radius: the distance from the centre, capped at max_radius, snapped to step", () => {
  close(polarAt(35, 0, 70, 0.08).radius, 0.04);
  assert.equal(polarAt(0, 0, 70, 0.08).radius, 0);
  assert.equal(polarAt(500, -500, 70, 0.08).radius, 0.08); // outside the ring: capped
  assert.equal(polarAt(31, 0, 70, 0.08, 0.005).radius, 0.035); // 0.0354 -> 0.035
  assert.equal(polarAt(10, 10, 0, 0.08).radius, 0); // degenerate ring
  // Without a step: a thousandth of max_radius, so the same pixel gives the same value.
  assert.equal(polarAt(33.3, 0, 70, 0.08).radius, 0.03808);
  const a = polarAt(20.0000001, -30.0000002, 70, 0.05);
  const b = polarAt(20, -30, 70, 0.05);
  assert.deepEqual(a, b);
});

test("handleAt inverts polarAt (within rounding)", () => {
  for (const angle of [0, 30, 90, 135, 200, 300]) {
    const [dx, dy] = handleAt({ angle, radius: 0.05 }, 70, 0.08);
    const p = polarAt(dx, dy, 70, 0.08);
    assert.equal(p.angle, angle);
    close(p.radius, 0.05, 1e-12);
  }
  // Beyond max_radius the handle stays on the ring.
  const [dx, dy] = handleAt({ angle: 90, radius: 1 }, 70, 0.08);
  close(dx, 0, 1e-9);
  close(dy, -70);
});

test("vectors <-> polar values", () => {
  const p = vectorToPolar([0, -0.04]);
  close(p.angle, 270);
  close(p.radius, 0.04);
  const [x, y] = polarToVector({ angle: 120, radius: 2 });
  close(x, -1, 1e-12);
  close(y, Math.sqrt(3), 1e-12);
  assert.equal(vectorToPolar([1]), null);
  assert.equal(vectorToPolar([NaN, 1]), null);
  assert.equal(vectorToPolar(null), null);
  assert.ok(isPolar({ angle: 10, radius: 0 }));
  assert.ok(!isPolar(null) && !isPolar(0.3) && !isPolar({ angle: 1 }));
});

test("snap rounds to the step without float noise", () => {
  assert.equal(snap(0.0354, 0.005), 0.035);
  assert.equal(snap(0.3, 0.1), 0.3);
  assert.equal(snap(0.7000001, 0.1), 0.7);
  assert.equal(snap(1.234, 0), 1.234);
});

test("value formatting: decimals from the step, else 3 significant digits", () => {
  assert.equal(formatNumber(0.04123, 0.001), "0.041");
  assert.equal(formatNumber(3, 1), "3");
  assert.equal(formatNumber(-0.0001, 0.01), "0.00");
  assert.equal(formatNumber(0.04123), "0.0412");
  assert.equal(formatNumber(1234.5), "1230");
  assert.equal(formatNumber(1.5e-7), "1.50e-7");
  assert.equal(formatNumber(0), "0");
  assert.equal(formatNumber(null), "–");
  assert.equal(formatNumber(NaN), "–");
  assert.equal(formatAngle(37.4), "37°");
  assert.equal(formatAngle(359.7), "0°");
  assert.equal(formatAngle(-90), "270°");
});

test("dial texts: value, off, and the unedited readout", () => {
  assert.equal(valueText(CIRCULAR, { angle: 45, radius: 0.0412 }), "45° · r 0.041 /step");
  assert.equal(valueText(CIRCULAR, null), "off");
  assert.equal(valueText(CIRCULAR, 0.3), "off");
  assert.equal(valueText(SLIDER, 0.05), "0.05");
  assert.equal(valueText(SLIDER, undefined), "off");
  assert.equal(readoutText(CIRCULAR), "unedited 270° · r 0.040 /step");
  assert.equal(readoutText(SLIDER), "unedited 0.03");
  assert.equal(readoutText({ ...SLIDER, readout: null }), "");
});

test("dial entries from Python are completed and checked", () => {
  const d = normalizeDial({ id: "v", kind: "circular", min: -0.1, max: 0.1 });
  assert.equal(d.label, "v");
  assert.equal(d.max_radius, 0.1);
  assert.equal(d.step, 0);
  assert.equal(normalizeDial({ id: "s", min: 2, max: 1 }).max, 3); // empty range -> width 1
  assert.equal(normalizeDial({ id: "s", kind: "weird" }).kind, "slider");
});

test("a dial turned on by a key starts from its unedited value", () => {
  const p = startValue(CIRCULAR);
  assert.equal(p.angle, 270);
  close(p.radius, 0.04);
  assert.equal(startValue(SLIDER), 0.03);
  assert.equal(startValue({ ...SLIDER, readout: null }), 0);
  assert.equal(startValue({ ...SLIDER, readout: 5 }), 0.1); // clamped to the range
});

test("arrow keys turn and resize the circular dial; Delete turns it off", () => {
  const v = { angle: 90, radius: 0.05 };
  assert.deepEqual(keyedPolar(CIRCULAR, v, "ArrowLeft"), { angle: 90 + KEY_DEGREES, radius: 0.05 });
  assert.deepEqual(keyedPolar(CIRCULAR, v, "ArrowRight", true), { angle: 90 - 3 * KEY_DEGREES, radius: 0.05 });
  assert.deepEqual(keyedPolar(CIRCULAR, { angle: 2, radius: 0.05 }, "ArrowRight"), { angle: 357, radius: 0.05 });
  assert.deepEqual(keyedPolar(CIRCULAR, v, "ArrowUp"), { angle: 90, radius: 0.051 });
  assert.deepEqual(keyedPolar(CIRCULAR, { angle: 0, radius: 0.0795 }, "ArrowUp", true), { angle: 0, radius: 0.08 });
  assert.deepEqual(keyedPolar(CIRCULAR, { angle: 0, radius: 0.001 }, "ArrowDown", true), { angle: 0, radius: 0 });
  assert.equal(keyedPolar(CIRCULAR, v, "Delete"), null);
  assert.equal(keyedPolar(CIRCULAR, null, "Delete"), undefined); // already off
  assert.equal(keyedPolar(CIRCULAR, v, "a"), undefined);
  // Off: the first key starts from the unedited value.
  const on = keyedPolar(CIRCULAR, null, "Enter");
  assert.equal(on.angle, 270);
  assert.deepEqual(keyedPolar(CIRCULAR, null, "ArrowLeft").angle, 275);
  assert.equal(keyedPolar(CIRCULAR, v, "Enter"), undefined); // already on
});

test("throttle: leading call at once, one trailing call with the newest args", () => {
  const clock = fakeClock();
  const calls = [];
  const f = throttle((x) => calls.push([clock.now(), x]), 30, clock);
  f(1);
  assert.deepEqual(calls, [[0, 1]]);
  clock.advance(5);
  f(2);
  clock.advance(5);
  f(3);
  assert.equal(calls.length, 1);
  assert.ok(f.pending());
  clock.advance(20); // t = 30: trailing call with the newest args
  assert.deepEqual(calls, [[0, 1], [30, 3]]);
  assert.ok(!f.pending());
  clock.advance(100);
  assert.equal(calls.length, 2); // nothing more
  f(4); // long after: leading again
  assert.deepEqual(calls.at(-1), [130, 4]);
});

test("throttle: 50 calls 2 ms apart make at most one call per 30 ms", () => {
  const clock = fakeClock();
  const times = [];
  const f = throttle(() => times.push(clock.now()), 30, clock);
  for (let i = 0; i < 50; i++) {
    f();
    clock.advance(2);
  }
  clock.advance(100);
  assert.ok(times.length <= Math.ceil(100 / 30) + 1, `${times.length} calls`);
  for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 30);
});

test("throttle: a run that did nothing (fn returns false) starts no interval", () => {
  const clock = fakeClock();
  const calls = [];
  const f = throttle((x) => (calls.push([clock.now(), x]), x !== "same"), 30, clock);
  f("same"); // e.g. pressing the handle where it already is: nothing sent
  clock.advance(5);
  f("moved"); // the first real move goes out at once, not 30 ms later
  assert.deepEqual(calls, [[0, "same"], [5, "moved"]]);
  f("again");
  assert.ok(f.pending());
});

test("throttle: flush runs the pending call now; cancel drops it", () => {
  const clock = fakeClock();
  const calls = [];
  const f = throttle((x) => calls.push(x), 30, clock);
  f("a");
  f("b");
  assert.equal(f.flush(), true);
  assert.deepEqual(calls, ["a", "b"]);
  assert.equal(clock.pending, 0); // its timer is gone
  assert.equal(f.flush(), false);
  f("c"); // within 30 ms of the flush: pending
  f.cancel();
  clock.advance(100);
  assert.deepEqual(calls, ["a", "b"]);
});

/** Messages the fake model sent to Python: the values of each save. */
function sentValues(model) {
  const out = [];
  let last = null;
  for (const e of model.log) {
    if (e[0] === "set" && e[1] === "values") last = e[2];
    if (e[0] === "save") out.push(last);
  }
  return out;
}

test("a drag sends throttled values and always its final value", () => {
  const model = fakeModel({ values: { velocity: null, vx: null } });
  const clock = fakeClock();
  const sends = [];
  const sender = valueSender(model, { clock, wait: THROTTLE_MS, onSend: (n) => sends.push(n) });
  sender.begin();
  for (let i = 0; i < 50; i++) {
    sender.edit("velocity", { angle: i, radius: 0.05 });
    assert.equal(sender.values.velocity.angle, i); // shown at once
    clock.advance(1);
  }
  sender.commit(); // pointerup at t = 50
  const msgs = sentValues(model);
  assert.ok(msgs.length <= 4, `${msgs.length} messages for 50 moves`);
  assert.equal(sender.sent, msgs.length);
  assert.deepEqual(sends.at(-1), msgs.length);
  assert.deepEqual(msgs[0], { velocity: { angle: 0, radius: 0.05 }, vx: null }); // leading
  assert.deepEqual(msgs.at(-1), { velocity: { angle: 49, radius: 0.05 }, vx: null }); // final
  assert.deepEqual(model.state.values.velocity, { angle: 49, radius: 0.05 });
  clock.advance(100);
  assert.equal(sentValues(model).length, msgs.length); // nothing after the release
});

test("the final value is sent once: no duplicate when the last move was already sent", () => {
  const model = fakeModel({ values: { vx: null } });
  const clock = fakeClock();
  const sender = valueSender(model, { clock });
  sender.begin();
  sender.edit("vx", 0.05); // leading: sent
  sender.commit();
  assert.deepEqual(sentValues(model), [{ vx: 0.05 }]);
  clock.advance(100);
  sender.begin();
  sender.edit("vx", 0.06);
  clock.advance(40);
  sender.edit("vx", 0.07); // leading again
  clock.advance(40);
  sender.commit(); // nothing pending, already sent
  assert.deepEqual(sentValues(model), [{ vx: 0.05 }, { vx: 0.06 }, { vx: 0.07 }]);
});

test("a value equal to what Python holds is not sent again", () => {
  const model = fakeModel({ values: { vx: 0.05 } });
  const clock = fakeClock();
  const sender = valueSender(model, { clock });
  sender.begin();
  sender.edit("vx", 0.05); // a press on the handle where it already is
  sender.commit();
  assert.equal(sender.sent, 0);
  assert.deepEqual(model.log, []);
  sender.begin();
  sender.edit("vx", 0.06); // sent at once: the press above sent nothing
  assert.deepEqual(sentValues(model), [{ vx: 0.06 }]);
  clock.advance(40);
  sender.edit("vx", 0.05); // and back, before release
  sender.commit();
  assert.deepEqual(sentValues(model), [{ vx: 0.06 }, { vx: 0.05 }]);
});

test("values from Python replace the shown ones, except during a drag", () => {
  const model = fakeModel({ values: { vx: null } });
  const clock = fakeClock();
  const sender = valueSender(model, { clock });
  sender.begin();
  sender.edit("vx", 0.05);
  clock.advance(10);
  sender.edit("vx", 0.06); // pending
  model.fromPython("values", { vx: 0.05 }); // Python's echo of the first message
  sender.fromPython();
  assert.equal(sender.values.vx, 0.06); // the handle does not jump back
  sender.commit();
  assert.equal(model.state.values.vx, 0.06);
  model.fromPython("values", { vx: null }); // Python resets
  sender.fromPython();
  assert.equal(sender.values.vx, null);
});

test("cancel drops a pending value (reset while a send waits)", () => {
  const model = fakeModel({ values: { vx: null } });
  const clock = fakeClock();
  const sender = valueSender(model, { clock });
  sender.begin();
  sender.edit("vx", 0.01);
  sender.edit("vx", 0.02); // pending
  sender.cancel();
  clock.advance(100);
  assert.deepEqual(sentValues(model), [{ vx: 0.01 }]);
  assert.equal(sender.active, false);
});

test("keyboard edits (no gesture) are sent too, the last one on key-up", () => {
  const model = fakeModel({ values: { velocity: null } });
  const clock = fakeClock();
  const sender = valueSender(model, { clock });
  let v = null;
  for (let i = 0; i < 5; i++) {
    v = keyedPolar(CIRCULAR, sender.values.velocity, "ArrowLeft");
    sender.edit("velocity", v);
    clock.advance(5);
  }
  sender.commit(); // keyup
  assert.deepEqual(model.state.values.velocity, v);
  assert.equal(v.angle, 270 + 5 * KEY_DEGREES);
  assert.ok(sentValues(model).length <= 2);
});

test("withValue copies; setTrait sends only changes; clampStep keeps t in range", () => {
  const a = { x: 1, y: null };
  const b = withValue(a, "y", 2);
  assert.deepEqual(a, { x: 1, y: null });
  assert.deepEqual(b, { x: 1, y: 2 });
  assert.deepEqual(withValue(null, "x", null), { x: null });

  const model = fakeModel({ scope: "rollout" });
  assert.equal(setTrait(model, "scope", "rollout"), false);
  assert.equal(setTrait(model, "scope", "once"), true);
  assert.deepEqual(model.log, [["set", "scope", "once"], ["save"]]);

  assert.equal(clampStep("12", 32, 0), 12);
  assert.equal(clampStep("99", 32, 0), 31);
  assert.equal(clampStep("-3", 32, 0), 0);
  assert.equal(clampStep("", 32, 7), 7);
  assert.equal(clampStep("abc", 32, 7), 7);
  assert.equal(clampStep("4.9", 32, 0), 4);
});


test("units in words for a dial's titles: the radius is per step", async () => {
  const { unitWords } = await import("../../js/steering_dials/values.js");
  assert.equal(unitWords("box/step"), "box units per step");
  assert.equal(unitWords("box"), "box units");
  assert.equal(unitWords(""), "");
});
