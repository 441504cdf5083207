// node --test tests/js/ : the ModuleTree view's pure helpers, against a fake model.
import assert from "node:assert/strict";
import { test } from "node:test";
import widget from "../../js/module_tree/index.js";
import {
  ancestors,
  buildTree,
  formatParams,
  formatShape,
  initialExpanded,
  selectNode,
  visibleRows,
} from "../../js/module_tree/tree.js";

/** embed(proj), blocks(0(mlp(fc)), 1(mlp(fc))), head — depth-first, as Python sends. */
function nodes() {
  const spec = [
    ["embed", -1], ["embed.proj", 0], ["blocks", -1], ["blocks.0", 2], ["blocks.0.mlp", 3],
    ["blocks.0.mlp.fc", 4], ["blocks.1", 2], ["blocks.1.mlp", 6], ["blocks.1.mlp.fc", 7], ["head", -1],
  ];
  return spec.map(([path, parent]) => ({
    path,
    name: path.split(".").at(-1),
    type: "Linear",
    depth: path.split(".").length - 1,
    parent,
    params: 10,
    shape: path === "blocks" ? null : [1, 8, 4],
    layer: /^blocks\.\d$/.test(path),
    open: path !== "blocks",
  }));
}

function fakeModel(state) {
  const log = [];
  return {
    log,
    get: (k) => state[k],
    set(k, v) {
      state[k] = v;
      log.push(["set", k, v]);
    },
    on() {},
    off() {},
    save_changes: () => log.push(["save"]),
  };
}

test("buildTree lists children in order and the top-level nodes", () => {
  const t = buildTree(nodes());
  assert.deepEqual(t.roots, [0, 2, 9]);
  assert.deepEqual(t.children[2], [3, 6]);
  assert.deepEqual(t.children[9], []);
});

test("the first two levels start expanded; deeper parents start collapsed", () => {
  const ns = nodes();
  const t = buildTree(ns);
  const exp = initialExpanded(ns, t);
  assert.deepEqual([...exp].sort((a, b) => a - b), [0, 2, 3, 6]);
  const rows = visibleRows(ns, t, exp).map((i) => ns[i].path);
  assert.deepEqual(rows, ["embed", "embed.proj", "blocks", "blocks.0", "blocks.0.mlp", "blocks.1", "blocks.1.mlp", "head"]);
});

test("collapsing a parent hides its whole subtree", () => {
  const ns = nodes();
  const t = buildTree(ns);
  const rows = visibleRows(ns, t, new Set([2])).map((i) => ns[i].path);
  assert.deepEqual(rows, ["embed", "blocks", "blocks.0", "blocks.1", "head"]);
});

test("a filter shows matches with their ancestors, whatever is collapsed", () => {
  const ns = nodes();
  const t = buildTree(ns);
  const rows = visibleRows(ns, t, new Set(), "MLP.fc").map((i) => ns[i].path);
  assert.deepEqual(rows, ["blocks", "blocks.0", "blocks.0.mlp", "blocks.0.mlp.fc", "blocks.1", "blocks.1.mlp", "blocks.1.mlp.fc"]);
  assert.deepEqual(visibleRows(ns, t, new Set(), "nothing-matches"), []);
  assert.deepEqual(ancestors(ns, 5), [4, 3, 2]);
});

test("thousands of modules: every row once, in depth-first order, quickly", () => {
  const ns = [];
  for (let l = 0; l < 500; l++) {
    const p = ns.length;
    ns.push({ path: `h.${l}`, name: String(l), type: "Block", depth: 0, parent: -1, params: 1, shape: null, layer: true, open: false });
    for (const c of ["attn", "mlp", "ln"]) ns.push({ path: `h.${l}.${c}`, name: c, type: "X", depth: 1, parent: p, params: 1, shape: null, layer: false, open: false });
  }
  const t = buildTree(ns);
  const all = new Set(ns.map((_, i) => i));
  const t0 = performance.now();
  const rows = visibleRows(ns, t, all);
  assert.ok(performance.now() - t0 < 50);
  assert.deepEqual(rows, ns.map((_, i) => i));
});

test("parameter counts and shapes read at a glance", () => {
  assert.equal(formatParams(0), "0");
  assert.equal(formatParams(960), "960");
  assert.equal(formatParams(3264), "3.26k");
  assert.equal(formatParams(203458), "203.5k");
  assert.equal(formatParams(11607552), "11.6M");
  assert.equal(formatParams(1.5e9), "1.50B");
  assert.equal(formatShape([1, 32, 64]), "1×32×64");
  assert.equal(formatShape(null), "–");
  assert.equal(formatShape([]), "scalar");
});

test("selecting sends only sites an ActivationMap can show, and only on change", () => {
  const ns = nodes();
  const m = fakeModel({ selected: "" });
  assert.equal(selectNode(m, ns[2]), false); // "blocks": no tensor output
  assert.deepEqual(m.log, []);
  assert.equal(selectNode(m, ns[4]), true);
  assert.deepEqual(m.log, [["set", "selected", "blocks.0.mlp"], ["save"]]);
  assert.equal(selectNode(m, ns[4]), false);
  assert.equal(m.log.length, 2);
});

test("the module exports the anywidget contract", () => {
  assert.equal(typeof widget.render, "function");
  assert.equal(typeof widget.initialize, "function");
});

test("row titles say what a click opens, or why a row opens nothing", async () => {
  const { rowTitle } = await import("../../js/module_tree/paint.js");
  const base = { name: "x", type: "Identity", depth: 2, parent: 0, params: 0, layer: false };
  const pattern = rowTitle({ ...base, path: "blocks.0.attn.pattern", shape: [1, 4, 32, 32], open: true, attention: true });
  assert.match(pattern, /attention weights 1×4×32×32 = batch × heads × queries × keys/);
  assert.match(pattern, /AttentionView/);
  assert.match(rowTitle({ ...base, path: "blocks.0.mlp", shape: [1, 32, 64], open: true }), /ActivationMap/);
  assert.match(rowTitle({ ...base, path: "blocks", shape: null, open: false }), /no tensor output/);
  assert.match(rowTitle({ ...base, path: "embed.pos", shape: [32, 64], open: false }), /32×64 is neither/);
});
