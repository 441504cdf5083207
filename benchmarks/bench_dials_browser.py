"""Browser benchmark: SteeringDials drag -> re-drawn rollout, in JupyterLab + Chromium.

Starts the same JupyterLab and Chromium as the UI tests (``tests/ui/harness.py``), opens
the dials notebook (``notebooks/03_steering_dials.ipynb``, or a minimal one with the same
objects), and drags the circular dial with real mouse events: each drag presses the handle
where it is, moves it to a new angle and releases it. For each drag it measures, in the
page (``performance.now`` clock), the time from the pointer event to

  * drawn: the rollout canvas redrawn with the new generation (a MutationObserver on
    the root's ``data-generation``, which the view sets right after drawing);
  * painted: the next animation frame after that (the new pixels on screen);

and prints p50 / p95 (target: drawn p50 <= 33 ms, p95 <= 50 ms), next to Python's own
time for the same re-runs: from the values message arriving to the result drawn
(through wrappers around the widget's observer and ``_draw``), the traced run
(``ws.timings``) and ``_redraw``; and the transport each way, on the wall clock
(``performance.timeOrigin`` in the page, ``time.time()`` in the kernel): the values
message sent -> in Python, and the result sent -> drawn in the page, split at the last
websocket message's arrival (a wrapped ``WebSocket``) from the page's own work.

``--gestures N`` measures continuous drags instead (see ``continuous``): the pointer
keeps moving at 60 Hz for 45 moves a gesture, and each result drawn mid-gesture is
matched to the pointer event whose value it shows; it prints that latency, the results
drawn a second and the runs (back to back: the CPU stays warm, unlike the single moves
above, whose runs follow ~150 ms of idling and were measured 1.5-1.8x slower for it).

Run: python benchmarks/bench_dials_browser.py [--drags 40] [--warmup 3] [--minimal]
     python benchmarks/bench_dials_browser.py --gestures 8 [--moves 45] [--rate 60]
"""

from __future__ import annotations

import argparse
import itertools
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

NOTEBOOK = "03_steering_dials.ipynb"
MINIMAL = "bench_dials.ipynb"
MINIMAL_CELLS = [
    "import iwm_widgets as iwm\n"
    "model = iwm.load('bouncing-ball')\n"
    "x, truth = model.sample(seed=0, latents=True)\n"
    "ws = iwm.Workspace(model, (x, truth))\n"
    "sweep = iwm.probe_sweep(model, target='velocity', progress=False)\n"
    "vel = sweep.variable('velocity', layer=sweep.best_layer)\n"
    "dials = iwm.SteeringDials(ws, [vel])\n"
    "dials",
]
ROOT = ".iwm-steering-dials"
# Before the page loads: the arrival time of every websocket message (page clock), so
# the result's way back splits into the server hop and the page's own handling.
WS_CLOCK = """
(() => {
  const times = window.__wsTimes = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', () => { times.push(performance.now());
        if (times.length > 4096) times.splice(0, 2048); });
    }
  };
})();
"""
DIAL_W, RING_PX = 216, 70  # js/steering_dials/editor.js

# Pointer events on the dial, and every draw (generation, time, paint), in the page.
RECORDER = """
(root) => {
  const svg = root.querySelector('svg.iwm-dial-svg');
  const bench = window.__bench = {events: [], draws: [], sends: [], origin: performance.timeOrigin};
  const rec = (e) => bench.events.push({type: e.type, t: e.timeStamp, handled: performance.now(),
                                        x: e.clientX, y: e.clientY});
  svg.addEventListener('pointerdown', rec, {capture: true});
  svg.addEventListener('pointermove', rec, {capture: true});
  svg.addEventListener('pointerrawupdate', rec, {capture: true});
  new MutationObserver(() => {
    const d = {gen: Number(root.dataset.generation), t: performance.now(),
               drawMs: Number(root.dataset.drawMs), series: root.dataset.series || ''};
    bench.draws.push(d);
    requestAnimationFrame(() => { d.paint = performance.now(); });
  }).observe(root, {attributes: true, attributeFilter: ['data-generation']});
  new MutationObserver(() => bench.sends.push(performance.now()))
    .observe(root, {attributes: true, attributeFilter: ['data-sent']});
}
"""


