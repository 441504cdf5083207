"""CausalGraph in a real browser: a notebook written into the server's temporary root,
run in JupyterLab on the bouncing-ball world model.

The notebook defines ``ws`` (a Workspace with the simulator's truth) and ``g`` (a
CausalGraph of the position and velocity probes and the next position, threshold 0.2),
then ``big`` (synthetic, at the browser budget) and ``g8`` (the same nodes over a batch
of 8 balls: mean effects with 95% intervals).
The tests hover and click nodes with real mouse events (positions from the widget's
hidden node list), use the editor popover, the threshold slider and the export buttons,
and read the Python side (``g.selected``, ``ws.edits``, ``g.output``, ``g.exports``)
through the notebook's kernel.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import RESULTS, set_theme, write_notebook

BEND = 0.12  # js/causal_graph/scene.js: how far an edge's control point sits off the chord

pytestmark = pytest.mark.ui

NOTEBOOK = "causal_graph_ui.ipynb"
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
    # A second graph at the browser budget: 12 layers of 16 attention heads and 8 outputs
    # (200 nodes), 2,000 edges, every one drawn (threshold 0). Its own Workspace never
    # re-runs, so the synthetic nodes and edges stay.
    "import random\n"
    "from iwm_widgets.transport import to_buffer\n"
    "ws2 = iwm.Workspace(model, model.sample(seed=1, latents=True))\n"
    "big = iwm.CausalGraph(ws2, nodes, threshold=0.0)\n"
    "ws2.wait()\n"
    "_r = random.Random(0)\n"
    "_L, _H, _O = 12, 16, 8\n"
    "_nodes = [dict(id=f'L{l}.H{k}', label=f'L{l}.H{k}', kind='head', layer=l, x=l / _L,"
    " y=(k + 0.5) / _H, value=_r.uniform(-1, 1), moved=0.0, site=f'blocks.{l}.attn',"
    " edited=False, truth=None, editable=['ablate', 'scale'])"
    " for l in range(_L) for k in range(_H)]\n"
    "_nodes += [dict(id=f'out{o}', label=f'logit {o}', kind='output', layer=_L, x=1.0,"
    " y=(o + 0.5) / _O, value=_r.uniform(-1, 1), moved=0.0, site='', edited=False,"
    " truth=None, editable=[]) for o in range(_O)]\n"
    "_edges = []\n"
    "for _ in range(2000):\n"
    "    _s = _r.randrange(_L * _H)\n"
    "    _edges.append([_s, _r.randrange((_s // _H + 1) * _H, len(_nodes)), _r.gauss(0, 0.5)])\n"
    "big.nodes = _nodes\n"
    "big.edges = to_buffer(torch.tensor(_edges, dtype=torch.float32))\n"
    "big",
    # A third graph over a batch of 8 balls: mean effects with their 95% intervals.
    "ws8 = iwm.Workspace(model, torch.cat([model.sample(seed=s) for s in range(8)]))\n"
    "g8 = iwm.CausalGraph(ws8, nodes, threshold=0.2)\n"
    "g8",
]
BIG_NODES, BIG_EDGES = 200, 2000
ROOT = ".iwm-causal-graph"
VX = "velocity_x@blocks.2"
THRESHOLD = 0.2
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Every node's edit removed through the graph (so it forgets them too), the editor closed,
# the threshold back, exports forgotten; the re-run clears any error.
RESET = f"""
for _n in g.nodes:
    g.remove_node_edit(_n["id"])
