// A language model's answer to the dials: the prompt, the next-token top-k unedited and
// with the edits, and the greedy continuations (used by SteeringDials in place of the
// rollout canvas when the Workspace runs a language model).
//
// The `lm` trait (see iwm_widgets/widgets/steering_dials.py) is
//   {prompt: [str], before: {tokens: [str], probs: P}, after: {tokens, probs} | null,
//    continuation_before: str, continuation_after: str | null}
// where P is a binary payload {buffer, dtype, shape: [k]} (js/shared/transport.js decodes it).
// Blue is "no edit", orange "with the dials' edits", as in the rollout view.
//
// The panel's element carries data-lm-panel; each chart data-chart ("before" | "after")
// and data-empty; each bar row data-token (the raw token), data-prob and data-new;
// each prompt chip data-index and data-in-scope; each continuation data-cont and
// data-changed (how many generated words differ).

import { h } from "../shared/dom.js";
import { EDIT_COLOR } from "../shared/theme.js";
import { decode } from "../shared/transport.js";

/** @typedef {{tokens: string[], probs: number[]}} TopK */
/**
 * The `lm` trait, decoded.
 * @typedef {object} Lm
 * @property {string[]} prompt
 * @property {TopK | null} before
 * @property {TopK | null} after null while every dial is off
 * @property {string} continuationBefore "" when there is no continuation
 * @property {string | null} continuationAfter
 */
/** @typedef {{sep: string, word: string}} Word a word and the whitespace before it */
/** @typedef {{sep: string, word: string, changed: boolean}} DiffWord */
/**
 * What the panel shows besides `lm`: the edit scope (as the SteeringDials traits).
 * @typedef {object} PanelState
 * @property {Lm | null} lm
 * @property {string} [scope] "rollout" | "from" | "once"
 * @property {number} [scopeStart]
 */

/** The bar colours: unedited (blue) and with edits (orange), as STYLES in rollout.js. */
export const LM_COLORS = Object.freeze({ before: "#1f77b4", after: "#ff7f0e" });
/** Beyond this many words × words, the word diff compares position by position. */
export const MAX_DIFF_CELLS = 1_000_000;

// ---------------------------------------------------------------------------------------
// Pure helpers (no DOM), exported for tests/js.

/**
 * One top-k entry ({tokens, probs: payload}) as tokens and plain numbers; null if absent.
 * @param {any} entry
 * @returns {TopK | null}
 */
export function readTopK(entry) {
  if (!entry || typeof entry !== "object") return null;
  const tokens = Array.from(entry.tokens ?? [], (t) => String(t));
  /** @type {number[]} */
  let probs = [];
  const p = entry.probs;
  if (p && p.buffer) probs = Array.from(decode(p).data, Number);
  else if (Array.isArray(p)) probs = p.map(Number);
  if (probs.length !== tokens.length) {
    throw new Error(`top-k has ${tokens.length} tokens but ${probs.length} probabilities`);
  }
  return { tokens, probs };
}

/**
 * The `lm` trait, decoded; null when it is empty (a world model, or nothing run yet).
 * @param {any} lm
 * @returns {Lm | null}
 */
export function readLm(lm) {
  if (!lm || typeof lm !== "object" || Object.keys(lm).length === 0) return null;
  const after = lm.continuation_after;
  return {
    prompt: Array.from(lm.prompt ?? [], (t) => String(t)),
    before: readTopK(lm.before),
    after: readTopK(lm.after),
    continuationBefore: typeof lm.continuation_before === "string" ? lm.continuation_before : "",
    continuationAfter: typeof after === "string" ? after : null,
  };
}

/**
 * A probability as a percentage for a label: whole percents from 10 %, one decimal from
 * 1 %, two from 0.1 %, "<0.1%" below (but above 0); "–" when not a number.
 * @param {any} p in [0, 1]
 * @returns {string}
 */
export function formatProb(p) {
  if (p === null || p === undefined || p === "" || !Number.isFinite(Number(p))) return "–";
  const pct = Math.max(0, Number(p)) * 100;
  if (pct === 0) return "0%";
  if (pct >= 9.95) return `${Math.round(pct)}%`;
  if (pct >= 0.995) return `${pct.toFixed(1)}%`;
  if (pct >= 0.0995) return `${pct.toFixed(2)}%`;
  return "<0.1%";
}

/**
 * A token as shown on a chip or a bar: spaces as "␣", newlines as "↵", tabs as "⇥" (so
 * " left" and "left" differ visibly); "∅" for the empty string.
 * @param {string} token
 * @returns {string}
 */
