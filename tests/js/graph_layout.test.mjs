// node --test tests/js/ : where the CausalGraph puts labels and its node editor, and how
// it draws attention heads (js/causal_graph/: labels.js, scene.js, editor.js).
import assert from "node:assert/strict";
import { test } from "node:test";
import { paintScene } from "../../js/causal_graph/canvas.js";
import { EDITOR_GAP, editorPlacement } from "../../js/causal_graph/editor.js";
import { normalizeNode, readGraph, readNodes } from "../../js/causal_graph/graph.js";
import {
  hiddenLabel,
  LABEL_H,
  labelBox,
  labelFrame,
  labelOfNode,
  labelSides,
  layoutLabels,
  MAX_RIGHT_LABEL_SHARE,
  nudgeInside,
  placeLabels,
} from "../../js/causal_graph/labels.js";
import {
  arrowheadBoxes,
  buildScene,
  edgeGeometry,
  GEOM_STRIDE,
  nodeShape,
  rimDistance,
  SQUARE_HALF,
} from "../../js/causal_graph/scene.js";
import { sceneToSVG } from "../../js/causal_graph/svg.js";

/** A text width of 6 px a character, as a stand-in for canvas measureText. */
const measure = (s) => 6 * s.length;
const close = (a, b, eps = 1e-4) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);
const overlap = (a, b) => a.x0 < b.x1 && a.x1 > b.x0 && a.y0 < b.y1 && a.y1 > b.y0;

/** {buffer, dtype, shape} of float32 rows [s, t, effect]. */
function edgeRows(rows) {
  const data = new Float32Array(rows.flat());
  return { buffer: new DataView(data.buffer), dtype: "float32", shape: [rows.length, 3] };
}

/** A transformer-like graph: layers × heads attention heads, then outputs, random edges forward. */
function headGraph(layers = 12, heads = 16, outputs = 8, nEdges = 2000, seed = 3) {
  let s = seed;
  const rand = () => (s = (s * 1664525 + 1013904223) >>> 0) / 4294967296;
  const nodes = [];
  for (let l = 0; l < layers; l++) {
    for (let k = 0; k < heads; k++) {
      nodes.push({ id: `L${l}.H${k}`, label: `L${l}.H${k}`, kind: "head", layer: l, x: l / layers, y: (k + 0.5) / heads, value: rand() * 2 - 1, editable: ["ablate", "scale"] });
    }
  }
  for (let o = 0; o < outputs; o++) nodes.push({ id: `out${o}`, label: `logit ${o}`, kind: "output", layer: layers, x: 1, y: (o + 0.5) / outputs, value: rand() });
  const rows = [];
  for (let e = 0; e < nEdges; e++) {
    const src = Math.floor(rand() * layers * heads);
    const lo = (Math.floor(src / heads) + 1) * heads;
    rows.push([src, lo + Math.floor(rand() * (nodes.length - lo)), rand() * 2 - 1]);
  }
  return readGraph(nodes, edgeRows(rows));
}

/** A 2-D context that records every call (any method). */
function recordingContext() {
  const calls = [];
  return new Proxy(
    { calls },
    {
      get(target, name) {
        if (name in target) return target[name];
        return (...args) => calls.push([name, ...args]);
      },
      set(target, name, v) {
        target[name] = v;
        return true;
      },
    },
  );
}

// ---------------------------------------------------------------------------------------
// Labels.

test("label boxes: right / left beside the node, above / below centred on it, clear of its rim", () => {
  const r = 10;
  const right = labelBox("right", 0, "abc", 18, 100, 50, r);
  assert.equal(right.align, "left");
  assert.ok(right.x0 > 100 + r && right.x === right.x0 && right.x1 - right.x0 === 18);
  close(right.y1 - right.y0, LABEL_H);
  close((right.y0 + right.y1) / 2, 50);
  const left = labelBox("left", 0, "abc", 18, 100, 50, r);
  assert.equal(left.align, "right");
  assert.ok(left.x1 < 100 - r && left.x === left.x1);
  const above = labelBox("above", 0, "abc", 18, 100, 50, r);
  assert.equal(above.align, "center");
  assert.ok(above.y1 < 50 - r);
  close((above.x0 + above.x1) / 2, 100);
  close(above.y, (above.y0 + above.y1) / 2);
  const below = labelBox("below", 0, "abc", 18, 100, 50, r);
  assert.ok(below.y0 > 50 + r);
  // The deepest layer goes right first (nothing leaves it); the rest above or below first.
  assert.equal(labelSides(true)[0], "right");
  assert.deepEqual(labelSides(false).slice(0, 2), ["above", "below"]);
});

