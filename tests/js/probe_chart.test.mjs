// node --test tests/js/ : the ProbeChart view's pure helpers.
import assert from "node:assert/strict";
import { test } from "node:test";
import widget from "../../js/probe_chart/index.js";
import { nextPick, parseLabel, tooltipLines } from "../../js/probe_chart/svg.js";

const LABEL = "site: blocks.1; series: probe (held-out); score: 0.953";

test("parseLabel reads the fields of a point's ARIA label", () => {
  assert.deepEqual(parseLabel(LABEL), {
    site: "blocks.1",
    series: "probe (held-out)",
    score: "0.953",
  });
  assert.deepEqual(parseLabel("baseline: input last 4 positions; score: 0.949"), {
    baseline: "input last 4 positions",
    score: "0.949",
  });
  assert.deepEqual(parseLabel(""), {});
  assert.deepEqual(parseLabel(null), {});
});

test("tooltipLines shows one field a line", () => {
  assert.deepEqual(tooltipLines(LABEL), [
    "site: blocks.1",
    "series: probe (held-out)",
    "score: 0.953",
  ]);
});

test("nextPick picks a site, clears on a second click, ignores unknown sites", () => {
  const sites = ["embed", "blocks.0", "blocks.1"];
  assert.equal(nextPick("", "blocks.1", sites), "blocks.1");
  assert.equal(nextPick("blocks.0", "blocks.1", sites), "blocks.1");
  assert.equal(nextPick("blocks.1", "blocks.1", sites), "");
  assert.equal(nextPick("blocks.0", "nowhere", sites), "blocks.0");
  assert.equal(nextPick("blocks.0", undefined, sites), "blocks.0");
});

test("the module is an anywidget view", () => {
  assert.equal(typeof widget.render, "function");
  assert.equal(typeof widget.initialize, "function");
});
