// The map's column labels and cell texts as Python sends them (activation_map.py:
// text_to_json): a list (small maps), a pattern {n, prefix, start} (labels "t0" … "t32767":
// a few bytes for any length), or {n, lazy: true, key} for many other texts (tokens of a
// long prompt, a top token per cell): those are fetched in chunks, only the ones drawn or
// hovered, by a message {type: "text", what, key, size, chunks: [ids]} (one per task, at
// most MAX_CHUNKS chunks; more are asked for at the next draw); Python answers
// {type: "text", what, key, size, chunks: [[id, [texts]], ...]}. A reply for texts that
// changed since (another key) is dropped.

/** Texts per chunk of a request. */
export const CHUNK = 256;
/** At most this many chunks in one request. */
export const MAX_CHUNKS = 64;

/**
 * @typedef {object} Texts
 * @property {"columns" | "cell_text"} what the trait
 * @property {"list" | "pattern" | "lazy"} kind
 * @property {number} n how many texts there are
 * @property {(i: number) => (string | undefined)} get text i, or undefined while not known (lazy)
 * @property {(i0: number, i1: number) => boolean} want ask for texts [i0, i1) not known yet; true when all are known
 * @property {(msg: any) => boolean} receive take a reply; true when it held texts of ours
 * @property {(value: any) => void} update the trait changed
 */

/**
 * A text source over one trait of the model.
 * @param {"columns" | "cell_text"} what
 * @param {{send: (content: any) => void}} model
 * @returns {Texts}
 */
export function createTexts(what, model) {
  /** @type {string[]} */
  let list = [];
  let prefix = "";
  let start = 0;
  /** @type {any} */
  let key = null;
  /** @type {Map<number, string[]>} */
  const chunks = new Map();
  /** @type {Set<number>} asked for, not answered yet */
  const pending = new Set();
  /** @type {number[]} to ask for at the end of this task */
  const queued = [];
  let flushing = false;
  /** @type {Texts} */
  const texts = {
    what,
    kind: "list",
    n: 0,
    get(i) {
      if (texts.kind === "list") return list[i];
      if (!(i >= 0 && i < texts.n)) return undefined;
      if (texts.kind === "pattern") return `${prefix}${start + i}`;
      const chunk = chunks.get(Math.floor(i / CHUNK));
      return chunk ? chunk[i % CHUNK] : undefined;
    },
    want(i0, i1) {
      if (texts.kind !== "lazy") return true;
      const a = Math.max(0, Math.floor(i0 / CHUNK));
      const b = Math.min(Math.ceil(texts.n / CHUNK), Math.ceil(i1 / CHUNK));
      let known = true;
      for (let c = a; c < b; c++) {
        if (chunks.has(c)) continue;
        known = false;
        if (!pending.has(c) && queued.length < MAX_CHUNKS) {
          pending.add(c);
          queued.push(c);
        }
      }
      // one request for all the chunks asked for in this task (a draw asks row by row)
      if (queued.length && !flushing) {
        flushing = true;
        queueMicrotask(() => {
          flushing = false;
          if (!queued.length) return;
          model.send({ type: "text", what, key, size: CHUNK, chunks: queued.splice(0) });
        });
      }
      return known;
    },
    receive(msg) {
      if (!msg || msg.type !== "text" || msg.what !== what || texts.kind !== "lazy") return false;
      if (msg.key !== key || msg.size !== CHUNK || !Array.isArray(msg.chunks)) return false;
      for (const entry of msg.chunks) {
        if (!Array.isArray(entry) || !Array.isArray(entry[1])) continue;
        const id = Number(entry[0]);
        chunks.set(id, entry[1].map(String));
        pending.delete(id);
      }
      return true;
    },
    update(value) {
      chunks.clear();
      pending.clear();
      queued.length = 0;
      list = [];
      if (Array.isArray(value)) {
        texts.kind = "list";
        list = value;
        texts.n = value.length;
        return;
      }
      const v = value && typeof value === "object" ? value : {};
      texts.n = Number.isInteger(v.n) && v.n > 0 ? v.n : 0;
      if (typeof v.prefix === "string" && Number.isInteger(v.start)) {
        texts.kind = "pattern";
        prefix = v.prefix;
        start = v.start;
      } else {
        texts.kind = "lazy";
        key = v.key ?? null;
      }
    },
  };
  return texts;
}
