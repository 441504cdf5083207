// A run in flight (remote models): spinner with elapsed time, NDIF's job status, cancel,
// retry. It follows RUN_TRAITS (run_started in ms since the epoch, remote the NDIF host or
// ""). Messages sent: {type: "cancel"}, {type: "retry"}.

import { button } from "./controls.js";
import { h } from "./dom.js";
import { onChanges } from "./model.js";

/** @typedef {import("./model.js").Model} Model */

/** The traits the run panel follows (every widget that shows one has them). */
export const RUN_TRAITS = Object.freeze(["status", "run_started", "remote_status", "error", "remote"]);

/**
 * "running 1.2 s · QUEUED: Moved to position 1 in Queue." for a run in flight, else "".
 * @param {{get: (name: string) => any}} model
 * @param {number} now ms since the epoch
 * @returns {string}
 */
export function runText(model, now) {
  if (model.get("status") !== "running") return "";
  const started = Number(model.get("run_started")) || 0;
  const secs = started > 0 ? Math.max(0, (now - started) / 1000) : 0;
  const where = model.get("remote") ? " on NDIF" : "";
  const queue = model.get("remote_status") || "";
  return `running${where} ${secs.toFixed(1)} s${queue ? ` · ${queue}` : ""}`;
}

/**
 * A run panel: spinner + elapsed time + NDIF's status, a cancel button while running and
 * a retry button after an error. Updates itself (a 100 ms timer while running).
 * @param {Element} parent
 * @param {Model} model
 * @returns {{el: HTMLElement, update: () => void, dispose: () => void}}
 */
export function runPanel(parent, model) {
  const el = h("span", "iwm-run", parent);
  const spinner = h("span", "iwm-spinner", el);
  spinner.textContent = "◌";
  const text = h("span", "iwm-run-text", el);
  const cancel = button(el, "iwm-cancel", "cancel", "abandon the run in flight");
  const retry = button(el, "iwm-retry", "retry", "run the newest state again");
  /** @type {any} */
  let timer = null;
  const update = () => {
    const running = model.get("status") === "running";
    const remote = !!model.get("remote");
    el.hidden = !running && !(remote && model.get("error"));
    spinner.hidden = !running;
    cancel.hidden = !running || !remote;
    retry.hidden = running || !model.get("error");
    text.textContent = runText(model, Date.now());
    el.dataset.remoteStatus = model.get("remote_status") || "";
    if (running && timer === null) timer = setInterval(update, 100);
    if (!running && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
  const onCancel = () => model.send({ type: "cancel" });
  const onRetry = () => model.send({ type: "retry" });
  cancel.addEventListener("click", onCancel);
  retry.addEventListener("click", onRetry);
  const stopListening = onChanges(model, RUN_TRAITS, update);
  update();
  return {
    el,
    update,
    dispose() {
      stopListening();
      cancel.removeEventListener("click", onCancel);
      retry.removeEventListener("click", onRetry);
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}

/** CSS of the run panel (include it in a view's style). */
export const RUN_CSS = `
.iwm-run { display: inline-flex; gap: 6px; align-items: center; color: var(--iwm-muted, #666); }
.iwm-run[hidden], .iwm-run [hidden] { display: none; }
.iwm-spinner { display: inline-block; animation: iwm-spin 1s linear infinite; }
@keyframes iwm-spin { to { transform: rotate(360deg); } }
.iwm-run button { font-size: 0.85em; padding: 0 6px; }
`;
