"""The user's own code on a model while Workspaces re-run it in the background.

The runner traces through the library's wrapper (``Model.engine``) and nnsight routes
a call only to a trace of the calling thread (``tracing/_threads.py``). These loops
failed before: 7 of 40 plain forwards raised greenlet errors and the runner got
``OutOfOrderError``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from contextlib import contextmanager

import nnsight
import pytest
import torch

import iwm_widgets as iwm

ITERATIONS = 200


@pytest.fixture(scope="module")
def ball():
    return iwm.load("bouncing-ball")


@contextmanager
def threads(n: int):
    """Run torch with ``n`` intra-op threads here (the runner uses 1: same float sums)."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def recorder(ws):
    """Every result the runner published, with the state that produced it."""
    seen = []

    def cb(event, w):
        if event == "result":
            r = w.result
            seen.append((r.edits, r.output.clone(), r.rollout.clone(), r.generation))

    ws.observe(cb)
    return seen


def check_background_results(ws, seen):
    """Each published result equals a synchronous run of the same edits."""
    assert seen, "the runner published nothing"
    refs: dict[tuple, tuple[torch.Tensor, torch.Tensor]] = {}
    with threads(ws.runner_threads):
        for edits, out, roll, _ in seen:
            # the edits' content: the runner also shows superseded results, so one edit
            # id can come with several values
            key = tuple(json.dumps(e.to_dict(), sort_keys=True) for e in edits)
            if key not in refs:
                r = iwm.run(ws.model, ws.inputs, edits, rollout_steps=ws.rollout_steps)
                refs[key] = (r.output, r.rollout)
            assert torch.equal(out, refs[key][0])
            assert torch.equal(roll, refs[key][1])
    gens = [g for *_, g in seen]
    assert gens == sorted(gens), "results published out of order"


def no_hooks(module: torch.nn.Module) -> bool:
    return all(not m._forward_hooks and not m._forward_pre_hooks for m in module.modules())


def hammer(ball, x, user_call):
    """The issue's loop: a background re-run after every edit, ``user_call(i)`` (the
    user's own forward or trace, which asserts its output) while it runs, then wait and
    clear. Returns the closed Workspace, what it published and every exception seen."""
    ws = iwm.Workspace(ball, x)
    ws.wait()
    seen = recorder(ws)
    edit = iwm.Edit.add(ball.layers[2], torch.ones(64) * 5.0)
    errors = []
    for i in range(ITERATIONS):
        ws.add_edit(edit)  # background re-run
        try:
            user_call(i)
        except Exception as e:
            errors.append(e)
        try:
            ws.wait()
            ws.clear_edits()
            ws.wait()
        except Exception as e:
            errors.append(e)
    ws.close()
    return ws, seen, errors


def test_plain_forwards_while_the_workspace_reruns(ball):
    x = ball.sample(seed=0)
    with torch.no_grad():
        reference = ball.module(x).clone()
    checksum = ball.weights_checksum()

    def forward(i: int) -> None:
        with torch.no_grad():
            out = ball.module(x)
        assert torch.equal(out, reference), "a user forward carried the Workspace's edit"

    ws, seen, errors = hammer(ball, x, forward)
    assert errors == []
    assert ws.stats["runs"] >= 1
    check_background_results(ws, seen)
    assert ball.weights_checksum() == checksum
    assert no_hooks(ball.module) and no_hooks(ball.engine_module)


def test_user_nnsight_traces_while_the_workspace_reruns(ball):
    """The user's own traces, one of them with an edit of its own, interleaved with runs."""
    x = ball.sample(seed=1)
    net = ball.nnsight
    site = ball.layers[1]
    with torch.no_grad():
        reference = ball.module(x).clone()

    def trace(i: int) -> None:
        with torch.no_grad(), net.trace(x):
            if i % 2:  # the user's own intervention must not reach the Workspace
                net.get(site).output[:] = 0.0
            out = net.output.save()
        if i % 2 == 0:
            assert torch.equal(out, reference), "a user trace carried the Workspace's edit"

    ws, seen, errors = hammer(ball, x, trace)
    assert errors == []
    check_background_results(ws, seen)
    assert no_hooks(ball.module) and no_hooks(ball.engine_module)


def test_two_workspaces_and_a_user_thread_share_one_model(ball):
    """Two runners on one model and a user thread tracing it: all serialised, all right."""
    x = ball.sample(seed=2)
    with torch.no_grad():
        reference = ball.module(x).clone()
    a, b = iwm.Workspace(ball, x), iwm.Workspace(ball, x)
    seen_a, seen_b = recorder(a), recorder(b)
    stop = threading.Event()
    errors: list[BaseException] = []

    def user() -> None:
        while not stop.is_set():
            try:
                with torch.no_grad(), ball.nnsight.trace(x):
                    out = ball.nnsight.output.save()
                assert torch.equal(out, reference)
            except BaseException as e:
                errors.append(e)
                return

    t = threading.Thread(target=user)
    t.start()
    try:
        for k in range(40):
            a.add_edit(iwm.Edit.add(ball.layers[2], torch.ones(64), scale=float(k)).with_(id="a"))
            b.add_edit(iwm.Edit.scale(ball.layers[1], 1.0 + k / 40).with_(id="b"))
        a.wait()
        b.wait()
    finally:
        stop.set()
        t.join()
        a.close()
        b.close()
    assert errors == []
    check_background_results(a, seen_a)
    check_background_results(b, seen_b)


def test_run_error_path_raises_our_error_only(ball):
    """A trace whose body fails raises RunError, never an unrelated exception."""
    from iwm_widgets.errors import RunError

    x = ball.sample(seed=0)
    ws = iwm.Workspace(ball, x, background=False)
    bad = iwm.Edit.add(ball.layers[2], torch.ones(64) * 1e30)  # finite, runs, no error
    ws.add_edit(bad)
    ws.clear_edits()
    # nnsight's own trace API stays usable after the Workspace's runs
    with torch.no_grad(), ball.nnsight.trace(x):
        out = nnsight.save(ball.nnsight.output)
    assert torch.equal(out, ball.module(x))
    with pytest.raises(RunError, match="boom"):
        _raise_in_trace(ball, x)
    assert torch.equal(ws.run().output, out)  # the Workspace still runs, unedited


def _raise_in_trace(ball, x):
    """A model whose forward raises inside the trace (the guard in real models)."""
    from iwm_widgets.tracing.run import run

    def explode(*a, **k):
        raise FloatingPointError("boom")

    mod = ball.engine_module.get_submodule(ball.layers[1])
    handle = mod.register_forward_hook(explode)
    try:
        run(ball, x, [iwm.Edit.add(ball.layers[2], torch.ones(64))])
    finally:
        handle.remove()


SCRIPT = (
    "import torch, iwm_widgets as iwm; m = iwm.load('bouncing-ball'); "
    "ws = iwm.Workspace(m, m.sample(seed=0)); "
    "ws.add_edit(iwm.Edit.add(m.layers[2], torch.ones(64)))"
)


@pytest.mark.slow
def test_a_script_with_a_run_in_flight_exits_cleanly():
    """Exit code 0, many times in a row (it aborted with SIGABRT before: a race at exit)."""
    for _ in range(2):
        procs = [
            subprocess.Popen([sys.executable, "-c", SCRIPT], stderr=subprocess.PIPE, text=True)
            for _ in range(6)
        ]
        for p in procs:
            _, err = p.communicate(timeout=120)
            assert p.returncode == 0, err[-2000:]
            assert "terminate called" not in err
