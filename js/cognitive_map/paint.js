// Painting CognitiveMap: the SVG map (streets, closed streets, the implied map, the route,
// the decoded positions, the intersections, the taxi at the shown step with the model's
// predicted moves, the steering target), the step strip, the readout, the scores and
// the legend. Colours are CSS variables (view.js), so a theme switch needs no repaint.

import { fillSelect, generationText } from "../shared/controls.js";
import { showError, svgEl } from "../shared/dom.js";
import { formatValue } from "../shared/format.js";
import { arrowHead, decodedXY, edgeEnd, END, frameOf, nodeXY, percent, predictionArrows, readoutLines, sideLine, toPx } from "./state.js";
import { MAX_SIDE } from "./view.js";

/** @typedef {import("./state.js").Data} Data */
/** @typedef {import("./state.js").Frame} Frame */
/** @typedef {import("./view.js").View} View */
/** @typedef {import("../shared/model.js").Model} Model */

/** Intersection dot radius and the pointer's reach around it (CSS px). */
export const DOT = 3.5;
export const HIT = 13;
/** Radius of the rings around the taxi's and the steered-to intersection (CSS px). */
export const RING = 10;
/** The steering methods of the select. */
export const METHODS = Object.freeze([
  { value: "mean_diff", label: "mean difference" },
  { value: "probe", label: "probe direction" },
]);

/**
 * A line with an arrowhead, in a group.
 * @param {Element} g
 * @param {number[]} line x1, y1, x2, y2
 * @param {string} cls line class
 * @param {string} headCls head class
 * @param {number} len head length
 * @param {number} half head half-width
 * @param {Record<string, string | number>} [attrs]
 */
function arrow(g, line, cls, headCls, len, half, attrs = {}) {
  const [x1, y1, x2, y2] = line;
  const l = Math.hypot(x2 - x1, y2 - y1) || 1;
  const back = Math.min(len * 0.6, l / 2); // the line stops under the head, not past its tip
  const ex = x2 - ((x2 - x1) / l) * back;
  const ey = y2 - ((y2 - y1) / l) * back;
  svgEl("line", { class: cls, x1, y1, x2: ex, y2: ey, ...attrs }, g);
  svgEl("polygon", { class: headCls, points: arrowHead(x1, y1, x2, y2, len, half).map((v) => v.toFixed(1)).join(" ") }, g);
}

/**
 * Paint the map into the SVG; returns what tests read (the arrows drawn).
 * @param {SVGSVGElement} svg
 * @param {Data} d
 * @param {Frame} f
 * @param {{step: number, showImplied: boolean, hover: number, steering: any}} o
 * @returns {{arrows: {token: string, at: number, p: number, legal: boolean, width: number}[]}}
 */
