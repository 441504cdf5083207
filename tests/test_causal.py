"""Causal effects and the CausalGraph widget against known graphs."""

from __future__ import annotations

import json

import networkx as nx
import pytest
import torch
from torch import nn

import iwm_widgets as iwm
from iwm_widgets.errors import EditError, InputError
from iwm_widgets.transport import from_buffer


class KnownGraph(nn.Module):
    """x → a → b → out and x → c → out: no path from a (or b) to c, none from c to b."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.a = nn.Linear(3, 8)
        self.b = nn.Sequential(nn.Linear(8, 8), nn.Tanh())
        self.c = nn.Linear(3, 8)
        self.out = nn.Linear(16, 2)

    def forward(self, x):
        a = self.a(x)
        b = self.b(a)
        c = self.c(x)
        return self.out(torch.cat([b, c], -1))


def test_ablating_a_node_changes_exactly_its_downstream_nodes():
    model = iwm.load(KnownGraph())
    x = torch.randn(1, 4, 3, generator=torch.Generator().manual_seed(2))
    out = iwm.output_node(lambda o: o[:, -1, 0], "out")
    ce = iwm.causal_effects(model, ["a", "b", "c", out], x)
    ids = [n.id for n in ce.nodes]
    eff = dict(zip(ids, ce.effects, strict=True))
    assert eff["a"][ids.index("b")] != 0 and eff["a"][ids.index("out")] != 0
    assert eff["a"][ids.index("c")] == 0  # no path a → c: exactly zero
    assert eff["b"][ids.index("c")] == 0
    assert eff["c"][ids.index("b")] == 0  # c comes later and feeds only the output
    assert eff["c"][ids.index("out")] != 0
    g = ce.to_networkx(threshold=1e-9)
    assert set(g.edges) == {("a", "b"), ("a", "out"), ("b", "out"), ("c", "out")}


@pytest.fixture(scope="module")
def ball():
    return iwm.load("bouncing-ball")


@pytest.fixture(scope="module")
def variables(ball):
    vel = iwm.probe_sweep(ball, "velocity", n=256, progress=False).variable(
        "velocity", layer="blocks.2"
    )
    pos = iwm.probe_sweep(ball, "position", n=256, progress=False).variable(
        "position", layer="blocks.0"
    )
    return pos, vel


def next_pos_nodes():
    return [
        iwm.output_node(lambda o: o[:, -1, 0], "next x", "position_x"),
        iwm.output_node(lambda o: o[:, -1, 1], "next y", "position_y"),
    ]


def test_bouncing_ball_graph_contains_velocity_to_next_position(ball, variables):
    pos, vel = variables
    scores, gains, cross = [], [], []
    for seed in range(5):
        x = ball.sample(seed=seed)
        ce = iwm.causal_effects(ball, [pos, vel, *next_pos_nodes()], x, delta=0.005)
        g = ce.to_networkx(threshold=0.2)
        assert g.has_edge("velocity_x@blocks.2", "next x")
        assert g.has_edge("velocity_y@blocks.2", "next y")
        assert not g.has_edge("velocity_x@blocks.2", "next y")
        e = ce.effects
        ids = [n.id for n in ce.nodes]
        vx, nx_, ny = ids.index("velocity_x@blocks.2"), ids.index("next x"), ids.index("next y")
        gains.append(float(e[vx, nx_]))
        cross.append(abs(float(e[vx, ny])))
        scores.append(ce.score(ball.true_graph, 0.2))
    # one position edited, later layers still read the unedited past: gains below 1
    assert 0.5 < sum(gains) / len(gains) < 1.3
    assert sum(cross) < 0.25 * sum(gains)  # vx moves next x, much less next y
    assert all(s["precision"] == 1.0 for s in scores)
    assert all(s["recall"] >= 0.5 for s in scores)  # velocity edges found in every sample


def test_effects_are_measured_under_the_current_edits(ball, variables):
    _, vel = variables
    ws = iwm.Workspace(ball, ball.sample(seed=0), background=False)
    nodes = [vel, *next_pos_nodes()]
    before = iwm.causal_effects(ws, nodes)
    ws.add_edit(iwm.Edit.ablate("blocks.3", positions=[-1]))  # downstream of velocity
    after = iwm.causal_effects(ws, nodes)
    assert not torch.allclose(before.effects, after.effects)


def test_causal_graph_widget_edit_reruns(ball, variables, tmp_path):
    pos, vel = variables
    ws = iwm.Workspace(ball, ball.sample(seed=0, latents=True), background=False)
    g = iwm.CausalGraph(ws, [pos, vel, *next_pos_nodes()], threshold=0.2)
    edges = from_buffer(g.edges)
    assert edges.shape[1] == 3 and len(g.nodes) == 6
    assert g.score["precision"] == 1.0 and g.score["true_edges"] == 4
    gen, before = g.generation, g.output["after"]
    g.edit_node("velocity_x@blocks.2", "set", 0.05)  # as the editor in the browser does
    assert len(ws.edits) == 1 and g.generation > gen
    assert g.output["after"] != before
    node = next(n for n in g.nodes if n["id"] == "velocity_x@blocks.2")
    assert node["edited"] and node["value"] == pytest.approx(0.05, abs=1e-5)
    g.remove_node_edit("velocity_x@blocks.2")
    assert ws.edits == () and g.output["after"] == pytest.approx(before)
    G = g.to_networkx()
    assert G.has_edge("velocity_x@blocks.2", "next x")
    g.save(tmp_path / "g.graphml")
    assert nx.read_graphml(tmp_path / "g.graphml").has_edge("velocity_x@blocks.2", "next x")
    assert json.loads(g.to_json())["edges"]
    with pytest.raises(EditError, match="output"):
        g.edit_node("next x", "set", 1.0)
    assert "output" in g.error
    with pytest.raises(RuntimeError, match="click the button"):
        g.save(tmp_path / "g.png")


def test_graph_bad_input(ball, variables):
    _, vel = variables
    ws = iwm.Workspace(ball, ball.sample(seed=0), background=False)
    with pytest.raises(InputError, match="not upstream"):
        iwm.CausalGraph(ws, [vel])  # nothing after it
    with pytest.raises(InputError, match="browser budget"):
        many = [
            iwm.Node(f"n{i}", "site", iwm.Site("blocks.0"), position=i % 32) for i in range(201)
        ]
        iwm.CausalGraph(ws, many)
    assert ws.edits == ()


def test_graph_forgets_node_edits_removed_elsewhere(ball, variables):
    _, vel = variables
    ws = iwm.Workspace(ball, ball.sample(seed=0), background=False)
    g = iwm.CausalGraph(ws, [vel, *next_pos_nodes()], threshold=0.2)
    g.edit_node("velocity_x@blocks.2", "set", 0.04)
    assert any(n["edited"] for n in g.nodes)
    ws.clear_edits()
    assert not any(n["edited"] for n in g.nodes)
    assert g.output["after"] == pytest.approx(g.output["before"])
