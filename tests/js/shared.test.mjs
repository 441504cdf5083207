// Tests of js/shared/, the helpers the widget views share (node --test tests/js/).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fillSelect, generationBadge, generationText, statusBadge } from "../../js/shared/controls.js";
import { errorBox, h, showError } from "../../js/shared/dom.js";
import { formatValue } from "../../js/shared/format.js";
import { setTrait } from "../../js/shared/model.js";
import { debounce, realClock, throttle } from "../../js/shared/timing.js";

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

/** A model that records what the view did to it. */
function fakeModel(traits = {}) {
  const state = { ...traits };
  const log = [];
  return {
    log,
    get: (k) => state[k],
    set(k, v) {
      state[k] = v;
      log.push(["set", k, v]);
    },
    save_changes: () => log.push(["save"]),
  };
}

/** Just enough of the DOM for the helpers: elements with children, attributes, classes. */
class FakeElement {
  constructor(tag) {
    this.tagName = tag.toUpperCase();
    this.children = [];
    this.attributes = {};
    this.className = "";
    this.textContent = "";
    this.hidden = false;
    const el = this;
    this.classList = {
      toggle(name, on) {
        const set = new Set(el.className.split(" ").filter(Boolean));
        if (on ?? !set.has(name)) set.add(name);
        else set.delete(name);
        el.className = [...set].join(" ");
        return set.has(name);
      },
      contains: (name) => el.className.split(" ").includes(name),
    };
  }
  appendChild(child) {
    this.children.push(child);
    return child;
  }
  replaceChildren(...children) {
    this.children = children;
  }
  setAttribute(k, v) {
    this.attributes[k] = String(v);
  }
  getAttribute(k) {
    return this.attributes[k] ?? null;
  }
}

function withFakeDocument(fn) {
  const saved = globalThis.document;
  globalThis.document = { createElement: (tag) => new FakeElement(tag) };
  try {
    return fn();
  } finally {
    if (saved === undefined) delete globalThis.document;
    else globalThis.document = saved;
  }
}

// ---- one implementation -------------------------------------------------------------

test("the views use the shared helpers, not copies of them", () => {
  const js = new URL("../../js/", import.meta.url);
  const shared = readdirSync(new URL("shared/", js)).filter((f) => f.endsWith(".js"));
  const helpers = [
    "formatValue", "setTrait", "onChanges", "throttle", "debounce", "drawScheduler", "h", "svgEl",
    "errorBox", "showError", "fitCanvas", "ownKeys", "fillSelect", "button", "labelled",
    "numberInput", "statusBadge", "generationBadge", "generationText", "runPanel",
    "createTooltip", "themeOf", "baseCss", "gradientCss", "fillTicks", "decode",
  ]; // prettier-ignore
  const views = readdirSync(js, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== "shared");
  assert.ok(views.length >= 5, "one folder per widget front end");
  assert.ok(shared.includes("tooltip.js") && shared.includes("theme.js"));
  for (const dir of views) {
    for (const file of readdirSync(new URL(`${dir.name}/`, js)).filter((f) => f.endsWith(".js"))) {
      const text = readFileSync(new URL(`${dir.name}/${file}`, js), "utf8");
      for (const name of helpers) {
        const own = new RegExp(`^(?:export )?(?:function ${name}\\b|const ${name} = )`, "m");
        assert.ok(!own.test(text), `js/${dir.name}/${file} defines its own ${name}: import it from js/shared/`);
      }
      assert.ok(!/class="iwm-tooltip"|"iwm-tooltip"/.test(text), `js/${dir.name}/${file} builds a tooltip: use js/shared/tooltip.js`);
      assert.ok(!/getComputedStyle\(\w+\)\.getPropertyValue/.test(text) && !text.includes("cs.getPropertyValue"), `js/${dir.name}/${file} reads the theme itself: use themeOf`);
    }
  }
});

// ---- formatValue -----------------------------------------------------------------------