export function paintMap(svg, d, f, o) {
  svg.replaceChildren();
  const W = f.width;
  const H = (f.hi - f.lo) * f.scale + 16;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("width", String(W));
  svg.setAttribute("height", String(H));
  const P = (/** @type {number} */ u) => toPx(f, ...nodeXY(d, u));
  const g = (/** @type {string} */ cls) => svgEl("g", { class: cls }, svg);

  // axes: x below, y left (y up)
  const axis = g("iwm-axes");
  for (let i = 0; i < d.size; i++) {
    const [x] = toPx(f, i, 0);
    const [, y] = toPx(f, 0, i);
    svgEl("text", { class: "iwm-axis", x, y: toPx(f, 0, f.lo)[1] + 12, "text-anchor": "middle" }, axis).textContent = String(i);
    svgEl("text", { class: "iwm-axis", x: f.left - 6, y: y + 3.5, "text-anchor": "end" }, axis).textContent = String(i);
  }
  const sx = toPx(f, f.hi, f.lo);
  svgEl("text", { class: "iwm-axis", x: sx[0], y: sx[1] + 12, "text-anchor": "end" }, axis).textContent = "x →";
  const sy = toPx(f, f.lo, f.hi);
  svgEl("text", { class: "iwm-axis", x: f.left - 6, y: sy[1] + 8, "text-anchor": "end" }, axis).textContent = "y↑";

  // streets; one-way ones with a head at their middle pointing the way they go
  const streets = g("iwm-streets");
  for (const s of d.streets) {
    const [x1, y1] = P(s.u);
    const [x2, y2] = P(s.v);
    svgEl("line", { class: `iwm-street${s.kind === "diagonal" ? " iwm-diagonal" : ""}${s.oneWay ? " iwm-oneway" : ""}`, x1, y1, x2, y2, "data-street": `${s.u}-${s.v}` }, streets);
    if (s.oneWay) {
      const mx = (x1 + x2) / 2 + (x2 - x1) * 0.08;
      const my = (y1 + y2) / 2 + (y2 - y1) * 0.08;
      svgEl("polygon", { class: "iwm-oneway-head", points: arrowHead(x1, y1, mx, my, 10, 5.5).map((v) => v.toFixed(1)).join(" ") }, streets);
    }
  }
  // closed streets: a faint dotted line crossed out at its middle
  const closed = g("iwm-closed-streets");
  for (const [u, v] of d.closed) {
    const [x1, y1] = P(u);
    const [x2, y2] = P(v);
    svgEl("line", { class: "iwm-closed", x1, y1, x2, y2 }, closed);
    const mx = (x1 + x2) / 2;
    const my = (y1 + y2) / 2;
    const r = 4.5;
    svgEl("path", { class: "iwm-closed-x", d: `M${mx - r},${my - r}L${mx + r},${my + r}M${mx - r},${my + r}L${mx + r},${my - r}`, "data-closed": `${u}-${v}` }, closed);
  }

  // the implied map: false edges red, missing edges dashed (each direction to its right)
  if (o.showImplied) {
    const imp = g("iwm-implied-map");
    for (const [list, cls] of /** @type {const} */ ([[d.implied.missing, "iwm-missing"], [d.implied.falseEdges, "iwm-false"]])) {
      for (const e of list) {
        const [x1, y1] = P(e[0]);
        const [x2, y2] = toPx(f, ...edgeEnd(d, e));
        const line = sideLine(x1, y1, x2, y2, 4, DOT + 3);
        arrow(imp, line, cls, `${cls}-head`, 8, 4, { "data-edge": `${e[0]}:${e[1]}` });
      }
    }
  }

  // the route through the city, up to the end
  const route = g("iwm-route-g");
  const nodes = d.routeNodes.filter((u, i) => u >= 0 && (i === 0 || u !== d.routeNodes[i - 1]));
  if (nodes.length > 1) {
    svgEl("polyline", { class: "iwm-route", points: nodes.map((u) => P(u).map((v) => v.toFixed(1)).join(",")).join(" ") }, route);
  }

  // decoded positions: a dot and an arrow from the true position
  const dec = g("iwm-decoded");
  for (let u = 0; u < d.n; u++) {
    const q = decodedXY(d, u);
    if (!q) continue;
    const [x1, y1] = P(u);
    const [x2, y2] = toPx(f, q[0], q[1]);
    if (Math.hypot(x2 - x1, y2 - y1) > DOT + 2) svgEl("line", { class: "iwm-disp", x1, y1, x2, y2 }, dec);
    svgEl("circle", { class: "iwm-dec", cx: x2, cy: y2, r: 3.2, "data-decoded": u }, dec);
  }

  // intersections (the destination as a ring)
  const dots = g("iwm-nodes");
  for (let u = 0; u < d.n; u++) {
    const [x, y] = P(u);
    svgEl("circle", { class: `iwm-node-dot${u === d.destination ? " iwm-dest" : ""}`, cx: x, cy: y, r: u === d.destination ? DOT + 1.5 : DOT }, dots);
  }

  // the taxi at the shown step, the probe's reading there, the predicted moves
  /** @type {{token: string, at: number, p: number, legal: boolean, width: number}[]} */
  const drawn = [];
  const live = d.live && d.live.step === o.step ? d.live : null;
  const a = d.routeNodes[o.step];
  const now = g("iwm-now");
  if (a !== undefined && a >= 0 && a < d.n) {
    const [ax, ay] = P(a);
    svgEl("circle", { class: "iwm-current", cx: ax, cy: ay, r: RING }, now);
    if (live) {
      const b = live.target;
      if (b !== null && b >= 0 && b < d.n) {
        const [bx, by] = P(b);
        svgEl("circle", { class: "iwm-target", cx: bx, cy: by, r: RING }, now);
        arrow(now, sideLine(ax, ay, bx, by, 0, RING + 2), "iwm-steer-line", "iwm-steer-head", 9, 4.5);
      }
      const sets = /** @type {[number, boolean[], string][]} */ ([[a, live.legal_node, "iwm-at-node"]]);
      if (b !== null && b >= 0 && b < d.n && live.legal_target.length === 9) sets.push([b, live.legal_target, "iwm-at-target"]);
      for (const [u, legal, where] of sets) {
        for (const ar of predictionArrows(d, live, f, u, legal)) {
          const cls = `iwm-pred ${ar.legal ? "iwm-legal" : "iwm-illegal"} ${where}`;
          if (ar.ring) {
            svgEl("circle", { class: cls, cx: ar.x1, cy: ar.y1, r: RING + 3 + ar.width / 2, "stroke-width": ar.width, "data-token": END }, now);
          } else {
            const l = sideLine(ar.x1, ar.y1, ar.x2, ar.y2, 0, 0);
            const [x1, y1] = sideLine(ar.x1, ar.y1, ar.x2, ar.y2, 0, RING + 2); // start outside the ring
            const line = [x1, y1, l[2], l[3]];
            arrow(now, line, cls, `iwm-pred-head ${ar.legal ? "iwm-legal" : "iwm-illegal"}`, 6 + ar.width, 3 + ar.width * 0.7, { "stroke-width": ar.width, "data-token": ar.token });
          }
          drawn.push({ token: ar.token, at: u, p: ar.p, legal: ar.legal, width: ar.width });
        }
      }
      if (live.decoded) {
        const [qx, qy] = toPx(f, live.decoded[0], live.decoded[1]);
        // (steered: the orange arrow already leads there)
        if (b === null && Math.hypot(qx - ax, qy - ay) > 4) svgEl("line", { class: "iwm-live-line", x1: ax, y1: ay, x2: qx, y2: qy }, now);
        const r = 6;
        svgEl("path", { class: `iwm-live${b !== null ? " iwm-steered" : ""}`, d: `M${qx},${qy - r}L${qx + r},${qy}L${qx},${qy + r}L${qx - r},${qy}Z`, "data-live": "decoded" }, now);
      }
    }
  }
  // the route's origin and destination, labelled as their tokens (over the arrows)
  const ends = g("iwm-ends");
  const origin = d.routeNodes.find((u) => u >= 0);
  for (const [u, text] of /** @type {[number | undefined, string][]} */ ([[origin, "o"], [d.destination, "d"]])) {
    if (u === undefined || u < 0 || u >= d.n) continue;
    const [x, y] = P(u);
    svgEl("text", { class: "iwm-end-label", x: x - 8, y: y + 17, "text-anchor": "end" }, ends).textContent = `${text}:${u}`;
  }

  if (o.hover >= 0 && o.hover < d.n) {
    const [hx, hy] = P(o.hover);
    svgEl("circle", { class: "iwm-hover-ring", cx: hx, cy: hy, r: 7 }, svg);
  }
  // what the pointer catches, on top of everything
  const hits = g("iwm-hits");
  for (let u = 0; u < d.n; u++) {
    const [x, y] = P(u);
    svgEl("circle", { class: "iwm-hit", cx: x, cy: y, r: HIT, "data-node": u }, hits);
  }
  return { arrows: drawn };
}