# Timestamps of the Python side, per drag: message received (the values observer),
# result drawn (WorkspaceWidget._draw) and how long _redraw took. Wrappers only: the
# widget's code is unchanged.
INSTRUMENT = """
import time as _time
_bench = []
def _bench_wrap(dials):
    names = ["values", "scope", "scope_start", "direction"]
    on_values, draw, redraw = dials._on_values, dials._draw, dials._redraw
    def _on_values(change):
        _bench.append(("recv", _time.perf_counter(), _time.time()))
        on_values(change)
        v = dials.values.get("velocity")  # the generation this value's run gets
        _bench.append(("gen", ws._generation, v["angle"] if isinstance(v, dict) else None))
    def _draw(result):
        t = _time.perf_counter()
        draw(result)
        _bench.append(("drawn", _time.perf_counter(), t, result.generation, _time.time()))
    def _redraw(result):
        t = _time.perf_counter()
        redraw(result)
        _bench.append(("redraw", _time.perf_counter() - t))
    dials.unobserve(on_values, names=names)
    dials.observe(_on_values, names=names)
    dials._draw, dials._redraw = _draw, _redraw
_bench_wrap(dials)
"""
# Per drag, wall clock (time.time(), s): first message received, newest result sent.
PY_WALL = """
(lambda recv, drawn: [min(recv) if recv else None, max(drawn) if drawn else None])(
    [e[2] for e in _bench if e[0] == "recv"], [e[4] for e in _bench if e[0] == "drawn"])
"""
# Per drag: (first message received -> newest result drawn) in ms, and the _redraw time.
PY_SPANS = """
(lambda recv, drawn, redraw: [
    (max(d[1] for d in drawn) - min(recv)) * 1e3 if recv and drawn else None,
    sum(redraw) * 1e3 / max(1, len(redraw)),
])([e[1] for e in _bench if e[0] == "recv"], [e for e in _bench if e[0] == "drawn"],
   [e[1] for e in _bench if e[0] == "redraw"])
"""


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]


def dial_point(box: dict[str, float], angle: float, frac: float) -> tuple[float, float]:
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    ring = RING_PX * box["width"] / DIAL_W
    a = math.radians(angle)
    return cx + frac * ring * math.cos(a), cy - frac * ring * math.sin(a)


def event_angle(e: dict[str, float], box: dict[str, float]) -> float:
    """The dial angle (degrees, counter-clockwise, as ``dial_point``) under a pointer event."""
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    return math.degrees(math.atan2(cy - e["y"], e["x"] - cx)) % 360


def angle_gap(a: float, b: float) -> float:
    """|a - b| in degrees, the short way round."""
    return abs((a - b + 180) % 360 - 180)


def drag_moves(events: list[dict]) -> list[dict]:
    """The move events the dial follows: pointerrawupdate where the browser sends it,
    else pointermove (editor.js)."""
    raw = [e for e in events if e["type"] == "pointerrawupdate"]
    return raw or [e for e in events if e["type"] == "pointermove"]


STEP_DEG = 4.0  # continuous drags: degrees along the ring per pointer move


