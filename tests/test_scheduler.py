"""The Workspace is the one scheduler of traces for views: measurements (a graph's causal
effects) run after the main run of the same state, latest wins; ProbeSweep.observe."""

from __future__ import annotations

import gc
import threading

import pytest
import torch

import iwm_widgets as iwm


@pytest.fixture(scope="module")
def ball():
    return iwm.load("bouncing-ball")


def next_x():
    return iwm.output_node(lambda o: o[:, -1, 0], "next x", "position_x")


def test_graph_effects_are_measured_by_the_workspace_runner(ball):
    ws = iwm.Workspace(ball, ball.sample(seed=0))
    ws.wait()
    g = iwm.CausalGraph(ws, [ball.layers[1], ball.layers[2], next_x()], threshold=0.0)
    key = f"causal_effects:{id(g)}"
    assert key in ws.measure_keys
    threads: list[str] = []
    ws.observe(
        lambda ev, w: threads.append(threading.current_thread().name) if ev == "result" else None
    )
    edit = iwm.Edit.add(ball.layers[1], torch.ones(64), scale=2.0)
    ws.add_edit(edit)
    res = ws.wait()
    assert threads and set(threads) == {"iwm-runner"}
    ce = res.measures[key]
    assert g.effects is ce and g.generation == res.generation
    ref = iwm.causal_effects(ball, g._nodes, ws.inputs, edits=[edit])
    assert torch.allclose(ce.effects, ref.effects, atol=1e-6)
    g.close()
    assert key not in ws.measure_keys
    ws.close()


def test_a_burst_measures_far_fewer_states_than_it_requests(ball):
    ws = iwm.Workspace(ball, ball.sample(seed=1))
    ws.wait()
    calls: list[int] = []
    owner = object()

    def measure(result):
        calls.append(result.generation)
        return float(result.output[0, -1, 0])

    ws.add_measure(owner, "probe", measure)
    edit = iwm.Edit.add(ball.layers[2], torch.ones(64), scale=0.0)
    ws.add_edit(edit)
    for k in range(1, 60):
        ws.replace_edit(edit.id, edit.with_(scale_=float(k)))
    res = ws.wait()
    assert res.measures["probe"] == pytest.approx(float(res.output[0, -1, 0]))
    assert res.edits[0].scale_ == 59.0
    assert len(calls) < 30, len(calls)  # latest wins: stale states are not measured
    assert calls == sorted(calls) and calls[-1] == res.generation
    ws.remove_reads(owner)
    ws.close()


def test_a_failing_measurement_is_shown_by_its_view_and_spares_the_run(ball):
    ws = iwm.Workspace(ball, ball.sample(seed=2), background=False)
    amap = iwm.ActivationMap(ws)
    g = iwm.CausalGraph(ws, [ball.layers[1], next_x()], threshold=0.0)
    key = f"causal_effects:{id(g)}"

    def broken(result):
        raise FloatingPointError("measure exploded")

    ws.add_measure(g, key, broken)
    res = ws.run()
    assert isinstance(res.measures[key], FloatingPointError)
    assert "measure exploded" in g.error
    assert amap.error == "" and amap.generation == res.generation  # the map still drew
    g.close()
    amap.close()


def test_probe_sweep_observe_is_called_and_holds_views_weakly(ball):
    sweep = iwm.probe_sweep(ball, "velocity", n=64, seed=3, progress=False)
    seen: list[str | None] = []
    sweep.observe(lambda ev, s: seen.append(s.selected))
    sweep.selected = sweep.sites[1]
    assert seen == [sweep.sites[1]]

    class View:
        def __init__(self) -> None:
            self.calls = 0

        def on(self, ev, s) -> None:
            self.calls += 1

    v = View()
    sweep.observe(v.on)
    sweep.selected = sweep.sites[2]
    assert v.calls == 1
    del v
    gc.collect()
    sweep.selected = sweep.sites[0]  # the dropped view is not called (nor kept alive)
    assert len(sweep.__dict__["_observers"]) == 2 and seen[-1] == sweep.sites[0]
    from iwm_widgets.widgets import ProbeChart

    chart = ProbeChart(sweep)  # a live chart follows a pick made in code
    sweep.selected = sweep.sites[1]
    assert chart.selected == sweep.sites[1]
    chart.close()
    sweep.selected = sweep.sites[2]  # a closed chart no longer follows
    assert chart.selected == sweep.sites[1]