/**
 * The step strip: one button per token; the steps that can be shown are enabled.
 * @param {View} view
 * @param {Data} d
 * @param {number} step
 */
function paintStrip(view, d, step) {
  const key = `${d.tokens.join(" ")}|${d.steps.join(",")}`;
  if (view.strip.dataset.key !== key) {
    view.strip.dataset.key = key;
    const label = document.createElement("span");
    label.className = "iwm-strip-label";
    label.textContent = "route:";
    const buttons = d.tokens.map((tok, i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "iwm-tok";
      b.dataset.step = String(i);
      const idx = document.createElement("span");
      idx.className = "iwm-tok-i";
      idx.textContent = String(i);
      b.append(idx, tok);
      b.disabled = !d.steps.includes(i);
      b.title = b.disabled ? (i === 0 ? "the origin: the next token is the destination" : "after END: nothing to predict") : `show step ${i}: the taxi at ${d.routeNodes[i]}`;
      return b;
    });
    view.strip.replaceChildren(label, ...buttons);
  }
  for (const b of view.strip.querySelectorAll("button.iwm-tok")) {
    b.setAttribute("aria-pressed", String(Number(/** @type {HTMLElement} */ (b).dataset.step) === step));
  }
}

/**
 * The scores: the probe at its layer and the implied map (text only: no markup from data).
 * @param {View} view
 * @param {Data} d
 * @param {any} probe probe_info
 * @param {boolean} showImplied
 */
