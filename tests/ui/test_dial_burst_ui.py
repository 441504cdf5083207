"""1,000 dial events in one burst from the page, in a real browser (bouncing-ball).

A notebook of its own (its own kernel) shows SteeringDials with one slider per velocity
component. Two bursts:

- 1,000 ``input`` events on a slider, dispatched in one synchronous loop, then its
  ``change``: the view's throttle sends a handful of messages, the last value reaches
  Python and is the edit applied.
- 1,000 ``model.set("values", ...)`` + ``save_changes()`` on the widget's own model (1,000
  comm messages, what a view without a throttle would send): Python applies the last
  value, the Workspace's runner coalesces the requests (latest wins: far fewer runs
  than requests, never two runs at once, the runs' generations only go up, the final
  result is of the latest generation) and the kernel's memory does not grow (RSS, after
  a warm-up burst), nor the page's JS heap (after a garbage collection).

The kernel side is watched by wrapping ``ws._execute`` (the one call a run makes) with a
counter of runs in flight and the generations run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from harness import write_notebook

pytestmark = pytest.mark.ui

NOTEBOOK = "dial_burst_ui.ipynb"
CELLS = [
    "import torch\n"
    "import iwm_widgets as iwm\n"
    "model = iwm.load('bouncing-ball')\n"
    "ws = iwm.Workspace(model, model.sample(seed=0, latents=True))\n"
    "sweep = iwm.probe_sweep(model, target='velocity', progress=False)\n"
    "vel = sweep.variable('velocity', layer=sweep.best_layer)\n"
    "dials = iwm.SteeringDials(ws, [vel], sliders=True)\n"
    "dials",
    # The runner, watched: runs in flight (never more than one) and the generations run.
    "import copy as _copy, time as _time\n"
    "_probe = {'active': 0, 'max_active': 0, 'gens': [], 'runs_s': [], 'asked': []}\n"
    "_execute = ws._execute\n"
    "def _watched(gen):\n"
    "    _probe['active'] += 1\n"
    "    _probe['max_active'] = max(_probe['max_active'], _probe['active'])\n"
    "    _probe['gens'].append(gen)\n"
    "    t0 = _time.perf_counter()\n"
    "    try:\n"
    "        return _execute(gen)\n"
    "    finally:\n"
    "        _probe['runs_s'].append(_time.perf_counter() - t0)\n"
    "        _probe['active'] -= 1\n"
    "ws._execute = _watched\n"
    "_request_run = ws.request_run\n"
    "def _asked():\n"
    "    _probe['asked'].append(_time.perf_counter())\n"
    "    _request_run()\n"
    "ws.request_run = _asked\n"
    "def _rss_mb():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmRSS:'):\n"
    "            return int(line.split()[1]) / 1024\n"
    "def _mark():\n"
    "    global _stats0\n"
    "    ws.wait()\n"
    "    _stats0 = _copy.copy(ws.stats)\n"
    "    _probe.update(max_active=0, gens=[], runs_s=[], asked=[])\n"
    "def _report():\n"
    "    ws.wait()\n"
    "    e = [x for x in ws.result.edits if x.label.startswith('dial ')]\n"
    "    return {'stats': {k: ws.stats[k] - _stats0[k] for k in ws.stats},\n"
    "            'max_active': _probe['max_active'], 'gens': _probe['gens'],\n"
    "            'runs_s': _probe['runs_s'],\n"
    "            'asked_s': _probe['asked'][-1] - _probe['asked'][0] if _probe['asked'] else 0,\n"
    "            'generation': ws.generation, 'result_generation': ws.result.generation,\n"
    "            'dials_generation': dials.generation,\n"
    "            'edits': [(x.label, x.value.tolist()) for x in e], 'values': dials.values,\n"
    "            'rss_mb': _rss_mb(), 'error': dials.error}",
]
ROOT = ".iwm-steering-dials"
N = 1000

# The widget's model in the page: the view JupyterLab's output area holds for model_id.
# (Test-only: it reads the lumino widget's private ``_view``; no public handle exists.)
FIND_MODEL = """
(mid) => {
  for (const panel of window.jupyterapp.shell.widgets('main')) {
    for (const cell of (panel.content && panel.content.widgets) || []) {
      const stack = cell.outputArea ? [cell.outputArea] : [];
      while (stack.length) {
        const w = stack.pop();
        if (w._view && w._view.model && w._view.model.model_id === mid) {
          window.__iwmBurstModel = w._view.model;
          return true;
        }
        stack.push(...(w.widgets || []));
      }
    }
  }
  return false;
}
"""

# N input events on a slider in one synchronous loop (values across its range), then the
# change that ends the gesture.
INPUT_BURST = """
([range, n]) => {
  const lo = Number(range.min), hi = Number(range.max), step = Number(range.step);
  let v = null;
  const t0 = performance.now();
  for (let k = 1; k <= n; k++) {
    v = lo + step * Math.round(((hi - lo) / step) * (0.25 + 0.5 * ((k * 7919) % n) / n));
    range.value = String(v);
    range.dispatchEvent(new Event('input', {bubbles: true}));
  }
  range.dispatchEvent(new Event('change', {bubbles: true}));
  return [Number(range.value), performance.now() - t0];
}
"""

# N changes from the widget's model: set + save_changes (ipywidgets itself coalesces
# these while a message is unanswered) or N raw "update" comm messages (what N
# unthrottled events would send). Distinct values; the last one is returned.
MODEL_BURST = """
([id, lo, hi, n, salt, raw]) => {
  const m = window.__iwmBurstModel;
  let v = null;
  for (let k = 1; k <= n; k++) {
    v = lo + (hi - lo) * (((k * 7919 + salt) % n) / n);
    const values = {...m.get('values'), [id]: v};
    if (raw) {
      m.comm.send({method: 'update', state: {values}, buffer_paths: []});
    } else {
      m.set('values', values);
      m.save_changes();
    }
  }
  return v;
}
"""


@pytest.fixture(scope="module")
def lab(module_page: Any, notebooks: Any, jupyter_server: Any) -> Iterator[Any]:
    write_notebook(jupyter_server.root / NOTEBOOK, CELLS)
    nb = notebooks(module_page, NOTEBOOK).run_all()
    assert module_page.evaluate(FIND_MODEL, nb.eval_json("dials.model_id"))
    yield nb
    nb.shutdown()


@pytest.fixture
def dials(lab: Any) -> Iterator[Any]:
    page = lab.page
    lab.execute("dials.reset()\nws.wait()")
    root = page.locator(ROOT).first
    root.scroll_into_view_if_needed()
    synced(lab, root)
    yield root
    page.iwm_errors.check()


def synced(nb: Any, root: Any) -> None:
    """The page shows the generation Python drew last, with no error."""
    gen = nb.eval_json("dials.generation")
    root.page.wait_for_function(
        """([r, g]) => Number(r.dataset.generation) >= g && r.querySelector('.iwm-error').hidden""",
        arg=[root.element_handle(), gen],
    )


def js_heap_mb(page: Any) -> float:
    """The page's JS heap after a full garbage collection (Chromium's DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("HeapProfiler.collectGarbage")
        return float(cdp.send("Runtime.getHeapUsage")["usedSize"]) / 2**20
    finally:
        cdp.detach()