test("labels above the edge nodes slide inside the area, still over their node", () => {
  const b = labelBox("above", 0, "position_x", 60, 10, 50, 8);
  const n = nudgeInside(b, 500);
  assert.ok(n.x0 >= 0);
  assert.ok(n.x0 < 10 && n.x1 > 10, "still spans the node's centre");
  close(n.x, (n.x0 + n.x1) / 2);
  const r = nudgeInside(labelBox("below", 0, "x", 60, 495, 50, 8), 500);
  assert.ok(r.x1 <= 500 && r.x0 < 495);
  const side = labelBox("right", 0, "x", 60, 495, 50, 8);
  assert.equal(nudgeInside(side, 500), side); // beside: unchanged (the caller tries another side)
});

test("layoutLabels: the deepest layer right of its nodes, the others above; no overlaps; deterministic", () => {
  const nodes = readNodes([
    { id: "a", label: "position_y", x: 0, y: 0 },
    { id: "b", label: "velocity_y", x: 0.5, y: 0 },
    { id: "c", label: "next y", x: 1, y: 0, kind: "output" },
    { id: "d", label: "position_x", x: 0, y: 1 },
    { id: "e", label: "velocity_x", x: 0.5, y: 1 },
    { id: "f", label: "next x", x: 1, y: 1, kind: "output" },
  ]);
  const pos = new Float32Array([20, 40, 400, 40, 760, 40, 20, 240, 400, 240, 760, 240]);
  const area = { width: 850, height: 270 };
  const out = layoutLabels(nodes, pos, 11, area, measure);
  assert.equal(out.labels.length, 6);
  const by = new Map(out.labels.map((l) => [nodes[l.i].id, l]));
  assert.equal(by.get("c").side, "right");
  assert.equal(by.get("f").side, "right");
  for (const id of ["a", "b", "d", "e"]) assert.equal(by.get(id).side, "above", id);
  for (const l of out.labels) {
    assert.ok(l.x0 >= 0 && l.x1 <= area.width && l.y0 >= 0 && l.y1 <= area.height, JSON.stringify(l));
    assert.equal(out.labelOf[l.i], out.labels.indexOf(l));
    for (let j = 0; j < 6; j++) {
      if (j === l.i) continue;
      const node = { x0: pos[2 * j] - 11, y0: pos[2 * j + 1] - 11, x1: pos[2 * j] + 11, y1: pos[2 * j + 1] + 11 };
      assert.ok(!overlap(l, node), `label ${l.text} on node ${j}`);
    }
  }
  assert.deepEqual(layoutLabels(nodes, pos, 11, area, measure), out);
  // The older call (a width only) still works.
  assert.equal(placeLabels(nodes, pos, 11, 850, measure).length, 6);
});

test("layoutLabels: an arrowhead in the way moves the label to its next side", () => {
  const nodes = readNodes([
    { id: "a", label: "src", x: 0, y: 0.5 },
    { id: "b", label: "next y", x: 1, y: 0.5, kind: "output" },
  ]);
  const pos = new Float32Array([20, 100, 300, 100]);
  const free = layoutLabels(nodes, pos, 10, { width: 400, height: 200 }, measure);
  const right = free.labels.find((l) => l.i === 1);
  assert.equal(right.side, "right");
  // An arrowhead (its box) right where the label would go.
  const blocked = layoutLabels(nodes, pos, 10, { width: 400, height: 200 }, measure, { obstacles: [right.x0 + 2, 95, right.x0 + 12, 105] });
  assert.equal(blocked.labels.find((l) => l.i === 1).side, "above");
});

test("layoutLabels: a label with no room is hidden, with a spot to show it on hover", () => {
  const nodes = readNodes([
    { id: "a", label: "alpha", x: 0, y: 0 },
    { id: "b", label: "beta", x: 0, y: 0.02, edited: true },
  ]);
  const pos = new Float32Array([10, 10, 10, 16]);
  const out = layoutLabels(nodes, pos, 2, { width: 40, height: 40 }, measure);
  assert.deepEqual(out.labels.map((l) => l.i), [1]); // the edited node first
  assert.equal(out.labelOf[0], -1);
  assert.ok(out.spots[0], "a hidden label still has a spot");
  assert.equal(out.spots[0].text, "alpha");
});