def continuous(nb: Any, page: Any, root: Any, box: dict[str, float], args: Any) -> dict:
    """Drags that keep moving: per gesture the pointer goes down on the handle and moves
    ``STEP_DEG`` along the ring every ``1000 / args.rate`` ms (a mouse at 60 Hz) for
    ``args.moves`` moves, then up. Every result drawn during a gesture is matched to the
    pointer event whose value it shows (the kernel logs which angle each run got), so
    its latency is the time from that event to the draw: what a user sees while turning
    the dial, with the runs back to back (warm caches and clocks) and the throttle and
    latest-wins runner in the path."""
    latency: list[float] = []
    settle: list[float] = []
    rates: list[float] = []
    gaps: list[float] = []
    period = 1.0 / args.rate
    gen_before = int(root.get_attribute("data-generation") or 0)
    for g in range(args.warmup + args.gestures):
        a0 = (97 * g) % 360
        nb.execute("_bench.clear()")
        page.evaluate(
            "Object.assign(window.__bench, {events: [], draws: [], sends: []});"
            "window.__wsTimes.length = 0"
        )
        page.mouse.move(*dial_point(box, a0, 0.7))
        page.mouse.down()
        t_next = time.perf_counter()
        for k in range(1, args.moves + 1):
            page.mouse.move(*dial_point(box, a0 + STEP_DEG * k, 0.7))
            t_next += period
            left = t_next - time.perf_counter()
            if left > 0:
                time.sleep(left)
        page.mouse.up()
        gen = nb.eval_json("(ws.wait(), dials.generation)[1]")
        page.wait_for_function(
            "g => window.__bench.draws.some((d) => d.gen >= g && d.paint)", arg=gen
        )
        bench = page.evaluate("window.__bench")
        log = nb.eval_json("[e[1:] for e in _bench if e[0] == 'gen']")
        if g < args.warmup or gen <= gen_before:
            gen_before = gen
            continue
        gen_before = gen
        angle_of = {int(k): a for k, a in log if a is not None}
        moves = drag_moves(bench["events"])
        first: dict[int, dict] = {}  # a generation's first draw (later ones redraw it)
        for d in bench["draws"]:
            first.setdefault(d["gen"], d)
        draws = [d for gen_, d in sorted(first.items()) if gen_ in angle_of]
        for d in draws:
            a = angle_of[d["gen"]]
            seen = [e for e in moves if e["handled"] <= d["t"]]
            if not seen:
                continue
            gap, t_event = min((angle_gap(event_angle(e, box), a), e["t"]) for e in seen)
            if gap > STEP_DEG / 2:
                continue  # the pointer-down value, or no event shows it
            latency.append(d["t"] - t_event)
        if moves and draws:
            span = (moves[-1]["t"] - moves[0]["t"]) / 1e3
            during = [d for d in draws if d["t"] <= moves[-1]["t"]]
            rates.append(len(during) / span if span > 0 else 0.0)
            gaps += [b["t"] - a["t"] for a, b in itertools.pairwise(during)]
            settle.append(max(d["t"] for d in draws) - moves[-1]["t"])
    py = nb.eval_json(
        "{'timings': ws.timings[_t0:], 'stats': {k: ws.stats[k] - _s0[k] for k in ws.stats}}"
    )
    return {"latency": latency, "settle": settle, "rates": rates, "gaps": gaps, "python": py}