ws.clear_edits()
g.selected = ""
g.edge_threshold = {THRESHOLD}
g.exports.clear()
ws.wait()
"""
# Edges Python counts at its current threshold (what the canvas should draw).
PY_EDGES = "len(g.effects.edges(g.edge_threshold))"

# Pixels of the graph canvas: distinct colours, an order-sensitive checksum, how many
# pixels are painted at all and how many are saturated colour (nodes and edges).
CANVAS_STATS = """
(root) => {
  const c = root.querySelector('canvas.iwm-canvas');
  if (!c || !c.width || !c.height) return {colors: 0, hash: 0, painted: 0, coloured: 0, width: 0};
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  let h = 2166136261, painted = 0, coloured = 0;
  for (let i = 0; i < d.length; i += 4) {
    const v = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    seen.add(v);
    h = Math.imul(h ^ (v ^ (d[i + 3] << 24)), 16777619) >>> 0;
    if (d[i + 3] > 0) painted++;
    const hi = Math.max(d[i], d[i + 1], d[i + 2]), lo = Math.min(d[i], d[i + 1], d[i + 2]);
    if (d[i + 3] > 200 && hi - lo > 60) coloured++;
  }
  return {colors: seen.size, hash: h, painted, coloured, width: c.width, height: c.height};
}
"""


def canvas_stats(root: Any) -> dict[str, int]:
    return root.evaluate(CANVAS_STATS)


def generation(root: Any) -> int:
    return int(root.get_attribute("data-generation") or 0)


def edges_drawn(root: Any) -> int:
    return int(root.get_attribute("data-edges-drawn") or 0)


def synced(nb: Any, root: Any) -> None:
    """Wait until the browser has drawn the generation Python holds, with no error shown."""
    gen = nb.eval_json("g.generation")
    root.page.wait_for_function(
        """([root, gen]) => Number(root.dataset.generation) >= gen
                            && root.querySelector('.iwm-error').hidden""",
        arg=[root.element_handle(), gen],
    )


def node_point(root: Any, node_id: str) -> tuple[float, float]:
    """Page coordinates of a node's centre, from the hidden node list (CSS px of the canvas)."""
    button = root.locator(f".iwm-node-list button[data-id='{node_id}']")
    box = root.locator("canvas.iwm-canvas").bounding_box()
    return (
        box["x"] + float(button.get_attribute("data-x")),
        box["y"] + float(button.get_attribute("data-y")),
    )


def hover_node(root: Any, node_id: str) -> tuple[float, float]:
    """Move the real mouse onto a node (from a little above left) until the view hovers it."""
    x, y = node_point(root, node_id)
    page = root.page
    page.mouse.move(x - 40, y - 40)
    page.mouse.move(x, y, steps=5)
    page.wait_for_function(
        "([r, id]) => r.dataset.hover === 'node:' + id", arg=[root.element_handle(), node_id]
    )
    return x, y


def open_editor(nb: Any, root: Any, node_id: str) -> Any:
    """Click a node with the real mouse; wait for Python's ``g.selected`` and the editor."""
    x, y = hover_node(root, node_id)
    root.page.mouse.click(x, y)
    assert nb.wait_for_python("g.selected", node_id) == node_id
    editor = root.locator(".iwm-editor")
    editor.wait_for(state="visible")
    return editor


Box = tuple[float, float, float, float]


def intersects(a: Box, b: Box) -> bool:
    return a[0] < b[2] and a[2] > b[0] and a[1] < b[3] and a[3] > b[1]


def scene_boxes(root: Any) -> tuple[float, dict[str, Box], dict[str, Box], dict[str, str]]:
    """From the hidden node list, in CSS px of the canvas: the node radius, each node's
    box (its ring of radius r + 4 included), each shown label's box, each node's shape."""
    rows = root.evaluate(
        """r => Array.from(r.querySelectorAll('.iwm-node-list button')).map(b => [
             b.dataset.id, Number(b.dataset.x), Number(b.dataset.y), b.dataset.label,
             b.dataset.shape])"""
    )
    r = float(root.get_attribute("data-radius"))
    ring = r + 4
    nodes = {i: (x - ring, y - ring, x + ring, y + ring) for i, x, y, _, _ in rows}
    labels = {i: tuple(float(v) for v in box.split(",")) for i, _, _, box, _ in rows if box}
    return r, nodes, labels, {i: shape for i, _, _, _, shape in rows}


def editor_box(root: Any) -> Box:
    """The editor's box in CSS px of the canvas."""
    c = root.locator("canvas.iwm-canvas").bounding_box()
    e = root.locator(".iwm-editor").bounding_box()
    x, y = e["x"] - c["x"], e["y"] - c["y"]
    return (x, y, x + e["width"], y + e["height"])


def assert_editor_clear(root: Any, node_id: str) -> None:
    """The open editor covers neither its node (with the selection ring) nor its label,
    and stays inside the plot."""
    _, nodes, labels, _ = scene_boxes(root)
    ed = editor_box(root)
    assert not intersects(ed, nodes[node_id]), (ed, nodes[node_id])
    if node_id in labels:
        assert not intersects(ed, labels[node_id]), (ed, labels[node_id])
    c = root.locator("canvas.iwm-canvas").bounding_box()
    assert ed[0] >= -0.5 and ed[1] >= -0.5, ed
    assert ed[2] <= c["width"] + 0.5 and ed[3] <= c["height"] + 0.5, (ed, c)


