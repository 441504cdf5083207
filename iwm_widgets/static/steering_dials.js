// Generated from js/steering_dials.js by scripts/build_js.mjs (npm run build). Do not edit.

// js/transport.js
var ITEMSIZE = Object.freeze({ float32: 4, float16: 2, uint8: 1, int32: 4 });
function numel(shape) {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`invalid shape ${JSON.stringify(shape)}`);
    n *= d;
  }
  return n;
}
function bytesOf(buffer) {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  throw new TypeError(`buffer must be a DataView, ArrayBuffer or typed array, got ${Object.prototype.toString.call(buffer)}`);
}
function aligned(bytes, align) {
  if (bytes.byteOffset % align === 0) return [
    /** @type {ArrayBuffer} */
    bytes.buffer,
    bytes.byteOffset
  ];
  return [
    /** @type {ArrayBuffer} */
    bytes.slice().buffer,
    0
  ];
}
function halfToFloat(h3) {
  const sign = h3 & 32768 ? -1 : 1;
  const exp = h3 >> 10 & 31;
  const frac = h3 & 1023;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
var HALF_TABLE = null;
function decode(payload) {
  if (!payload || typeof payload !== "object") throw new TypeError("payload must be {buffer, dtype, shape}");
  const { buffer, dtype } = payload;
  const shape = Array.from(payload.shape ?? [], Number);
  const size = ITEMSIZE[dtype];
  if (!size) throw new Error(`unsupported dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(ITEMSIZE).join(", ")}`);
  const n = numel(shape);
  const bytes = bytesOf(buffer);
  if (bytes.byteLength !== n * size) {
    throw new Error(`buffer has ${bytes.byteLength} bytes, shape ${JSON.stringify(shape)} of ${dtype} needs ${n * size}`);
  }
  if (dtype === "uint8") return { data: bytes, shape };
  const [buf, off] = aligned(bytes, size);
  if (dtype === "float32") return { data: new Float32Array(buf, off, n), shape };
  if (dtype === "int32") return { data: new Int32Array(buf, off, n), shape };
  if (HALF_TABLE === null) {
    HALF_TABLE = new Float32Array(65536);
    for (let h3 = 0; h3 < 65536; h3++) HALF_TABLE[h3] = halfToFloat(h3);
  }
  const halves = new Uint16Array(buf, off, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = HALF_TABLE[halves[i]];
  return { data: out, shape };
}

// js/lm_panel.js
var LM_COLORS = Object.freeze({ before: "#1f77b4", after: "#ff7f0e" });
var MAX_DIFF_CELLS = 1e6;
function readTopK(entry) {
  if (!entry || typeof entry !== "object") return null;
  const tokens = Array.from(entry.tokens ?? [], (t) => String(t));
  let probs = [];
  const p = entry.probs;
  if (p && p.buffer) probs = Array.from(decode(p).data, Number);
  else if (Array.isArray(p)) probs = p.map(Number);
  if (probs.length !== tokens.length) {
    throw new Error(`top-k has ${tokens.length} tokens but ${probs.length} probabilities`);
  }
  return { tokens, probs };
}
function readLm(lm) {
  if (!lm || typeof lm !== "object" || Object.keys(lm).length === 0) return null;
  const after = lm.continuation_after;
  return {
    prompt: Array.from(lm.prompt ?? [], (t) => String(t)),
    before: readTopK(lm.before),
    after: readTopK(lm.after),
    continuationBefore: typeof lm.continuation_before === "string" ? lm.continuation_before : "",
    continuationAfter: typeof after === "string" ? after : null
  };
}
function formatProb(p) {
  if (p === null || p === void 0 || p === "" || !Number.isFinite(Number(p))) return "–";
  const pct = Math.max(0, Number(p)) * 100;
  if (pct === 0) return "0%";
  if (pct >= 9.95) return `${Math.round(pct)}%`;
  if (pct >= 0.995) return `${pct.toFixed(1)}%`;
  if (pct >= 0.0995) return `${pct.toFixed(2)}%`;
  return "<0.1%";
}
function showToken(token) {
  const t = String(token ?? "");
  if (t === "") return "∅";
  return t.replace(/\r?\n/g, "↵").replace(/\t/g, "⇥").replace(/ /g, "␣");
}
function newTokenFlags(before, after) {
  const seen = new Set(before);
  return after.map((t) => !seen.has(t));
}
function previousProbs(before, after) {
  const p = /* @__PURE__ */ new Map();
  before.tokens.forEach((t, i) => {
    if (!p.has(t)) p.set(t, before.probs[i]);
  });
  return after.map((t) => p.has(t) ? (
    /** @type {number} */
    p.get(t)
  ) : null);
}
function barScale(...charts) {
  let m = 0;
  for (const c of charts) for (const p of c?.probs ?? []) if (Number.isFinite(p)) m = Math.max(m, p);
  return Math.max(m, 1e-9);
}
function scopeMask(scope, scopeStart, n) {
  if (!(n > 0)) return [];
  const t = Math.min(n - 1, Math.max(0, Math.trunc(Number(scopeStart)) || 0));
  const first = scope === "rollout" ? n - 1 : t;
  return Array.from({ length: n }, (_, i) => scope === "once" ? i === t : i >= first);
}
function spacedTokens(prompt, ...continuations) {
  if (prompt.slice(1).some((t) => /^\s/.test(t))) return false;
  if (prompt.some((t) => /\s$/.test(t))) return false;
  return !continuations.some((c) => typeof c === "string" && /^\s/.test(c));
}
function promptText(prompt, ...continuations) {
  const spaced = spacedTokens(prompt, ...continuations);
  return { text: prompt.join(spaced ? " " : ""), glue: spaced && prompt.length ? " " : "" };
}
function splitWords(text) {
  const out = [];
  const re = /(\s*)(\S+)/g;
  let m;
  while ((m = re.exec(String(text ?? ""))) !== null) out.push({ sep: m[1], word: m[2] });
  return out;
}
function diffWords(a, b) {
  const wa = splitWords(a);
  const wb = splitWords(b);
  const n = wa.length;
  const m = wb.length;
  const keepA = new Array(n).fill(false);
  const keepB = new Array(m).fill(false);
  if (n * m > MAX_DIFF_CELLS) {
    for (let i = 0; i < Math.min(n, m); i++) keepA[i] = keepB[i] = wa[i].word === wb[i].word;
  } else if (n && m) {
    const L = new Uint32Array((n + 1) * (m + 1));
    for (let i2 = n - 1; i2 >= 0; i2--) {
      for (let j2 = m - 1; j2 >= 0; j2--) {
        L[i2 * (m + 1) + j2] = wa[i2].word === wb[j2].word ? L[(i2 + 1) * (m + 1) + j2 + 1] + 1 : Math.max(L[(i2 + 1) * (m + 1) + j2], L[i2 * (m + 1) + j2 + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (wa[i].word === wb[j].word) {
        keepA[i++] = true;
        keepB[j++] = true;
      } else if (L[(i + 1) * (m + 1) + j] >= L[i * (m + 1) + j + 1]) i++;
      else j++;
    }
  }
  const mark = (w, keep) => w.map((x, k) => ({ sep: x.sep, word: x.word, changed: !keep[k] }));
  const outB = mark(wb, keepB);
  return { a: mark(wa, keepA), b: outB, changed: outB.filter((x) => x.changed).length };
}
var LM_CSS = `
.iwm-lm { display: flex; flex-direction: column; gap: 10px; min-width: 0; }
.iwm-lm [hidden] { display: none !important; }
.iwm-lm .iwm-lm-heading { font-weight: 600; margin-bottom: 3px; }
.iwm-lm .iwm-lm-note { color: var(--iwm-muted, #666); font-size: 0.85em; font-weight: normal; }
.iwm-lm .iwm-lm-prompt { display: flex; flex-wrap: wrap; gap: 4px 3px; align-items: flex-start; }
.iwm-lm .iwm-lm-chip {
  display: inline-flex; flex-direction: column; align-items: center; min-width: 1.4em;
  padding: 1px 5px 0 5px; border: 1px solid var(--jp-border-color2, #ccc); border-radius: 3px;
  background: var(--jp-layout-color2, #f2f2f2); line-height: 1.25;
}
.iwm-lm .iwm-lm-chip-text { font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px; white-space: pre; }
.iwm-lm .iwm-lm-chip-index { color: var(--iwm-faint, #999); font-size: 9px; font-variant-numeric: tabular-nums; }
.iwm-lm .iwm-lm-chip[data-in-scope="1"] { border: 1px dashed var(--iwm-edit, #e8700a); }
.iwm-lm.iwm-lm-edited .iwm-lm-chip[data-in-scope="1"] {
  border-style: solid; background: rgba(255, 127, 14, 0.18); box-shadow: inset 0 -2px 0 var(--iwm-edit, #e8700a);
}
.iwm-lm .iwm-lm-charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(230px, 1fr)); gap: 10px 18px; }
.iwm-lm .iwm-lm-chart { min-width: 0; }
.iwm-lm .iwm-lm-rows { display: flex; flex-direction: column; gap: 3px; }
.iwm-lm .iwm-lm-row {
  display: grid; grid-template-columns: minmax(4.5em, 8.5em) 1fr 3.6em; align-items: center; gap: 6px;
  font-size: 12px; line-height: 16px;
}
.iwm-lm .iwm-lm-token {
  display: flex; justify-content: flex-end; align-items: center; gap: 4px; min-width: 0;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); white-space: pre;
}
.iwm-lm .iwm-lm-token-text { overflow: hidden; text-overflow: ellipsis; }
.iwm-lm .iwm-lm-new {
  flex: none; padding: 0 3px; border-radius: 6px; font-family: var(--jp-ui-font-family, sans-serif);
  font-size: 9px; line-height: 12px; font-weight: 600; color: #fff; background: var(--iwm-edit, #e8700a);
}
.iwm-lm .iwm-lm-row[data-dropped="1"] .iwm-lm-token-text { color: var(--iwm-muted, #666); text-decoration: line-through; }
.iwm-lm .iwm-lm-track { position: relative; height: 12px; background: var(--jp-layout-color2, #f0f0f0); border-radius: 2px; }
.iwm-lm .iwm-lm-bar { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 2px; }
.iwm-lm .iwm-lm-was { position: absolute; top: -2px; bottom: -2px; width: 0; border-left: 2px solid ${LM_COLORS.before}; }
.iwm-lm .iwm-lm-pct { text-align: right; font-variant-numeric: tabular-nums; color: var(--jp-ui-font-color1, #222); }
.iwm-lm .iwm-lm-hint {
  display: flex; align-items: center; justify-content: center; min-height: 96px; padding: 6px;
  color: var(--iwm-muted, #666); font-style: italic; text-align: center;
  border: 1px dashed var(--jp-border-color1, #bbb); border-radius: 2px;
}
.iwm-lm .iwm-lm-legend { color: var(--iwm-muted, #666); font-size: 11px; margin-top: 3px; }
.iwm-lm .iwm-lm-legend i { display: inline-block; width: 0; height: 10px; margin: 0 3px -1px 6px; border-left: 2px solid ${LM_COLORS.before}; }
.iwm-lm .iwm-lm-conts { display: flex; flex-direction: column; gap: 4px; }
.iwm-lm .iwm-lm-cont { display: grid; grid-template-columns: 6.5em 1fr; gap: 8px; align-items: baseline; }
.iwm-lm .iwm-lm-cont-label { font-size: 12px; font-weight: 600; border-left: 3px solid; padding-left: 5px; }
.iwm-lm .iwm-lm-cont[data-cont="before"] .iwm-lm-cont-label { border-color: ${LM_COLORS.before}; }
.iwm-lm .iwm-lm-cont[data-cont="after"] .iwm-lm-cont-label { border-color: ${LM_COLORS.after}; }
.iwm-lm .iwm-lm-cont-text {
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px; line-height: 1.6;
  white-space: pre-wrap; overflow-wrap: anywhere;
}
.iwm-lm .iwm-lm-cont-prompt { color: var(--iwm-muted, #666); }
.iwm-lm .iwm-lm-word { font-weight: 600; }
.iwm-lm .iwm-lm-cont[data-cont="before"] .iwm-lm-word.iwm-lm-changed { background: rgba(31, 119, 180, 0.2); text-decoration: line-through; text-decoration-color: rgba(31, 119, 180, 0.8); }
.iwm-lm .iwm-lm-cont[data-cont="after"] .iwm-lm-word.iwm-lm-changed { background: rgba(255, 127, 14, 0.3); box-shadow: inset 0 -2px 0 ${LM_COLORS.after}; }
.iwm-lm .iwm-lm-cont-hint { color: var(--iwm-muted, #666); font-style: italic; font-family: var(--jp-ui-font-family, sans-serif); }
.iwm-lm .iwm-lm-same { margin-left: 8px; color: var(--iwm-muted, #666); font-size: 11px; font-style: italic; font-family: var(--jp-ui-font-family, sans-serif); }
`;
function h(tag, className, parent) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (parent) parent.appendChild(e);
  return e;
}
function createLmPanel() {
  const el = h("div", "iwm-lm");
  el.dataset.lmPanel = "1";
  const promptBox = h("div", "iwm-lm-section", el);
  const promptHead = h("div", "iwm-lm-heading", promptBox);
  promptHead.append("prompt ");
  const scopeNote = h("span", "iwm-lm-note", promptHead);
  const chips = h("div", "iwm-lm-prompt", promptBox);
  chips.setAttribute("role", "list");
  chips.setAttribute("aria-label", "prompt tokens");
  const charts = h("div", "iwm-lm-charts", el);
  const before = chart("before", "next token — unedited", charts);
  const after = chart("after", "next token — with edits", charts);
  const legend = h("div", "iwm-lm-legend", el);
  const contBox = h("div", "iwm-lm-section", el);
  const contHead = h("div", "iwm-lm-heading", contBox);
  contHead.append("greedy continuation ");
  const contNote = h("span", "iwm-lm-note", contHead);
  const conts = h("div", "iwm-lm-conts", contBox);
  const contBefore = continuation("before", "unedited", conts);
  const contAfter = continuation("after", "with edits", conts);
  function chart(name, title, parent) {
    const box = h("div", "iwm-lm-chart", parent);
    box.dataset.chart = name;
    h("div", "iwm-lm-heading", box).textContent = title;
    const rows = h("div", "iwm-lm-rows", box);
    rows.setAttribute("role", "list");
    rows.setAttribute("aria-label", title);
    const hint = h("div", "iwm-lm-hint", box);
    return { box, rows, hint };
  }
  function continuation(name, label, parent) {
    const row = h("div", "iwm-lm-cont", parent);
    row.dataset.cont = name;
    h("span", "iwm-lm-cont-label", row).textContent = label;
    const text = h("div", "iwm-lm-cont-text", row);
    return { row, text };
  }
  function fillChart(c, top, scale, color, hint, marks = {}) {
    const has = !!top && top.tokens.length > 0;
    c.box.dataset.empty = has ? "0" : "1";
    c.hint.hidden = has;
    c.hint.textContent = hint;
    c.rows.hidden = !has;
    if (!has) {
      c.rows.replaceChildren();
      return;
    }
    const t = (
      /** @type {TopK} */
      top
    );
    c.rows.replaceChildren(
      ...t.tokens.map((token, i) => {
        const p = t.probs[i];
        const row = h("div", "iwm-lm-row");
        row.setAttribute("role", "listitem");
        row.dataset.token = token;
        row.dataset.prob = String(p);
        const isNew = !!marks.isNew?.[i];
        row.dataset.new = isNew ? "1" : "0";
        if (marks.dropped?.[i]) {
          row.dataset.dropped = "1";
        }
        const was = marks.was?.[i];
        const label = h("span", "iwm-lm-token", row);
        const text = h("span", "iwm-lm-token-text", label);
        text.textContent = showToken(token);
        if (isNew) {
          const badge = h("span", "iwm-lm-new", label);
          badge.textContent = "new";
          badge.title = "not in the unedited top-k";
        }
        const track = h("span", "iwm-lm-track", row);
        const bar = h("span", "iwm-lm-bar", track);
        bar.style.width = `${(100 * Math.max(0, Math.min(1, p / scale))).toFixed(2)}%`;
        bar.style.background = color;
        if (was !== null && was !== void 0) {
          const tick = h("span", "iwm-lm-was", track);
          tick.style.left = `calc(${(100 * Math.max(0, Math.min(1, was / scale))).toFixed(2)}% - 1px)`;
        }
        h("span", "iwm-lm-pct", row).textContent = formatProb(p);
        const extra = isNew ? ", new in the top-k" : was !== null && was !== void 0 ? `, unedited ${formatProb(was)}` : marks.dropped?.[i] ? ", not in the edited top-k" : "";
        row.title = `${JSON.stringify(token)}: ${formatProb(p)}${extra}`;
        row.setAttribute("aria-label", row.title);
        return row;
      })
    );
  }
  function fillContinuation(c, prompt, words, hint, changed) {
    c.row.dataset.changed = String(changed);
    const parts = [];
    const head = h("span", "iwm-lm-cont-prompt");
    head.textContent = prompt.text;
    parts.push(head);
    if (words === null) {
      const hintEl = h("span", "iwm-lm-cont-hint");
      hintEl.textContent = ` ${hint}`;
      parts.push(hintEl);
    } else {
      words.forEach((w, i) => {
        parts.push(document.createTextNode(i === 0 ? w.sep || prompt.glue : w.sep));
        const span = h("span", `iwm-lm-word${w.changed ? " iwm-lm-changed" : ""}`);
        span.textContent = w.word;
        if (w.changed) span.dataset.changed = "1";
        parts.push(span);
      });
    }
    c.text.replaceChildren(...parts);
    c.row.hidden = false;
  }
  function update(state) {
    const lm = state.lm;
    if (!lm) {
      el.hidden = true;
      return;
    }
    el.hidden = false;
    const edited = !!lm.after;
    el.classList.toggle("iwm-lm-edited", edited);
    el.dataset.edited = edited ? "1" : "0";
    const mask = scopeMask(state.scope, state.scopeStart, lm.prompt.length);
    chips.replaceChildren(
      ...lm.prompt.map((token, i) => {
        const chip = h("span", "iwm-lm-chip");
        chip.setAttribute("role", "listitem");
        chip.dataset.index = String(i);
        chip.dataset.token = token;
        chip.dataset.inScope = mask[i] ? "1" : "0";
        h("span", "iwm-lm-chip-text", chip).textContent = showToken(token);
        h("span", "iwm-lm-chip-index", chip).textContent = String(i);
        chip.title = `token ${i}: ${JSON.stringify(token)}${mask[i] ? " (edited here)" : ""}`;
        return chip;
      })
    );
    const first = mask.indexOf(true);
    const last = mask.lastIndexOf(true);
    scopeNote.textContent = first < 0 ? "" : `· the dials edit ${first === last ? `token ${first}` : `tokens ${first}–${last}`}${state.scope === "once" ? "" : " and every generated token"}`;
    const scale = barScale(lm.before, lm.after);
    const isNew = lm.before && lm.after ? newTokenFlags(lm.before.tokens, lm.after.tokens) : [];
    const was = lm.before && lm.after ? previousProbs(lm.before, lm.after.tokens) : [];
    const dropped = lm.before && lm.after ? newTokenFlags(lm.after.tokens, lm.before.tokens) : [];
    fillChart(before, lm.before, scale, LM_COLORS.before, "no prediction yet", { dropped });
    fillChart(after, lm.after, scale, LM_COLORS.after, "turn a dial to see the edited prediction", {
      isNew,
      was
    });
    legend.replaceChildren();
    legend.append(`bars on one scale (longest ${formatProb(scale)})`);
    if (lm.after) {
      legend.append(" ·");
      h("i", "", legend);
      legend.append("unedited probability · ");
      const badge = h("span", "iwm-lm-new", legend);
      badge.textContent = "new";
      legend.append(" not in the unedited top-k");
      if (dropped.some(Boolean)) {
        legend.append(" · ");
        h("s", "", legend).textContent = "struck";
        legend.append(": not in the edited top-k");
      }
    }
    const hasCont = lm.continuationBefore !== "" || (lm.continuationAfter ?? "") !== "";
    contBox.hidden = !hasCont;
    el.dataset.continuation = hasCont ? "1" : "0";
    if (hasCont) {
      const prompt = promptText(lm.prompt, lm.continuationBefore, lm.continuationAfter);
      const d = diffWords(lm.continuationBefore, lm.continuationAfter ?? "");
      const on = lm.continuationAfter !== null;
      fillContinuation(contBefore, prompt, on ? d.a : d.a.map((w) => ({ ...w, changed: false })), "", on ? d.a.filter((w) => w.changed).length : 0);
      fillContinuation(contAfter, prompt, on ? d.b : null, "… turn a dial", on ? d.changed : 0);
      if (on && d.changed === 0 && d.a.every((w) => !w.changed)) {
        const same = h("span", "iwm-lm-same", contAfter.text);
        same.textContent = "(same words as unedited)";
      }
      contNote.textContent = `· ${splitWords(lm.continuationBefore).length} words generated${on ? "; the differing words highlighted" : ""}`;
    }
  }
  return {
    el,
    update,
    dispose() {
      el.remove();
    }
  };
}

// js/rollout.js
var STYLES = Object.freeze({
  context: { label: "context (input)", color: "#8c8c8c", width: 1.5, dash: [] },
  factual: { label: "model, no edit", color: "#1f77b4", width: 2.25, dash: [] },
  counterfactual: { label: "model, with edits", color: "#ff7f0e", width: 2.5, dash: [] },
  truth: { label: "simulator", color: "#1f77b4", width: 1.75, dash: [6, 4] },
  truth_cf: { label: "simulator, edited velocity", color: "#ff7f0e", width: 1.75, dash: [6, 4] }
});
var SERIES_ORDER = (
  /** @type {SeriesName[]} */
  ["context", "truth", "truth_cf", "factual", "counterfactual"]
);
var MARGIN = 0.06;
var LIMIT = 1;
function readPoints(payload) {
  if (!payload || !payload.buffer) return null;
  const { data, shape } = decode(payload);
  if (shape.length !== 2 || shape[1] !== 2) {
    throw new Error(`a trajectory must have shape [n, 2], got ${JSON.stringify(shape)}`);
  }
  if (shape[0] === 0) return null;
  return { data: data instanceof Float32Array ? data : Float32Array.from(data), n: shape[0] };
}
function readSeries(rollout) {
  const out = {};
  if (!rollout || typeof rollout !== "object") return out;
  for (const name of SERIES_ORDER) {
    const p = readPoints(rollout[name]);
    if (p) out[name] = p;
  }
  return out;
}
function legendItems(series) {
  const order = (
    /** @type {SeriesName[]} */
    ["context", "factual", "counterfactual", "truth", "truth_cf"]
  );
  return order.filter((name) => series[name]).map((name) => ({ name, label: STYLES[name].label, color: STYLES[name].color, dash: STYLES[name].dash.length > 0 }));
}
function viewOf(series) {
  let xmin = -MARGIN;
  let xmax = 1 + MARGIN;
  let ymin = -MARGIN;
  let ymax = 1 + MARGIN;
  for (const name of SERIES_ORDER) {
    const p = series[name];
    if (!p) continue;
    for (let i = 0; i < p.n; i++) {
      const x = p.data[2 * i];
      const y = p.data[2 * i + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      xmin = Math.min(xmin, x - MARGIN);
      xmax = Math.max(xmax, x + MARGIN);
      ymin = Math.min(ymin, y - MARGIN);
      ymax = Math.max(ymax, y + MARGIN);
    }
  }
  xmin = Math.max(xmin, -LIMIT);
  ymin = Math.max(ymin, -LIMIT);
  xmax = Math.min(xmax, 1 + LIMIT);
  ymax = Math.min(ymax, 1 + LIMIT);
  const span = Math.max(xmax - xmin, ymax - ymin);
  const cx = (xmin + xmax) / 2;
  const cy = (ymin + ymax) / 2;
  return { xmin: cx - span / 2, xmax: cx + span / 2, ymin: cy - span / 2, ymax: cy + span / 2 };
}
function frameOf(view, width, height, pad = 0) {
  const spanX = view.xmax - view.xmin;
  const spanY = view.ymax - view.ymin;
  const scale = Math.max(0, Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY));
  const w = spanX * scale;
  const h3 = spanY * scale;
  return { view, scale, left: (width - w) / 2, top: (height - h3) / 2, size: Math.min(w, h3) };
}
function toCanvas(f, x, y) {
  return [f.left + (x - f.view.xmin) * f.scale, f.top + (f.view.ymax - y) * f.scale];
}
function canvasRuns(f, p, start = null) {
  const runs = [];
  let run = [];
  const push = (x, y) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (run.length) runs.push(run);
      run = [];
      return;
    }
    const [px, py] = toCanvas(f, x, y);
    run.push(px, py);
  };
  if (start) push(start[0], start[1]);
  for (let i = 0; i < p.n; i++) push(p.data[2 * i], p.data[2 * i + 1]);
  if (run.length) runs.push(run);
  return runs;
}
function lastPoint(p) {
  if (!p || p.n === 0) return null;
  const x = p.data[2 * p.n - 2];
  const y = p.data[2 * p.n - 1];
  return Number.isFinite(x) && Number.isFinite(y) ? [x, y] : null;
}
var DEFAULT_THEME = Object.freeze({ fg: "#222", muted: "#777", wall: "#444", outside: "rgba(128, 128, 128, 0.12)" });
function themeOf(el) {
  const cs = getComputedStyle(el);
  const v = (name, fallback) => cs.getPropertyValue(name).trim() || fallback;
  return {
    fg: cs.color || DEFAULT_THEME.fg,
    muted: v("--jp-ui-font-color2", DEFAULT_THEME.muted),
    wall: v("--jp-ui-font-color1", DEFAULT_THEME.wall),
    outside: DEFAULT_THEME.outside
  };
}
function drawRollout(ctx, series, width, height, opts = {}) {
  const theme = opts.theme ?? DEFAULT_THEME;
  const font = opts.font ?? "11px sans-serif";
  const f = frameOf(viewOf(series), width, height, 14);
  ctx.clearRect(0, 0, width, height);
  const [bx0, by1] = toCanvas(f, 0, 0);
  const [bx1, by0] = toCanvas(f, 1, 1);
  ctx.save();
  ctx.fillStyle = theme.outside;
  ctx.fillRect(f.left, f.top, f.size, f.size);
  ctx.clearRect(bx0, by0, bx1 - bx0, by1 - by0);
  ctx.strokeStyle = theme.wall;
  ctx.lineWidth = 2;
  ctx.strokeRect(bx0, by0, bx1 - bx0, by1 - by0);
  ctx.fillStyle = theme.muted;
  ctx.font = font;
  ctx.textBaseline = "top";
  ctx.textAlign = "left";
  ctx.fillText("0", bx0 + 3, by1 + 3 <= height - 12 ? by1 + 3 : by1 - 14);
  ctx.textAlign = "right";
  ctx.fillText("1", bx1 - 3, by1 + 3 <= height - 12 ? by1 + 3 : by1 - 14);
  ctx.textBaseline = "bottom";
  ctx.textAlign = "left";
  ctx.fillText("1", Math.max(1, bx0 - 10), by0 + 11);
  ctx.restore();
  ctx.save();
  ctx.beginPath();
  ctx.rect(f.left, f.top, f.size, f.size);
  ctx.clip();
  ctx.lineJoin = "round";
  ctx.lineCap = "round";
  const origin = lastPoint(series.context);
  for (const name of SERIES_ORDER) {
    const p = series[name];
    if (!p) continue;
    const style = STYLES[name];
    const runs = canvasRuns(f, p, name === "context" ? null : origin);
    ctx.strokeStyle = style.color;
    ctx.lineWidth = style.width;
    ctx.setLineDash(style.dash);
    for (const run of runs) {
      ctx.beginPath();
      ctx.moveTo(run[0], run[1]);
      for (let i = 2; i < run.length; i += 2) ctx.lineTo(run[i], run[i + 1]);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    if (name === "context") {
      drawContextDots(ctx, f, p, style.color, theme);
    } else {
      const x = p.data[0];
      const y = p.data[1];
      if (Number.isFinite(x) && Number.isFinite(y)) {
        const [px, py] = toCanvas(f, x, y);
        ctx.beginPath();
        ctx.arc(px, py, style.dash.length ? 4 : 3.5, 0, 2 * Math.PI);
        if (style.dash.length) {
          ctx.fillStyle = "#fff";
          ctx.fill();
          ctx.lineWidth = 1.75;
          ctx.strokeStyle = style.color;
          ctx.stroke();
        } else {
          ctx.fillStyle = style.color;
          ctx.fill();
          ctx.lineWidth = 1;
          ctx.strokeStyle = "#fff";
          ctx.stroke();
        }
      }
    }
  }
  ctx.restore();
  return f;
}
function drawContextDots(ctx, f, p, color, theme) {
  ctx.fillStyle = color;
  for (let i = 0; i < p.n - 1; i++) {
    const x = p.data[2 * i];
    const y = p.data[2 * i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const [px2, py2] = toCanvas(f, x, y);
    ctx.beginPath();
    ctx.arc(px2, py2, 2, 0, 2 * Math.PI);
    ctx.fill();
  }
  const last = lastPoint(p);
  if (!last) return;
  const [px, py] = toCanvas(f, last[0], last[1]);
  ctx.beginPath();
  ctx.arc(px, py, 5, 0, 2 * Math.PI);
  ctx.fillStyle = color;
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = theme.fg;
  ctx.stroke();
}
function renderLegend(el, series) {
  el.replaceChildren(
    ...legendItems(series).map((item) => {
      const entry = document.createElement("span");
      entry.className = "iwm-legend-item";
      entry.dataset.series = item.name;
      const swatch = document.createElement("span");
      swatch.className = "iwm-swatch";
      swatch.style.borderTop = `${item.name === "counterfactual" ? 3 : 2}px ${item.dash ? "dashed" : "solid"} ${item.color}`;
      entry.append(swatch, item.label);
      return entry;
    })
  );
}

// js/widget_util.js
function setTrait(model, name, value) {
  if (model.get(name) === value) return false;
  model.set(name, value);
  model.save_changes();
  return true;
}
function realClock() {
  return {
    now: () => performance.now(),
    setTimeout: (f, ms) => setTimeout(f, ms),
    clearTimeout: (t) => clearTimeout(t)
  };
}
function pendingCall(clock, invoke, arm) {
  const state = { timer: null };
  let args = null;
  const run = () => {
    if (state.timer !== null) clock.clearTimeout(state.timer);
    state.timer = null;
    const a = (
      /** @type {A} */
      args
    );
    args = null;
    invoke(a);
  };
  const call = (...a) => {
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
function throttle(fn, wait, clock = realClock()) {
  let last = -Infinity;
  return pendingCall(
    clock,
    (a) => {
      const now = clock.now();
      if (fn(...a) !== false) last = now;
    },
    (state, run) => {
      const left = wait - (clock.now() - last);
      if (left <= 0) run();
      else if (state.timer === null) state.timer = clock.setTimeout(run, left);
    }
  );
}
function h2(tag, className, parent) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (parent) parent.appendChild(e);
  return e;
}
function fillSelect(select, options) {
  select.replaceChildren(
    ...options.map((o) => {
      const opt = document.createElement("option");
      opt.value = o.value;
      opt.textContent = o.label;
      return opt;
    })
  );
}
function statusBadge(parent, className = "iwm-status") {
  const status = h2("span", className, parent);
  status.textContent = "running…";
  return status;
}
function generationBadge(parent) {
  return h2("span", "iwm-generation", parent);
}
function generationText(model) {
  return `generation ${model.get("generation") ?? 0}`;
}
function errorBox(parent) {
  const box = h2("div", "iwm-error", parent);
  box.setAttribute("role", "alert");
  box.hidden = true;
  return box;
}
function showError(root, box, messages) {
  const msg = messages.filter(Boolean).join("\n");
  box.textContent = msg;
  box.hidden = !msg;
  root.classList.toggle("iwm-stale", !!msg);
  return msg;
}

// js/steering_dials.js
var THROTTLE_MS = 30;
var DIAL_W = 216;
var DIAL_H = 184;
var RING_PX = 70;
var KEY_DEGREES = 5;
var SCOPES = Object.freeze([
  { value: "rollout", label: "every rollout step from the last context step" },
  { value: "from", label: "every step from step t on" },
  { value: "once", label: "only at step t" }
]);
var DIRECTIONS = Object.freeze([
  { value: "encoding", label: "model's encoding direction (causal)" },
  { value: "probe", label: "probe's pseudo-inverse (correlational)" }
]);
function wrapAngle(deg) {
  const a = deg % 360;
  return a < 0 ? a + 360 : a === 0 ? 0 : a;
}
function snap(v, step) {
  if (!(step > 0)) return v;
  const k = Math.round(v / step);
  const decimals = Math.min(12, Math.max(0, Math.ceil(-Math.log10(step)) + 1));
  return Number((k * step).toFixed(decimals));
}
function polarAt(dx, dy, ringPx, maxRadius, step = 0) {
  const angle = wrapAngle(Math.round(Math.atan2(-dy, dx) * 180 / Math.PI));
  const frac = ringPx > 0 ? Math.min(1, Math.hypot(dx, dy) / ringPx) : 0;
  const q = step > 0 ? step : maxRadius / 1e3;
  const radius = Math.min(maxRadius, Math.max(0, snap(frac * maxRadius, q)));
  return { angle: angle === 360 ? 0 : angle, radius };
}
function handleAt(value, ringPx, maxRadius) {
  const frac = maxRadius > 0 ? Math.min(1, Math.max(0, value.radius / maxRadius)) : 0;
  const a = value.angle * Math.PI / 180;
  return [frac * ringPx * Math.cos(a), -frac * ringPx * Math.sin(a)];
}
function vectorToPolar(v) {
  if (!v || v.length !== 2) return null;
  const x = Number(v[0]);
  const y = Number(v[1]);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
  return { angle: wrapAngle(Math.atan2(y, x) * 180 / Math.PI), radius: Math.hypot(x, y) };
}
function polarToVector(p) {
  const a = p.angle * Math.PI / 180;
  return [p.radius * Math.cos(a), p.radius * Math.sin(a)];
}
function isPolar(v) {
  return !!v && typeof v === "object" && Number.isFinite(Number(v.angle)) && Number.isFinite(Number(v.radius));
}
function formatNumber(v, step = 0) {
  if (v === null || v === void 0 || v === "" || !Number.isFinite(Number(v))) return "–";
  const x = Number(v);
  if (step > 0 && step < 1e6) {
    const decimals = Math.min(6, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
    const s3 = x.toFixed(decimals);
    return /^-0(\.0*)?$/.test(s3) ? s3.slice(1) : s3;
  }
  if (x === 0) return "0";
  const a = Math.abs(x);
  const s2 = a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(3))) : x.toExponential(2);
  return s2;
}
function formatAngle(deg) {
  if (!Number.isFinite(deg)) return "–";
  const d = Math.round(wrapAngle(deg));
  return `${d === 360 ? 0 : d}°`;
}
function valueText(dial, v) {
  const unit = dial.unit ? ` ${dial.unit}` : "";
  if (v === null || v === void 0) return "off";
  if (dial.kind === "circular") {
    if (!isPolar(v)) return "off";
    return `${formatAngle(v.angle)} · r ${formatNumber(v.radius, dial.step)}${unit}`;
  }
  return `${formatNumber(v, dial.step)}${unit}`;
}
function readoutText(dial) {
  const r = dial.readout;
  if (r === null || r === void 0) return "";
  const unit = dial.unit ? ` ${dial.unit}` : "";
  if (dial.kind === "circular") {
    const p = Array.isArray(r) ? vectorToPolar(r) : null;
    return p ? `unedited ${formatAngle(p.angle)} · r ${formatNumber(p.radius, dial.step)}${unit}` : "";
  }
  return Number.isFinite(Number(r)) ? `unedited ${formatNumber(r, dial.step)}${unit}` : "";
}
function startValue(dial) {
  if (dial.kind === "circular") {
    const p = Array.isArray(dial.readout) ? vectorToPolar(dial.readout) : null;
    const maxR = Number(dial.max_radius) || 1;
    if (p) return { angle: Math.round(p.angle), radius: Math.min(maxR, snap(p.radius, dial.step)) };
    return { angle: 0, radius: maxR / 2 };
  }
  const r = Number(dial.readout);
  if (dial.readout !== null && dial.readout !== void 0 && Number.isFinite(r)) {
    return Math.min(dial.max, Math.max(dial.min, r));
  }
  return (dial.min + dial.max) / 2;
}
function keyedPolar(dial, value, key, shift = false) {
  if (key === "Delete" || key === "Backspace" || key === "Escape") return value == null ? void 0 : null;
  const keys = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Enter", " "];
  if (!keys.includes(key)) return void 0;
  const cur = isPolar(value) ? { angle: Number(value.angle), radius: Number(value.radius) } : (
    /** @type {Polar} */
    startValue(dial)
  );
  if (key === "Enter" || key === " ") return isPolar(value) ? void 0 : cur;
  const maxR = Number(dial.max_radius) || 1;
  const dr = (dial.step > 0 ? dial.step : maxR / 20) * (shift ? 3 : 1);
  const da = KEY_DEGREES * (shift ? 3 : 1);
  if (key === "ArrowLeft") return { angle: wrapAngle(cur.angle + da), radius: cur.radius };
  if (key === "ArrowRight") return { angle: wrapAngle(cur.angle - da), radius: cur.radius };
  const r = key === "ArrowUp" ? cur.radius + dr : cur.radius - dr;
  return { angle: cur.angle, radius: Math.min(maxR, Math.max(0, snap(r, dial.step))) };
}
function withValue(values, id, v) {
  return { ...values || {}, [id]: v };
}
function sendValues(model, values) {
  model.set("values", { ...values });
  model.save_changes();
}
function valueSender(model, opts = {}) {
  let local = null;
  let active = false;
  let lastSent = "";
  let sent = 0;
  const send = () => {
    if (!local) return false;
    const key = JSON.stringify(local);
    lastSent = key;
    if (key === JSON.stringify(model.get("values") ?? {})) return false;
    sendValues(model, local);
    sent++;
    if (opts.onSend) opts.onSend(sent);
    return true;
  };
  const throttled = throttle(send, opts.wait ?? THROTTLE_MS, opts.clock);
  return {
    /** @returns {Values} what the controls show */
    get values() {
      return local ?? model.get("values") ?? {};
    },
    /** @returns {number} messages sent */
    get sent() {
      return sent;
    },
    /** @returns {boolean} whether a gesture is on */
    get active() {
      return active;
    },
    /** A gesture (a drag) starts. */
    begin() {
      active = true;
    },
    /**
     * One dial's new value: shown at once, sent throttled.
     * @param {string} id
     * @param {Value} v
     */
    edit(id, v) {
      local = withValue(local ?? model.get("values"), id, v);
      throttled();
    },
    /** The gesture ends: its final value reaches Python now. */
    commit() {
      if (!throttled.flush() && local && JSON.stringify(local) !== lastSent) send();
      local = null;
      active = false;
    },
    /** Drop what is pending (Python resets the values). */
    cancel() {
      throttled.cancel();
      local = null;
      active = false;
    },
    /** Python sent values: show them, unless a gesture is on or a send is pending. */
    fromPython() {
      if (!active && !throttled.pending()) local = null;
    }
  };
}
function clampStep(value, nSteps, fallback) {
  let t = Math.trunc(Number(value));
  if (value === "" || value === null || !Number.isFinite(t)) t = fallback;
  return Math.max(0, nSteps > 0 ? Math.min(nSteps - 1, t) : t);
}
function normalizeDial(d) {
  const kind = d && d.kind === "circular" ? "circular" : "slider";
  const min = Number.isFinite(Number(d?.min)) ? Number(d.min) : 0;
  const max = Number.isFinite(Number(d?.max)) && Number(d.max) > min ? Number(d.max) : min + 1;
  const dial = {
    id: String(d?.id ?? ""),
    label: String(d?.label ?? d?.id ?? ""),
    kind: (
      /** @type {"slider" | "circular"} */
      kind
    ),
    min,
    max,
    step: Number(d?.step) > 0 ? Number(d.step) : 0,
    readout: d?.readout ?? null,
    unit: d?.unit ? String(d.unit) : ""
  };
  if (kind === "circular") {
    const r = Number(d?.max_radius);
    return { ...dial, max_radius: r > 0 ? r : Math.max(Math.abs(min), Math.abs(max)) || 1 };
  }
  return dial;
}
var CSS = `
.iwm-steering-dials {
  position: relative; box-sizing: border-box; width: 100%; padding: 4px 2px;
  font-family: var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); color: var(--jp-ui-font-color1, #222);
  --iwm-edit: #e8700a; --iwm-muted: var(--jp-ui-font-color2, #666); --iwm-faint: var(--jp-ui-font-color3, #999);
}
.iwm-steering-dials [hidden] { display: none !important; }
.iwm-steering-dials .iwm-header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; margin-bottom: 6px; }
.iwm-steering-dials .iwm-title { font-weight: 600; }
.iwm-steering-dials .iwm-status { color: var(--iwm-muted); font-style: italic; }
.iwm-steering-dials .iwm-status.iwm-idle { visibility: hidden; }
.iwm-steering-dials .iwm-latency, .iwm-steering-dials .iwm-generation { color: var(--iwm-faint); font-size: 0.9em; }
.iwm-steering-dials .iwm-latency { margin-left: auto; }
.iwm-steering-dials label { display: inline-flex; align-items: center; gap: 4px; color: var(--iwm-muted); }
.iwm-steering-dials select, .iwm-steering-dials input[type="number"], .iwm-steering-dials button {
  font: inherit; color: var(--jp-ui-font-color1, #222); background: var(--jp-layout-color1, #fff);
  border: 1px solid var(--jp-border-color1, #bbb); border-radius: 2px; padding: 1px 6px;
}
.iwm-steering-dials button { cursor: pointer; }
.iwm-steering-dials button:hover { background: var(--jp-layout-color2, #eee); }
.iwm-steering-dials input[type="number"] { width: 4.5em; }
.iwm-steering-dials .iwm-options, .iwm-steering-dials .iwm-actions { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; margin: 4px 0; }
.iwm-steering-dials .iwm-error {
  margin: 0 0 6px 0; padding: 4px 8px; border-left: 4px solid var(--jp-error-color1, #d32f2f);
  background: rgba(211, 47, 47, 0.12); white-space: pre-wrap; overflow-wrap: anywhere;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px;
}
.iwm-steering-dials .iwm-body { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 12px 24px; transition: opacity 0.15s; }
.iwm-steering-dials.iwm-stale .iwm-rollout, .iwm-steering-dials.iwm-stale .iwm-lm { opacity: 0.4; }
.iwm-steering-dials .iwm-dials { display: flex; flex-direction: column; gap: 12px; min-width: 220px; max-width: 320px; }
.iwm-steering-dials .iwm-dial-head { display: flex; align-items: baseline; gap: 8px; }
.iwm-steering-dials .iwm-dial-label { font-weight: 600; }
.iwm-steering-dials .iwm-value { font-variant-numeric: tabular-nums; color: var(--iwm-edit); font-weight: 600; }
.iwm-steering-dials .iwm-dial.iwm-off .iwm-value { color: var(--iwm-muted); font-weight: normal; }
.iwm-steering-dials .iwm-off-button { margin-left: auto; font-size: 0.85em; padding: 0 6px; }
.iwm-steering-dials .iwm-readout { color: var(--iwm-muted); font-size: 0.9em; font-variant-numeric: tabular-nums; }
.iwm-steering-dials .iwm-dial-svg { display: block; touch-action: none; cursor: grab; user-select: none; }
.iwm-steering-dials .iwm-dial-svg:active { cursor: grabbing; }
.iwm-steering-dials .iwm-dial-svg:focus { outline: none; }
.iwm-steering-dials .iwm-dial-svg.iwm-keyboard:focus .iwm-ring { stroke: var(--jp-brand-color1, #1976d2); stroke-width: 2.5; }
.iwm-steering-dials .iwm-disc { fill: var(--jp-layout-color2, #f2f2f2); }
.iwm-steering-dials .iwm-ring { fill: none; stroke: var(--jp-border-color1, #999); stroke-width: 1.5; }
.iwm-steering-dials .iwm-grid { fill: none; stroke: var(--jp-border-color2, #ccc); stroke-width: 1; }
.iwm-steering-dials .iwm-tick-label { fill: var(--iwm-muted); font-size: 10px; }
.iwm-steering-dials .iwm-hint { fill: var(--iwm-muted); font-size: 10px; }
.iwm-steering-dials .iwm-centre { fill: var(--iwm-muted); }
.iwm-steering-dials .iwm-readout-mark { fill: none; stroke: var(--iwm-muted); stroke-width: 1.5; }
.iwm-steering-dials .iwm-readout-line { stroke: var(--iwm-faint); stroke-width: 1; stroke-dasharray: 3 3; }
.iwm-steering-dials .iwm-arm { stroke: var(--iwm-edit); stroke-width: 3; stroke-linecap: round; }
.iwm-steering-dials .iwm-handle { fill: var(--iwm-edit); stroke: #fff; stroke-width: 2; }
.iwm-steering-dials .iwm-slider { position: relative; padding-bottom: 8px; }
.iwm-steering-dials .iwm-range { width: 100%; margin: 4px 0 0 0; accent-color: var(--iwm-edit); }
.iwm-steering-dials .iwm-dial.iwm-off .iwm-range { accent-color: var(--iwm-faint); opacity: 0.6; }
.iwm-steering-dials .iwm-slider-tick {
  position: absolute; bottom: 0; width: 0; height: 0; transform: translateX(-5px);
  border-left: 5px solid transparent; border-right: 5px solid transparent; border-bottom: 7px solid var(--iwm-muted);
}
.iwm-steering-dials .iwm-range-ends { display: flex; justify-content: space-between; color: var(--iwm-faint); font-size: 0.85em; }
.iwm-steering-dials .iwm-rollout { position: relative; flex: 1 1 300px; max-width: 420px; min-width: 200px; transition: opacity 0.15s; }
.iwm-steering-dials .iwm-rollout-canvas { display: block; }
.iwm-steering-dials .iwm-lm { flex: 1 1 480px; max-width: 820px; transition: opacity 0.15s; }
.iwm-steering-dials .iwm-empty {
  display: flex; align-items: center; justify-content: center; height: 120px;
  color: var(--iwm-muted); border: 1px dashed var(--jp-border-color1, #bbb);
}
.iwm-steering-dials .iwm-legend { display: flex; flex-wrap: wrap; gap: 2px 14px; margin-top: 4px; font-size: 12px; }
.iwm-steering-dials .iwm-legend-item { display: inline-flex; align-items: center; gap: 5px; white-space: nowrap; }
.iwm-steering-dials .iwm-swatch { display: inline-block; width: 22px; height: 0; }
.iwm-steering-dials .iwm-code { margin-top: 4px; }
.iwm-steering-dials .iwm-code summary { cursor: pointer; color: var(--iwm-muted); }
.iwm-steering-dials .iwm-code-text {
  box-sizing: border-box; width: 100%; min-height: 8em; margin-top: 4px; resize: vertical;
  font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px;
  color: var(--jp-content-font-color1, #222); background: var(--jp-layout-color1, #fff);
  border: 1px solid var(--jp-border-color1, #bbb);
}
`;
var SVG_NS = "http://www.w3.org/2000/svg";
function s(tag, attrs, parent) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}
var EVENTS = [
  "dials",
  "values",
  "scope",
  "scope_start",
  "n_steps",
  "direction",
  "code",
  "rollout",
  "lm",
  "latency_ms",
  "error",
  "status",
  "generation"
];
function render({ model, el }) {
  const root = h2("div", "iwm-steering-dials", el);
  h2("style", "", root).textContent = CSS + LM_CSS;
  const header = h2("div", "iwm-header", root);
  h2("span", "iwm-title", header).textContent = "Steering dials";
  const status = statusBadge(header, "iwm-status iwm-idle");
  const latency = h2("span", "iwm-latency", header);
  latency.title = "time Python took for the last re-run";
  const genBadge = generationBadge(header);
  const errorBox2 = errorBox(root);
  const options = h2("div", "iwm-options", root);
  const scopeLabel = h2("label", "", options);
  scopeLabel.append("edit at");
  const scopeSelect = (
    /** @type {HTMLSelectElement} */
    h2("select", "iwm-scope", scopeLabel)
  );
  fillSelect(scopeSelect, SCOPES);
  const startLabel = h2("label", "iwm-scope-start-label", options);
  startLabel.append("t =");
  const startInput = (
    /** @type {HTMLInputElement} */
    h2("input", "iwm-scope-start", startLabel)
  );
  startInput.type = "number";
  startInput.min = "0";
  startInput.step = "1";
  const dirLabel = h2("label", "", options);
  dirLabel.append("along");
  const dirSelect = (
    /** @type {HTMLSelectElement} */
    h2("select", "iwm-direction", dirLabel)
  );
  fillSelect(dirSelect, DIRECTIONS);
  const body = h2("div", "iwm-body", root);
  const dialsBox = h2("div", "iwm-dials", body);
  const rolloutBox = h2("div", "iwm-rollout", body);
  const canvas = (
    /** @type {HTMLCanvasElement} */
    h2("canvas", "iwm-rollout-canvas", rolloutBox)
  );
  canvas.setAttribute("role", "img");
  const empty = h2("div", "iwm-empty", rolloutBox);
  empty.textContent = "no rollout yet";
  const legend = h2("div", "iwm-legend", rolloutBox);
  const lmPanel = createLmPanel();
  body.appendChild(lmPanel.el);
  lmPanel.el.hidden = true;
  const actions = h2("div", "iwm-actions", root);
  const resetButton = h2("button", "iwm-reset", actions);
  resetButton.type = "button";
  resetButton.textContent = "Reset";
  resetButton.title = "turn every dial off (no edits)";
  const copyButton = h2("button", "iwm-copy", actions);
  copyButton.type = "button";
  copyButton.textContent = "Copy as nnsight code";
  const details = (
    /** @type {HTMLDetailsElement} */
    h2("details", "iwm-code", root)
  );
  h2("summary", "", details).textContent = "nnsight code for these edits";
  const codeText = (
    /** @type {HTMLTextAreaElement} */
    h2("textarea", "iwm-code-text", details)
  );
  codeText.readOnly = true;
  codeText.spellcheck = false;
  let dragging = null;
  let renderCount = 0;
  let scheduled = false;
  let disposed = false;
  let rolloutDirty = true;
  let lmDirty = true;
  let lm = null;
  let lmKey = "";
  let series = {};
  let localError = "";
  let lmError = "";
  let dialsKey = "";
  let controls = [];
  let lastWidth = 0;
  let startTimer;
  let copiedTimer;
  const sender = valueSender(model, { onSend: (n) => root.dataset.sent = String(n) });
  const current = () => sender.values;
  function edit(id, v) {
    sender.edit(id, v);
    for (const c of controls) if (c.dial.id === id) c.update(v);
  }
  function commit() {
    sender.commit();
    dragging = null;
  }
  function schedule() {
    if (scheduled || disposed) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      if (!disposed) draw();
    });
  }
  function head(dial, box) {
    const row = h2("div", "iwm-dial-head", box);
    const name = h2("span", "iwm-dial-label", row);
    name.textContent = dial.label;
    const value = h2("span", "iwm-value", row);
    value.setAttribute("aria-live", "off");
    const off = h2("button", "iwm-off-button", row);
    off.type = "button";
    off.textContent = "off";
    off.title = `turn ${dial.label} off (no edit)`;
    const onOff = () => {
      edit(dial.id, null);
      commit();
    };
    off.addEventListener("click", onOff);
    return { value, off, dispose: () => off.removeEventListener("click", onOff) };
  }
  function circularControl(dial) {
    const box = h2("div", "iwm-dial iwm-circular");
    box.dataset.id = dial.id;
    box.dataset.kind = "circular";
    const top = head(dial, box);
    const maxR = (
      /** @type {number} */
      dial.max_radius
    );
    const svg = s("svg", {
      class: "iwm-dial-svg",
      width: DIAL_W,
      height: DIAL_H,
      viewBox: `${-DIAL_W / 2} ${-DIAL_H / 2} ${DIAL_W} ${DIAL_H}`,
      tabindex: 0,
      role: "slider",
      "aria-label": `${dial.label}: angle and radius`,
      "aria-keyshortcuts": "ArrowLeft ArrowRight ArrowUp ArrowDown Delete"
    }, box);
    svg.appendChild(document.createElementNS(SVG_NS, "title")).textContent = "drag to set direction and size; ←/→ turn, ↑/↓ resize, Delete turns off";
    s("circle", { class: "iwm-disc", r: RING_PX }, svg);
    s("circle", { class: "iwm-grid", r: RING_PX / 2, "stroke-dasharray": "2 3" }, svg);
    s("line", { class: "iwm-grid", x1: -RING_PX, y1: 0, x2: RING_PX, y2: 0 }, svg);
    s("line", { class: "iwm-grid", x1: 0, y1: -RING_PX, x2: 0, y2: RING_PX }, svg);
    for (let a = 0; a < 360; a += 30) {
      const r = a * Math.PI / 180;
      const [c, sn] = [Math.cos(r), -Math.sin(r)];
      s("line", { class: "iwm-ring", x1: c * RING_PX, y1: sn * RING_PX, x2: c * (RING_PX + 5), y2: sn * (RING_PX + 5) }, svg);
    }
    s("circle", { class: "iwm-ring", r: RING_PX }, svg);
    for (
      const [a, x, y, anchor] of
      /** @type {[number, number, number, string][]} */
      [
        [0, RING_PX + 8, 4, "start"],
        [90, 0, -RING_PX - 9, "middle"],
        [180, -RING_PX - 8, 4, "end"],
        [270, 0, RING_PX + 17, "middle"]
      ]
    ) {
      const t = s("text", { class: "iwm-tick-label", x, y, "text-anchor": anchor }, svg);
      t.textContent = `${a}°`;
    }
    const readoutLine = s("line", { class: "iwm-readout-line", x1: 0, y1: 0 }, svg);
    const readoutMark = s("path", { class: "iwm-readout-mark" }, svg);
    const hint = s("text", { class: "iwm-hint", x: 0, y: RING_PX / 2 + 14, "text-anchor": "middle" }, svg);
    hint.textContent = "drag to steer";
    const arm = s("line", { class: "iwm-arm", x1: 0, y1: 0 }, svg);
    const handle = s("circle", { class: "iwm-handle", r: 7 }, svg);
    s("circle", { class: "iwm-centre", r: 2.5 }, svg);
    const readoutLine2 = h2("div", "iwm-readout", box);
    readoutLine2.textContent = `${readoutText(dial)}${readoutText(dial) ? " · " : ""}max r ${formatNumber(maxR, dial.step)}`;
    const ro2 = Array.isArray(dial.readout) ? vectorToPolar(dial.readout) : null;
    if (ro2) {
      const [x, y] = handleAt(ro2, RING_PX, maxR);
      readoutLine.setAttribute("x2", String(x));
      readoutLine.setAttribute("y2", String(y));
      readoutMark.setAttribute("d", `M${x} ${y - 6}L${x + 6} ${y}L${x} ${y + 6}L${x - 6} ${y}Z`);
    } else {
      readoutLine.style.display = "none";
      readoutMark.style.display = "none";
    }
    function update(v) {
      const on = isPolar(v);
      box.classList.toggle("iwm-off", !on);
      top.value.textContent = valueText(dial, v);
      top.off.hidden = !on;
      arm.style.display = handle.style.display = on ? "" : "none";
      hint.style.display = on ? "none" : "";
      box.dataset.value = on ? JSON.stringify(v) : "null";
      if (on) {
        const [x, y] = handleAt(
          /** @type {Polar} */
          v,
          RING_PX,
          maxR
        );
        arm.setAttribute("x2", String(x));
        arm.setAttribute("y2", String(y));
        handle.setAttribute("cx", String(x));
        handle.setAttribute("cy", String(y));
      }
      svg.setAttribute("aria-valuetext", valueText(dial, v));
    }
    function valueAt(e) {
      const rect = svg.getBoundingClientRect();
      const ring = RING_PX * rect.width / DIAL_W;
      const dx = e.clientX - (rect.left + rect.width / 2);
      const dy = e.clientY - (rect.top + rect.height / 2);
      return polarAt(dx, dy, ring, maxR, dial.step);
    }
    function onDown(e) {
      if (e.button !== 0) return;
      e.preventDefault();
      svg.classList.remove("iwm-keyboard");
      byPointer = true;
      svg.focus({ preventScroll: true });
      byPointer = false;
      svg.setPointerCapture(e.pointerId);
      dragging = dial.id;
      sender.begin();
      edit(dial.id, valueAt(e));
    }
    function onMove(e) {
      if (dragging !== dial.id) return;
      edit(dial.id, valueAt(e));
    }
    function onUp(e) {
      if (dragging !== dial.id) return;
      if (e.type === "pointerup") edit(dial.id, valueAt(e));
      if (svg.hasPointerCapture(e.pointerId)) svg.releasePointerCapture(e.pointerId);
      commit();
    }
    let byPointer = false;
    function onFocus() {
      if (!byPointer) svg.classList.add("iwm-keyboard");
    }
    function onKey(e) {
      svg.classList.add("iwm-keyboard");
      const v = keyedPolar(dial, current()[dial.id], e.key, e.shiftKey);
      if (v === void 0) return;
      e.preventDefault();
      edit(dial.id, v);
    }
    function onKeyUp() {
      if (dragging === null) commit();
    }
    svg.addEventListener("pointerdown", onDown);
    svg.addEventListener("pointermove", onMove);
    svg.addEventListener("pointerup", onUp);
    svg.addEventListener("pointercancel", onUp);
    svg.addEventListener("keydown", onKey);
    svg.addEventListener("keyup", onKeyUp);
    svg.addEventListener("blur", onKeyUp);
    svg.addEventListener("focus", onFocus);
    return {
      dial,
      el: box,
      update,
      dispose() {
        top.dispose();
        svg.removeEventListener("pointerdown", onDown);
        svg.removeEventListener("pointermove", onMove);
        svg.removeEventListener("pointerup", onUp);
        svg.removeEventListener("pointercancel", onUp);
        svg.removeEventListener("keydown", onKey);
        svg.removeEventListener("keyup", onKeyUp);
        svg.removeEventListener("blur", onKeyUp);
        svg.removeEventListener("focus", onFocus);
      }
    };
  }
  function sliderControl(dial) {
    const box = h2("div", "iwm-dial iwm-slider-dial");
    box.dataset.id = dial.id;
    box.dataset.kind = "slider";
    const top = head(dial, box);
    const wrap = h2("div", "iwm-slider", box);
    const range = (
      /** @type {HTMLInputElement} */
      h2("input", "iwm-range", wrap)
    );
    range.type = "range";
    range.min = String(dial.min);
    range.max = String(dial.max);
    range.step = dial.step > 0 ? String(dial.step) : "any";
    range.setAttribute("aria-label", dial.label);
    const r = Number(dial.readout);
    if (dial.readout !== null && dial.readout !== void 0 && Number.isFinite(r)) {
      const tick = h2("span", "iwm-slider-tick", wrap);
      const frac = Math.min(1, Math.max(0, (r - dial.min) / (dial.max - dial.min)));
      tick.style.left = `calc(8px + ${frac} * (100% - 16px))`;
      tick.title = readoutText(dial);
    }
    const ends = h2("div", "iwm-range-ends", box);
    h2("span", "", ends).textContent = formatNumber(dial.min, dial.step);
    h2("span", "iwm-readout", ends).textContent = readoutText(dial);
    h2("span", "", ends).textContent = formatNumber(dial.max, dial.step);
    function update(v) {
      const on = v !== null && v !== void 0 && Number.isFinite(Number(v));
      box.classList.toggle("iwm-off", !on);
      top.value.textContent = valueText(dial, v);
      top.off.hidden = !on;
      box.dataset.value = on ? String(v) : "null";
      const shown = on ? Number(v) : (
        /** @type {number} */
        startValue(dial)
      );
      if (document.activeElement !== range || dragging !== dial.id) range.value = String(shown);
      range.setAttribute("aria-valuetext", valueText(dial, v));
    }
    function onInput() {
      dragging = dial.id;
      sender.begin();
      edit(dial.id, Number(range.value));
    }
    function onChange() {
      edit(dial.id, Number(range.value));
      commit();
    }
    range.addEventListener("input", onInput);
    range.addEventListener("change", onChange);
    return {
      dial,
      el: box,
      update,
      dispose() {
        top.dispose();
        range.removeEventListener("input", onInput);
        range.removeEventListener("change", onChange);
      }
    };
  }
  function buildControls() {
    const raw = model.get("dials") || [];
    const key = JSON.stringify(raw);
    if (key === dialsKey) return;
    dialsKey = key;
    for (const c of controls) c.dispose();
    controls = raw.map((d) => {
      const dial = normalizeDial(d);
      return dial.kind === "circular" ? circularControl(dial) : sliderControl(dial);
    });
    dialsBox.replaceChildren(...controls.map((c) => c.el));
    if (!controls.length) h2("div", "iwm-readout", dialsBox).textContent = "no dials";
  }
  function updateHeader() {
    const running = model.get("status") === "running";
    status.classList.toggle("iwm-idle", !running);
    const ms = Number(model.get("latency_ms"));
    latency.textContent = ms > 0 ? `re-run ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms` : "";
    genBadge.textContent = generationText(model);
  }
  function updateError() {
    showError(root, errorBox2, [model.get("error") || "", lm ? "" : localError, lmError]);
  }
  function updateOptions() {
    const scope = model.get("scope") || "rollout";
    scopeSelect.value = scope;
    startLabel.hidden = scope !== "from" && scope !== "once";
    const n = Number(model.get("n_steps")) || 0;
    startInput.max = n > 0 ? String(n - 1) : "";
    if (document.activeElement !== startInput) startInput.value = String(model.get("scope_start") ?? 0);
    dirSelect.value = model.get("direction") || "encoding";
    const code = model.get("code") || "";
    if (codeText.value !== code) codeText.value = code;
    copyButton.disabled = !code;
  }
  function drawLm(changed) {
    const scope = model.get("scope") || "rollout";
    const start = Number(model.get("scope_start")) || 0;
    const key = JSON.stringify([scope, start]);
    lmPanel.el.hidden = false;
    if (!changed && key === lmKey) return;
    lmKey = key;
    lmPanel.update({ lm, scope, scopeStart: start });
  }
  function drawCanvas() {
    const t0 = performance.now();
    const lmChanged = lmDirty;
    if (lmDirty) {
      lmDirty = false;
      try {
        lm = readLm(model.get("lm"));
        lmError = "";
      } catch (e) {
        lm = null;
        lmError = `cannot show the language model's predictions: ${/** @type {Error} */
        e.message}`;
      }
    }
    if (lm) {
      rolloutBox.hidden = true;
      drawLm(lmChanged);
      finishDraw(t0);
      return;
    }
    lmPanel.el.hidden = true;
    rolloutBox.hidden = false;
    if (rolloutDirty) {
      rolloutDirty = false;
      try {
        series = readSeries(model.get("rollout"));
        localError = "";
      } catch (e) {
        localError = `cannot draw the rollout: ${/** @type {Error} */
        e.message}`;
      }
      renderLegend(legend, series);
    }
    const has = Object.keys(series).length > 0;
    empty.hidden = has;
    canvas.hidden = !has;
    const width = Math.floor(Math.min(420, rolloutBox.clientWidth || 320));
    lastWidth = width;
    if (has && width > 0) {
      const size = width;
      const dpr = window.devicePixelRatio || 1;
      const W = Math.round(size * dpr);
      if (canvas.width !== W) canvas.width = W;
      if (canvas.height !== W) canvas.height = W;
      canvas.style.width = canvas.style.height = `${size}px`;
      const ctx = (
        /** @type {CanvasRenderingContext2D} */
        canvas.getContext("2d")
      );
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const fam = getComputedStyle(root).fontFamily || "sans-serif";
      drawRollout(ctx, series, size, size, { theme: themeOf(root), font: `11px ${fam}` });
      canvas.setAttribute(
        "aria-label",
        `rollout in the unit box: ${Object.keys(series).join(", ")}`
      );
    }
    finishDraw(t0);
  }
  function finishDraw(t0) {
    renderCount++;
    const ds = root.dataset;
    ds.renderCount = String(renderCount);
    ds.generation = String(model.get("generation") ?? 0);
    ds.series = lm ? "" : Object.keys(series).join(" ");
    ds.lm = lm ? "1" : "0";
    ds.drawMs = (performance.now() - t0).toFixed(2);
  }
  function draw() {
    buildControls();
    const values = current();
    for (const c of controls) c.update(values[c.dial.id]);
    updateHeader();
    updateOptions();
    drawCanvas();
    updateError();
  }
  const handlers = EVENTS.map((name) => [
    `change:${name}`,
    () => {
      if (name === "rollout") rolloutDirty = true;
      if (name === "lm") lmDirty = true;
      if (name === "values") sender.fromPython();
      if (name === "status" || name === "error") {
        updateHeader();
        updateError();
      }
      schedule();
    }
  ]);
  for (const [event, cb] of handlers) model.on(event, cb);
  function onReset() {
    sender.cancel();
    dragging = null;
    model.send({ type: "reset" });
  }
  function onScope() {
    setTrait(model, "scope", scopeSelect.value);
    schedule();
  }
  function onDirection() {
    setTrait(model, "direction", dirSelect.value);
  }
  function commitStart() {
    clearTimeout(startTimer);
    if (startInput.value === "") return;
    const n = Number(model.get("n_steps")) || 0;
    const t = clampStep(startInput.value, n, Number(model.get("scope_start")) || 0);
    startInput.value = String(t);
    setTrait(model, "scope_start", t);
  }
  function onStartInput() {
    clearTimeout(startTimer);
    startTimer = setTimeout(commitStart, 400);
  }
  function onKeydown(e) {
    e.stopPropagation();
    if (e.target === startInput && e.key === "Enter") commitStart();
  }
  async function onCopy() {
    const code = model.get("code") || "";
    codeText.value = code;
    let how = "";
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await Promise.race([
          navigator.clipboard.writeText(code),
          new Promise((_, reject) => setTimeout(() => reject(new Error("clipboard timeout")), 1e3))
        ]);
        how = "clipboard";
      }
    } catch {
      how = "";
    }
    if (disposed) return;
    if (!how) {
      details.open = true;
      codeText.focus();
      codeText.select();
      let ok = false;
      try {
        ok = document.execCommand("copy");
      } catch {
        ok = false;
      }
      how = ok ? "selection" : "selected";
    }
    root.dataset.copied = how;
    copyButton.textContent = how === "selected" ? "Selected: press Ctrl+C" : "Copied ✓";
    clearTimeout(copiedTimer);
    copiedTimer = setTimeout(() => {
      copyButton.textContent = "Copy as nnsight code";
    }, 1500);
  }
  resetButton.addEventListener("click", onReset);
  copyButton.addEventListener("click", onCopy);
  scopeSelect.addEventListener("change", onScope);
  dirSelect.addEventListener("change", onDirection);
  startInput.addEventListener("change", commitStart);
  startInput.addEventListener("input", onStartInput);
  root.addEventListener("keydown", onKeydown);
  const ro = new ResizeObserver(() => {
    const w = Math.floor(Math.min(420, rolloutBox.clientWidth || 320));
    if (w !== lastWidth) schedule();
  });
  ro.observe(rolloutBox);
  root.dataset.sent = "0";
  draw();
  return () => {
    disposed = true;
    sender.cancel();
    ro.disconnect();
    for (const [event, cb] of handlers) model.off(event, cb);
    for (const c of controls) c.dispose();
    resetButton.removeEventListener("click", onReset);
    copyButton.removeEventListener("click", onCopy);
    scopeSelect.removeEventListener("change", onScope);
    dirSelect.removeEventListener("change", onDirection);
    startInput.removeEventListener("change", commitStart);
    startInput.removeEventListener("input", onStartInput);
    root.removeEventListener("keydown", onKeydown);
    clearTimeout(startTimer);
    clearTimeout(copiedTimer);
    canvas.width = canvas.height = 0;
    lmPanel.dispose();
    root.remove();
  };
}
function initialize() {
}
var steering_dials_default = { initialize, render };
export {
  DIAL_H,
  DIAL_W,
  DIRECTIONS,
  KEY_DEGREES,
  RING_PX,
  SCOPES,
  THROTTLE_MS,
  clampStep,
  steering_dials_default as default,
  formatAngle,
  formatNumber,
  handleAt,
  isPolar,
  keyedPolar,
  normalizeDial,
  polarAt,
  polarToVector,
  readoutText,
  sendValues,
  setTrait,
  snap,
  startValue,
  throttle,
  valueSender,
  valueText,
  vectorToPolar,
  withValue,
  wrapAngle
};
