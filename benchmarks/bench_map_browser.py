"""Browser benchmark: the largest map, a Heatmap of 48 layers × 32,768 positions, in
JupyterLab + Chromium.

Starts the same JupyterLab and Chromium as the UI tests (``tests/ui/harness.py``), writes
a notebook that builds a ``Heatmap`` (the ActivationMap front end) from a synthetic
48 × 32,768 tensor, and measures, over ``--reps`` repetitions each:

  * first draw: ``hm.values = encode_values(m)`` in the kernel (a new matrix each time,
    float16 encoding included) -> the canvas drawn (the root's ``data-render-count``,
    which the view sets right after drawing), on the wall clock of both sides (the page's
    ``performance.timeOrigin + now()`` against Python's ``time.time()``; their offset is
    measured first and taken off). Beside it, Python's share (encode + send), the page's
    decode (``data-decode-ms``) and paint (``data-draw-ms``);
  * a new view: a new ``Heatmap(...)`` put into a displayed ``VBox`` -> its canvas drawn
    (fewer repetitions);
  * hover: a real pointer move to another pixel column -> the tooltip updated (a
    MutationObserver on the tooltip; from the mousemove event's timeStamp);
  * selection: a real click -> the selection drawn (the root's ``data-selection``) and ->
    Python's ``hm.selection`` updated (an observer in the kernel, wall clocks); the cell
    selected is checked against the one the tooltip said a click selects;
  * bytes: websocket frames the page received for one ``values`` update and for a new
    widget, against the float16 array (48 × 32,768 × 2 bytes).

and prints p50 / p95 with each target and "met" / "NOT met". The map is aggregated (many
positions per pixel column): the legend's level-of-detail line is printed too.

Run: python benchmarks/bench_map_browser.py [--reps 30] [--warmup 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
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
from timing import p50_p95  # noqa: E402

ROWS, COLS = 48, 32768
FLOAT16_BYTES = ROWS * COLS * 2
NOTEBOOK = "bench_map.ipynb"
# A map with structure (norms growing with depth, slow waves along the positions, a few
# bright positions), a fresh variant per update so that every draw changes the image.
CELLS = [
    "import time, torch, iwm_widgets as iwm\n"
    ""
    "from iwm_widgets.widgets.activation_map import encode_values\n"
    f"R, C = {ROWS}, {COLS}\n"
    "def synthetic(k=0):\n"
    "    g = torch.Generator().manual_seed(k)\n"
    "    layer = torch.linspace(1, 4, R)[:, None]\n"
    "    pos = torch.arange(C, dtype=torch.float32)[None, :]\n"
    "    wave = 1 + 0.3 * torch.sin(pos / (700 + 50 * k))\n"
    "    m = layer * wave + 0.3 * torch.rand(R, C, generator=g)\n"
    "    m[:, 0] += 6  # the first position stands out, as in language models\n"
    "    m[17, 20000] = 12  # one bright cell\n"
    "    return m\n"
    "MATS = [synthetic(k) for k in range(4)]\n"
    "ROW_NAMES = [f'blocks.{i}' for i in range(R)]\n"
    "COL_NAMES = [f't{i}' for i in range(C)]\n"
    "hm = iwm.Heatmap(MATS[0], rows=ROW_NAMES, columns=COL_NAMES,"
    " title='48 layers × 32,768 positions', label='activation norm ‖h‖')\n"
    "_sel = []\n"
    "hm.observe(lambda c: _sel.append((time.time() * 1e3, c['new'])), names=['selection'])\n"
    "hm",
    "import ipywidgets\nbox = ipywidgets.VBox([])  # new views appear in here\nbox",
]
ROOT = ".iwm-activation-map"

RECORDER = """
(root) => {
  const canvas = root.querySelector('canvas.iwm-canvas');
  const tip = root.querySelector('.iwm-tooltip');
  const b = window.__mapBench = {draws: [], moves: [], tips: [], clicks: [], sels: []};
  new MutationObserver(() => {
    const t = performance.now();
    b.draws.push({t, epoch: performance.timeOrigin + t, count: Number(root.dataset.renderCount),
                  drawMs: Number(root.dataset.drawMs), decodeMs: Number(root.dataset.decodeMs)});
  }).observe(root, {attributes: true, attributeFilter: ['data-render-count']});
  new MutationObserver(() => b.sels.push({t: performance.now(), sel: root.dataset.selection}))
    .observe(root, {attributes: true, attributeFilter: ['data-selection']});
  canvas.addEventListener('mousemove', (e) => b.moves.push(e.timeStamp), {capture: true});
  canvas.addEventListener('click', (e) => b.clicks.push(
    {t: e.timeStamp, epoch: performance.timeOrigin + e.timeStamp}), {capture: true});
  new MutationObserver(() => b.tips.push({t: performance.now(), row: tip.dataset.row,
                                          col: tip.dataset.col, hidden: tip.hidden}))
    .observe(tip, {attributes: true, childList: true, subtree: true});
}
"""

# New views: every root that appears, and its first draw.
NEW_VIEWS = """
() => {
  const seen = new WeakSet(document.querySelectorAll('.iwm-activation-map'));
  const b = window.__newViews = [];
  new MutationObserver(() => {
    for (const r of document.querySelectorAll('.iwm-activation-map')) {
      if (seen.has(r)) continue;
      seen.add(r);
      const mo = new MutationObserver(() => {
        const t = performance.now();
        b.push({epoch: performance.timeOrigin + t, drawMs: Number(r.dataset.drawMs),
                decodeMs: Number(r.dataset.decodeMs)});
        mo.disconnect();
      });
      mo.observe(r, {attributes: true, attributeFilter: ['data-render-count']});
    }
  }).observe(document.body, {childList: true, subtree: true});
}
"""


def clock_offset(page: Any) -> tuple[float, float]:
    """(page epoch ms - Python epoch ms, its uncertainty): the closest of 20 round trips."""
    best = (0.0, float("inf"))
    for _ in range(20):
        a = time.time() * 1e3
        t = page.evaluate("() => performance.timeOrigin + performance.now()")
        b = time.time() * 1e3
        if (b - a) / 2 < best[1]:
            best = (t - (a + b) / 2, (b - a) / 2)
    return best


class Frames:
    """Bytes of the websocket frames the page receives (counted while ``on``)."""

    def __init__(self, page: Any) -> None:
        self.on, self.bytes, self.frames = False, 0, 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload: Any) -> None:
        if self.on:
            self.frames += 1
            self.bytes += len(payload.encode() if isinstance(payload, str) else payload)

    def start(self) -> None:
        self.on, self.bytes, self.frames = True, 0, 0

    def stop(self) -> int:
        self.on = False
        return self.bytes


def run(args: argparse.Namespace) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix="iwm-bench-map-"))
    with jupyter_server(base) as server, chromium() as browser:
        context, page = new_page(browser)
        frames = Frames(page)
        write_notebook(server.root / NOTEBOOK, CELLS)
        t0 = time.perf_counter()
        nb = Notebook(page, server, NOTEBOOK).open().run_all()
        print(f"opened and ran {NOTEBOOK} in {time.perf_counter() - t0:.1f} s", flush=True)
        root = page.locator(ROOT).first
        root.scroll_into_view_if_needed()
        page.wait_for_function("r => Number(r.dataset.renderCount) > 0", arg=root.element_handle())
        root.evaluate(RECORDER)
        offset, err = clock_offset(page)
        print(f"page clock - Python clock: {offset:+.2f} ms (± {err:.2f})", flush=True)
        lod = root.evaluate(
            "r => ['.iwm-lod-text', '.iwm-aggregate', '.iwm-lod-hint'].map((s) => {"
            " const e = r.querySelector(s); return e.value ?? e.textContent; }).join(' ')"
        )
        lod_attr = root.get_attribute("data-lod")
        box = root.locator("canvas.iwm-canvas").bounding_box()
        print(f"canvas {box['width']:.0f} × {box['height']:.0f} px; {lod}", flush=True)

        # ---- first draw: trait set -> canvas drawn -------------------------------------
        first: list[float] = []
        py_send: list[float] = []
        decode_ms: list[float] = []
        draw_ms: list[float] = []
        update_bytes: list[int] = []
        for i in range(args.warmup + args.reps):
            count = int(root.get_attribute("data-render-count") or 0)
            frames.start()
            out = nb.execute(
                f"_t0 = time.time() * 1e3\nhm.values = encode_values(MATS[{(i + 1) % 4}])\n"
                "print(_t0, time.time() * 1e3 - _t0)"
            )
            page.wait_for_function(
                "([r, n]) => Number(r.dataset.renderCount) > n", arg=[root.element_handle(), count]
            )
            page.wait_for_timeout(30)  # the last frames counted
            nbytes = frames.stop()
            t_set, t_py = map(float, out.split())
            draw = next(d for d in page.evaluate("window.__mapBench.draws") if d["count"] > count)
            if i < args.warmup:
                continue
            first.append(draw["epoch"] - offset - t_set)
            py_send.append(t_py)
            decode_ms.append(draw["decodeMs"])
            draw_ms.append(draw["drawMs"])
            update_bytes.append(nbytes)

        # ---- hover: pointer move -> tooltip updated ------------------------------------
        hover: list[float] = []

        def y_of(row: int) -> float:
            return float(box["y"] + (ROWS - 1 - row + 0.5) * box["height"] / ROWS)

        for i in range(args.warmup + args.reps):
            x = box["x"] + 3 + ((i * 37) % int(box["width"] - 6))
            y = y_of((i * 11) % ROWS)
            page.evaluate("Object.assign(window.__mapBench, {moves: [], tips: []})")
            page.mouse.move(x, y)
            page.wait_for_function(
                "() => { const b = window.__mapBench; return b.moves.length > 0 &&"
                " b.tips.some((t) => t.t >= b.moves[b.moves.length - 1] && !t.hidden); }"
            )
            b = page.evaluate("window.__mapBench")
            move = b["moves"][-1]
            tip = next(t for t in b["tips"] if t["t"] >= move and not t["hidden"])
            if i >= args.warmup:
                hover.append(tip["t"] - move)

        # ---- selection: click -> drawn, and -> Python ----------------------------------
        sel_drawn: list[float] = []
        sel_python: list[float] = []
        wrong = 0
        for i in range(args.warmup + args.reps):
            x = box["x"] + 5 + ((i * 53 + 11) % int(box["width"] - 10))
            row = (i * 7 + 3) % ROWS
            page.mouse.move(x, y_of(row))
            page.wait_for_function(
                "() => !document.querySelector('.iwm-activation-map .iwm-tooltip').hidden"
            )
            want = root.locator(".iwm-tooltip").evaluate("t => [t.dataset.row, t.dataset.col]")
            n_sel = len(nb.eval_json("_sel"))
            before = root.get_attribute("data-selection")
            page.evaluate("Object.assign(window.__mapBench, {clicks: [], sels: []})")
            page.mouse.down()
            page.mouse.up()
            page.wait_for_function(
                "(before) => window.__mapBench.sels.some((s) => s.sel !== before)", arg=before
            )
            b = page.evaluate("window.__mapBench")
            click = b["clicks"][-1]
            drawn = next(s for s in b["sels"] if s["sel"] != before)
            deadline = time.monotonic() + 10
            while len(sel := nb.eval_json("_sel")) <= n_sel and time.monotonic() < deadline:
                page.wait_for_timeout(5)
            t_py, got = sel[-1]
            cell = {"row": int(want[0]), "col": int(want[1])}
            expect = {} if before == f"{want[0]},{want[1]}" else cell  # the same cell: cleared
            wrong += got != expect
            if i >= args.warmup:
                sel_drawn.append(drawn["t"] - click["t"])
                sel_python.append(t_py - (click["epoch"] - offset))

        # ---- a new view: display(Heatmap(...)) -> drawn ------------------------------
        page.evaluate(NEW_VIEWS)
        new_view: list[float] = []
        new_bytes: list[int] = []
        for i in range(args.new_views):
            frames.start()
            out = nb.execute(
                "_t0 = time.time() * 1e3\n"
                f"_hm2 = iwm.Heatmap(MATS[{i % 4}], rows=ROW_NAMES, columns=COL_NAMES)\n"
                "box.children = (_hm2,)\nprint(_t0)"
            )
            page.wait_for_function(f"() => window.__newViews.length > {i}")
            page.wait_for_timeout(30)
            new_bytes.append(frames.stop())
            v = page.evaluate(f"window.__newViews[{i}]")
            new_view.append(v["epoch"] - offset - float(out.split()[-1]))
            nb.execute("box.children = ()\n_hm2.close()")
        py_state = nb.eval_json(
            "(lambda s: [len(__import__('json').dumps(s[0])), sum(memoryview(b).nbytes"
            " for b in s[2])])(__import__('ipywidgets').widgets.widget._remove_buffers("
            "hm.get_state()))"
        )
        nb.shutdown()
        context.close()
    return {
        "canvas": [box["width"], box["height"]],
        "lod": lod,
        "lod_attr": lod_attr,
        "clock_offset_ms": [offset, err],
        "first_draw": first,
        "python_encode_send": py_send,
        "decode_ms": decode_ms,
        "draw_ms": draw_ms,
        "update_bytes": update_bytes,
        "hover": hover,
        "selection_drawn": sel_drawn,
        "selection_python": sel_python,
        "selection_wrong": wrong,
        "new_view": new_view,
        "new_view_bytes": new_bytes,
        "python_state_json_binary": py_state,
    }


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=30, help="measured repetitions (default 30)")
    ap.add_argument("--warmup", type=int, default=3, help="repetitions not measured (default 3)")
    ap.add_argument("--new-views", type=int, default=8, help="new widgets displayed (default 8)")
    ap.add_argument("--json", type=Path, help="also write the raw numbers here")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"no Chromium at {CHROMIUM} (set IWM_CHROMIUM)")
    r = run(args)
    rows = [
        ("first draw: trait set -> canvas drawn", r["first_draw"]),
        ("  Python: encode float16 + send", r["python_encode_send"]),
        ("  page: decode values (data-decode-ms)", r["decode_ms"]),
        ("  page: paint (data-draw-ms)", r["draw_ms"]),
        ("new view: a new Heatmap shown -> drawn", r["new_view"]),
        ("hover: pointer move -> tooltip updated", r["hover"]),
        ("selection: click -> drawn", r["selection_drawn"]),
        ("selection: click -> Python trait updated", r["selection_python"]),
    ]
    print(f"\nHeatmap {ROWS} × {COLS:,} in Chromium (ms); canvas {r['canvas'][0]:.0f} px wide")
    print(f"level of detail: {r['lod']}  [data-lod={r['lod_attr']}]")
    print(f"{'':42s} {'p50':>7s} {'p95':>7s} {'n':>4s}")
    for name, xs in rows:
        if xs:
            p50, p95 = p50_p95(xs)
            print(f"{name:42s} {p50:7.1f} {p95:7.1f} {len(xs):4d}")
    upd = statistics.median(r["update_bytes"])
    new = statistics.median(r["new_view_bytes"]) if r["new_view_bytes"] else float("nan")
    js, binary = r["python_state_json_binary"]
    print(
        f"\nbytes: float16 array {FLOAT16_BYTES:,}; one values update on the websocket "
        f"{upd:,.0f} ({upd / FLOAT16_BYTES:.4f}×); a new widget {new:,.0f} "
        f"({new / FLOAT16_BYTES:.4f}×); Python's full state {js:,} JSON + {binary:,} binary "
        f"({(js + binary) / FLOAT16_BYTES:.4f}×)"
    )
    print(f"selections that picked another cell than the tooltip said: {r['selection_wrong']}")
    print()
    targets = [
        ("first draw <= 100 ms", r["first_draw"], 100.0),
        ("hover <= 16 ms", r["hover"], 16.0),
        ("selection drawn <= 16 ms", r["selection_drawn"], 16.0),
        ("selection in Python <= 16 ms", r["selection_python"], 16.0),
    ]
    for name, xs, limit in targets:
        p50, p95 = p50_p95(xs)
        print(
            f"target {name}: p50 {verdict(p50 <= limit)} ({p50:.1f} ms), "
            f"p95 {verdict(p95 <= limit)} ({p95:.1f} ms)"
        )
    worst = max(upd, new) / FLOAT16_BYTES
    print(f"target bytes sent <= 1.05× the float16 array: {verdict(worst <= 1.05)} ({worst:.4f}×)")
    if args.json:
        args.json.write_text(json.dumps(r, indent=1))


if __name__ == "__main__":
    main()