def readout_numbers(root: Any) -> tuple[str, float, float]:
    """The output panel "label: before → after" as (label, before, after)."""
    text = root.locator(".iwm-output-text").inner_text()
    label, rest = text.split(": ", 1)
    before, after = rest.split(" → ")
    return label, float(before), float(after)


@pytest.fixture(scope="module")
def lab(module_page: Any, notebooks: Any, jupyter_server: Any) -> Iterator[Any]:
    """The graph notebook, written into the server's root, opened and run once."""
    write_notebook(jupyter_server.root / NOTEBOOK, CELLS)
    nb = notebooks(module_page, NOTEBOOK).run_all()
    yield nb
    nb.shutdown()


@pytest.fixture
def graph(lab: Any) -> Iterator[Any]:
    """The widget's root element, reset to: no edits, editor closed, threshold 0.2."""
    page = lab.page
    page.mouse.up()
    page.mouse.move(0, 0)
    lab.execute(RESET)
    root = page.locator(ROOT).first
    root.wait_for()
    root.scroll_into_view_if_needed()
    synced(lab, root)
    page.wait_for_function(
        """r => r.querySelector('.iwm-editor').hidden && r.dataset.selected === ''
               && r.dataset.hover === '' && r.querySelector('.iwm-tooltip').hidden""",
        arg=root.element_handle(),
    )
    yield root
    page.mouse.up()
    page.mouse.move(0, 0)
    page.iwm_errors.check()


def test_graph_draws_nodes_and_the_edges_above_the_threshold(
    lab: Any, graph: Any, screenshot: Any
) -> None:
    stats = canvas_stats(graph)
    assert stats["width"] >= 400 and stats["height"] >= 200, stats
    assert stats["colors"] >= 50, stats
    assert stats["coloured"] >= 1000, stats  # node fills and edges, not just text
    py = lab.eval_json(
        "{'ids': [n['id'] for n in g.nodes], 'edges': " + PY_EDGES + ","
        " 'all': len(g.effects.edges(0.0)), 'threshold': g.edge_threshold, 'score': g.score}"
    )
    assert py["threshold"] == THRESHOLD
    assert py["edges"] >= 2  # velocity_x -> next x and velocity_y -> next y
    assert edges_drawn(graph) == py["edges"]
    assert graph.get_attribute("data-nodes") == str(len(py["ids"])) == "6"
    ids = [b.get_attribute("data-id") for b in graph.locator(".iwm-node-list button").all()]
    assert ids == py["ids"]
    assert VX in ids
    count = graph.locator(".iwm-edge-count").inner_text()
    assert count == f"{py['edges']} of {py['all']} edges"
    badge = graph.locator(".iwm-score").inner_text()
    assert f"{py['score']['found_edges']} found / {py['score']['true_edges']} true edges" in badge
    # Before any edit the output readout is unchanged.
    label, before, after = readout_numbers(graph)
    out = lab.eval_json("g.output")
    assert label == out["label"] == "next x"
    assert before == pytest.approx(out["before"], rel=1e-3)
    assert after == pytest.approx(out["after"], rel=1e-3)
    assert graph.locator(".iwm-output").get_attribute("data-changed") == "0"
    screenshot(graph, "graph")


def test_hover_shows_the_node_value(lab: Any, graph: Any, screenshot: Any) -> None:
    page = lab.page
    hover_node(graph, VX)
    tip = graph.locator(".iwm-tooltip")
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert f"velocity_x ({VX})" in text, text
    assert "site blocks.2" in text, text
    value = lab.eval_json(f"next(n['value'] for n in g.nodes if n['id'] == {VX!r})")
    m = re.search(r"^value (\S+)$", text, re.M)
    assert m, text
    assert float(m.group(1)) == pytest.approx(value, rel=1e-3, abs=1e-6)
    assert "click to edit" in text
    screenshot(graph, "tooltip")
    # Off the canvas: the hover and the tooltip go.
    page.mouse.move(0, 0)
    page.wait_for_function("r => r.dataset.hover === ''", arg=graph.element_handle())
    tip.wait_for(state="hidden")