def check_latest_wins(rep: dict[str, Any], requests_at_most: int) -> None:
    stats = rep["stats"]
    assert rep["error"] == ""
    assert 1 <= stats["runs"] <= stats["requests"] <= requests_at_most, stats
    assert rep["max_active"] == 1, rep  # never two runs at once
    gens = rep["gens"]
    assert gens == sorted(set(gens)), gens  # each run is of a newer state than the last
    assert len(gens) == stats["runs"]
    # the last run is of the latest request, and that is what every view shows
    assert gens[-1] == rep["generation"] == rep["result_generation"] == rep["dials_generation"]


def test_input_event_burst_is_throttled_and_the_last_value_wins(lab: Any, dials: Any) -> None:
    page = lab.page
    spec = lab.eval_json("dials.dials[0]")
    rng = dials.locator(f".iwm-dial[data-id={spec['id']!r}] input.iwm-range")
    lab.execute("_mark()")
    sent0 = int(dials.get_attribute("data-sent") or 0)
    last, ms = page.evaluate(INPUT_BURST, [rng.element_handle(), N])
    got = lab.wait_for_python(f"dials.values[{spec['id']!r}]", last)
    assert got == pytest.approx(last)
    rep = lab.eval_json("_report()")
    sent = int(dials.get_attribute("data-sent") or 0) - sent0
    # leading + trailing of the throttle, then the change; a burst that itself lasts
    # longer than the throttle's interval (a slow machine) lets one more through per 30 ms
    assert 1 <= sent <= 3 + int(ms // 30), (sent, ms)
    check_latest_wins(rep, requests_at_most=sent)
    assert rep["edits"] == [[f"dial {spec['id']}", [pytest.approx(last, rel=1e-6)]]]
    synced(lab, dials)
    shown = dials.locator(f".iwm-dial[data-id={spec['id']!r}]").get_attribute("data-value")
    assert float(shown) == pytest.approx(last)


def test_model_set_burst_is_coalesced_by_ipywidgets(lab: Any, dials: Any) -> None:
    spec = lab.eval_json("dials.dials[0]")
    cid, lo, hi = spec["id"], spec["min"] * 0.5, spec["max"] * 0.5
    lab.execute("_mark()")
    last = lab.page.evaluate(MODEL_BURST, [cid, lo, hi, N, 0, False])
    assert lab.wait_for_python(f"dials.values[{cid!r}]", last) == pytest.approx(last)
    rep = lab.eval_json("_report()")
    # one message in flight at a time, the rest merged into the next: a handful arrive
    check_latest_wins(rep, requests_at_most=10)
    assert rep["edits"] == [[f"dial {cid}", [pytest.approx(last, rel=1e-6)]]]


def test_thousand_raw_messages_apply_the_last_and_keep_memory_flat(lab: Any, dials: Any) -> None:
    page = lab.page
    spec = lab.eval_json("dials.dials[0]")
    cid, lo, hi = spec["id"], spec["min"] * 0.5, spec["max"] * 0.5
    # warm-up burst: first-time allocations (caches, buffers) are not growth
    warm = page.evaluate(MODEL_BURST, [cid, lo, hi, N, 1, True])
    # every warm-up message is in before the mark (the kernel may take an execute
    # request while comm messages sent before it still queue: CI counted 129 of them
    # in the measured burst once)
    assert lab.wait_for_python(f"dials.values[{cid!r}]", warm, timeout=60) == pytest.approx(warm)
    lab.execute("ws.wait()\nimport gc\ngc.collect()")
    rss0 = lab.eval_json("_rss_mb()")
    heap0 = js_heap_mb(page)
    lab.execute("_mark()")

    last = page.evaluate(MODEL_BURST, [cid, lo, hi, N, 2, True])
    got = lab.wait_for_python(f"dials.values[{cid!r}]", last, timeout=60)
    assert got == pytest.approx(last)
    rep = lab.eval_json("_report()")
    check_latest_wins(rep, requests_at_most=N)
    stats = rep["stats"]
    assert stats["requests"] == N, stats  # every message changed the edits: one request each
    # ...and most of them never ran (coalesced). Runs go back to back while requests
    # come in, so at most one starts per run's length over the span the requests took
    # to arrive (+1 at the start, +1 after the last); how many that is depends on how
    # fast the kernel reads the messages (4 to 6 per run here, 2 cores)
    shortest = min(rep["runs_s"])
    assert stats["runs"] <= 2 + rep["asked_s"] / shortest, (stats, rep["asked_s"], shortest)
    assert stats["runs"] <= N // 2, stats
    assert rep["edits"] == [[f"dial {cid}", [pytest.approx(last, rel=1e-6)]]]
    # the page draws the final generation and shows the final value
    synced(lab, dials)
    assert int(dials.get_attribute("data-generation")) == rep["generation"]
    page.wait_for_function(
        "([d, v]) => Math.abs(Number(d.dataset.value) - v) <= 1e-9 * Math.max(1, Math.abs(v))",
        arg=[dials.locator(f".iwm-dial[data-id={cid!r}]").element_handle(), last],
    )
    # memory: the kernel's RSS and the page's heap do not grow with the burst
    lab.execute("gc.collect()")
    rss1 = lab.eval_json("_rss_mb()")
    heap1 = js_heap_mb(page)
    assert rss1 - rss0 < 20, (rss0, rss1)
    assert heap1 - heap0 < 20, (heap0, heap1)
    print(
        f"burst of {N}: {stats} over {rep['asked_s']:.2f} s (shortest run "
        f"{1e3 * shortest:.1f} ms), kernel RSS {rss0:.1f} -> {rss1:.1f} MB, "
        f"page heap {heap0:.1f} -> {heap1:.1f} MB"
    )