test("formatValue: 4 significant digits, exponent outside [1e-3, 1e5)", () => {
  assert.equal(formatValue(0.123456), "0.1235");
  assert.equal(formatValue(-12.3456), "-12.35");
  assert.equal(formatValue(1234.5), "1235");
  assert.equal(formatValue(12345.6), "1.235e+4"); // toPrecision goes exponential past 4 digits
  assert.equal(formatValue(123456), "1.235e+5");
  assert.equal(formatValue(0.001), "0.001000");
  assert.equal(formatValue(0.000012346), "1.235e-5");
  assert.equal(formatValue(-0.000012346), "-1.235e-5");
});

test("formatValue: zero, NaN, infinities, missing values, numeric strings", () => {
  assert.equal(formatValue(0), "0");
  assert.equal(formatValue(-0), "0");
  assert.equal(formatValue(NaN), "NaN");
  assert.equal(formatValue(Infinity), "inf");
  assert.equal(formatValue(-Infinity), "-inf");
  assert.equal(formatValue(null), "–");
  assert.equal(formatValue(undefined), "–");
  assert.equal(formatValue(""), "–");
  assert.equal(formatValue("2.5"), "2.500");
  assert.equal(formatValue("x"), "NaN");
});

test("formatValue formats every value of a typed array as the number itself", () => {
  const data = new Float32Array([0.5, -3, 1e6, NaN, -Infinity]);
  assert.deepEqual(Array.from(data, formatValue), ["0.5000", "-3.000", "1.000e+6", "NaN", "-inf"]);
});

// ---- setTrait --------------------------------------------------------------------------

test("setTrait sets and saves only a changed value", () => {
  const model = fakeModel({ scope: "rollout" });
  assert.equal(setTrait(model, "scope", "rollout"), false);
  assert.deepEqual(model.log, []);
  assert.equal(setTrait(model, "scope", "step"), true);
  assert.deepEqual(model.log, [["set", "scope", "step"], ["save"]]);
  assert.equal(model.get("scope"), "step");
});

// ---- throttle --------------------------------------------------------------------------

test("throttle: leading call at once, one trailing call with the newest args", () => {
  const clock = fakeClock();
  const calls = [];
  const f = throttle((x) => calls.push([clock.now(), x]), 30, clock);
  f(1);
  assert.deepEqual(calls, [[0, 1]]);
  assert.equal(f.pending(), false);
  clock.advance(5);
  f(2);
  clock.advance(5);
  f(3);
  assert.equal(calls.length, 1);
  assert.equal(f.pending(), true);
  assert.equal(clock.pending, 1); // one timer, not one per call
  clock.advance(20);
  assert.deepEqual(calls, [[0, 1], [30, 3]]);
  assert.equal(f.pending(), false);
  assert.equal(clock.pending, 0);
});

test("throttle: a run whose fn returns false starts no interval", () => {
  const clock = fakeClock();
  const calls = [];
  const f = throttle((x) => (calls.push([clock.now(), x]), x !== "same"), 30, clock);
  f("same");
  clock.advance(1);
  f("moved");
  assert.deepEqual(calls, [[0, "same"], [1, "moved"]]);
});

test("throttle: flush runs the pending call now and clears its timer; cancel drops it", () => {
  const clock = fakeClock();
  const calls = [];
  const f = throttle((x) => calls.push(x), 30, clock);
  assert.equal(f.flush(), false); // nothing pending
  f("a");
  f("b");
  assert.equal(f.flush(), true);
  assert.deepEqual(calls, ["a", "b"]);
  assert.equal(clock.pending, 0);
  f("c");
  assert.equal(f.pending(), true);
  f.cancel();
  assert.equal(f.pending(), false);
  assert.equal(clock.pending, 0);
  clock.advance(100);
  assert.deepEqual(calls, ["a", "b"]);
});

// ---- debounce --------------------------------------------------------------------------

test("debounce: runs once, wait ms after the last call, with its arguments", () => {
  const clock = fakeClock();
  const calls = [];
  const f = debounce((...a) => calls.push([clock.now(), ...a]), 250, clock);
  f(1, "a");
  clock.advance(100);
  f(2, "b");
  clock.advance(249);
  assert.deepEqual(calls, []);
  assert.equal(f.pending(), true);
  assert.equal(clock.pending, 1); // the timer restarts, it does not pile up
  clock.advance(1);
  assert.deepEqual(calls, [[350, 2, "b"]]);
  assert.equal(f.pending(), false);
  assert.equal(clock.pending, 0);
});

