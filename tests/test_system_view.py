"""SystemView and the spatial CausalGraph over a springs world: the traits carry what the
model predicts and what the simulator says, the dial's edit reaches the rollout, the
spatial layout puts each node where its particle is, and bad input says what to do.

The model is a freshly initialised springs transformer (seeded): the views' plumbing does
not depend on trained weights, and the test needs no weight file.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import iwm_widgets as iwm
from iwm_widgets.errors import EditError, InputError
from iwm_widgets.tracing import Model
from iwm_widgets.transport import from_buffer
from iwm_widgets.widgets._palette import particle_color
from iwm_widgets.widgets.causal_graph import ParticleGraph
from iwm_widgets.widgets.system_view import particle_positions
from iwm_widgets.zoo.springs import SpringsSpec


@pytest.fixture(scope="module")
def springs() -> tuple[Model, SpringsSpec]:
    spec = SpringsSpec()
    torch.manual_seed(0)
    module = spec.build_module().eval()
    return Model(module, name="springs", kind="world", layers=spec.layer_sites, spec=spec), spec


def workspace(springs: tuple[Model, SpringsSpec], seed: int = 3) -> iwm.Workspace:
    model, spec = springs
    return iwm.Workspace(model, spec.sample(seed=seed, latents=True), background=False)


def frames(payload: dict) -> torch.Tensor:
    return torch.as_tensor(from_buffer(payload).copy())


def test_traits_carry_the_models_rollout_and_the_simulators_future(springs) -> None:
    model, spec = springs
    ws = workspace(springs)
    view = iwm.SystemView(ws)
    assert view.error == "" and view.n_particles == 4
    x, truth = ws.inputs[0], ws.truth
    T, S = x.shape[0], ws.rollout_steps
    assert torch.equal(frames(view.context), x.reshape(T, 4, 2))
    with torch.no_grad():
        want = model.module.rollout(ws.inputs, S)[0].reshape(S, 4, 2)
    assert torch.allclose(frames(view.model_future), want, atol=1e-6)
    sim = spec.simulate_future(truth, S).reshape(S, 4, 2)
    assert torch.allclose(frames(view.sim_future), sim)
    assert torch.allclose(frames(view.velocity), truth["velocity"][-1].reshape(4, 2))
    assert view.velocity_source == "simulator" and view.has_truth
    assert view.model_cf == {} and view.sim_cf == {}
    assert view.colors == [particle_color(i) for i in range(4)]
    # the springs stay hidden until asked for, then are the truth's
    assert view.springs == []
    view.show_springs = True
    a = truth["adjacency"]
    assert view.springs == [[i, j] for i in range(4) for j in range(i + 1, 4) if a[i, j]]
    view.close()


def test_the_dial_edit_reaches_the_rollout_and_the_simulators_counterfactual(springs) -> None:
    model, spec = springs
    ws = workspace(springs)
    view = iwm.SystemView(ws, particle=2)
    base = frames(view.model_future)
    v = torch.tensor([0.03, -0.025])
    view.set_velocity(2, float(v[0]), float(v[1]))
    assert view.error == "" and len(ws.edits) == 1
    cf = frames(view.model_cf)
    assert not torch.allclose(cf, base)
    # the edit is the input with particle 2's last displacement equal to the dial
    x = ws.inputs.clone()
    T = x.shape[1]
    x[0, T - 2, 4:6] = x[0, T - 1, 4:6] - v
    with torch.no_grad():
        want = model.module.rollout(x, ws.rollout_steps)[0].reshape(-1, 4, 2)
    assert torch.allclose(cf, want, atol=1e-5)
    # the simulator's counterfactual: the true velocity, particle 2's replaced
    vel = ws.truth["velocity"][-1].clone()
    vel[4:6] = v
    sim_cf = spec.simulate_future(ws.truth, ws.rollout_steps, velocity=vel).reshape(-1, 4, 2)
    assert torch.allclose(frames(view.sim_cf), sim_cf)
    assert not torch.allclose(frames(view.sim_cf), frames(view.sim_future))
    assert "embed.input" in view.code
    # the unedited futures stay what they were; reset removes the edit
    assert torch.allclose(frames(view.model_future), base)
    view.reset()
    assert ws.edits == () and view.model_cf == {} and view.sim_cf == {}
    view.close()


def test_a_non_springs_model_gets_a_clear_error() -> None:
    ws = iwm.Workspace(iwm.load("bouncing-ball"), background=False)
    with pytest.raises(InputError, match="SystemView shows a springs world"):
        iwm.SystemView(ws)
    with pytest.raises(InputError, match="springs world"):
        iwm.CausalGraph.from_interactions(ws, np.zeros((4, 4)))


def test_bad_dial_and_particle(springs) -> None:
    ws = workspace(springs)
    view = iwm.SystemView(ws)
    with pytest.raises(ValueError, match=r"particle must be one of 0\.\.3"):
        view.set_velocity(7, 0.0, 0.0)
    view.dial = {"vx": float("nan"), "vy": 0.0}
    assert "non-finite" in view.error and ws.edits == ()
    view.close()


def test_spatial_layout_puts_nodes_where_the_particles_are(springs) -> None:
    ws = workspace(springs)
    adj = ws.truth["adjacency"].numpy()
    scores = 0.9 * adj + 0.1
    np.fill_diagonal(scores, 0.0)
    false = next((i, j) for i in range(4) for j in range(i + 1, 4) if not adj[i, j])
    scores[false] = scores[false[::-1]] = 0.8
    g = iwm.CausalGraph.from_interactions(ws, torch.as_tensor(scores), threshold=0.5)
    assert isinstance(g, ParticleGraph) and isinstance(g, iwm.CausalGraph)
    assert g.graph_layout == "spatial" and g.directed is False and g.error == ""
    pos = particle_positions(ws)
    assert torch.allclose(pos, ws.inputs[0, -1].reshape(4, 2))
    for i, n in enumerate(g.nodes):
        assert n["x"] == pytest.approx(float(pos[i, 0]))
        assert n["y"] == pytest.approx(1.0 - float(pos[i, 1]))  # layout: y = 0 at the top
        assert n["color"] == particle_color(i)
    true = [[i, j] for i in range(4) for j in range(i + 1, 4) if adj[i, j]]
    assert g.true_edges == true
    edges = from_buffer(g.edges)
    assert edges.shape == (6, 3)  # one undirected edge per pair
    assert g.score["recall"] == 1.0 and g.score["extra"] == [
        f"particle {false[0]} – particle {false[1]}"
    ]
    assert g.score["precision"] == pytest.approx(len(true) / (len(true) + 1))
    nxg = g.to_networkx()
    assert nxg.number_of_edges() == len(true) + 1
    assert nxg.edges[f"particle {false[0]}", f"particle {false[1]}"]["true"] is False
    g.close()


def test_live_graph_takes_a_spatial_layout(springs) -> None:
    ws = workspace(springs)
    pos = particle_positions(ws)
    nodes = [iwm.output_node(lambda o, i=i: o[:, -1, 2 * i], f"next x{i}") for i in range(4)]
    g = iwm.CausalGraph(
        ws, ["blocks.1", *nodes], layout="spatial",
        positions=torch.cat([torch.tensor([[0.5, 0.5]]), pos]), particles=[0, 0, 1, 2, 3],
    )  # fmt: skip
    assert g.graph_layout == "spatial"
    assert [n["x"] for n in g.nodes][1:] == pytest.approx(pos[:, 0].tolist())
    assert [n["color"] for n in g.nodes][2:] == [particle_color(i) for i in (1, 2, 3)]
    with pytest.raises(ValueError, match="needs positions"):
        iwm.CausalGraph(ws, ["blocks.1", *nodes], layout="spatial")
    with pytest.raises(ValueError, match="layout must be one of"):
        iwm.CausalGraph(ws, ["blocks.1", *nodes], layout="circle")
    g.close()


def test_the_dial_clamps_a_velocity_variable_when_given_one() -> None:
    """``variables={p: Variable}``: the dial clamps particle p's internal velocity (a probe
    on the shipped springs-fixed) from the last step on instead of editing the input."""
    model = iwm.load("springs-fixed")
    (sweep,) = iwm.particle_sweeps(
        model, "velocity", particles=[0], features="own", sites=["blocks.1"], n=64, progress=False
    )
    var = sweep.variable(layer="blocks.1")
    ws = iwm.Workspace(model, model.sample(seed=7, latents=True), rollout_steps=8, background=False)
    view = iwm.SystemView(ws, variables={0: var})
    base = frames(view.model_future)
    v = (0.02, -0.01)
    view.set_velocity(0, *v)
    assert view.error == "" and view.dial_mode == "variable"
    (e,) = ws.edits
    assert e.op == "clamp" and str(e.site) == "blocks.1"
    res = iwm.run(model, ws.inputs, list(ws.edits), reads=["blocks.1"])
    assert torch.allclose(var.readout(res)[0, -1], torch.tensor(v), atol=1e-5)  # clamped
    cf = frames(view.model_cf)
    assert not torch.allclose(cf, base)
    assert "embed.input" not in view.code
    with pytest.raises(EditError, match="components"):
        iwm.SystemView(ws, variables={0: sweep.variable(layer="blocks.1").component(0)})
    view.close()