def run(args: argparse.Namespace) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix="iwm-bench-dials-"))
    with jupyter_server(base) as server, chromium() as browser:
        context, page = new_page(browser)
        context.add_init_script(WS_CLOCK)
        path = NOTEBOOK
        if (
            args.minimal
            or args.torch_threads
            or args.first
            or not (server.root / NOTEBOOK).exists()
        ):
            path = MINIMAL
            first = []
            if args.torch_threads:  # before the Workspace starts its runner thread
                first = [f"import torch\ntorch.set_num_threads({args.torch_threads})"]
            if args.first:
                first.append(args.first)
            write_notebook(server.root / MINIMAL, first + MINIMAL_CELLS)
        t0 = time.perf_counter()
        nb = Notebook(page, server, path).open().run_all()
        print(f"opened and ran {path} in {time.perf_counter() - t0:.1f} s", flush=True)
        nb.execute("dials.reset()\nws.clear_edits()\nws.wait()")
        root = page.locator(ROOT).first
        root.scroll_into_view_if_needed()
        root.evaluate(RECORDER)
        box = root.locator("svg.iwm-dial-svg").first.bounding_box()
        nb.execute(INSTRUMENT)
        nb.execute("_t0 = len(ws.timings); _s0 = dict(ws.stats)")
        if args.gestures:
            out = continuous(nb, page, root, box, args)
            nb.shutdown()
            context.close()
            return out

        drawn: list[float] = []
        painted: list[float] = []
        draw_ms: list[float] = []
        delivered: list[float] = []
        to_send: list[float] = []
        inbound: list[float] = []
        outbound: list[float] = []
        arrived: list[float] = []
        py_total: list[float] = []
        py_redraw: list[float] = []
        angle_err: list[float] = []
        prev = dial_point(box, 0, 0.5)
        gen_before = int(root.get_attribute("data-generation") or 0)
        for i in range(args.warmup + args.drags):
            angle = (37 * (i + 1)) % 360
            frac = 0.45 + 0.4 * ((i * 7) % 5) / 4
            nxt = dial_point(box, angle, frac)
            page.evaluate(
                "Object.assign(window.__bench, {events: [], draws: [], sends: []});"
                "window.__wsTimes.length = 0"
            )
            nb.execute("_bench.clear()")
            page.mouse.move(*prev)
            page.mouse.down()
            page.mouse.move(*nxt)
            page.mouse.up()
            prev = nxt
            # Wait in the page (asking the kernel now would compete with the run) for a
            # newer generation; then check with Python that it is the newest one.
            page.wait_for_function(
                "g => window.__bench.draws.some((d) => d.gen > g && d.paint)", arg=gen_before
            )
            res = nb.eval_json("(ws.wait(), [dials.generation, dials.values['velocity']])[1]")
            gen, value = res
            page.wait_for_function(
                "g => window.__bench.draws.some((d) => d.gen >= g && d.paint)", arg=gen
            )
            gen_before = gen
            bench = page.evaluate("window.__bench")
            ws_times = page.evaluate("window.__wsTimes.slice()")
            moves = drag_moves(bench["events"])
            draw = next(d for d in bench["draws"] if d["gen"] >= gen)
            if i < args.warmup or not moves:
                continue
            t_move = moves[-1]["t"]
            delivered.append(moves[-1]["handled"] - t_move)
            sends = [s for s in bench["sends"] if s >= moves[-1]["handled"] - 1]
            if sends:
                to_send.append(sends[0] - moves[-1]["handled"])
            drawn.append(draw["t"] - t_move)
            painted.append(draw["paint"] - t_move)
            draw_ms.append(draw["drawMs"])
            angle_err.append(angle_gap(value["angle"], angle))
            recv_s, sent_s = nb.eval_json(PY_WALL)
            if sends and recv_s is not None and sent_s is not None:
                origin = bench["origin"]  # page clock -> wall clock (ms)
                inbound.append(recv_s * 1e3 - (origin + sends[0]))
                outbound.append((origin + draw["t"]) - sent_s * 1e3)
                last_in = [w for w in ws_times if w <= draw["t"]]
                if last_in:
                    arrived.append(draw["t"] - last_in[-1])
            total, redraw = nb.eval_json(PY_SPANS)
            if total is not None:
                py_total.append(total)
                py_redraw.append(redraw)

        py = nb.eval_json(
            "{'timings': ws.timings[_t0:], 'stats': {k: ws.stats[k] - _s0[k] for k in ws.stats},"
            " 'latency_ms': dials.latency_ms}"
        )
        nb.shutdown()
        context.close()
    return {
        "drags": len(drawn),
        "drawn": drawn,
        "painted": painted,
        "draw_ms": draw_ms,
        "delivered": delivered,
        "to_send": to_send,
        "inbound": inbound,
        "outbound": outbound,
        "arrived": arrived,
        "py_total": py_total,
        "py_redraw": py_redraw,
        "angle_err": angle_err,
        "python": py,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--drags", type=int, default=40, help="measured drags (default 40)")
    ap.add_argument("--warmup", type=int, default=3, help="drags not measured (default 3)")
    ap.add_argument("--minimal", action="store_true", help="a minimal notebook, not 03")
    ap.add_argument("--json", type=Path, help="also write the raw numbers here")
    ap.add_argument(
        "--torch-threads",
        type=int,
        help="torch.set_num_threads(N) first in the kernel (implies --minimal)",
    )
    ap.add_argument("--first", help="code run first in the kernel (implies --minimal)")
    ap.add_argument(
        "--gestures",
        type=int,
        default=0,
        help="continuous drags instead: this many gestures of --moves moves each",
    )
    ap.add_argument("--moves", type=int, default=45, help="pointer moves per gesture")
    ap.add_argument("--rate", type=float, default=60.0, help="pointer moves a second")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"no Chromium at {CHROMIUM} (set IWM_CHROMIUM)")
    r = run(args)
    if args.gestures:
        report_continuous(r, args)
        return
    timings = r["python"]["timings"]
    rows = [
        ("pointer move -> rollout drawn", r["drawn"]),
        ("pointer move -> next frame painted", r["painted"]),
        ("browser: event -> handler (input)", r["delivered"]),
        ("browser: handler -> message sent", r["to_send"]),
        ("transport: message sent -> in Python", r["inbound"]),
        ("Python: message in -> result drawn", r["py_total"]),
        ("  of which the traced re-run", timings),
        ("  of which _redraw (code, sims, bufs)", r["py_redraw"]),
        ("result sent -> drawn in the page", r["outbound"]),
        ("  of which last ws message -> drawn", r["arrived"]),
        ("  of which the canvas draw (data-draw-ms)", r["draw_ms"]),
    ]
    print(f"\nSteeringDials drag latency, {r['drags']} drags (ms)")
    print(f"{'':38s} {'p50':>7s} {'p95':>7s} {'n':>4s}")
    for name, xs in rows:
        if xs:
            print(f"{name:38s} {statistics.median(xs):7.1f} {pct(xs, 0.95):7.1f} {len(xs):4d}")
    p50, p95 = statistics.median(r["drawn"]), pct(r["drawn"], 0.95)
    ok = p50 <= 33 and p95 <= 50
    print(
        f"\ntarget drawn p50 <= 33 ms and p95 <= 50 ms (30 frames a second): "
        f"{'met' if ok else 'NOT met'} (p50 {p50:.1f}, p95 {p95:.1f} ms)"
    )
    if r["py_total"]:
        rest = [
            a - b - c for a, b, c in zip(r["drawn"], r["py_total"], r["delivered"], strict=False)
        ]
        print(
            "transport both ways + JS update handling (drawn - Python span - input), "
            f"p50: {statistics.median(rest):.1f} ms"
        )
    print(f"workspace stats during the drags: {r['python']['stats']}")
    print(f"max |angle error| of the final value: {max(r['angle_err']):.1f}°")
    if args.json:
        args.json.write_text(json.dumps(r, indent=1))