test("labelFrame: room above the top row and right of the deepest layer, capped", () => {
  const f = labelFrame(800, 300, 10, 60);
  assert.equal(f.left, 18);
  assert.ok(f.top >= 10 + LABEL_H, "room for labels above the top row");
  assert.ok(800 - (f.left + f.w) >= 18 + 60, "room for the widest deepest-layer label");
  const capped = labelFrame(800, 300, 10, 5000);
  assert.ok(800 - (capped.left + capped.w) <= 18 + MAX_RIGHT_LABEL_SHARE * 800 + 10);
  assert.ok(labelFrame(10, 10, 10, 60).w >= 0);
});

test("big graph of heads: labels never overlap each other, nodes or arrowheads; the rest hidden", () => {
  const graph = headGraph();
  const s = buildScene(graph, { width: 850, height: 400, threshold: 0, colourBy: "value", measure });
  assert.equal(s.nodes.length, 200);
  assert.equal(s.edges.length, 2000);
  assert.ok(s.labels.length > 20 && s.labels.length < 200, `${s.labels.length} labels`);
  const heads = arrowheadBoxes(s.geom, s.edges.length, 0);
  const r = s.radius;
  for (let a = 0; a < s.labels.length; a++) {
    const la = s.labels[a];
    assert.ok(la.x0 >= 0 && la.x1 <= s.width && la.y0 >= 0 && la.y1 <= s.height);
    for (let b = a + 1; b < s.labels.length; b++) assert.ok(!overlap(la, s.labels[b]), `labels ${a}, ${b}`);
    for (let j = 0; j < 200; j++) {
      if (j === la.i) continue;
      const x = s.pos[2 * j];
      const y = s.pos[2 * j + 1];
      assert.ok(!overlap(la, { x0: x - r, y0: y - r, x1: x + r, y1: y + r }), `label ${la.text} on node ${j}`);
    }
    for (let k = 0; k < heads.length; k += 4) {
      assert.ok(!overlap(la, { x0: heads[k], y0: heads[k + 1], x1: heads[k + 2], y1: heads[k + 3] }), `label ${la.text} on an arrowhead`);
    }
  }
  // Every hidden label has a spot for the hover; placed ones have none to show.
  for (let i = 0; i < 200; i++) {
    if (s.labelOf[i] >= 0) assert.equal(hiddenLabel(s, i), null);
    else assert.equal(hiddenLabel(s, i).i, i);
    assert.equal(labelOfNode(s, i).i, i);
  }
  // Quick enough for every slider step (Chromium's own time is measured by the UI test).
  const t0 = performance.now();
  for (let k = 0; k < 5; k++) buildScene(graph, { width: 850, height: 400, threshold: k * 1e-4, colourBy: "value", measure });
  const ms = (performance.now() - t0) / 5;
  assert.ok(ms < 100, `buildScene ${ms.toFixed(1)} ms`);
});

// ---------------------------------------------------------------------------------------
// Heads.

test("heads: a kind of their own, drawn as rounded squares; unknown kinds stay circles", () => {
  assert.equal(normalizeNode({ kind: "head" }, 0).kind, "head");
  assert.equal(normalizeNode({ kind: "neuron" }, 0).kind, "variable");
  assert.equal(nodeShape("head"), 1);
  for (const k of ["variable", "site", "output", "neuron", ""]) assert.equal(nodeShape(k), 0);
  // The op menu is what Python lists, in its order.
  assert.deepEqual(normalizeNode({ kind: "head", editable: ["ablate", "scale"] }, 0).editable, ["ablate", "scale"]);
});

test("rimDistance: a circle's radius; a square's side, no farther than its rounded corner", () => {
  assert.equal(rimDistance(0, 10, 1, 0), 10);
  close(rimDistance(1, 10, 1, 0), SQUARE_HALF * 10);
  close(rimDistance(1, 10, 0, -1), SQUARE_HALF * 10);
  const d = rimDistance(1, 10, Math.SQRT1_2, Math.SQRT1_2);
  assert.ok(d > SQUARE_HALF * 10 && d < SQUARE_HALF * 10 * Math.SQRT2, `${d}`);
});

test("edge geometry: the arrow tip ends at the target's rim, for circles and squares", () => {
  for (const shape of [0, 1]) {
    const g = new Float32Array(GEOM_STRIDE);
    assert.ok(edgeGeometry(0, 0, 200, 0, 10, 2, g, 0, undefined, [0, shape]));
    const ux = g[2] - 200;
    const uy = g[3];
    const ul = Math.hypot(ux, uy);
    const rim = rimDistance(shape, 10, ux / ul, uy / ul);
    close(Math.hypot(g[6] - 200, g[7]), rim + 1.5);
  }
});