function paintScores(view, d, probe, showImplied) {
  const r2 = (/** @type {any} */ v) => (typeof v === "number" ? v.toFixed(3) : "–");
  const imp = d.implied;
  const pct = (/** @type {number | null} */ v) => (v === null ? "–" : `${(100 * v).toFixed(1)}%`);
  const err = typeof probe.mean_error === "number" ? formatValue(probe.mean_error) : "–";
  /** @type {(string | [string])[][]} parts; [text] is bold */
  const lines = [
    [["position probe"], ` at ${String(probe.layer ?? "")}: R² `, [r2(probe.r2)], ` (shuffled labels ${r2(probe.r2_shuffled)}; dead reckoning from the moves ${r2(probe.dead_reckoning)})`],
    [`decoded intersections are off by ${err} blocks on average`],
    [["implied map"], `: ${imp.nTrue} true streets, `, [String(imp.falseEdges.length)], " false, ", [String(imp.missing.length)], " missing · precision ", [pct(imp.precision)], ", recall ", [pct(imp.recall)], showImplied ? "" : " (tick “implied map” to draw them)"],
  ];
  view.scores.replaceChildren(
    ...lines.map((parts) => {
      const div = document.createElement("div");
      for (const part of parts) {
        if (typeof part === "string") div.append(part);
        else {
          const b = document.createElement("b");
          b.textContent = part[0];
          div.append(b);
        }
      }
      return div;
    }),
  );
}

/**
 * A legend entry: a small SVG swatch and its text.
 * @param {string} svgInner
 * @param {string} text
 * @param {string} [cls]
 */
function item(svgInner, text, cls = "") {
  const s = document.createElement("span");
  if (cls) s.className = cls;
  s.innerHTML = `<svg width="26" height="14" viewBox="0 0 26 14" aria-hidden="true">${svgInner}</svg>`;
  s.append(text);
  return s;
}

/**
 * The legend of what is drawn.
 * @param {View} view
 * @param {Data} d
 * @param {boolean} showImplied
 * @param {boolean} steered
 */