def test_click_edit_apply_and_remove(lab: Any, graph: Any, screenshot: Any) -> None:
    page = lab.page
    editor = open_editor(lab, graph, VX)
    assert graph.get_attribute("data-selected") == VX
    assert editor.get_attribute("data-node") == VX
    assert_editor_clear(graph, VX)
    assert editor.locator(".iwm-editor-title").inner_text() == "velocity_x"
    op = graph.locator("select.iwm-op")
    # "set" of a Variable clamps its readout: no second entry ("clamp") doing the same
    assert op.evaluate("s => Array.from(s.options).map(o => o.value)") == [
        "set",
        "scale",
        "ablate",
    ]
    scope = editor.locator(".iwm-editor-scope")
    T = lab.eval_json("ws.inputs.shape[1]")
    assert scope.is_visible()
    assert scope.inner_text().startswith(f"edits time step {T - 1} only (the last of {T}")
    assert graph.locator("button.iwm-remove").is_disabled()  # nothing to remove yet
    # The pointer leaves the canvas (onto the editor): the pixels show no hover.
    editor.locator(".iwm-editor-info").hover()
    page.wait_for_function("r => r.dataset.hover === ''", arg=graph.element_handle())
    out0 = lab.eval_json("g.output")
    gen0 = generation(graph)
    before = canvas_stats(graph)
    screenshot(graph, "before-edit")

    # set velocity_x to 0.05: pick the op, type the number, click Apply (real input).
    op.select_option("set")
    value = graph.locator("input.iwm-edit-value")
    value.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0.05")
    assert value.input_value() == "0.05"
    graph.locator("button.iwm-apply").click()
    assert lab.wait_for_python("len(ws.edits)", 1) == 1
    lab.execute("ws.wait()")
    assert lab.eval_json("len(ws.edits)") == 1
    edits = lab.eval_json(
        "[[e.op, str(e.site), e.value.tolist(), list(e.positions or ()), e.label]"
        " for e in ws.edits]"
    )
    assert edits == [["clamp", "blocks.2", pytest.approx([0.05]), [-1], f"graph node {VX}"]]
    synced(lab, graph)
    assert generation(graph) > gen0
    out = lab.eval_json("g.output")
    assert out["before"] == pytest.approx(out0["before"])
    assert out["after"] != pytest.approx(out["before"], abs=1e-4)
    page.wait_for_function(
        "r => r.querySelector('.iwm-output').dataset.changed === '1'", arg=graph.element_handle()
    )
    label, before_shown, after_shown = readout_numbers(graph)
    assert label == out["label"]
    assert before_shown == pytest.approx(out["before"], rel=1e-3)
    assert after_shown == pytest.approx(out["after"], rel=1e-3)
    assert after_shown != before_shown
    assert graph.locator(".iwm-output-delta").inner_text().strip() != ""
    node = lab.eval_json(f"next(n for n in g.nodes if n['id'] == {VX!r})")
    assert node["edited"] and node["value"] == pytest.approx(0.05, abs=1e-5)
    assert "edited" in editor.locator(".iwm-editor-info").inner_text()
    assert graph.locator("button.iwm-remove").is_enabled()
    assert_editor_clear(graph, VX)  # still clear of the node, with its edit ring
    assert edges_drawn(graph) == lab.eval_json(PY_EDGES)
    after = canvas_stats(graph)
    assert after["hash"] != before["hash"], "the canvas did not change after the edit"
    assert after["coloured"] >= 1000, after
    screenshot(graph, "after-edit")

    # Remove edit: back to no edits, the output back to its unedited value.
    gen1 = generation(graph)
    graph.locator("button.iwm-remove").click()
    assert lab.wait_for_python("len(ws.edits)", 0) == 0
    lab.execute("ws.wait()")
    assert lab.eval_json("len(ws.edits)") == 0
    out = lab.eval_json("g.output")
    assert out["after"] == pytest.approx(out["before"], abs=1e-6)
    assert out["after"] == pytest.approx(out0["after"], abs=1e-6)
    synced(lab, graph)
    assert generation(graph) > gen1
    page.wait_for_function(
        "r => r.querySelector('.iwm-output').dataset.changed === '0'", arg=graph.element_handle()
    )
    assert lab.eval_json(f"next(n['edited'] for n in g.nodes if n['id'] == {VX!r})") is False
    assert graph.locator("button.iwm-remove").is_disabled()
    # The same values, the same selection, no hover: the same pixels as before the edit.
    assert canvas_stats(graph)["hash"] == before["hash"]