test("paint and SVG: heads as rounded squares, a hidden label shown on hover", () => {
  const graph = headGraph(3, 12, 2, 60);
  const s = buildScene(graph, { width: 300, height: 200, threshold: 0, colourBy: "value", measure });
  const ctx = recordingContext();
  paintScene(ctx, s);
  const count = (c, name) => c.calls.filter((x) => x[0] === name).length;
  assert.equal(count(ctx, "arc"), 2); // the outputs
  assert.equal(count(ctx, "arcTo"), 4 * 36); // four corners per head
  assert.equal(count(ctx, "fillText"), s.labels.length);
  const hidden = [...s.labelOf].findIndex((k) => k < 0);
  assert.ok(hidden >= 0, "some label is hidden");
  const hovered = recordingContext();
  paintScene(hovered, s, { hoverNode: hidden });
  assert.equal(count(hovered, "fillText"), s.labels.length + 1);
  assert.ok(hovered.calls.some((c) => c[0] === "fillText" && c[1] === graph.nodes[hidden].label));
  assert.equal(count(hovered, "fillRect"), 1); // its background box
  const svg = sceneToSVG(s);
  assert.equal((svg.match(/<rect class="head"/g) ?? []).length, 36);
  assert.equal((svg.match(/<circle/g) ?? []).length, 2);
  assert.ok(svg.includes('paint-order="stroke"'));
  assert.ok(!svg.includes("NaN"));
});

// ---------------------------------------------------------------------------------------
// The editor.

const SIZE = { w: 290, h: 130 };
const AREA = { width: 850, height: 270 };
const box = (p) => ({ x0: p.left, y0: p.top, x1: p.left + SIZE.w, y1: p.top + SIZE.h });
const ringBox = (n) => ({ x0: n.x - n.r - 6, y0: n.y - n.r - 6, x1: n.x + n.r + 6, y1: n.y + n.r + 6 });

test("editor: right of the node and its label, inside the plot", () => {
  const node = { x: 400, y: 240, r: 11 };
  const label = labelBox("above", 0, "velocity_x", 60, 400, 240, 11);
  const p = editorPlacement(node, label, SIZE, AREA);
  assert.equal(p.side, "right");
  assert.ok(p.left >= label.x1 + EDITOR_GAP - 1e-9);
  assert.ok(!overlap(box(p), ringBox(node)) && !overlap(box(p), label));
  assert.ok(p.top >= 0 && p.top + SIZE.h <= AREA.height);
});

test("editor: flips left at the right edge, below / above when neither side has room", () => {
  const out = { x: 780, y: 240, r: 11 };
  const label = labelBox("right", 0, "next x", 36, 780, 240, 11);
  const p = editorPlacement(out, label, SIZE, AREA);
  assert.equal(p.side, "left");
  assert.ok(!overlap(box(p), ringBox(out)) && !overlap(box(p), label));
  // A narrow plot: no room on either side, so under the node (top row) or over it (bottom).
  const narrow = { width: 320, height: 500 };
  const top = { x: 160, y: 30, r: 8 };
  const pt = editorPlacement(top, null, SIZE, narrow);
  assert.equal(pt.side, "below");
  assert.ok(!overlap(box(pt), ringBox(top)));
  const bottom = { x: 160, y: 470, r: 8 };
  const pb = editorPlacement(bottom, labelBox("above", 0, "abc", 18, 160, 470, 8), SIZE, narrow);
  assert.equal(pb.side, "above");
  assert.ok(!overlap(box(pb), ringBox(bottom)));
});

test("editor: in a plot too small for it, inside the plot and covering as little as it can", () => {
  const node = { x: 100, y: 60, r: 8 };
  const p = editorPlacement(node, null, SIZE, { width: 300, height: 150 });
  assert.ok(p.left >= 0 && p.top >= 0);
  for (let y = 10; y < 150; y += 37) {
    for (let x = 10; x < 300; x += 41) {
      const q = editorPlacement({ x, y, r: 6 }, null, { w: 120, h: 80 }, { width: 300, height: 150 });
      assert.ok(q.left >= 0 && q.left + 120 <= 300 && q.top >= 0 && q.top + 80 <= 150, JSON.stringify([x, y, q]));
    }
  }
});
