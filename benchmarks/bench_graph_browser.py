"""Browser benchmark: CausalGraph editor Apply -> re-drawn graph, in JupyterLab + Chromium.

Starts the same JupyterLab and Chromium as the UI tests (``tests/ui/harness.py``), writes
a notebook with the graph of ``tests/ui/test_causal_graph_ui.py`` (position and velocity
probes of the bouncing ball, the next position, threshold 0.2) into the server's temporary
root, runs it, clicks the node ``velocity_x@blocks.2`` with the real mouse and then edits it
through the editor again and again: type a new "set" value (alternating in sign, so every
Apply changes the graph) and click Apply. For each edit it measures, in the page
(``performance.now`` clock), the time from the Apply click event to

  * drawn: the graph canvas redrawn with the new generation (a MutationObserver on the
    root's ``data-generation``, which the view sets right after drawing);
  * painted: the next animation frame after that (the new pixels on screen);

and prints p50 / p95 (target: drawn p50 < 100 ms), next to Python's own time for the same
re-runs: from the edit message arriving to the result drawn (wrappers around the widget's
message handler and ``_draw``), the traced run of the Workspace (``ws.timings``), the
widget's ``_redraw`` and, inside it, the batched effects trace (``g.effects.seconds``);
what remains is the transport both ways and the page's work (``data-draw-ms``).

Run: python benchmarks/bench_graph_browser.py [--edits 40] [--warmup 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "ui"))

from harness import (  # noqa: E402
    CHROMIUM,
    Notebook,
    chromium,
    jupyter_server,
    new_page,
    write_notebook,
)

NOTEBOOK = "bench_graph.ipynb"
CELLS = [
    "import torch, iwm_widgets as iwm\n"
    'model = iwm.load("bouncing-ball")\n'
    "ws = iwm.Workspace(model, model.sample(seed=0, latents=True))\n"
    'vel = iwm.probe_sweep(model, "velocity", n=256, progress=False)'
    '.variable("velocity", layer="blocks.2")\n'
    'pos = iwm.probe_sweep(model, "position", n=256, progress=False)'
    '.variable("position", layer="blocks.0")\n'
    "nodes = [pos, vel, "
    'iwm.output_node(lambda o: o[:, -1, 0], "next x", "position_x"), '
    'iwm.output_node(lambda o: o[:, -1, 1], "next y", "position_y")]\n'
    "g = iwm.CausalGraph(ws, nodes, threshold=0.2)\n"
    "g",
]
ROOT = ".iwm-causal-graph"
NODE = "velocity_x@blocks.2"

# Apply clicks, every draw (generation, time, paint) and every message sent, in the page.
RECORDER = """
(root) => {
  const bench = window.__bench = {clicks: [], draws: [], sends: []};
  root.addEventListener('click', (e) => {
    if (e.target.closest && e.target.closest('button.iwm-apply')) {
      bench.clicks.push({t: e.timeStamp, handled: performance.now()});
    }
  }, {capture: true});
  new MutationObserver(() => {
    const d = {gen: Number(root.dataset.generation), t: performance.now(),
               drawMs: Number(root.dataset.drawMs), edges: Number(root.dataset.edgesDrawn)};
    bench.draws.push(d);
    requestAnimationFrame(() => { d.paint = performance.now(); });
  }).observe(root, {attributes: true, attributeFilter: ['data-generation']});
  new MutationObserver(() => bench.sends.push(performance.now()))
    .observe(root, {attributes: true, attributeFilter: ['data-sent']});
}
"""

# Timestamps of the Python side, per edit: message received (the widget's custom-message
# handler), result drawn (WorkspaceWidget._draw), how long _redraw took and the effects
# trace inside it. Wrappers only: the widget's code is unchanged.
INSTRUMENT = """
import time as _time
_bench = []
def _bench_wrap(g):
    on_msg, draw, redraw = g._on_msg, g._draw, g._redraw
    def _on_msg(widget, content, buffers):
        _bench.append(("recv", _time.perf_counter(), content.get("type")))
        on_msg(widget, content, buffers)
    def _draw(result):
        t = _time.perf_counter()
        draw(result)
        _bench.append(("drawn", _time.perf_counter(), t, result.generation))
    def _redraw(result):
        t = _time.perf_counter()
        redraw(result)
        _bench.append(("redraw", _time.perf_counter() - t, g.effects.seconds))
    g.on_msg(on_msg, remove=True)
    g.on_msg(_on_msg)
    g._draw, g._redraw = _draw, _redraw