def test_threshold_slider_reaches_python(lab: Any, graph: Any) -> None:
    page = lab.page
    n0 = edges_drawn(graph)
    assert n0 == lab.eval_json(PY_EDGES)
    found0 = lab.eval_json("g.score['found_edges']")
    slider = graph.locator("input.iwm-threshold")
    hi, step = float(slider.get_attribute("max")), float(slider.get_attribute("step"))
    # (the range input snaps its value to the step: max / 200)
    assert float(slider.input_value()) == pytest.approx(THRESHOLD, abs=step)
    # Drag the thumb with the real mouse from where it is to about 0.05.
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    thumb = 8  # half of Chromium's default thumb width
    track = box["width"] - 2 * thumb
    x0 = box["x"] + thumb + track * THRESHOLD / hi
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move(box["x"] + thumb + track * 0.05 / hi, y, steps=8)
    page.mouse.up()
    want = float(slider.input_value())
    assert 0.03 < want < 0.07, want
    got = lab.wait_for_python("g.edge_threshold", want)
    assert got == pytest.approx(want)
    n1 = edges_drawn(graph)
    assert n1 == lab.eval_json(PY_EDGES)
    assert n1 > n0
    total = lab.eval_json("len(g.effects.edges(0.0))")
    assert graph.locator(".iwm-edge-count").inner_text() == f"{n1} of {total} edges"
    # Python re-scored at the new threshold, and the badge follows.
    found1 = lab.wait_for_python("g.score['found_edges'] > " + str(found0), True)
    assert found1 is True
    found = lab.eval_json("g.score['found_edges']")
    page.wait_for_function(
        "([r, s]) => r.querySelector('.iwm-score').textContent.includes(s)",
        arg=[graph.element_handle(), f"{found} found"],
    )
    # Python -> JS: setting the trait moves the slider and the drawing back.
    lab.execute(f"g.edge_threshold = {THRESHOLD}")
    page.wait_for_function(
        "([r, n]) => Number(r.dataset.edgesDrawn) === n", arg=[graph.element_handle(), n0]
    )
    assert float(slider.input_value()) == pytest.approx(THRESHOLD, abs=step)


def test_png_and_svg_exports_reach_python(lab: Any, graph: Any, tmp_path: Path) -> None:
    page = lab.page
    count0 = int(graph.get_attribute("data-export-count") or 0)
    graph.locator("button.iwm-export-svg").click()
    page.wait_for_function(
        "([r, n]) => r.dataset.exported === 'svg' && Number(r.dataset.exportCount) === n",
        arg=[graph.element_handle(), count0 + 1],
    )
    assert lab.wait_for_python("'svg' in g.exports", True) is True
    graph.locator("button.iwm-export-png").click()
    page.wait_for_function(
        "([r, n]) => r.dataset.exported === 'png' && Number(r.dataset.exportCount) === n",
        arg=[graph.element_handle(), count0 + 2],
    )
    assert lab.wait_for_python("'png' in g.exports", True) is True
    svg_path, png_path = tmp_path / "g.svg", tmp_path / "g.png"
    lab.execute(f"g.save({str(svg_path)!r})\ng.save({str(png_path)!r})")
    assert svg_path.is_file() and png_path.is_file()

    svg = svg_path.read_text()
    n_nodes = len(lab.eval_json("g.nodes"))
    assert svg.lstrip().startswith("<svg")
    assert svg.count("<circle") == n_nodes == 6
    for label in ("position_x", "velocity_x", "next x", "next y"):
        assert f">{label}</text>" in svg
    curves = re.findall(r'<path d="([^"]*)" fill="none"', svg)
    assert sum(d.count("Q") for d in curves) == edges_drawn(graph)

    png = png_path.read_bytes()
    assert png[:8] == PNG_MAGIC
    width, height = struct.unpack(">II", png[16:24])  # IHDR
    canvas = canvas_stats(graph)
    assert (width, height) == (2 * canvas["width"], 2 * canvas["height"])  # EXPORT_SCALE
    RESULTS.mkdir(exist_ok=True)  # the exported image, to look at next to the screenshots
    (RESULTS / "test_png_and_svg_exports_reach_python-g.png").write_bytes(png)


def test_output_node_editor_is_read_only(lab: Any, graph: Any) -> None:
    editor = open_editor(lab, graph, "next x")
    # At the right edge, with its label right of it: the editor flips to the left.
    assert_editor_clear(graph, "next x")
    assert editor.get_attribute("data-side") == "left"
    assert "cannot be edited" in editor.locator(".iwm-editor-msg").inner_text()
    assert graph.locator("button.iwm-apply").is_disabled()
    assert graph.locator("select.iwm-op").is_disabled()
    # A click on the background closes it, in Python too.
    box = graph.locator("canvas.iwm-canvas").bounding_box()
    lab.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert lab.wait_for_python("g.selected", "") == ""
    editor.wait_for(state="hidden")