export function showToken(token) {
  const t = String(token ?? "");
  if (t === "") return "∅";
  return t.replace(/\r?\n/g, "↵").replace(/\t/g, "⇥").replace(/ /g, "␣");
}

/**
 * Which tokens of the edited top-k are new (absent from the unedited top-k).
 * @param {readonly string[]} before
 * @param {readonly string[]} after
 * @returns {boolean[]} one flag per token of `after`
 */
export function newTokenFlags(before, after) {
  const seen = new Set(before);
  return after.map((t) => !seen.has(t));
}

/**
 * The unedited probability of each edited top-k token, where it is in the unedited top-k.
 * @param {TopK} before
 * @param {readonly string[]} after
 * @returns {(number | null)[]}
 */
export function previousProbs(before, after) {
  /** @type {Map<string, number>} */
  const p = new Map();
  before.tokens.forEach((t, i) => {
    if (!p.has(t)) p.set(t, before.probs[i]);
  });
  return after.map((t) => (p.has(t) ? /** @type {number} */ (p.get(t)) : null));
}

/**
 * The largest probability of the charts shown: both share this scale (at least 1e-9).
 * @param {...(TopK | null)} charts
 * @returns {number}
 */
export function barScale(...charts) {
  let m = 0;
  for (const c of charts) for (const p of c?.probs ?? []) if (Number.isFinite(p)) m = Math.max(m, p);
  return Math.max(m, 1e-9);
}

/**
 * Which prompt positions the dials edit: "rollout" from the last prompt token on, "from"
 * from `scopeStart` on, "once" only at `scopeStart` (clamped to the prompt).
 * @param {string | undefined} scope
 * @param {number | undefined} scopeStart
 * @param {number} n prompt length
 * @returns {boolean[]}
 */
export function scopeMask(scope, scopeStart, n) {
  if (!(n > 0)) return [];
  const t = Math.min(n - 1, Math.max(0, Math.trunc(Number(scopeStart)) || 0));
  const first = scope === "rollout" ? n - 1 : t;
  return Array.from({ length: n }, (_, i) => (scope === "once" ? i === t : i >= first));
}

/**
 * Whether the tokens are whole words that a tokenizer joins with spaces (a word-level
 * tokenizer), rather than pieces that carry their own spaces (GPT-2's BPE: " left").
 * @param {readonly string[]} prompt
 * @param {...(string | null | undefined)} continuations
 * @returns {boolean}
 */
export function spacedTokens(prompt, ...continuations) {
  if (prompt.slice(1).some((t) => /^\s/.test(t))) return false;
  if (prompt.some((t) => /\s$/.test(t))) return false;
  return !continuations.some((c) => typeof c === "string" && /^\s/.test(c));
}

/**
 * The prompt as text, and what goes between it and a continuation.
 * @param {readonly string[]} prompt
 * @param {...(string | null | undefined)} continuations
 * @returns {{text: string, glue: string}}
 */
export function promptText(prompt, ...continuations) {
  const spaced = spacedTokens(prompt, ...continuations);
  return { text: prompt.join(spaced ? " " : ""), glue: spaced && prompt.length ? " " : "" };
}

/**
 * A text as words, each with the whitespace before it (joining sep + word gives it back,
 * but for trailing whitespace).
 * @param {string | null | undefined} text
 * @returns {Word[]}
 */
export function splitWords(text) {
  /** @type {Word[]} */
  const out = [];
  const re = /(\s*)(\S+)/g;
  let m;
  while ((m = re.exec(String(text ?? ""))) !== null) out.push({ sep: m[1], word: m[2] });
  return out;
}

/**
 * Two texts word by word: the words of each that are not in a longest common subsequence
 * of the two are `changed` (the "differing generated words"). Beyond MAX_DIFF_CELLS it
 * compares position by position.
 * @param {string | null | undefined} a
 * @param {string | null | undefined} b
 * @returns {{a: DiffWord[], b: DiffWord[], changed: number}} changed: how many words of
 *   `b` differ
 */