test("debounce: works with a clock that has no now()", () => {
  const clock = fakeClock();
  delete clock.now;
  const calls = [];
  const f = debounce((x) => calls.push(x), 10, clock);
  f("x");
  clock.advance(10);
  assert.deepEqual(calls, ["x"]);
});

test("debounce: flush runs now, cancel drops, both clear the timer", () => {
  const clock = fakeClock();
  const calls = [];
  const f = debounce((x) => calls.push(x), 250, clock);
  assert.equal(f.flush(), false);
  f("a");
  assert.equal(f.flush(), true);
  assert.deepEqual(calls, ["a"]);
  assert.equal(clock.pending, 0);
  assert.equal(f.flush(), false);
  f("b");
  f.cancel();
  assert.equal(f.pending(), false);
  assert.equal(clock.pending, 0);
  clock.advance(1000);
  assert.deepEqual(calls, ["a"]);
});

test("realClock: now() is performance.now(), timers are real", async () => {
  const c = realClock();
  const t0 = c.now();
  assert.ok(Math.abs(t0 - performance.now()) < 50);
  await new Promise((resolve) => c.setTimeout(resolve, 1));
  const id = c.setTimeout(() => assert.fail("cleared timer ran"), 1);
  c.clearTimeout(id);
  await new Promise((resolve) => setTimeout(resolve, 5));
});

// ---- DOM helpers -----------------------------------------------------------------------

test("h: creates an element with an optional class and parent", () => {
  withFakeDocument(() => {
    const root = h("div", "iwm-root");
    assert.equal(root.tagName, "DIV");
    assert.equal(root.className, "iwm-root");
    const span = h("span", "", root);
    assert.equal(span.className, "");
    assert.deepEqual(root.children, [span]);
    const bare = h("p");
    assert.equal(bare.className, "");
  });
});

test("fillSelect: one option per entry, value and label", () => {
  withFakeDocument(() => {
    const select = h("select");
    select.replaceChildren(h("option"));
    fillSelect(select, [
      { value: "a", label: "first" },
      { value: "b", label: "second" },
    ]);
    assert.deepEqual(
      select.children.map((o) => [o.tagName, o.value, o.textContent]),
      [["OPTION", "a", "first"], ["OPTION", "b", "second"]],
    );
    fillSelect(select, []);
    assert.deepEqual(select.children, []);
  });
});

test("statusBadge and generationBadge: header badges; generationText", () => {
  withFakeDocument(() => {
    const header = h("div");
    const plain = statusBadge(header);
    assert.equal(plain.className, "iwm-status");
    assert.equal(plain.textContent, "running…");
    const idle = statusBadge(header, "iwm-status iwm-idle");
    assert.equal(idle.className, "iwm-status iwm-idle");
    const gen = generationBadge(header);
    assert.equal(gen.tagName, "SPAN");
    assert.equal(gen.className, "iwm-generation");
    assert.deepEqual(header.children, [plain, idle, gen]);
  });
  assert.equal(generationText(fakeModel({ generation: 7 })), "generation 7");
  assert.equal(generationText(fakeModel({})), "generation 0");
});

test("errorBox and showError: hidden until there is a message; the root is dimmed meanwhile", () => {
  withFakeDocument(() => {
    const root = h("div", "iwm-widget");
    const box = errorBox(root);
    assert.deepEqual(root.children, [box]);
    assert.equal(box.className, "iwm-error");
    assert.equal(box.getAttribute("role"), "alert");
    assert.equal(box.hidden, true);

    assert.equal(showError(root, box, ["boom", "", "cannot draw"]), "boom\ncannot draw");
    assert.equal(box.textContent, "boom\ncannot draw");
    assert.equal(box.hidden, false);
    assert.ok(root.classList.contains("iwm-stale"));

    assert.equal(showError(root, box, ["", ""]), "");
    assert.equal(box.textContent, "");
    assert.equal(box.hidden, true);
    assert.ok(!root.classList.contains("iwm-stale"));
    assert.ok(root.classList.contains("iwm-widget"));
  });
});