def test_python_error_shows_the_error_box(lab: Any, graph: Any, screenshot: Any) -> None:
    before = canvas_stats(graph)
    raised = lab.execute(
        "try:\n"
        "    g.edit_node('next x', 'set', 1.0)\n"
        "except Exception as e:\n"
        "    print(type(e).__name__)\n"
    ).strip()
    assert raised == "EditError"
    box = graph.locator(".iwm-error")
    box.wait_for(state="visible")
    assert box.get_attribute("role") == "alert"
    message = lab.eval_json("g.error")
    assert message and box.inner_text().strip() == message.strip()
    assert "output" in message and raised in message
    assert lab.eval_json("len(ws.edits)") == 0
    # The last good graph stays, dimmed.
    assert "iwm-stale" in (graph.get_attribute("class") or "")
    assert canvas_stats(graph)["hash"] == before["hash"]
    screenshot(graph, "error")
    lab.execute(RESET)
    box.wait_for(state="hidden")
    assert "iwm-stale" not in (graph.get_attribute("class") or "")


def test_labels_clear_of_each_other_and_of_the_nodes(lab: Any, graph: Any) -> None:
    _, nodes, labels, _ = scene_boxes(graph)
    assert set(labels) == set(nodes)  # a small graph: every label shown
    c = graph.locator("canvas.iwm-canvas").bounding_box()
    items = sorted(labels.items())
    for k, (a, box) in enumerate(items):
        assert box[0] >= 0 and box[1] >= 0 and box[2] <= c["width"] and box[3] <= c["height"]
        for b, other in items[k + 1 :]:
            assert not intersects(box, other), (a, b)
        for j, node in nodes.items():
            assert j == a or not intersects(box, node), (a, j)
    # The outputs (the deepest layer) have their labels right of them, where no edge goes;
    # the others above or below, out of the way of the edges leaving them sideways.
    for out in ("next x", "next y"):
        assert labels[out][0] > nodes[out][2] - 4, (labels[out], nodes[out])
    for i in ("position_x@blocks.0", VX):
        x = (nodes[i][0] + nodes[i][2]) / 2
        assert labels[i][0] < x < labels[i][2], (i, labels[i], nodes[i])


def test_editor_value_input_enter_applies_escape_closes(
    lab: Any, graph: Any, screenshot: Any
) -> None:
    page = lab.page
    editor = open_editor(lab, graph, VX)
    graph.locator("select.iwm-op").select_option("set")
    value = graph.locator("input.iwm-edit-value")
    assert value.get_attribute("type") == "number"
    assert value.get_attribute("step") == "any"
    value.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("-0.012345")
    assert value.input_value() == "-0.012345"
    # Wide enough to show the whole number (the spin buttons included).
    fits = value.evaluate(
        """el => {
          const cs = getComputedStyle(el);
          const c = document.createElement('canvas').getContext('2d');
          c.font = cs.font;
          const inner = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
          return {text: c.measureText(el.value).width, inner};
        }"""
    )
    assert fits["text"] + 16 <= fits["inner"], fits  # 16: room for Chromium's spin buttons
    screenshot(graph, "value")
    page.keyboard.press("Enter")
    assert lab.wait_for_python("len(ws.edits)", 1) == 1
    lab.execute("ws.wait()")
    got = lab.eval_json("ws.edits[0].value.tolist()")
    assert got == pytest.approx([-0.012345], abs=1e-7)
    synced(lab, graph)
    assert_editor_clear(graph, VX)
    # Escape closes the editor, in Python too.
    value.focus()
    page.keyboard.press("Escape")
    assert lab.wait_for_python("g.selected", "") == ""
    editor.wait_for(state="hidden")