_bench_wrap(g)
"""
# Per edit: (edit message received -> newest result drawn), _redraw and effects trace (ms).
PY_SPANS = """
(lambda recv, drawn, redraw: [
    (max(d[1] for d in drawn) - min(recv)) * 1e3 if recv and drawn else None,
    sum(r[1] for r in redraw) * 1e3 / max(1, len(redraw)),
    sum(r[2] for r in redraw) * 1e3 / max(1, len(redraw)),
])([e[1] for e in _bench if e[0] == "recv" and e[2] == "edit"],
   [e for e in _bench if e[0] == "drawn"], [e for e in _bench if e[0] == "redraw"])
"""


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]


def edit_value(i: int) -> float:
    """0.03, -0.04, 0.05, ... -0.08, 0.03, ...: every value differs from the one before."""
    return round((0.03 + 0.01 * (i % 6)) * (1 if i % 2 == 0 else -1), 4)


def run(args: argparse.Namespace) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix="iwm-bench-graph-"))
    with jupyter_server(base) as server, chromium() as browser:
        context, page = new_page(browser)
        first = []
        if args.torch_threads:  # before the Workspace starts its runner thread
            first = [f"import torch\ntorch.set_num_threads({args.torch_threads})"]
        write_notebook(server.root / NOTEBOOK, first + CELLS)
        t0 = time.perf_counter()
        nb = Notebook(page, server, NOTEBOOK).open().run_all()
        print(f"opened and ran {NOTEBOOK} in {time.perf_counter() - t0:.1f} s", flush=True)
        nb.execute("ws.clear_edits()\nws.wait()")
        root = page.locator(ROOT).first
        root.scroll_into_view_if_needed()
        gen = nb.eval_json("g.generation")
        page.wait_for_function(
            "([r, g]) => Number(r.dataset.generation) >= g", arg=[root.element_handle(), gen]
        )
        root.evaluate(RECORDER)
        nb.execute(INSTRUMENT)

        # Open the editor with a real click on the node (its place from the node list).
        button = root.locator(f".iwm-node-list button[data-id='{NODE}']")
        box = root.locator("canvas.iwm-canvas").bounding_box()
        x = box["x"] + float(button.get_attribute("data-x"))
        y = box["y"] + float(button.get_attribute("data-y"))
        page.mouse.move(x - 30, y - 30)
        page.mouse.move(x, y, steps=4)
        page.mouse.click(x, y)
        root.locator(".iwm-editor").wait_for(state="visible")
        root.locator("select.iwm-op").select_option("set")
        value_input = root.locator("input.iwm-edit-value")
        apply = root.locator("button.iwm-apply")
        nb.execute("_t0 = len(ws.timings); _s0 = dict(ws.stats)")

        drawn: list[float] = []
        painted: list[float] = []
        draw_ms: list[float] = []
        to_send: list[float] = []
        py_total: list[float] = []
        py_redraw: list[float] = []
        py_effects: list[float] = []
        value_err: list[float] = []
        outputs: list[float] = []
        gen_before = int(root.get_attribute("data-generation") or 0)
        for i in range(args.warmup + args.edits):
            v = edit_value(i)
            value_input.fill(str(v))
            page.evaluate("Object.assign(window.__bench, {clicks: [], draws: [], sends: []})")
            nb.execute("_bench.clear()")
            apply.click()  # real mouse: move, press, release on the button
            # Wait in the page (asking the kernel now would compete with the run) for a
            # newer generation; then check with Python that it is the newest one.
            page.wait_for_function(
                "g => window.__bench.draws.some((d) => d.gen > g && d.paint)", arg=gen_before
            )
            gen, value, out = nb.eval_json(
                "(ws.wait(), [g.generation, next(n['value'] for n in g.nodes"
                f" if n['id'] == {NODE!r}), g.output['after']])[1]"
            )
            page.wait_for_function(
                "g => window.__bench.draws.some((d) => d.gen >= g && d.paint)", arg=gen
            )
            gen_before = gen
            bench = page.evaluate("window.__bench")
            if i < args.warmup or not bench["clicks"]:
                continue
            click = bench["clicks"][-1]
            draw = next(d for d in bench["draws"] if d["gen"] >= gen)
            drawn.append(draw["t"] - click["t"])
            painted.append(draw["paint"] - click["t"])
            draw_ms.append(draw["drawMs"])
            sends = [s for s in bench["sends"] if s >= click["handled"] - 1]
            if sends:
                to_send.append(sends[0] - click["t"])
            value_err.append(abs(value - v))
            outputs.append(out)
            total, redraw, effects = nb.eval_json(PY_SPANS)
            if total is not None:
                py_total.append(total)
                py_redraw.append(redraw)
                py_effects.append(effects)

        py = nb.eval_json(
            "{'timings': ws.timings[_t0:], 'stats': {k: ws.stats[k] - _s0[k] for k in ws.stats},"
            " 'edits': len(ws.edits), 'runner_threads': ws.runner_threads}"
        )
        nb.shutdown()
        context.close()
    return {
        "edits": len(drawn),
        "drawn": drawn,
        "painted": painted,
        "draw_ms": draw_ms,
        "to_send": to_send,
        "py_total": py_total,
        "py_redraw": py_redraw,
        "py_effects": py_effects,
        "value_err": value_err,
        "outputs": outputs,
        "python": py,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edits", type=int, default=40, help="measured edits (default 40)")
    ap.add_argument("--warmup", type=int, default=3, help="edits not measured (default 3)")
    ap.add_argument("--json", type=Path, help="also write the raw numbers here")
    ap.add_argument(
        "--torch-threads", type=int, help="torch.set_num_threads(N) first in the kernel"
    )
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"no Chromium at {CHROMIUM} (set IWM_CHROMIUM)")
    r = run(args)
    timings = r["python"]["timings"][args.warmup :]
    rows = [
        ("Apply click -> graph drawn", r["drawn"]),
        ("Apply click -> next frame painted", r["painted"]),
        ("browser: click -> message sent", r["to_send"]),
        ("Python: message in -> result drawn", r["py_total"]),
        ("  of which the traced re-run (ws.timings)", timings),
        ("  of which _redraw", r["py_redraw"]),
        ("    of which the effects trace", r["py_effects"]),
        ("browser: graph draw (data-draw-ms)", r["draw_ms"]),
    ]
    print(f"\nCausalGraph edit latency, {r['edits']} edits through the editor (ms)")
    print(f"{'':42s} {'p50':>7s} {'p95':>7s} {'n':>4s}")
    for name, xs in rows:
        if xs:
            print(f"{name:42s} {statistics.median(xs):7.1f} {pct(xs, 0.95):7.1f} {len(xs):4d}")
    p50 = statistics.median(r["drawn"])
    print(f"\ntarget drawn p50 < 100 ms: {'met' if p50 < 100 else 'NOT met'} ({p50:.1f} ms)")
    if r["py_total"]:
        rest = [a - b for a, b in zip(r["drawn"], r["py_total"], strict=False)]
        print(
            "transport both ways + JS update handling (drawn - Python span), "
            f"p50: {statistics.median(rest):.1f} ms"
        )
    print(f"workspace stats during the edits: {r['python']['stats']}")
    print(
        f"runner threads: {r['python']['runner_threads']}; edits at the end: {r['python']['edits']}"
    )
    print(f"max |node value - value set|: {max(r['value_err']):.2e}")
    print(f"distinct outputs (next x) drawn: {len({round(o, 6) for o in r['outputs']})}")
    if args.json:
        args.json.write_text(json.dumps(r, indent=1))


if __name__ == "__main__":
    main()
