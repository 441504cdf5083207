// node --test tests/js/ : the LM panel's pure helpers (js/steering_dials/lm_panel.js).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  barScale,
  diffWords,
  formatProb,
  MAX_DIFF_CELLS,
  newTokenFlags,
  previousProbs,
  promptText,
  readLm,
  readTopK,
  scopeMask,
  showToken,
  spacedTokens,
  splitWords,
} from "../../js/steering_dials/lm_panel.js";

/** A float32 payload as Python's to_buffer sends it (a DataView into a larger frame). */
function probs(values, offset = 3) {
  const frame = new ArrayBuffer(offset + 4 * values.length);
  const view = new DataView(frame, offset, 4 * values.length);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return { buffer: view, dtype: "float32", shape: [values.length] };
}

const close = (a, b, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test("readLm decodes the trait; empty is null; after may be null", () => {
  assert.equal(readLm({}), null);
  assert.equal(readLm(null), null);
  assert.equal(readLm(undefined), null);
  const lm = readLm({
    prompt: ["The", "ball"],
    before: { tokens: ["left", "off"], probs: probs([0.5, 0.25]) },
    after: null,
    continuation_before: "left left",
    continuation_after: null,
  });
  assert.deepEqual(lm.prompt, ["The", "ball"]);
  assert.deepEqual(lm.before.tokens, ["left", "off"]);
  close(lm.before.probs[0], 0.5);
  close(lm.before.probs[1], 0.25);
  assert.equal(lm.after, null);
  assert.equal(lm.continuationBefore, "left left");
  assert.equal(lm.continuationAfter, null);
  // a continuation of "" stays "", not null
  assert.equal(readLm({ prompt: [], before: null, continuation_after: "" }).continuationAfter, "");
});

test("readTopK: plain arrays too; a length mismatch is an error", () => {
  assert.deepEqual(readTopK({ tokens: ["a", "b"], probs: [0.6, 0.4] }), { tokens: ["a", "b"], probs: [0.6, 0.4] });
  assert.equal(readTopK(null), null);
  assert.throws(() => readTopK({ tokens: ["a", "b"], probs: probs([1]) }), /2 tokens but 1 probabilities/);
});

test("formatProb: whole percents from 10%, one decimal from 1%, two from 0.1%", () => {
  assert.equal(formatProb(1), "100%");
  assert.equal(formatProb(0.456), "46%");
  assert.equal(formatProb(0.1), "10%");
  assert.equal(formatProb(0.0996), "10%"); // rounds up into the next band, never "10.0%"
  assert.equal(formatProb(0.0321), "3.2%");
  assert.equal(formatProb(0.01), "1.0%");
  assert.equal(formatProb(0.0042), "0.42%");
  assert.equal(formatProb(0.0004), "<0.1%");
  assert.equal(formatProb(0), "0%");
  assert.equal(formatProb(-1e-9), "0%");
  for (const bad of [NaN, null, undefined, "", Infinity]) assert.equal(formatProb(bad), "–");
});

test("showToken makes whitespace visible", () => {
  assert.equal(showToken(" left"), "␣left");
  assert.equal(showToken("left"), "left");
  assert.equal(showToken("\n"), "↵");
  assert.equal(showToken("\t x"), "⇥␣x");
  assert.equal(showToken(""), "∅");
});

test("new tokens: in the edited top-k but not in the unedited one", () => {
  assert.deepEqual(newTokenFlags(["left", "off", "hits"], ["left", "north", "off", "taxi"]), [false, true, false, true]);
  assert.deepEqual(newTokenFlags([], ["a"]), [true]);
  assert.deepEqual(newTokenFlags(["a"], []), []);
  // whitespace matters: " left" is another token than "left"
  assert.deepEqual(newTokenFlags(["left"], [" left"]), [true]);
});

test("previousProbs: each edited token's unedited probability, where it had one", () => {
  const before = { tokens: ["a", "b", "c"], probs: [0.5, 0.3, 0.1] };
  assert.deepEqual(previousProbs(before, ["b", "x", "a"]), [0.3, null, 0.5]);
});

test("barScale: the largest probability of both charts, never 0", () => {
  assert.equal(barScale({ tokens: ["a"], probs: [0.2] }, { tokens: ["b"], probs: [0.7] }), 0.7);
  assert.equal(barScale({ tokens: ["a"], probs: [0.2] }, null), 0.2);
  assert.equal(barScale(null, null), 1e-9);
  assert.equal(barScale({ tokens: ["a", "b"], probs: [NaN, 0.1] }), 0.1);
});

test("scopeMask: rollout = last token on, from = t on, once = only t, t clamped", () => {
  assert.deepEqual(scopeMask("rollout", 0, 4), [false, false, false, true]);
  assert.deepEqual(scopeMask("from", 1, 4), [false, true, true, true]);
  assert.deepEqual(scopeMask("once", 2, 4), [false, false, true, false]);
  assert.deepEqual(scopeMask("from", 99, 3), [false, false, true]);
  assert.deepEqual(scopeMask("once", -5, 3), [true, false, false]);
  assert.deepEqual(scopeMask("from", NaN, 2), [true, true]);
  assert.deepEqual(scopeMask("from", 0, 0), []);
});

test("prompt text: word-level tokens joined by spaces, BPE pieces as they are", () => {
  // word-level (this repo's local GPT-2): decode joins with spaces
  assert.equal(spacedTokens(["The", "ball"], "left left"), true);
  assert.deepEqual(promptText(["The", "ball", "moves"], "left"), { text: "The ball moves", glue: " " });
  // GPT-2 BPE: the pieces carry their spaces, the continuation too
  assert.equal(spacedTokens(["The", " ball"], " left"), false);
  assert.deepEqual(promptText(["The", " ball", " mov", "es"], " left"), { text: "The ball moves", glue: "" });
  // one-token prompt: the continuation decides
  assert.deepEqual(promptText(["The"], " ball"), { text: "The", glue: "" });
  assert.deepEqual(promptText(["The"], null, "ball"), { text: "The", glue: " " });
  assert.deepEqual(promptText([], "x"), { text: "", glue: "" });
});

test("splitWords keeps the whitespace before each word", () => {
  assert.deepEqual(splitWords(" left  to\nthe"), [
    { sep: " ", word: "left" },
    { sep: "  ", word: "to" },
    { sep: "\n", word: "the" },
  ]);
  assert.deepEqual(splitWords(""), []);
  assert.deepEqual(splitWords(null), []);
  assert.equal(
    splitWords(" a b\tc")
      .map((w) => w.sep + w.word)
      .join(""),
    " a b\tc",
  );
});

test("diffWords marks the words outside a longest common subsequence", () => {
  const d = diffWords("the ball moves left and bounces", "the ball moves north and turns");
  assert.deepEqual(
    d.a.map((w) => w.changed),
    [false, false, false, true, false, true],
  );
  assert.deepEqual(
    d.b.filter((w) => w.changed).map((w) => w.word),
    ["north", "turns"],
  );
  assert.equal(d.changed, 2);
  // identical texts: nothing changed
  const same = diffWords("left left left", "left left left");
  assert.equal(same.changed, 0);
  assert.ok(same.a.every((w) => !w.changed));
  // an inserted word shifts nothing else
  const ins = diffWords("a b c", "a x b c");
  assert.deepEqual(
    ins.b.map((w) => w.changed),
    [false, true, false, false],
  );
  assert.ok(ins.a.every((w) => !w.changed));
  // one side empty: everything on the other side changed
  assert.deepEqual(diffWords("", "a b").b.map((w) => w.changed), [true, true]);
  assert.deepEqual(diffWords("a b", null).a.map((w) => w.changed), [true, true]);
  assert.equal(diffWords(null, null).changed, 0);
  // whitespace is kept for display
  assert.deepEqual(diffWords(" a", " b").b, [{ sep: " ", word: "b", changed: true }]);
});

test("diffWords on very long texts compares position by position", () => {
  const n = Math.ceil(Math.sqrt(MAX_DIFF_CELLS)) + 1;
  const a = Array.from({ length: n }, (_, i) => `w${i}`);
  const b = a.slice();
  b[5] = "changed";
  const d = diffWords(a.join(" "), b.join(" "));
  assert.equal(d.changed, 1);
  assert.equal(d.b[5].changed, true);
  assert.equal(d.a[5].changed, true);
});