function paintLegend(view, d, showImplied, steered) {
  const head = (/** @type {string} */ cls) => `<polygon class="${cls}" points="24,7 17,3 17,11"/>`;
  const items = [
    item(`<line class="iwm-sw-street" x1="2" y1="7" x2="24" y2="7"/>`, "street"),
    item(`<line class="iwm-sw-street" x1="2" y1="7" x2="24" y2="7"/><polygon class="iwm-oneway-head" points="18,7 10,2.5 10,11.5"/>`, "one-way street"),
    item(`<line class="iwm-closed" x1="2" y1="7" x2="24" y2="7"/><path class="iwm-closed-x" d="M9,3L17,11M9,11L17,3"/>`, "closed street"),
    item(`<circle class="iwm-node-dot" cx="5" cy="7" r="3.5"/><line class="iwm-disp" x1="5" y1="7" x2="19" y2="7"/><circle class="iwm-dec" cx="20" cy="7" r="3.2"/>`, "intersection → where the probe decodes it"),
    item(`<line class="iwm-route" x1="3" y1="7" x2="23" y2="7" style="stroke-width:7"/>`, "route"),
    item(`<circle class="iwm-current" cx="13" cy="7" r="5.5" style="stroke-width:2.5"/>`, "taxi at the step"),
    item(`<path class="iwm-live" d="M13,1L19,7L13,13L7,7Z"/>`, "probe reading at the step"),
    item(`<line class="iwm-pred iwm-legal" x1="2" y1="7" x2="17" y2="7" style="stroke-width:4"/>${head("iwm-pred-head iwm-legal")}`, "predicted move, legal here"),
    item(`<line class="iwm-pred iwm-illegal" x1="2" y1="7" x2="17" y2="7" style="stroke-width:4"/>${head("iwm-pred-head iwm-illegal")}`, "predicted move, illegal here"),
    item(`<circle class="iwm-pred iwm-legal" cx="13" cy="7" r="5" style="stroke-width:2.5"/>`, "END (ring)"),
  ];
  if (steered) items.push(item(`<circle class="iwm-target" cx="20" cy="7" r="5" style="stroke-width:2.5"/><line class="iwm-steer-line" x1="2" y1="7" x2="14" y2="7"/>`, "steered to"));
  if (showImplied) {
    items.push(item(`<line class="iwm-false" x1="2" y1="7" x2="18" y2="7"/>${head("iwm-false-head")}`, `false street: implied, not in the city (${d.implied.falseEdges.length})`, "iwm-legend-implied"));
    items.push(item(`<line class="iwm-missing" x1="2" y1="7" x2="18" y2="7"/>${head("iwm-missing-head")}`, `missing street: in the city, not implied (${d.implied.missing.length})`, "iwm-legend-implied"));
  }
  view.legend.replaceChildren(...items);
}

/**
 * Paint the whole view; returns the frame of the map drawn (null without data).
 * @param {{data: Data | null, localError: string, hover: number, renderCount: number}} state
 * @param {View} view
 * @param {Pick<Model, "get">} model
 * @returns {Frame | null}
 */
export function paint(state, view, model) {
  const { root } = view;
  view.title.textContent = model.get("title") || "";
  view.status.classList.toggle("iwm-idle", model.get("status") !== "running");
  view.genBadge.textContent = generationText(model);
  showError(root, view.errors, [model.get("error") || "", state.localError]);
  if (view.method.options.length !== METHODS.length) fillSelect(view.method, METHODS);
  view.method.value = String(model.get("steer_method") || "mean_diff");
  const showImplied = !!model.get("show_implied");
  view.implied.checked = showImplied;
  const steering = model.get("steering") || {};
  const steered = Number.isInteger(steering.target);
  view.clear.disabled = !steered;
  state.renderCount++;
  root.dataset.renderCount = String(state.renderCount);
  root.dataset.generation = String(model.get("generation") ?? 0);
  const d = state.data;
  if (!d) return null;
  const step = Number(model.get("step"));
  root.dataset.step = String(step);
  paintStrip(view, d, step);
  const width = Math.max(260, Math.min(MAX_SIDE, Math.floor(view.plot.clientWidth || MAX_SIDE)));
  const f = frameOf(width, d.size);
  const { arrows } = paintMap(view.svg, d, f, { step, showImplied, hover: state.hover, steering });
  root.dataset.arrows = JSON.stringify(arrows.map((a) => [a.token, a.at, Math.round(a.p * 1e4) / 1e4, a.legal]));
  root.dataset.implied = showImplied ? `false:${d.implied.falseEdges.length} missing:${d.implied.missing.length}` : "";
  const live = d.live && d.live.step === step ? d.live : null;
  root.dataset.live = live ? JSON.stringify({ step: live.step, node: live.node, target: live.target, decoded: live.decoded, top: live.top }) : "";
  view.readout.replaceChildren(
    ...(live ? readoutLines(d, live, steering) : [{ kind: "wait", text: "waiting for the model…" }]).map((l) => {
      const div = document.createElement("div");
      div.className = `iwm-r-${l.kind}`;
      div.textContent = l.text;
      return div;
    }),
  );
  paintScores(view, d, model.get("probe_info") || {}, showImplied);
  paintLegend(view, d, showImplied, steered);
  view.svg.setAttribute("aria-label", live ? `the city; the taxi at ${live.node}; the model predicts ${live.top} (${percent(live.top_p)})` : "the city");
  return f;
}