def report_continuous(r: dict[str, Any], args: argparse.Namespace) -> None:
    lat, t = r["latency"], r["python"]["timings"]
    print(
        f"\nSteeringDials continuous drag: {args.gestures} gestures of {args.moves} moves at "
        f"{args.rate:.0f} Hz; {len(lat)} results drawn mid-gesture, each matched to the "
        "pointer event whose value it shows (ms)"
    )
    print(f"{'':38s} {'p50':>7s} {'p95':>7s} {'n':>4s}")
    for name, xs in (
        ("pointer event -> its result drawn", lat),
        ("  the traced re-run (back to back)", t),
        ("between two drawn results", r["gaps"]),
        ("last move -> last result drawn", r["settle"]),
    ):
        if xs:
            print(f"{name:38s} {statistics.median(xs):7.1f} {pct(xs, 0.95):7.1f} {len(xs):4d}")
    rate = statistics.median(r["rates"]) if r["rates"] else 0.0
    print(f"results drawn a second while dragging (median gesture): {rate:.1f}")
    if lat:
        p50, p95 = statistics.median(lat), pct(lat, 0.95)
        ok = p50 <= 33 and p95 <= 50
        print(
            f"target event -> drawn p50 <= 33 ms and p95 <= 50 ms: "
            f"{'met' if ok else 'NOT met'} (p50 {p50:.1f}, p95 {p95:.1f} ms); "
            f"30 results a second: {'met' if rate >= 30 else 'NOT met'} ({rate:.1f})"
        )
    print(f"workspace stats during the drags: {r['python']['stats']}")
    if args.json:
        args.json.write_text(json.dumps(r, indent=1))


if __name__ == "__main__":
    main()
