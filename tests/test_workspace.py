"""Workspace: re-runs on change, latest wins, errors reported, model left clean."""

from __future__ import annotations

import threading
import time

import pytest
import torch
from torch import nn

import iwm_widgets as iwm
from iwm_widgets.errors import EditError, RunError, SiteNotFoundError


def sync_run(ws, edits):
    """A synchronous run with the runner's torch thread count (the same float sums:
    1 and 2 intra-op threads differ in the last bit here)."""
    before = torch.get_num_threads()
    torch.set_num_threads(ws.runner_threads)
    try:
        return iwm.run(ws.model, ws.inputs, list(edits))
    finally:
        torch.set_num_threads(before)


class Slow(nn.Module):
    """A layer that takes a while, like a bigger model does."""

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        time.sleep(0.03)
        return h


def test_edit_reruns_and_matches_direct_run(tiny, tiny_x):
    ws = iwm.Workspace(tiny, tiny_x)
    first = ws.wait() if ws.result else ws.run()
    edit = iwm.Edit.add("blocks.1", torch.ones(16), 2.0)
    eid = ws.add_edit(edit)
    res = ws.wait()
    assert res.generation > first.generation
    assert res.edits == (edit,)
    assert torch.equal(res.output, sync_run(ws, [edit]).output)
    ws.remove_edit(eid)
    assert torch.equal(ws.wait().output, first.output)
    ws.close()


def test_burst_of_edits_never_queues_runs_and_last_value_wins(tiny, tiny_x):
    tiny.guard = Slow()  # ~30 ms per run
    ws = iwm.Workspace(tiny, tiny_x)
    ws.run()
    published: list[int] = []
    ws.observe(lambda ev, w: published.append(w.result.generation) if ev == "result" else None)
    edit = iwm.Edit.add("blocks.0", torch.ones(16), 0.0)
    ws.add_edit(edit)
    for k in range(1, 41):  # a fast drag: 40 values in a few ms
        ws.replace_edit(edit.id, edit.with_(scale_=float(k)))
    res = ws.wait()
    assert res.edits[0].scale_ == 40.0  # the last value is the one applied
    assert torch.equal(res.output, sync_run(ws, ws.edits).output)
    assert len(published) <= 4, published  # no queue of 40 runs
    assert published == sorted(published)  # never an older result after a newer one
    ws.close()


class Gate(nn.Module):
    """A layer that, once armed, holds the forward pass until the test opens it."""

    def __init__(self) -> None:
        super().__init__()
        self.armed = False
        self.entered = threading.Event()
        self.opened = threading.Event()

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if self.armed:
            self.entered.set()
            self.opened.wait(30)
        return h


def test_runner_does_not_block_the_caller(tiny, tiny_x):
    tiny.guard = gate = Gate()
    ws = iwm.Workspace(tiny, tiny_x)
    ws.run()
    gate.armed = True
    ws.add_edit(iwm.Edit.scale("blocks.2", 0.5))  # returns although the run cannot finish
    assert gate.entered.wait(10), "the re-run never started"
    assert ws.status == "running" and not gate.opened.is_set()
    gate.opened.set()
    res = ws.wait()
    assert len(res.edits) == 1
    ws.close()


def test_failed_run_reports_error_and_workspace_recovers(tiny, tiny_x):
    ws = iwm.Workspace(tiny, tiny_x)
    clean = ws.run()
    checksum = ws.model.weights_checksum()
    events: list[str] = []
    ws.observe(lambda ev, w: events.append(ev))
    bad = iwm.Edit.add("blocks.2", torch.ones(16), 1e6)
    ws.add_edit(bad)
    with pytest.raises(RunError, match="overflowed"):
        ws.wait()
    assert "error" in events and isinstance(ws.error, RunError)
    ws.remove_edit(bad.id)
    res = ws.wait()
    assert ws.error is None
    assert torch.equal(res.output, clean.output)
    assert ws.model.weights_checksum() == checksum
    ws.close()


def test_invalid_edits_are_rejected_before_running(tiny, tiny_x):
    ws = iwm.Workspace(tiny, tiny_x, background=False)
    ws.run()
    errors: list[str] = []
    ws.observe(lambda ev, w: errors.append(str(w.error)) if ev == "error" else None)
    with pytest.raises(SiteNotFoundError):
        ws.add_edit(iwm.Edit.ablate("blocks.7"))
    with pytest.raises(EditError, match="length 3"):
        ws.add_edit(iwm.Edit.add("blocks.0", torch.ones(3)))
    assert ws.edits == ()
    assert len(errors) == 2 and "blocks.7" in errors[0]


def test_selection_is_observable(tiny, tiny_x):
    ws = iwm.Workspace(tiny, tiny_x, background=False)
    seen = []
    ws.observe(lambda ev, w: seen.append(w.selection) if ev == "selection" else None)
    ws.selection = {"site": "blocks.1", "position": 2}
    ws.selection = {"site": "blocks.1", "position": 2}  # no change, no event
    assert seen == [{"site": "blocks.1", "position": 2}]
