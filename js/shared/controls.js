// Controls shared by the views: selects, buttons, the header's status and generation
// badges, and a number field that commits when the typing pauses.

import { h } from "./dom.js";

/** A typed number is committed this long after the last keystroke (at once on Enter/blur). */
export const TYPING_MS = 400;

/**
 * Replace the options of a select.
 * @param {HTMLSelectElement} select
 * @param {readonly {value: string, label: string}[]} options
 */
export function fillSelect(select, options) {
  select.replaceChildren(
    ...options.map((o) => {
      const opt = document.createElement("option");
      opt.value = o.value;
      opt.textContent = o.label;
      return opt;
    }),
  );
}

/**
 * A `<label>` with its text and, inside it, a control.
 * @param {Element} parent
 * @param {string} text
 * @param {string} tag of the control: "select" or "input"
 * @param {string} className of the control
 * @param {string} [labelClass]
 * @returns {{label: HTMLLabelElement, control: any}}
 */
export function labelled(parent, text, tag, className, labelClass = "") {
  const label = h("label", labelClass, parent);
  label.append(text);
  return { label, control: h(tag, className, label) };
}

/**
 * A `<button type="button">`.
 * @param {Element} parent
 * @param {string} className
 * @param {string} text
 * @param {string} [title]
 * @returns {HTMLButtonElement}
 */
export function button(parent, className, text, title) {
  const b = h("button", className, parent);
  b.type = "button";
  b.textContent = text;
  if (title) b.title = title;
  return b;
}

/**
 * The header's "running…" badge.
 * @param {Element} parent
 * @param {string} [className] e.g. "iwm-status iwm-idle" to start hidden by class
 * @returns {HTMLSpanElement}
 */
export function statusBadge(parent, className = "iwm-status") {
  const status = h("span", className, parent);
  status.textContent = "running…";
  return status;
}

/**
 * The header's generation badge; `generationText` is what it says.
 * @param {Element} parent
 * @returns {HTMLSpanElement}
 */
export function generationBadge(parent) {
  const badge = h("span", "iwm-generation", parent);
  badge.title = GENERATION_TITLE;
  return badge;
}

/** What "generation N" means, on hover. */
export const GENERATION_TITLE =
  "run number: the workspace re-runs the model after every edit or new input, and each run is one generation; this view shows the newest";

/**
 * @param {{get: (name: string) => any}} model
 * @returns {string} "generation N"
 */
export function generationText(model) {
  return `generation ${model.get("generation") ?? 0}`;
}

/**
 * A number input that commits what is typed: TYPING_MS after the last keystroke (typing
 * "12" does not commit "1" first), and at once on Enter and on change (blur, arrows).
 * `commit` gets the text (never "") and returns the value to show.
 * @param {HTMLInputElement} input
 * @param {(text: string) => number} commit
 * @param {number} [wait] ms
 * @returns {{flush: () => void, dispose: () => void}}
 */
export function numberInput(input, commit, wait = TYPING_MS) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const flush = () => {
    clearTimeout(timer);
    if (input.value === "") return;
    input.value = String(commit(input.value));
  };
  const onInput = () => {
    clearTimeout(timer);
    timer = setTimeout(flush, wait);
  };
  const onKey = (/** @type {KeyboardEvent} */ e) => {
    if (e.key === "Enter") flush();
  };
  input.addEventListener("change", flush);
  input.addEventListener("input", onInput);
  input.addEventListener("keydown", onKey);
  return {
    flush,
    dispose() {
      clearTimeout(timer);
      input.removeEventListener("change", flush);
      input.removeEventListener("input", onInput);
      input.removeEventListener("keydown", onKey);
    },
  };
}