export function diffWords(a, b) {
  const wa = splitWords(a);
  const wb = splitWords(b);
  const n = wa.length;
  const m = wb.length;
  const keepA = new Array(n).fill(false);
  const keepB = new Array(m).fill(false);
  if (n * m > MAX_DIFF_CELLS) {
    for (let i = 0; i < Math.min(n, m); i++) keepA[i] = keepB[i] = wa[i].word === wb[i].word;
  } else if (n && m) {
    // L[i][j]: LCS length of wa[i:] and wb[j:] (a flat array, row stride m + 1).
    const L = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        L[i * (m + 1) + j] =
          wa[i].word === wb[j].word
            ? L[(i + 1) * (m + 1) + j + 1] + 1
            : Math.max(L[(i + 1) * (m + 1) + j], L[i * (m + 1) + j + 1]);
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
  const mark = (/** @type {Word[]} */ w, /** @type {boolean[]} */ keep) =>
    w.map((x, k) => ({ sep: x.sep, word: x.word, changed: !keep[k] }));
  const outB = mark(wb, keepB);
  return { a: mark(wa, keepA), b: outB, changed: outB.filter((x) => x.changed).length };
}

// ---------------------------------------------------------------------------------------
// The panel (DOM).

/** Scoped to the panel; the colours fall back when the host sets no --iwm-* variables. */
export const LM_CSS = `
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
.iwm-lm .iwm-lm-chip[data-in-scope="1"] { border: 1px dashed var(--iwm-edit, ${EDIT_COLOR}); }
.iwm-lm.iwm-lm-edited .iwm-lm-chip[data-in-scope="1"] {
  border-style: solid; background: rgba(255, 127, 14, 0.18); box-shadow: inset 0 -2px 0 var(--iwm-edit, ${EDIT_COLOR});
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
  font-size: 9px; line-height: 12px; font-weight: 600; color: #fff; background: var(--iwm-edit, ${EDIT_COLOR});
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

/**
 * The LM panel: an element to place, and `update` to show a (decoded) `lm` trait.
 * @returns {{el: HTMLElement, update: (state: PanelState) => void, dispose: () => void}}
 */
export function createLmPanel() {
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

  /**
   * @param {"before" | "after"} name
   * @param {string} title
   * @param {HTMLElement} parent
   */
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

  /**
   * @param {"before" | "after"} name
   * @param {string} label
   * @param {HTMLElement} parent
   */
  function continuation(name, label, parent) {
    const row = h("div", "iwm-lm-cont", parent);
    row.dataset.cont = name;
    h("span", "iwm-lm-cont-label", row).textContent = label;
    const text = h("div", "iwm-lm-cont-text", row);
    return { row, text };
  }

  /**
   * @param {ReturnType<typeof chart>} c
   * @param {TopK | null} top
   * @param {number} scale
   * @param {string} color
   * @param {string} hint shown when there is no top-k
   * @param {{isNew?: boolean[], was?: (number | null)[], dropped?: boolean[]}} [marks]
   */
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
    const t = /** @type {TopK} */ (top);
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
        if (was !== null && was !== undefined) {
          const tick = h("span", "iwm-lm-was", track);
          tick.style.left = `calc(${(100 * Math.max(0, Math.min(1, was / scale))).toFixed(2)}% - 1px)`;
        }
        h("span", "iwm-lm-pct", row).textContent = formatProb(p);
        const extra = isNew
          ? ", new in the top-k"
          : was !== null && was !== undefined
            ? `, unedited ${formatProb(was)}`
            : marks.dropped?.[i]
              ? ", not in the edited top-k"
              : "";
        row.title = `${JSON.stringify(token)}: ${formatProb(p)}${extra}`;
        row.setAttribute("aria-label", row.title);
        return row;
      }),
    );
  }

  /**
   * @param {ReturnType<typeof continuation>} c
   * @param {{text: string, glue: string}} prompt
   * @param {DiffWord[] | null} words null: show `hint` instead
   * @param {string} hint
   * @param {number} changed
   */
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
        // The first word's own whitespace, or the glue a word-level tokenizer leaves out.
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

  /** @param {PanelState} state */
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

    // prompt chips, the edited positions marked
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
      }),
    );
    const first = mask.indexOf(true);
    const last = mask.lastIndexOf(true);
    scopeNote.textContent =
      first < 0
        ? ""
        : `· the dials edit ${first === last ? `token ${first}` : `tokens ${first}–${last}`}${
            state.scope === "once" ? "" : " and every generated token"
          }`;

    // next-token charts on one scale
    const scale = barScale(lm.before, lm.after);
    const isNew = lm.before && lm.after ? newTokenFlags(lm.before.tokens, lm.after.tokens) : [];
    const was = lm.before && lm.after ? previousProbs(lm.before, lm.after.tokens) : [];
    const dropped = lm.before && lm.after ? newTokenFlags(lm.after.tokens, lm.before.tokens) : [];
    fillChart(before, lm.before, scale, LM_COLORS.before, "no prediction yet", { dropped });
    fillChart(after, lm.after, scale, LM_COLORS.after, "turn a dial to see the edited prediction", {
      isNew,
      was,
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

    // continuations, the differing words highlighted
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
    },
  };
}