def test_big_graph_of_heads_draws_fast_with_readable_labels(
    lab: Any, graph: Any, screenshot: Any
) -> None:
    page = lab.page
    big = page.locator(ROOT).nth(1)
    big.scroll_into_view_if_needed()
    page.wait_for_function(
        "([r, n, e]) => Number(r.dataset.nodes) === n && Number(r.dataset.edgesDrawn) === e",
        arg=[big.element_handle(), BIG_NODES, BIG_EDGES],
    )
    _, nodes, labels, shapes = scene_boxes(big)
    assert len(nodes) == BIG_NODES
    assert sum(s == "square" for s in shapes.values()) == 192  # the heads
    assert shapes["out0"] == "circle"
    # The legend names the heads (present here), not sites (absent).
    assert big.locator(".iwm-legend-kind[data-kind='head']").is_visible()
    assert not big.locator(".iwm-legend-kind[data-kind='site']").is_visible()
    assert not graph.locator(".iwm-legend-kind[data-kind='head']").is_visible()
    # Labels: never on top of each other or of a node; the rest wait for a hover.
    assert 0 < len(labels) < BIG_NODES
    assert int(big.get_attribute("data-labels")) == len(labels)
    items = list(labels.items())
    for k, (a, box) in enumerate(items):
        for b, other in items[k + 1 :]:
            assert not intersects(box, other), (a, b)
        for j, node in nodes.items():
            # (the label may come within the ring's 4 px of its neighbours, not the node)
            shrunk = (node[0] + 4, node[1] + 4, node[2] - 4, node[3] - 4)
            assert j == a or not intersects(box, shrunk), (a, j)
    hidden = next(i for i in nodes if i not in labels)
    hover_node(big, hidden)
    big.locator(".iwm-tooltip").wait_for(state="visible")
    screenshot(big, "hover")
    page.mouse.move(0, 0)
    page.wait_for_function("r => r.dataset.hover === ''", arg=big.element_handle())
    screenshot(big, "big")
    # Draw time: rebuild the scene (all 200 nodes, 2,000 edges, labels) and paint it, by
    # switching the colour between value and moved; then paint alone, by hovering nodes.
    times = big.evaluate(
        """async (root) => {
          const sel = root.querySelector('select.iwm-colour-by');
          const draw = [], build = [];
          for (let k = 0; k < 20; k++) {
            sel.value = k % 2 ? 'value' : 'moved';
            sel.dispatchEvent(new Event('change'));
            await new Promise((res) => requestAnimationFrame(() => res()));
            draw.push(Number(root.dataset.drawMs));
            build.push(Number(root.dataset.buildMs));
          }
          return {draw, build, paint: Number(root.dataset.paintMs),
                  edges: Number(root.dataset.edgesDrawn)};
        }"""
    )
    assert times["edges"] == BIG_EDGES
    draw = sorted(times["draw"])
    p50, worst = draw[len(draw) // 2], draw[-1]
    print(f"\nbig graph draw (build + paint) ms: p50 {p50:.1f}, max {worst:.1f}; {times}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "causal_graph_big_draw_ms.txt").write_text(
        f"200 nodes / 2000 edges, draw ms p50 {p50:.2f} max {worst:.2f}\n{times}\n"
    )
    assert p50 < 50, times  # a frame or three, not a stall
    lab.execute("big.colour_by = 'value'")


def test_hover_an_edge_of_a_batch_shows_its_interval(lab: Any, graph: Any, screenshot: Any) -> None:
    page = lab.page
    g8 = page.locator(ROOT).nth(2)
    g8.scroll_into_view_if_needed()
    page.wait_for_function(
        "r => Number(r.dataset.edgesDrawn) > 0 && r.querySelector('.iwm-error').hidden",
        arg=g8.element_handle(),
    )
    want = lab.eval_json(
        "(lambda d: {k: d[k] for k in ('mean', 'se', 'lo', 'hi', 'n')})"
        f"(g8.to_networkx().edges[{VX!r}, 'next x'])"
    )
    assert want["n"] == 8 and want["lo"] > 0  # velocity_x moves next x on every ball
    assert g8.locator(".iwm-edge-count").inner_text().endswith(" edges · mean of 8 inputs")
    # A point on the drawn curve (a quadratic through the control point), tried at a few
    # places along it until the view says the mouse is on that edge.
    (x0, y0), (x1, y1) = node_point(g8, VX), node_point(g8, "next x")
    cx, cy = (x0 + x1) / 2 - (y1 - y0) * BEND, (y0 + y1) / 2 + (x1 - x0) * BEND
    box = g8.locator("canvas.iwm-canvas").bounding_box()  # the control point stays inside
    cx = max(box["x"] + 1, min(box["x"] + box["width"] - 1, cx))
    cy = max(box["y"] + 1, min(box["y"] + box["height"] - 1, cy))
    key = f"edge:{VX}->next x"
    for t in (0.5, 0.4, 0.6, 0.3, 0.7):
        px = (1 - t) ** 2 * x0 + 2 * t * (1 - t) * cx + t**2 * x1
        py = (1 - t) ** 2 * y0 + 2 * t * (1 - t) * cy + t**2 * y1
        page.mouse.move(px - 20, py - 20)
        page.mouse.move(px, py, steps=4)
        try:
            page.wait_for_function(
                "([r, k]) => r.dataset.hover === k", arg=[g8.element_handle(), key], timeout=1500
            )
            break
        except Exception:
            continue
    assert g8.get_attribute("data-hover") == key
    tip = g8.locator(".iwm-tooltip")
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert "velocity_x → next x" in text, text
    num = r"([+−-]?[\d.]+(?:e[+-]?\d+)?)"
    m = re.search(rf"effect {num} ± {num} \(95% CI \[{num}, {num}\]\), n=8", text)
    assert m, text
    got = [float(v.replace("−", "-")) for v in m.groups()]
    for value, k in zip(got, ("mean", "se", "lo", "hi"), strict=True):
        assert value == pytest.approx(want[k], rel=2e-3, abs=1e-4), (k, text)
    screenshot(g8, "edge-interval")
    page.mouse.move(0, 0)
    page.wait_for_function("r => r.dataset.hover === ''", arg=g8.element_handle())
    tip.wait_for(state="hidden")


def client_box(loc: Any) -> Box:
    b = loc.bounding_box()
    return (b["x"], b["y"], b["x"] + b["width"], b["y"] + b["height"])


def test_tooltip_never_covers_the_open_editor(lab: Any, graph: Any, screenshot: Any) -> None:
    """Hovering nodes while the editor is open: the tooltip is hidden or clear of it."""
    page = lab.page
    editor = open_editor(lab, graph, VX)
    tip = graph.locator(".iwm-tooltip")
    ids = lab.eval_json("[n['id'] for n in g.nodes]")
    shown = 0
    for node_id in [VX, *ids]:
        hover_node(graph, node_id)
        page.wait_for_timeout(50)  # the hover's frame has placed the tooltip
        if tip.is_visible():
            shown += 1
            assert not intersects(client_box(tip), client_box(editor)), node_id
        if node_id == VX:
            screenshot(graph, "tooltip-with-editor")
    assert shown >= 1, "no tooltip at all while the editor is open"
    assert editor.is_visible()


def test_light_and_dark_exports_say_their_theme(lab: Any, graph: Any, screenshot: Any) -> None:
    """The PNG/SVG buttons say the export copies the theme; the PNG's background is it."""
    page = lab.page
    png = graph.locator("button.iwm-export-png")
    try:
        for theme in ("light", "dark"):
            set_theme(page, theme)
            page.wait_for_function(
                "([r, t]) => r.dataset.exportTheme === t", arg=[graph.element_handle(), theme]
            )
            assert png.inner_text() == f"PNG ({theme}, as shown)"
            assert f"{theme} background" in (png.get_attribute("title") or "")
            assert graph.locator("button.iwm-export-svg").inner_text() == f"SVG ({theme}, as shown)"
            lab.execute("g.exports.clear()")
            png.click()
            assert lab.wait_for_python("'png' in g.exports", True) is True
            # the exported PNG's corner pixel: the theme's background
            corner = page.evaluate(
                """async (url) => {
                  const img = new Image(); img.src = url; await img.decode();
                  const c = document.createElement('canvas');
                  c.width = img.width; c.height = img.height;
                  const x = c.getContext('2d'); x.drawImage(img, 0, 0);
                  return Array.from(x.getImageData(1, 1, 1, 1).data);
                }""",
                lab.eval_json("g.exports['png']"),
            )
            lum = 0.2126 * corner[0] + 0.7152 * corner[1] + 0.0722 * corner[2]
            assert (lum < 80) if theme == "dark" else (lum > 200), (theme, corner)
            editor = open_editor(lab, graph, VX)
            assert editor.locator(".iwm-editor-scope").is_visible()
            hover_node(graph, VX)
            page.wait_for_timeout(50)
            screenshot(graph, f"{theme}-editor")
            gen = graph.locator(".iwm-generation")
            assert "run" in (gen.get_attribute("title") or ""), "generation N is unexplained"
            lab.execute('g.selected = ""')
            page.mouse.move(0, 0)
            graph.locator(".iwm-editor").wait_for(state="hidden")
    finally:
        set_theme(page, "light")
