// What CausalGraph says in words: signed changes, the tooltips of nodes and edges, the
// edge count, the output readout and the ground-truth badge.

import { formatValue } from "../shared/format.js";

/** @typedef {import("./graph.js").Graph} Graph */
/** @typedef {import("./scene.js").Scene} Scene */

/**
 * A change with its sign ("+0.02", "−0.4100", "0").
 * @param {any} v
 * @returns {string}
 */
export function formatSigned(v) {
  const s = formatValue(v);
  const x = Number(v);
  if (!Number.isFinite(x) || x === 0) return s;
  return x > 0 ? `+${s}` : `−${s.slice(1)}`;
}

/**
 * The output readout: "label: before → after", changed when the two differ beyond
 * float noise; null when the trait is empty.
 * @param {any} output {label, before, after}
 * @returns {{text: string, delta: string, changed: boolean} | null}
 */
export function outputReadout(output) {
  if (!output || typeof output !== "object" || !("before" in output || "after" in output)) return null;
  const before = Number(output.before);
  const after = Number(output.after);
  const label = output.label ? String(output.label) : "output";
  const scale = Math.max(1, Math.abs(before), Math.abs(after));
  const changed = Number.isFinite(before) && Number.isFinite(after) ? Math.abs(after - before) > 1e-6 * scale : before !== after && !(Number.isNaN(before) && Number.isNaN(after));
  const delta = changed && Number.isFinite(after - before) ? `(${formatSigned(after - before)})` : "";
  return { text: `${label}: ${formatValue(output.before)} → ${formatValue(output.after)}`, delta, changed };
}

/**
 * The ground-truth badge: "" when there is no score. Its title names the missed and extra
 * edges when the score lists them.
 * @param {any} score {precision, recall, true_edges, found_edges, missed?, extra?}
 * @returns {{text: string, title: string}}
 */
export function scoreBadge(score) {
  if (!score || typeof score !== "object" || !("precision" in score || "recall" in score)) return { text: "", title: "" };
  const pct = (/** @type {any} */ v) => (Number.isFinite(Number(v)) ? `${Math.round(100 * Number(v))}%` : "–");
  const found = Number.isFinite(Number(score.found_edges)) ? Number(score.found_edges) : null;
  const truth = Number.isFinite(Number(score.true_edges)) ? Number(score.true_edges) : null;
  const counts = found !== null && truth !== null ? ` · ${found} found / ${truth} true edges` : "";
  let title =
    "Scored against the simulator's true causal graph: precision = share of the edges found that are true edges, " +
    "recall = share of the true edges that were found.";
  for (const [key, name] of [
    ["missed", "missed"],
    ["extra", "found but not true"],
  ]) {
    const list = Array.isArray(score[key]) ? score[key].map(String) : [];
    if (list.length) title += `\n${name}: ${list.join(", ")}`;
  }
  if (found === 0 && truth === 0) {
    // Precision and recall of nothing are 1 by convention: say what it means instead.
    return { text: "vs ground truth: no variable → output pairs to score", title: `${title}\nNo pair of nodes here maps to a true variable and an output.` };
  }
  return { text: `vs ground truth: precision ${pct(score.precision)} · recall ${pct(score.recall)}${counts}`, title };
}

/**
 * What the tooltip says about a node, as [key, text] lines.
 * @param {Graph} graph
 * @param {Scene | null} scene for the counts of drawn edges
 * @param {number} i
 * @returns {[string, string][]}
 */
export function nodeTooltip(graph, scene, i) {
  const d = graph.nodes[i];
  /** @type {[string, string][]} */
  const lines = [["node", d.label === d.id ? d.label : `${d.label} (${d.id})`]];
  if (d.site) lines.push(["site", d.site]);
  lines.push(["kind", d.kind], ["value", formatValue(d.value)], ["moved", formatSigned(d.moved)]);
  if (d.truth) lines.push(["truth", d.truth]);
  if (scene) {
    let nin = 0;
    let nout = 0;
    for (let k = 0; k < scene.edges.length; k++) {
      if (scene.dst[k] === i) nin++;
      if (scene.src[k] === i) nout++;
    }
    lines.push(["edges", `${nin} in · ${nout} out`]);
  }
  if (d.edited) lines.push(["edited", "yes"]);
  lines.push(["", d.editable.length ? "click to edit" : "not editable"]);
  return lines;
}

/**
 * What the tooltip says about an edge, as [key, text] lines.
 * @param {Graph} graph
 * @param {number} k index into graph.edges
 * @returns {[string, string][]}
 */
export function edgeTooltip(graph, k) {
  const { src, dst, effect, se, lo, hi } = graph.edges;
  const edge = /** @type {[string, string]} */ (["edge", `${graph.nodes[src[k]].label} → ${graph.nodes[dst[k]].label}`]);
  const n = graph.nInputs ?? 1;
  if (n > 1 && se && Number.isFinite(se[k])) {
    return [edge, ["effect", effectInterval(effect[k], se[k], lo[k], hi[k], n)]];
  }
  return [edge, ["effect", formatSigned(effect[k])]];
}

/**
 * An average effect with its spread: "mean ± se (95% CI [lo, hi]), n=B".
 * @param {number} mean
 * @param {number} se
 * @param {number} lo
 * @param {number} hi
 * @param {number} n
 * @returns {string}
 */
export function effectInterval(mean, se, lo, hi, n) {
  const plain = (/** @type {number} */ v) => {
    const s = formatValue(v);
    return s.startsWith("-") ? `−${s.slice(1)}` : s;
  };
  return `${formatSigned(mean)} ± ${formatValue(se)} (95% CI [${plain(lo)}, ${plain(hi)}]), n=${n}`;
}

/**
 * The edge count under the toolbar: "3 of 5 edges", and over a batch what the effects
 * are ("· mean of 8 inputs", "· 95% CI excludes 0" when only those edges were sent).
 * @param {number} drawn
 * @param {Graph} graph
 * @param {boolean} significant
 * @returns {string}
 */
export function edgeCountText(drawn, graph, significant) {
  const n = graph.nInputs ?? 1;
  let text = `${drawn} of ${graph.edges.n} edges`;
  if (n > 1) text += ` · mean of ${n} inputs${significant ? " · 95% CI excludes 0" : ""}`;
  return text;
}
